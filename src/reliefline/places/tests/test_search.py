from collections.abc import Callable

import pytest
from django.test import Client

from reliefline.places.selectors import place_search

AsRole = Callable[[str], Client]

SUDZHA = "geonames-postal:RU-307800"


@pytest.mark.parametrize("query", ["Суджа", "Sudzha", "sudzha", "  СУДЖА ", "Sudja", "Суд"])
def test_sudzha_is_found_in_any_script(gazetteer: None, query: str) -> None:
    assert place_search(query)[0].pk == SUDZHA


def test_ukrainian_and_russian_spellings_find_the_same_town(gazetteer: None) -> None:
    assert place_search("Суми")[0].pk == place_search("Сумы")[0].pk == place_search("Sumy")[0].pk


def test_search_ranks_exact_names_before_longer_ones(gazetteer: None) -> None:
    names = [place.name_en for place in place_search("Kursk")]
    assert names[0] == "Kursk"


@pytest.mark.parametrize("query", ["", "   ", "--", "x" * 5000, "'; DROP TABLE places_place; --"])
def test_junk_queries_return_a_list_and_never_fail(gazetteer: None, query: str) -> None:
    assert isinstance(place_search(query), list)


GUYEVO = "geonames-postal:RU-307815"
KORENEVO = "geonames-postal:RU-307410"
GLUSHKOVO = "geonames-postal:RU-307450"
MARTYNOVKA = "geonames-postal:RU-307833"
KHOTIN = "geonames:706253"
SUMY = "geonames:692194"


@pytest.mark.parametrize(
    ("query", "place_id"),
    [
        ("с. Гуєво", GUYEVO),
        ("с.Гуєво", GUYEVO),
        ("село Гуєво", GUYEVO),
        ("д. Гуево", GUYEVO),
        ("пос. Гуево", GUYEVO),
        ("village Guyevo", GUYEVO),
        ("г. Суджа", SUDZHA),
        ("Суджа, Курська обл.", SUDZHA),
        ("Суджа, Суджанский р-н, Курская обл.", SUDZHA),
        ("Sudža", SUDZHA),
        ("смт Хотінь", KHOTIN),
        ("м. Суми", SUMY),
        # Ukrainian spellings of villages the gazetteer names only in Russian.
        ("Кореневе", KORENEVO),
        ("Глушкове", GLUSHKOVO),
        ("Мартинівка", MARTYNOVKA),
        ("Мартинів", MARTYNOVKA),  # still being typed
        ("с. Гуєве", GUYEVO),
    ],
)
def test_search_finds_the_settlement_as_people_type_it(
    gazetteer: None, query: str, place_id: str
) -> None:
    assert place_search(query)[0].pk == place_id


@pytest.mark.parametrize(("query", "place_id"), [("Кореневе", KORENEVO), ("г. Суджа", SUDZHA)])
def test_search_finds_only_that_settlement(gazetteer: None, query: str, place_id: str) -> None:
    assert [place.pk for place in place_search(query)] == [place_id]


def test_a_kind_typed_alone_is_searched_as_a_name(gazetteer: None) -> None:
    assert [place.name_uk for place in place_search("Село")] == ["Старе Село"]


def test_api_search_reads_what_people_type(gazetteer: None, api_as: AsRole) -> None:
    found = api_as("partner").get("/api/v1/places", {"q": "с. Гуєво, Суджанський р-н"}).json()

    assert found[0]["id"] == GUYEVO


def test_picker_search_reads_what_people_type(gazetteer: None, client_as: AsRole) -> None:
    page = client_as("operator").get("/places/autocomplete/", {"q": "Мартинівка"})

    assert MARTYNOVKA in page.content.decode()
