"""No answer holding personal data is kept in a browser's or a proxy's cache."""

from collections.abc import Callable

import pytest
from django.test import Client

from reliefline.hotline.tests.factories import open_case

pytestmark = pytest.mark.django_db
As = Callable[[str], Client]


def test_a_case_page_is_not_stored(client_as: As) -> None:
    case = open_case()
    response = client_as("operator").get(f"/hotline/cases/{case.reference}/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_an_api_answer_is_not_stored(api_as: As) -> None:
    open_case()
    response = api_as("operator").get("/api/v1/cases")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_refusal_is_not_stored_either(api_as: As) -> None:
    response = api_as("partner").get("/api/v1/cases")

    assert response.status_code == 403
    assert "no-store" in response["Cache-Control"]


def test_static_files_keep_their_own_cache() -> None:
    response = Client().get("/static/reliefline/htmx.min.js")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
