"""The keys place search compares: what people type around a name, and how Ukrainian
spells a Russian one."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliefline.places.names import (
    _KINDS,
    name_key,
    place_query_key,
    place_query_name,
    ukrainian_spelling,
)

NAMES = [
    "Гуєво",
    "Суджа",
    "Sudzha",
    "Старе Село",
    "Нова Слобода",
    "Кореневе",
    "Хутір-Михайлівський",
]


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("с. Гуєво", "гуево"),
        ("с.Гуєво", "гуево"),
        ("село Гуєво", "гуево"),
        ("г. Суджа", "суджа"),
        ("смт Хотінь", "готин"),
        ("селище міського типу Хотінь", "готин"),
        ("пос. Гуево", "гуево"),
        ("пгт Коренево", "коренево"),
        ("д. Гуево", "гуево"),
        ("м. Суми", "суми"),
        ("village Guyevo", "гуево"),
        ("Guyevo village", "гуево"),
        ("selo Guyevo", "гуево"),
        ("Суджа, Курська обл.", "суджа"),
        ("Суджа (Курская область)", "суджа"),
        (", Суджа", "суджа"),
        ("Sudža", "суджа"),
        ("SUDŽA", "суджа"),
    ],
)
def test_query_key_keeps_only_the_name(typed: str, key: str) -> None:
    assert place_query_key(typed) == key


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Старе Село", "старе село"),  # a kind after a name is part of it
        ("Нова Слобода", "нова слобода"),
        ("Хутір-Михайлівський", "гутир мигаиливски"),  # one word, named after its kind
        ("Село", "село"),  # a kind alone is a name being typed
        ("с", "с"),
        ("Суд", "суд"),
        ("", ""),
        (",,", ""),
    ],
)
def test_query_key_leaves_names_and_short_queries_as_typed(typed: str, key: str) -> None:
    assert place_query_key(typed) == key


@pytest.mark.parametrize(
    ("russian", "ukrainian"),
    [
        ("Коренево", "Кореневе"),
        ("Глушково", "Глушкове"),
        ("Мартыновка", "Мартинівка"),
        ("Кучеров", "Кучерів"),
        ("Благодатное", "Благодатне"),
        ("Замостье", "Замостя"),
        ("Шалыгино", "Шалигине"),
        ("Басовка", "Басівка"),
        ("Краснополье", "Краснопілля"),
        ("Попово-Лежачи", "Попове-Лежачі"),
    ],
)
def test_ukrainian_spelling_of_a_russian_name(russian: str, ukrainian: str) -> None:
    assert name_key(ukrainian_spelling(russian)) == name_key(ukrainian)


@pytest.mark.parametrize("name", ["Суджа", "Ов", "Ая", "Курск", "Sudzha"])
def test_ukrainian_spelling_leaves_other_endings(name: str) -> None:
    assert ukrainian_spelling(name) == name.lower()


@given(st.text())
def test_query_name_never_crashes_and_is_idempotent(typed: str) -> None:
    once = place_query_name(typed)
    assert place_query_name(once) == once
    assert place_query_key(typed) == name_key(once)


PIECES = [*"сгмдпх.,;()- ", "село", "смт", "village", "Суджа", "Sudža", "Хутір-Михайлівський"]


@given(st.lists(st.sampled_from(PIECES)))
def test_query_name_is_idempotent_on_kinds_and_clauses(pieces: list[str]) -> None:
    once = place_query_name("".join(pieces))
    assert place_query_name(once) == once


@given(
    kind=st.sampled_from(_KINDS),
    between=st.sampled_from([" ", ". ", ".", "  "]),
    name=st.sampled_from(NAMES),
    after=st.text(),
)
def test_query_key_drops_the_kind_and_what_follows_a_comma(
    kind: str, between: str, name: str, after: str
) -> None:
    assert place_query_key(f"{kind}{between}{name}, {after}") == name_key(name)


@given(st.text())
def test_ukrainian_spelling_never_crashes(name: str) -> None:
    assert isinstance(name_key(ukrainian_spelling(name)), str)
