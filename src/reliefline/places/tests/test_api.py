"""GET /api/v1/places: search in any script, one settlement, who may ask."""

from collections.abc import Callable

import pytest
from django.test import Client

from conftest import SUDZHA
from reliefline.access.tests.factories import UserFactory, token_for

ApiAs = Callable[[str], Client]
KURSK = "geonames:538560"

pytestmark = pytest.mark.usefixtures("gazetteer")


@pytest.mark.parametrize("query", ["Суджа", "Sudzha", "Sudja", "суджа"])
def test_search_finds_sudzha_in_any_script(api_as: ApiAs, query: str) -> None:
    response = api_as("operator").get("/api/v1/places", {"q": query})

    assert response.status_code == 200
    assert response.json()[0]["id"] == SUDZHA


@pytest.mark.parametrize("query", ["Курськ", "Kursk", "Курск"])
def test_search_in_ukrainian_russian_or_latin_finds_kursk(api_as: ApiAs, query: str) -> None:
    # Kursk is the one name here that Ukrainian spells differently (Курськ).
    response = api_as("operator").get("/api/v1/places", {"q": query})

    assert response.json()[0]["id"] == KURSK


def test_search_result_has_names_in_three_languages(api_as: ApiAs) -> None:
    place = api_as("operator").get("/api/v1/places", {"q": "Sudzha"}).json()[0]

    assert set(place) == {"id", "name", "oblast", "district", "lat", "lon"}
    assert place["name"]["ru"] == "Суджа"
    assert place["name"]["en"]
    assert place["name"]["uk"]
    assert 51 < place["lat"] < 52 and 35 < place["lon"] < 36


def test_search_without_query_returns_nothing(api_as: ApiAs) -> None:
    response = api_as("operator").get("/api/v1/places")

    assert response.status_code == 200
    assert response.json() == []


def test_search_with_a_huge_query_is_422_naming_q(api_as: ApiAs) -> None:
    response = api_as("operator").get("/api/v1/places", {"q": "С" * 5000})

    assert response.status_code == 422
    assert response.json()["detail"].startswith("q:")


def test_search_limit_out_of_range_is_422_naming_limit(api_as: ApiAs) -> None:
    response = api_as("operator").get("/api/v1/places", {"q": "Sudzha", "limit": "1000"})

    assert response.status_code == 422
    assert response.json()["field"] == "limit"


def test_one_settlement_by_id(api_as: ApiAs) -> None:
    response = api_as("field").get(f"/api/v1/places/{SUDZHA}")

    assert response.status_code == 200
    assert response.json()["name"]["en"] == "Sudzha"


def test_unknown_settlement_is_404_json(api_as: ApiAs) -> None:
    response = api_as("operator").get("/api/v1/places/geonames-postal:XX-0")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "id" in response.json()["detail"]


@pytest.mark.parametrize("url", ["/api/v1/places?q=Sudzha", f"/api/v1/places/{SUDZHA}"])
def test_anonymous_gets_401(url: str) -> None:
    response = Client().get(url)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("role", ["operator", "coordinator", "field", "partner", "dpo"])
def test_every_role_may_search_places(api_as: ApiAs, role: str) -> None:
    assert api_as(role).get("/api/v1/places", {"q": "Sudzha"}).status_code == 200


def test_signed_in_session_may_search_places(client_as: Callable[[str], Client]) -> None:
    assert client_as("operator").get("/api/v1/places", {"q": "Sudzha"}).status_code == 200


@pytest.mark.django_db
def test_user_without_role_gets_403() -> None:
    client = Client(headers={"Authorization": f"Bearer {token_for(UserFactory())}"})

    response = client.get("/api/v1/places", {"q": "Sudzha"})

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
