"""What the log (settings.LOGGING) says: a refused request in one line, a failed one with
its traceback, and nothing of the letters in a PDF manifest's names."""

import io
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django.utils.functional import SimpleLazyObject

from reliefline.evacuation.pdf import FAMILY, ManifestDocument


def _fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


# The URLs of test_a_failed_request_keeps_its_traceback (pytest.mark.urls).
urlpatterns = [path("fails/", _fails)]


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Yield what the log's handlers (Django's own too, if any) write meanwhile."""
    loggers = [logging.getLogger(), *logging.getLogger().manager.loggerDict.values()]
    handlers = {
        handler
        for logger in loggers
        for handler in getattr(logger, "handlers", [])
        if type(handler) is logging.StreamHandler  # not pytest's own
    }
    written = io.StringIO()
    previous = {handler: handler.setStream(written) for handler in handlers}
    yield written
    for handler, stream in previous.items():
        handler.setStream(stream)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_refused_page_is_one_line_without_traceback(
    client_as: Callable[[str], Client], log_output: io.StringIO, settings: Any, debug: bool
) -> None:
    settings.DEBUG = debug
    partner = client_as("partner")
    user_id = partner.session["_auth_user_id"]

    assert partner.get("/hotline/?phone=%2B79101234567").status_code == 403

    assert log_output.getvalue() == (
        "WARNING django.request Forbidden (Permission denied): /hotline/ "
        f"(GET 403, user {user_id})\n"
    )


def test_a_refused_api_call_names_its_user_too(
    api_as: Callable[[str], Client], log_output: io.StringIO
) -> None:
    response = api_as("partner").get("/api/v1/cases")

    assert response.status_code == 403
    (line,) = log_output.getvalue().splitlines()
    assert line.startswith("WARNING django.request Forbidden: /api/v1/cases (GET 403, user ")
    assert not line.endswith("user -)")


@pytest.mark.urls(__name__)
def test_a_failed_request_keeps_its_traceback(log_output: io.StringIO) -> None:
    response = Client(raise_request_exception=False).get("/fails/")

    assert response.status_code == 500
    logged = log_output.getvalue()
    assert logged.startswith("ERROR django.request Internal Server Error: /fails/\n")
    assert "Traceback (most recent call last)" in logged
    assert "RuntimeError: a bug" in logged


def test_a_pdf_manifest_logs_no_glyph_names(log_output: io.StringIO) -> None:
    """fontTools names at INFO each glyph a subset keeps: the letters of the names printed."""
    document = ManifestDocument(title="Маніфест", lines=["Суджа"], landscape=False)
    document.add_page()
    document.set_font(FAMILY, "", 8)
    document.cell(0, 5, "Олена Соколова")

    assert bytes(document.output()).startswith(b"%PDF-")
    assert log_output.getvalue() == ""


def test_a_refusal_before_the_user_is_read_does_not_read_it(log_output: io.StringIO) -> None:
    # A 404 met before anything read the session's user: the log line must not load
    # it (a query per 404, and an error raised from the log with the database down).
    def unreadable() -> object:
        raise AssertionError("the log read the user")

    request = HttpRequest()
    request.method = "GET"
    request.user = SimpleLazyObject(unreadable)  # type: ignore[assignment]

    logging.getLogger("django.request").warning(
        "Not Found: %s", "/nowhere/", extra={"status_code": 404, "request": request}
    )

    assert (
        log_output.getvalue() == "WARNING django.request Not Found: /nowhere/ (GET 404, user -)\n"
    )
