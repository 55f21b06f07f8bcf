"""The liveness and readiness probes: anonymous, JSON, and honest about the database."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client


def test_healthz_answers_ok_to_an_anonymous_caller() -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_does_not_touch_the_database(
    django_assert_num_queries: Callable[..., Any],
) -> None:
    with django_assert_num_queries(0):
        Client().get("/healthz")


def test_healthz_is_not_cached() -> None:
    response = Client().get("/healthz")

    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.django_db
def test_probes_answer_plain_http_when_https_is_enforced(settings: Any, path: str) -> None:
    settings.SECURE_SSL_REDIRECT = True

    response = Client().get(path)

    assert response.status_code == 200


def test_healthz_refuses_post() -> None:
    response = Client().post("/healthz")

    assert response.status_code == 405


@pytest.mark.django_db
def test_readyz_answers_ready_when_the_database_answers() -> None:
    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_fails() -> None:
    def refuse(*args: Any) -> None:
        raise OperationalError("connection refused")

    with connection.execute_wrapper(refuse):
        response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "detail": "database"}
