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


def test_a_known_caller_on_a_new_number_keeps_the_new_one(client_as) -> None:
    """QA: choosing the caller threw away the phone she called from."""
    earlier = open_case(phone=PHONE, given_name="Олена")

    response = _call(
        client_as("operator"), person_id=str(earlier.caller_id), phone="+7 910 555-01-99"
    )

    assert response.status_code == 302
    caller = Person.objects.get(cases=earlier)
    assert caller.phone == "+79105550199"
    latest = Case.objects.exclude(pk=earlier.pk).get()
    assert latest.caller_id == caller.pk
    assert latest.events.filter(msgid__contains="new phone number").exists()


def test_a_caller_chosen_before_the_name_was_retyped_is_not_used(client_as) -> None:
    """QA: the choice of one caller stayed while another's name was typed and sent."""
    earlier = open_case(phone=PHONE, given_name="Татьяна", family_name="Романенко")
    client = client_as("operator")
    client.cookies["django_language"] = "en"

    response = _call(
        client,
        person_id=str(earlier.caller_id),
        phone="+79105550101",
        given_name="Пётр",
        family_name="Новиков",
    )

    assert response.status_code == 422
    assert "does not match the name typed" in response.content.decode()
    assert Case.objects.count() == 1
    assert Person.objects.get(cases=earlier).phone == PHONE


def test_a_caller_chosen_and_typed_in_latin_letters_is_used(client_as) -> None:
    earlier = open_case(phone=PHONE, given_name="Олена", family_name="Коваль")

    response = _call(
        client_as("operator"),
        person_id=str(earlier.caller_id),
        given_name="Olena",
        family_name="Koval",
    )

    assert response.status_code == 302
    assert Case.objects.exclude(pk=earlier.pk).get().caller_id == earlier.caller_id


def test_a_family_member_on_the_households_phone_joins_that_household(client_as) -> None:
    """The son calls from his mother's phone: one family, one household, two persons."""
    mother = open_case(phone=PHONE, household_size=3)
    household = f"household-{mother.household_id}"
    client = client_as("operator")
    client.cookies["django_language"] = "en"

    offered = _call(client).content.decode()
    response = _call(client, given_name="Олег", person_id=household)

    assert f'value="{household}"' in offered
    assert "Create a new person in household" in offered
    assert response.status_code == 302
    assert mother.caller_id is not None
    son = Person.objects.exclude(pk=mother.caller_id).get()
    latest = Case.objects.exclude(pk=mother.pk).get()
    assert (latest.caller_id, latest.household_id) == (son.pk, mother.household_id)
    assert Household.objects.count() == 1
    assert Household.objects.get().size == 3  # no size given keeps the household's


def test_an_unknown_household_is_refused_at_the_choice(client_as) -> None:
    open_case(phone=PHONE)
    client = client_as("operator")
    client.cookies["django_language"] = "en"

    response = _call(client, person_id="household-999999")

    assert response.status_code == 422
    assert "Unknown household." in response.content.decode()
    assert Case.objects.count() == 1


@pytest.mark.parametrize("value", ["household-", "household-x", "household--1", "home-1"])
def test_a_malformed_choice_is_refused(client_as, value: str) -> None:
    response = _call(client_as("operator"), person_id=value)
    assert response.status_code == 422
    assert Case.objects.count() == 0


def test_a_household_chosen_then_phone_and_name_retyped_is_refused(client_as) -> None:
    """Retyped before the known callers were shown again: another family's household."""
    theirs = open_case(phone=PHONE, family_name="Романенко")
    other_phone = "+380670009988"
    client = client_as("operator")
    client.cookies["django_language"] = "en"

    response = _call(
        client,
        phone=other_phone,
        family_name="Дьяченко",
        person_id=f"household-{theirs.household_id}",
    )

    assert response.status_code == 422
    assert "The household chosen below holds nobody with the phone" in response.content.decode()
    assert Case.objects.count() == 1


def test_a_household_chosen_by_family_name_in_another_script_is_kept(client_as) -> None:
    theirs = open_case(phone=PHONE, family_name="Романенко")

    response = _call(
        client_as("operator"),
        phone="+380670009988",  # the son's own phone
        family_name="Romanenko",
        person_id=f"household-{theirs.household_id}",
    )

    assert response.status_code == 302
    assert Case.objects.exclude(pk=theirs.pk).get().household_id == theirs.household_id
