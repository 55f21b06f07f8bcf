import json
from collections.abc import Callable

import pytest
from django.test import Client

from conftest import SUDZHA
from reliefline.access.models import AuditAction, AuditEntry
from reliefline.people.models import Merge, Person
from reliefline.people.tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db
MATCH = "/api/v1/people/match"


def test_repeat_caller_in_latin_is_a_match(api_as: Callable[[str], Client]) -> None:
    person = PersonFactory(phone="+79101234567", external_id="kobo-17")
    response = api_as("operator").get(
        MATCH, {"given_name": "Iryna", "family_name": "Vereshchuk", "phone": "89101234567"}
    )
    assert response.status_code == 200
    [candidate] = response.json()["candidates"]
    assert candidate["person_id"] == person.pk
    assert candidate["external_id"] == "kobo-17"
    assert candidate["decision"] == "match"
    assert candidate["score"] >= 0.99
    assert "family name equal after transliteration" in candidate["reasons"]


def test_nobody_plausible_gives_an_empty_list(api_as: Callable[[str], Client]) -> None:
    PersonFactory()
    response = api_as("operator").get(MATCH, {"family_name": "Шевченко", "given_name": "Павло"})
    assert response.json() == {"candidates": []}


def test_shown_candidates_are_audited(api_as: Callable[[str], Client]) -> None:
    person = PersonFactory(phone="+79101234567")
    api_as("operator").get(MATCH, {"phone": "+79101234567"})
    entry = AuditEntry.objects.get(action=AuditAction.SEARCH)
    assert entry.person_ids == [person.pk]
    assert entry.purpose == "identity match"
    assert "family_name" in entry.fields


def test_query_without_name_or_phone_is_a_422_naming_the_field(
    api_as: Callable[[str], Client],
) -> None:
    response = api_as("operator").get(MATCH, {"patronymic": "Николаевна"})
    assert response.status_code == 422
    assert response.json()["field"] == "family_name"


def test_bad_phone_is_a_422_naming_the_field(api_as: Callable[[str], Client]) -> None:
    response = api_as("operator").get(MATCH, {"phone": "12"})
    assert response.status_code == 422
    assert response.json()["field"] == "phone"


def test_impossible_birth_date_is_a_422(api_as: Callable[[str], Client]) -> None:
    response = api_as("operator").get(MATCH, {"family_name": "Верещук", "birth_date": "1979-02-30"})
    assert response.status_code == 422
    assert response.json()["field"] == "birth_date"


def test_over_long_name_is_a_422(api_as: Callable[[str], Client]) -> None:
    response = api_as("operator").get(MATCH, {"family_name": "я" * 101})
    assert response.status_code == 422


def test_settlement_in_any_script_counts_as_evidence(
    api_as: Callable[[str], Client], gazetteer: None
) -> None:
    PersonFactory(household=HouseholdFactory(settlement_id=SUDZHA))
    response = api_as("operator").get(
        MATCH, {"given_name": "Irina", "family_name": "Vereshchuk", "settlement": "Sudzha"}
    )
    assert "same settlement" in response.json()["candidates"][0]["reasons"]


def test_partner_may_not_match_people(api_as: Callable[[str], Client]) -> None:
    assert api_as("partner").get(MATCH, {"phone": "+79101234567"}).status_code == 403


def test_anonymous_caller_gets_401() -> None:
    assert Client().get(MATCH, {"phone": "+79101234567"}).status_code == 401


def test_empty_birth_date_counts_as_none(api_as: Callable[[str], Client]) -> None:
    response = api_as("operator").get(MATCH, {"family_name": "Верещук", "birth_date": ""})
    assert response.status_code == 200


def test_partner_is_refused_before_the_query_is_even_parsed(
    api_as: Callable[[str], Client],
) -> None:
    # A 422 would tell a caller without the permission which parameters exist.
    assert (
        api_as("partner").get(MATCH, {"birth_date": "not a date", "limit": "x"}).status_code == 403
    )


MERGES = "/api/v1/people/merges"
Change = Callable[[Person, Person], dict[str, object]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda survivor, merged: {"fields": {"phone": str(merged.pk)}}, "fields.phone"),
        (lambda survivor, merged: {"survivor_id": str(survivor.pk)}, "survivor_id"),
        (lambda survivor, merged: {"merge_households": "no"}, "merge_households"),
    ],
)
def test_merge_with_ids_or_flags_as_text_is_422_naming_the_field(
    api_as: Callable[[str], Client], change: Change, field: str
) -> None:
    survivor, merged = PersonFactory(), PersonFactory(given_name="Iryna")
    body = {"survivor_id": survivor.pk, "merged_id": merged.pk, **change(survivor, merged)}
    response = api_as("coordinator").post(MERGES, json.dumps(body), "application/json")
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not Merge.objects.exists()


@pytest.mark.parametrize("body", [None, [1, 2], "merge"])
def test_merge_body_that_is_not_an_object_is_422_naming_the_body(
    api_as: Callable[[str], Client], body: object
) -> None:
    response = api_as("coordinator").post(MERGES, json.dumps(body), "application/json")
    assert response.status_code == 422
    assert response.json()["field"] == "body"
    assert not Merge.objects.exists()
