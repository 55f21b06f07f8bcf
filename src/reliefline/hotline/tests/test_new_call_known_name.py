"""A new call whose typed name finds a registered person: the operator chooses, never by default.

QA on the demo (story 2): "Lyudmila Fedorova" typed with no phone, the page proposed
the registered Людмила Фёдорова and her household, and a hurried *Open the case*
made a second person and a second household, with no word on the timeline. A known
phone was already refused until a choice was made; a known name now is too.
"""

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reliefline.access.models import AuditEntry
from reliefline.hotline import services
from reliefline.hotline.models import Case, Status
from reliefline.hotline.retention import cases_purge
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Household, Person

pytestmark = pytest.mark.django_db
REFUSED = "Someone registered may be this caller"


@pytest.fixture
def fedorova() -> Case:
    """Return the earlier case of Людмила Фёдорова, who wrote from her own phone."""
    return open_case(phone="+79100000027", given_name="Людмила", family_name="Фёдорова")


@pytest.fixture
def operator(client_as: Callable[[str], Client]) -> Client:
    client = client_as("operator")
    client.cookies["django_language"] = "en"
    return client


def _call(client: Client, **fields: str):
    body = {
        "given_name": "Lyudmila",
        "family_name": "Fedorova",
        "channel": "phone",
        "language": "ru",
        "needs": "food",
    }
    return client.post(reverse("hotline:new_case"), {**body, **fields})


def _counts() -> tuple[int, int, int]:
    return Case.objects.count(), Person.objects.count(), Household.objects.count()


def test_a_known_name_with_no_caller_chosen_asks_which_caller(
    operator: Client, fedorova: Case
) -> None:
    response = _call(operator)

    assert response.status_code == 422
    assert _counts() == (1, 1, 1)
    page = response.content.decode()
    assert REFUSED in page
    assert f'id="person_{fedorova.caller_id}"' in page
    assert f'value="household-{fedorova.household_id}"' in page
    assert 'id="person_new"' in page and "None of these: a new person in a new household" in page
    assert 'value="Lyudmila"' in page  # what was typed stays


def test_the_refusal_is_next_to_the_choice(operator: Client, fedorova: Case) -> None:
    page = _call(operator).content.decode()

    choice = page.split('id="caller-matches"', 1)[1].split("</fieldset>", 1)[0]
    assert REFUSED in choice


def test_the_callers_the_refusal_shows_are_in_the_audit_log(
    operator: Client, fedorova: Case
) -> None:
    _call(operator)

    entry = AuditEntry.objects.get(record="people.person:match")
    assert fedorova.caller_id in entry.person_ids


def test_none_of_these_registers_a_new_person_and_household(
    operator: Client, fedorova: Case
) -> None:
    response = _call(operator, person_id="new")

    assert response.status_code == 302
    assert _counts() == (2, 2, 2)


def test_choosing_the_registered_caller_joins_her_household(
    operator: Client, fedorova: Case
) -> None:
    response = _call(operator, person_id=str(fedorova.caller_id))

    assert response.status_code == 302
    latest = Case.objects.exclude(pk=fedorova.pk).get()
    assert (latest.caller_id, latest.household_id) == (fedorova.caller_id, fedorova.household_id)
    assert _counts() == (2, 1, 1)


def test_a_new_person_in_her_household_joins_it(operator: Client, fedorova: Case) -> None:
    response = _call(operator, given_name="Olga", person_id=f"household-{fedorova.household_id}")

    assert response.status_code == 302
    assert _counts() == (2, 2, 1)


def test_a_name_nobody_has_opens_the_case_in_one_click(operator: Client, fedorova: Case) -> None:
    response = _call(operator, given_name="Raisa", family_name="Melnikova")

    assert response.status_code == 302
    assert _counts() == (2, 2, 2)


@pytest.mark.parametrize("chosen", ["caller", "new"])
def test_the_choice_survives_a_refusal_of_another_field(
    operator: Client, fedorova: Case, chosen: str
) -> None:
    value = str(fedorova.caller_id) if chosen == "caller" else "new"
    radio = f"person_{fedorova.caller_id}" if chosen == "caller" else "person_new"

    response = _call(operator, person_id=value, settlement="geonames-postal:RU-000000")

    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="{radio}" checked' in page
    # The likely matches are listed as the lookup lists them, with their reasons.
    candidate = page.split('<li class="candidate"', 1)[1].split("</li>", 1)[0]
    assert f'id="person_{fedorova.caller_id}"' in candidate
    assert _counts() == (1, 1, 1)


def test_a_caller_purged_since_the_page_showed_her_is_refused_not_a_server_error(
    operator: Client, fedorova: Case, user_in: Callable[[str], User]
) -> None:
    by = user_in("coordinator")
    services.case_transition(fedorova, to=Status.CLOSED, by=by)
    Case.objects.filter(pk=fedorova.pk).update(closed_at=timezone.now() - dt.timedelta(days=365))
    cases_purge(days=90)

    # No name typed: nothing to compare with the purged record's emptied names.
    response = _call(operator, person_id=str(fedorova.caller_id), given_name="", family_name="")

    assert response.status_code == 409
    assert "was purged" in response.content.decode()
    assert Case.objects.count() == 1
