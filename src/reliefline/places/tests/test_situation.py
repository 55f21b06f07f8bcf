"""The situation page, its GeoJSON, registered layers, and a settlement's page."""

from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client

from conftest import SUDZHA
from reliefline.places import layers
from reliefline.places.models import Place
from reliefline.places.tests.factories import ClaimFactory, SourceFactory

ClientAs = Callable[[str], Client]
pytestmark = pytest.mark.usefixtures("gazetteer")


@pytest.fixture
def disputed() -> Place:
    sudzha = Place.objects.get(pk=SUDZHA)
    party = SourceFactory(name="Ukrainian General Staff", kind="party")
    isw = SourceFactory(name="Institute for the Study of War", kind="analyst")
    ClaimFactory(source=party, settlements=[sudzha], stated_count=74)
    ClaimFactory(source=isw, settlements=[sudzha], value="contested", stated_count=41)
    ClaimFactory(source=isw, settlements=[sudzha], attribute="water", value="none")
    return sudzha


@pytest.fixture
def test_layer() -> Iterator[None]:
    def provider(user: User | AnonymousUser) -> dict[str, object]:
        place = Place.objects.get(pk=SUDZHA)
        return layers.feature_collection([layers.point(place, title="Depot", details=["5 t"])])

    layers.register_layer("depots", "Depots", provider, permission="hotline.assign_case")
    layers.register_section(
        "depot", "Depot", lambda place, user: [("Stock", "5 t")], permission="hotline.assign_case"
    )
    yield
    layers._layers.pop("depots")
    layers._sections.pop("depot")


def test_situation_shows_the_sources_side_by_side(client_as: ClientAs, disputed: Place) -> None:
    page = client_as("partner").get("/places/situation/").content.decode()

    assert "Ukrainian General Staff" in page and "Institute for the Study of War" in page
    assert '<td class="num stated">74</td>' in page
    assert '<td class="num stated">41</td>' in page
    assert 'id="map-config"' in page
    assert "<script>" not in page  # the map starts from a static file (CSP)


def test_settlements_geojson_colours_disagreement(client_as: ClientAs, disputed: Place) -> None:
    response = client_as("field").get("/places/situation/settlements.geojson")

    features = {f["id"]: f for f in response.json()["features"]}
    assert response["Content-Type"] == "application/geo+json"
    assert features[SUDZHA]["properties"]["tone"] == "bad"
    assert len(features[SUDZHA]["properties"]["details"]) == 2
    assert {f["properties"]["tone"] for f in features.values()} == {"bad", "muted"}


def test_settlements_geojson_for_another_attribute(client_as: ClientAs, disputed: Place) -> None:
    response = client_as("field").get("/places/situation/settlements.geojson?attribute=water")

    features = {f["id"]: f for f in response.json()["features"]}
    assert features[SUDZHA]["properties"]["tone"] == "warn"


def test_needs_layer_is_registered_by_partners(client_as: ClientAs) -> None:
    response = client_as("coordinator").get("/places/situation/layers/needs.geojson")

    assert response.status_code == 200
    assert response.json() == {"type": "FeatureCollection", "features": []}


def test_layer_needs_its_own_permission(client_as: ClientAs, test_layer: None) -> None:
    assert client_as("partner").get("/places/situation/layers/depots.geojson").status_code == 404
    response = client_as("coordinator").get("/places/situation/layers/depots.geojson")
    assert response.json()["features"][0]["properties"]["title"] == "Depot"


def test_unknown_layer_is_404(client_as: ClientAs) -> None:
    assert client_as("coordinator").get("/places/situation/layers/nope.geojson").status_code == 404


def test_settlement_page_shows_claims_with_provenance(
    client_as: ClientAs, disputed: Place, test_layer: None
) -> None:
    page = client_as("coordinator").get(f"/places/settlements/{SUDZHA}/").content.decode()

    assert "Ukrainian forces" in page and "Contested" in page
    assert "Independent analyst" in page and "Party to the conflict" in page
    assert "Disagree" in page
    assert "Open needs (households)" in page and "Depot" in page


