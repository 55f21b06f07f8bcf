import pytest

from reliefline.places.selectors import place_search

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
