"""An API intake with person_id (or household_id) and a caller who is someone else.

QA: `person_id` with a `caller` of other names filed the case under person_id and
dropped the caller without a word. The operator's page refuses that choice ("The
caller chosen below does not match the name typed"); the API refuses it too, with
the same comparison, and so a household that holds nobody of the caller's family.
"""

import json
from typing import Any

import pytest
from django.test import Client

from reliefline.hotline.models import Case
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Household, Person

pytestmark = pytest.mark.django_db
PHONE = "+79101234567"


def _intake(api: Client, **body: Any):
    return api.post(
        "/api/v1/cases",
        json.dumps({"channel": "rapidpro", "language": "ru", **body}),
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )


def _counts() -> tuple[int, int, int]:
    return Case.objects.count(), Person.objects.count(), Household.objects.count()


def test_a_caller_of_other_names_than_person_id_is_refused_naming_caller(api_as) -> None:
    earlier = open_case(phone=PHONE, given_name="Татьяна", family_name="Романенко")

    response = _intake(
        api_as("operator"),
        person_id=earlier.caller_id,
        caller={"given_name": "Пётр", "family_name": "Новиков", "phone": "+79105550101"},
    )

    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "caller"
    assert body["detail"].startswith(f"caller: The caller given is not person {earlier.caller_id}")
    assert _counts() == (1, 1, 1)
    assert Person.objects.get().phone == PHONE


def test_the_same_caller_in_latin_letters_is_filed_under_person_id(api_as) -> None:
    earlier = open_case(phone=PHONE, given_name="Татьяна", family_name="Романенко")

    response = _intake(
        api_as("operator"),
        person_id=earlier.caller_id,
        caller={"given_name": "Tatyana", "family_name": "Romanenko"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["person_id"] == earlier.caller_id
    assert _counts() == (2, 1, 1)


def test_one_name_differing_is_no_other_caller(api_as) -> None:
    """A married name, a nickname: the web form lets it through as well."""
    earlier = open_case(phone=PHONE, given_name="Татьяна", family_name="Романенко")

    response = _intake(
        api_as("operator"),
        person_id=earlier.caller_id,
        caller={"given_name": "Таня", "family_name": "Романенко"},
    )

    assert response.status_code == 201, response.content


def test_a_household_of_another_family_is_refused_naming_household_id(api_as) -> None:
    theirs = open_case(phone=PHONE, family_name="Романенко")

    response = _intake(
        api_as("operator"),
        household_id=theirs.household_id,
        caller={"given_name": "Николай", "family_name": "Дьяченко", "phone": "+79100000010"},
    )

    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "household_id"
    assert f"Household {theirs.household} holds nobody" in body["detail"]
    assert _counts() == (1, 1, 1)


@pytest.mark.parametrize(
    "caller",
    [
        {"given_name": "Олег", "family_name": "Romanenko", "phone": "+79100000010"},
        {"given_name": "Олег", "family_name": "Сидоров", "phone": PHONE},
    ],
    ids=["family name in Latin", "the household's phone"],
)
def test_a_family_member_joins_the_household(api_as, caller: dict[str, str]) -> None:
    theirs = open_case(phone=PHONE, family_name="Романенко")

    response = _intake(api_as("operator"), household_id=theirs.household_id, caller=caller)

    assert response.status_code == 201, response.content
    assert response.json()["household_id"] == theirs.household_id
    assert _counts() == (2, 2, 1)


def test_person_id_with_the_callers_new_phone_takes_the_new_number(api_as) -> None:
    """As the operator's form does: the number they can be called back on now."""
    earlier = open_case(phone=PHONE, given_name="Татьяна", family_name="Романенко")

    response = _intake(
        api_as("operator"),
        person_id=earlier.caller_id,
        caller={"given_name": "Татьяна", "family_name": "Романенко", "phone": "+79105550102"},
    )

    assert response.status_code == 201, response.json()
    assert response.json()["person_id"] == earlier.caller_id
    assert Person.objects.get().phone == "+79105550102"
    assert _counts() == (2, 1, 1)