def test_settlement_page_hides_sections_without_permission(
    client_as: ClientAs, disputed: Place, test_layer: None
) -> None:
    page = client_as("partner").get(f"/places/settlements/{SUDZHA}/").content.decode()

    assert "Depot" not in page


def test_unknown_settlement_is_404(client_as: ClientAs) -> None:
    assert client_as("partner").get("/places/settlements/nowhere/").status_code == 404


@pytest.mark.parametrize("role", ["dpo"])
def test_roles_without_view_claim_get_403(client_as: ClientAs, role: str) -> None:
    assert client_as(role).get("/places/situation/").status_code == 403


def test_stranger_is_sent_to_sign_in() -> None:
    assert Client().get("/places/situation/").status_code == 302


def test_a_layer_key_must_be_an_identifier() -> None:
    with pytest.raises(ValueError, match="identifier"):
        layers.register_layer("a/b", "x", lambda user: {})


KURSK = "geonames:538560"


@pytest.mark.parametrize(
    ("language", "place_id", "heading"),
    [
        ("uk", SUDZHA, "<h1>Суджа</h1>"),  # spelled alike in Russian and Ukrainian: once
        ("ru", SUDZHA, "<h1>Суджа</h1>"),
        ("en", SUDZHA, '<h1>Sudzha <span class="muted">Суджа</span></h1>'),
        ("uk", KURSK, '<h1>Курськ <span class="muted">Курск</span></h1>'),
        ("ru", KURSK, '<h1>Курск <span class="muted">Курськ</span></h1>'),
        ("en", KURSK, '<h1>Kursk <span class="muted">Курск / Курськ</span></h1>'),
    ],
)
def test_settlement_heading_adds_only_the_spellings_not_shown(
    client_as: ClientAs, language: str, place_id: str, heading: str
) -> None:
    coordinator = client_as("coordinator")
    coordinator.cookies["django_language"] = language

    page = coordinator.get(f"/places/settlements/{place_id}/").content.decode()

    assert heading in page


@pytest.mark.parametrize("as_of", ["2024-02-30", "2024-13-45", "30 February", "0001-01-01"])
def test_situation_page_refuses_a_day_that_is_none_at_its_field(
    client_as: ClientAs, disputed: Place, as_of: str
) -> None:
    response = client_as("partner").get("/places/situation/", {"as_of": as_of})

    page = response.content.decode()
    assert response.status_code == 422
    assert 'aria-describedby="as_of-error"' in page
    assert "Enter a real date as YYYY-MM-DD." in page or "Enter a date from the year" in page
    assert '<td class="num stated">74</td>' in page  # the rest of the page is today's


def test_situation_page_refuses_the_day_in_the_readers_language(client_as: ClientAs) -> None:
    partner = client_as("partner")
    partner.cookies["django_language"] = "uk"

    page = partner.get("/places/situation/", {"as_of": "2024-02-30"}).content.decode()

    assert "Введіть справжню дату у форматі YYYY-MM-DD." in page


def test_situation_page_keeps_a_real_day(client_as: ClientAs, disputed: Place) -> None:
    response = client_as("partner").get("/places/situation/", {"as_of": "2024-02-29"})

    assert response.status_code == 200
    assert 'value="2024-02-29"' in response.content.decode()
    assert "as_of-error" not in response.content.decode()


@pytest.mark.parametrize("as_of", ["2024-02-30", "2024-13-45", "yesterday"])
def test_settlements_geojson_refuses_a_day_that_is_none_as_422(
    client_as: ClientAs, as_of: str
) -> None:
    response = client_as("field").get("/places/situation/settlements.geojson", {"as_of": as_of})

    assert response.status_code == 422
    assert response.json() == {
        "detail": "as_of: Enter a real date as YYYY-MM-DD.",
        "code": "invalid",
        "field": "as_of",
    }


def test_settlements_geojson_refuses_a_day_in_the_apis_words(
    client_as: ClientAs, api_as: ClientAs
) -> None:
    query = {"as_of": "2024-02-30"}
    api = api_as("partner").get("/api/v1/places/claims/summary", query)
    geojson = client_as("partner").get("/places/situation/settlements.geojson", query)

    assert api.status_code == geojson.status_code == 422
    assert api.json()["detail"] == geojson.json()["detail"]
