"""A new call from a registered phone: the operator chooses the caller, never by default.

The known callers appear after a pause in typing; a call sent before they did made
a second person and a second household for the same family (QA on the demo: three
quick calls from one phone, three households).
"""

import pytest
from django.urls import reverse

from reliefline.hotline.models import Case
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Household, Person

pytestmark = pytest.mark.django_db
PHONE = "+380670001122"


def _call(client, **fields: str):
    body = {"phone": "067 000 11 22", "given_name": "Олена", "channel": "phone", "language": "uk"}
    return client.post(reverse("hotline:new_case"), {**body, **fields})


def test_a_known_phone_with_no_caller_chosen_asks_which_caller(client_as) -> None:
    earlier = open_case(phone=PHONE)
    client = client_as("operator")
    client.cookies["django_language"] = "en"

    response = _call(client)

    assert response.status_code == 422
    assert (Case.objects.count(), Person.objects.count(), Household.objects.count()) == (1, 1, 1)
    page = response.content.decode()
    assert "This phone is already registered." in page
    assert f'id="person_{earlier.caller_id}"' in page and 'value="new"' in page
    assert 'value="Олена"' in page  # what was typed stays


def test_choosing_a_new_person_registers_one(client_as) -> None:
    open_case(phone=PHONE)

    response = _call(client_as("operator"), person_id="new")

    assert response.status_code == 302
    assert (Case.objects.count(), Person.objects.count()) == (2, 2)


def test_choosing_the_known_caller_joins_their_household(client_as) -> None:
    earlier = open_case(phone=PHONE)

    _call(client_as("operator"), person_id=str(earlier.caller_id))

    latest = Case.objects.exclude(pk=earlier.pk).get()
    assert (latest.caller_id, latest.household_id) == (earlier.caller_id, earlier.household_id)
    assert Person.objects.count() == 1


def test_a_new_phone_needs_no_choice(client_as) -> None:
    response = _call(client_as("operator"))

    assert response.status_code == 302
    assert Person.objects.count() == 1


@pytest.mark.parametrize("value", ["x", "-3", "99999999999999999999"])
def test_a_person_id_that_is_no_id_is_refused(client_as, value: str) -> None:
    response = _call(client_as("operator"), person_id=value)

    assert response.status_code == 422
    assert not Case.objects.exists()
