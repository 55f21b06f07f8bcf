"""A settlement's district and oblast in the reader's language (places.areas)."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from conftest import SUDZHA
from reliefline.places.areas import ADMIN_AREAS, AdminArea, AreaName, admin_area_name
from reliefline.places.models import Place
from reliefline.places.tests.factories import PlaceFactory

ClientAs = Callable[[str], Client]
SUMY = "geonames:692194"
BELGOROD = "geonames:578072"
LANGUAGES = ("ru", "uk", "en")


@pytest.mark.parametrize(
    ("stored", "language", "shown"),
    [
        ("Курская область", "uk", "Курська область"),
        ("Курская область", "en", "Kursk Oblast"),
        ("Курская область", "ru", "Курская область"),
        ("Суджанский район", "uk", "Суджанський район"),
        ("Суджанский район", "en", "Sudzhansky District"),
        ("Сумська область", "ru", "Сумская область"),
        ("Сумська область", "en", "Sumy Oblast"),
        ("Белгородская область", "uk", "Бєлгородська область"),
        ("Белгородская область", "en", "Belgorod Oblast"),
    ],
)
def test_area_is_named_in_the_language_asked(stored: str, language: str, shown: str) -> None:
    assert admin_area_name(stored, language=language, stored_language="ru") == AreaName(
        name=shown, language=language
    )


@pytest.mark.parametrize("stored", ["Курская Область", "КУРСКАЯ ОБЛАСТЬ", "Kursk Oblast"])
def test_area_stored_in_another_case_or_script_is_still_known(stored: str) -> None:
    """The GeoNames postal file writes Курская Область; another file may write English."""
    assert admin_area_name(stored, language="uk", stored_language="ru").name == "Курська область"


def test_area_the_table_does_not_know_is_shown_as_stored_in_its_language() -> None:
    assert admin_area_name("Льговский район", language="uk", stored_language="ru") == AreaName(
        name="Льговский район", language="ru"
    )


def test_area_is_named_in_the_active_language_by_default() -> None:
    with translation.override("uk"):
        area = admin_area_name("Суджанский район", stored_language="ru")

    assert area == AreaName(name="Суджанський район", language="uk")


def test_area_in_a_language_the_table_lacks_is_named_in_english() -> None:
    assert admin_area_name("Курская область", language="de", stored_language="ru").name == (
        "Kursk Oblast"
    )


@pytest.mark.parametrize("area", ADMIN_AREAS, ids=lambda area: area.en)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_name_of_an_area_finds_that_area(area: AdminArea, language: str) -> None:
    """No two areas of the table share a key: each of an area's names gives its own."""
    for name in (area.ru, area.uk, area.en):
        shown = admin_area_name(name, language=language, stored_language="ru").name
        assert shown == getattr(area, language)


@given(st.text(max_size=60), st.sampled_from(LANGUAGES))
def test_area_name_is_stable_on_any_text(stored: str, language: str) -> None:
    once = admin_area_name(stored, language=language, stored_language="ru")

    known = {getattr(area, language) for area in ADMIN_AREAS}
    assert once.name == stored or once.name in known
    assert admin_area_name(once.name, language=language, stored_language="ru").name == once.name


@pytest.mark.django_db
def test_place_gives_district_then_oblast_and_skips_a_blank() -> None:
    sudzha = PlaceFactory.build(district="Суджанский район", oblast="Курская область")
    sumy = PlaceFactory.build(country="UA", district="", oblast="Сумська область")

    assert [area.name for area in sudzha.admin_areas("en")] == [
        "Sudzhansky District",
        "Kursk Oblast",
    ]
    assert sumy.admin_areas("ru") == [AreaName(name="Сумская область", language="ru")]


# Суджа's district and oblast as a uk, en and ru reader sees them.
SUDZHA_AREAS = [
    ("uk", '<span lang="uk">Суджанський район</span>, <span lang="uk">Курська область</span>'),
    ("en", '<span lang="en">Sudzhansky District</span>, <span lang="en">Kursk Oblast</span>'),
    ("ru", '<span lang="ru">Суджанский район</span>, <span lang="ru">Курская область</span>'),
]


@pytest.mark.usefixtures("gazetteer")
@pytest.mark.parametrize(("language", "areas"), SUDZHA_AREAS)
def test_picker_lists_district_and_oblast_in_the_readers_language(
    client_as: ClientAs, language: str, areas: str
) -> None:
    """What an operator types ("Суджа, Курська обл.") still finds Суджа."""
    operator = client_as("operator")
    operator.cookies["django_language"] = language

    page = operator.get("/places/autocomplete/", {"q": "Суджа, Курська обл."}).content.decode()

    assert SUDZHA in page
    assert areas in page


@pytest.mark.usefixtures("gazetteer")
@pytest.mark.parametrize(("language", "areas"), SUDZHA_AREAS)
def test_settlement_page_names_district_and_oblast_in_the_readers_language(
    client_as: ClientAs, language: str, areas: str
) -> None:
    coordinator = client_as("coordinator")
    coordinator.cookies["django_language"] = language

    page = coordinator.get(f"/places/settlements/{SUDZHA}/").content.decode()

    assert f'<p class="muted">{areas} · ' in page


@pytest.mark.usefixtures("gazetteer")
@pytest.mark.parametrize(
    ("language", "place_id", "oblast", "stored"),
    [
        ("en", SUMY, '<span lang="en">Sumy Oblast</span>', "Сумська область"),
        ("ru", SUMY, '<span lang="ru">Сумская область</span>', "Сумська область"),
        ("uk", BELGOROD, '<span lang="uk">Бєлгородська область</span>', "Белгородская область"),
    ],
)
def test_picked_settlement_shows_its_oblast_in_the_readers_language(
    client_as: ClientAs, language: str, place_id: str, oblast: str, stored: str
) -> None:
    operator = client_as("operator")
    operator.cookies["django_language"] = language

    page = operator.get("/places/pick/", {"field": "settlement", "id": place_id}).content.decode()

    assert oblast in page
    assert stored not in page


def test_picker_shows_an_unknown_district_as_stored_beside_a_known_oblast(
    client_as: ClientAs,
) -> None:
    """A settlement imported from another file may name an area the table lacks."""
    place: Place = PlaceFactory(district="Льговский район", oblast="Курская область")
    operator = client_as("operator")
    operator.cookies["django_language"] = "uk"

    page = operator.get("/places/pick/", {"field": "settlement", "id": place.pk}).content.decode()

    assert '<span lang="ru">Льговский район</span>, <span lang="uk">Курська область</span>' in page


@pytest.mark.usefixtures("gazetteer")
def test_api_keeps_district_and_oblast_as_the_gazetteer_stores_them(
    api_as: Callable[[str], Client],
) -> None:
    """Clients read and compare the stored names; only pages translate them."""
    response = api_as("operator").get(f"/api/v1/places/{SUDZHA}", headers={"Accept-Language": "en"})

    assert response.json()["oblast"] == "Курская область"
    assert response.json()["district"] == "Суджанский район"
