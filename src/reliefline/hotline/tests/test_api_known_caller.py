"""An API intake from a registered phone: the same caller is linked, a namesake is not.

The API has no operator to ask which caller it is (the page asks), so it links only
when the identity matcher is certain of one person holding the phone; otherwise it
records a new person and tells the operator, on the timeline, who else holds it.
"""

import json
from typing import Any

import pytest
from django.test import Client

from reliefline.hotline.models import Case, EventKind
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Household, Person

pytestmark = pytest.mark.django_db
PHONE = "+79101234567"


def _intake(api: Client, caller: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {"channel": "rapidpro", "language": "ru", "caller": caller, **extra}
    response = api.post("/api/v1/cases", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    answer: dict[str, Any] = response.json()
    return answer


def _notes(reference: str) -> list[str]:
    case = Case.objects.get(reference=reference)
    return [e.display_text for e in case.events.filter(kind=EventKind.NOTE)]


def test_the_same_caller_in_another_script_is_linked_with_their_household(api_as) -> None:
    earlier = open_case(phone=PHONE, given_name="Ирина", family_name="Верещук", household_size=4)
    api = api_as("operator")

    answer = _intake(api, {"given_name": "Iryna", "family_name": "Vereshchuk", "phone": PHONE})

    assert answer["person_id"] == earlier.caller_id
    assert answer["household_id"] == earlier.household_id
    assert answer["household_size"] == 4  # none given keeps the known size
    assert Person.objects.count() == 1
    assert not _notes(answer["reference"])


def test_a_family_member_on_the_same_phone_is_a_new_person_named_on_the_timeline(
    api_as,
) -> None:
    mother = open_case(phone=PHONE, given_name="Ирина", family_name="Верещук")
    api = api_as("operator")

    answer = _intake(api, {"given_name": "Олег", "family_name": "Верещук", "phone": PHONE})

    assert answer["person_id"] != mother.caller_id
    assert Person.objects.count() == 2
    (note,) = _notes(answer["reference"])
    assert f"also registered in {mother.household}," in note


def test_a_phone_alone_links_nobody(api_as) -> None:
    earlier = open_case(phone=PHONE)

    answer = _intake(api_as("operator"), {"phone": "8 910 123-45-67"})

    assert answer["person_id"] != earlier.caller_id
    assert str(earlier.household) in _notes(answer["reference"])[0]


def test_a_phone_only_the_public_web_form_gave_links_nobody(api_as) -> None:
    """Anyone can type a phone and a name there: it vouches for no one."""
    typed = open_case(phone=PHONE, channel="web")

    answer = _intake(
        api_as("operator"), {"given_name": "Ирина", "family_name": "Верещук", "phone": PHONE}
    )

    assert answer["person_id"] != typed.caller_id
    assert str(typed.household) in _notes(answer["reference"])[0]


def test_a_new_phone_links_nobody_and_notes_nothing(api_as) -> None:
    open_case(phone="+79107654321")

    answer = _intake(
        api_as("operator"), {"given_name": "Ирина", "family_name": "Верещук", "phone": PHONE}
    )

    assert Person.objects.count() == 2
    assert not _notes(answer["reference"])


def test_the_operators_service_call_never_links_by_itself() -> None:
    """On the page the operator chose "a new person": the service takes them at their word."""
    first = open_case(phone=PHONE)
    second = open_case(phone=PHONE)
    assert first.caller_id != second.caller_id
    assert not [e for e in second.events.all() if e.kind == EventKind.NOTE]


def test_a_new_caller_can_join_a_registered_household(api_as) -> None:
    mother = open_case(phone=PHONE, household_size=2)

    answer = _intake(
        api_as("operator"),
        {"given_name": "Олег", "family_name": "Верещук", "phone": PHONE},
        household_id=mother.household_id,
    )

    assert answer["household_id"] == mother.household_id
    assert answer["person_id"] != mother.caller_id
    assert answer["household_size"] == 2


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"household_id": 999999}, "household_id"),
        ({"household_id": "1"}, "household_id"),
        ({"household_id": 0}, "household_id"),
    ],
)
def test_a_bad_household_is_refused_and_stores_nothing(api_as, extra, field) -> None:
    body = {"channel": "sms", "language": "ru", "caller": {"phone": PHONE}, **extra}
    response = api_as("operator").post(
        "/api/v1/cases", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert field in json.dumps(response.json()["detail"])
    assert (Case.objects.count(), Person.objects.count()) == (0, 0)


def test_a_household_with_a_known_person_id_is_refused(api_as) -> None:
    mother = open_case(phone=PHONE)
    body = {
        "channel": "sms",
        "language": "ru",
        "person_id": mother.caller_id,
        "household_id": mother.household_id,
    }
    response = api_as("operator").post(
        "/api/v1/cases", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422
    assert "household_id" in json.dumps(response.json()["detail"])
    assert Case.objects.count() == 1


def test_a_family_name_alone_links_nobody(api_as) -> None:
    """A son calling from his mother's phone gives the family name only: not certain."""
    mother = open_case(phone=PHONE, given_name="Ирина", family_name="Верещук")

    answer = _intake(api_as("operator"), {"family_name": "Верещук", "phone": PHONE})

    assert answer["person_id"] != mother.caller_id
    assert str(mother.household) in _notes(answer["reference"])[0]


def test_a_registered_person_without_a_given_name_is_never_the_one_linked(api_as) -> None:
    """What the caller gives (a given name, a birth date) would be lost on a nameless record."""
    nameless = open_case(phone=PHONE, given_name="", family_name="Шевцова")

    answer = _intake(
        api_as("operator"),
        {
            "given_name": "Ольга",
            "family_name": "Шевцова",
            "birth_date": "2001-01-01",
            "phone": PHONE,
        },
    )

    assert answer["person_id"] != nameless.caller_id
    assert Person.objects.get(pk=answer["person_id"]).given_name == "Ольга"


def test_a_household_folded_twice_names_the_last_one_kept(api_as) -> None:
    first, then, last = (open_case(phone=f"+7910123456{i}").household for i in range(3))
    assert first is not None and then is not None and last is not None
    Household.objects.filter(pk=first.pk).update(merged_into=then)  # as people.merge folds
    Household.objects.filter(pk=then.pk).update(merged_into=last)
    body = {
        "channel": "sms",
        "language": "en",
        "caller": {"phone": PHONE, "family_name": "Verestchuk"},
        "household_id": first.pk,
    }

    response = api_as("operator").post(
        "/api/v1/cases", json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["detail"] == (
        f"household_id: This household was merged into {last}; use that one."
    )
    assert Case.objects.count() == 3
