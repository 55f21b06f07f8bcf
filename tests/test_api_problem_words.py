"""Every problem the API's validation reports reaches the reader in their language, in
reliefline's words, never pydantic's English."""

import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import translation

from reliefline.api import _problem

ApiAs = Callable[[str], Client]
CASE = {"channel": "phone", "language": "ru", "caller": {"phone": "+79101234567"}}
ITEM = '{"code": "W5", "name": {"en": "Water 5 l"}, "unit": "bottle", "litres_per_unit": %s}'


def _problems(response: object) -> list[dict[str, str]]:
    assert response.status_code == 422, response.content[:300]  # type: ignore[attr-defined]
    return response.json()["errors"]  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize(
    ("language", "problem"),
    [
        ("uk", "Містить символ, який неможливо зберегти."),
        ("ru", "Содержит символ, который невозможно сохранить."),
        ("en", "Contains a character that cannot be stored."),
    ],
)
def test_a_lone_surrogate_in_a_name_is_worded_in_the_readers_language(
    api_as: ApiAs, language: str, problem: str
) -> None:
    body = json.dumps(CASE)[:-2] + ', "given_name": "\\ud800"}}'

    response = api_as("operator").post(
        "/api/v1/cases", body, "application/json", headers={"Accept-Language": language}
    )

    assert _problems(response) == [{"field": "caller.given_name", "problem": problem}]


def test_a_schemas_own_check_is_worded_without_pydantics_prefix(api_as: ApiAs) -> None:
    response = api_as("operator").get(
        "/api/v1/cases", {"status": "zzz"}, headers={"Accept-Language": "uk"}
    )

    (problem,) = _problems(response)
    assert problem["field"] == "status"
    assert problem["problem"].startswith("Допустимі значення: open, all")


@pytest.mark.parametrize(
    ("value", "language", "problem"),
    [
        ('"abc"', "uk", "Введіть число."),
        ("[1]", "ru", "Введите число."),
        ("1e400", "uk", "Введіть число."),  # infinite
        ("1.234", "en", "At most 2 digits after the decimal point."),
        ("123456789", "en", "At most 8 digits."),
        ("1234567.5", "en", "At most 6 digits before the decimal point."),
    ],
)
def test_a_bad_decimal_is_worded_by_reliefline(
    api_as: ApiAs, value: str, language: str, problem: str
) -> None:
    response = api_as("admin").post(
        "/api/v1/aid/items", ITEM % value, "application/json", headers={"Accept-Language": language}
    )

    assert _problems(response) == [{"field": "litres_per_unit", "problem": problem}]


def test_a_query_number_too_large_to_parse_is_worded_by_reliefline(api_as: ApiAs) -> None:
    response = api_as("operator").get("/api/v1/cases", {"limit": "9" * 5000})

    assert _problems(response) == [{"field": "limit", "problem": "The number is too large."}]


def test_a_value_error_without_its_exception_keeps_pydantics_words() -> None:
    error = {"type": "value_error", "msg": "Value error, odd"}
    with translation.override("uk"):
        assert _problem(error) == "Value error, odd"
