"""Language, needs, vulnerabilities and settlement read from residents' own words."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reliefline.channels.selectors import settlement_find
from reliefline.channels.understand import language_detect, text_understand

SUDZHA = "geonames-postal:RU-307800"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Мы хотим уехать, помогите пожалуйста", "ru"),
        ("Ми хочемо виїхати, допоможіть будь ласка", "uk"),
        ("Потрібна вода", "uk"),  # «і» alone decides
        ("Нужна вода", "ru"),  # no distinctive letter: a Russian word decides
        ("вода", "ru"),  # nothing decides: the operation's default
        ("We need water please", "en"),
        ("help! нужна вода", "ru"),  # more Cyrillic than Latin letters
        ("12345 !!!", None),
        ("", None),
    ],
)
def test_language_is_detected(text: str, language: str | None) -> None:
    assert language_detect(text) == language


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("нужен инсулин", "medicine"),
        ("потрібен інсулін", "medicine"),
        ("need insulin", "medicine"),
        ("нужен инсулн", "medicine"),  # a letter missing
        ("нужна эвакуацыя", "evacuation"),  # a letter wrong
        ("потрібна евакуація", "evacuation"),
        ("we want to evacuate", "evacuation"),
        ("нет воды", "water"),
        ("немає води", "water"),
        ("no water", "water"),
        ("закончились продукты", "food"),
    ],
)
def test_needs_are_found_in_three_languages_and_misspelt(text: str, need: str) -> None:
    assert need in text_understand(text).needs


@pytest.mark.parametrize(
    ("text", "vulnerability"),
    [
        ("мама в коляске", "wheelchair"),
        ("мама на візку", "wheelchair"),
        ("she uses a wheelchair", "wheelchair"),
        ("моей маме 82 года", "elderly_75_plus"),
        ("82-летняя мать", "elderly_75_plus"),
        ("бабусі 90 років", "elderly_75_plus"),
        ("my mother is aged 80", "elderly_75_plus"),
        ("дочь беременна", "pregnant"),
        ("дідусь лежачий", "bedridden"),
    ],
)
def test_vulnerabilities_are_found(text: str, vulnerability: str) -> None:
    assert vulnerability in text_understand(text).vulnerabilities


@pytest.mark.parametrize(
    "text", ["водитель ждёт", "ранее писали", "мне 45 лет", "мы жили в доме", "еду домой"]
)
def test_ordinary_words_are_not_needs(text: str) -> None:
    understood = text_understand(text)
    assert understood.needs == () and understood.vulnerabilities == ()


@given(st.text(max_size=400))
def test_understanding_never_crashes_and_is_deterministic(text: str) -> None:
    first = text_understand(text)
    assert text_understand(text) == first
    assert first.language in (None, "uk", "ru", "en")


@pytest.mark.parametrize(
    "text", ["Я из Суджи", "живу в Судже", "у Суджі немає води", "we are in Sudzha", "Sudja"]
)
def test_the_settlement_is_found_in_any_script_and_case(gazetteer: None, text: str) -> None:
    place = settlement_find(text)
    assert place is not None and place.pk == SUDZHA


def test_a_region_name_is_not_a_settlement(gazetteer: None) -> None:
    assert settlement_find("Курская область, нужна вода") is None


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_settlement_find_never_crashes_on_junk(gazetteer: Any, text: str) -> None:
    first = settlement_find(text)
    assert settlement_find(text) == first
