"""A purged case, and a purged person, take no new personal data (qaD #2).

Retention purges a case once and then passes it by: anything written on it later
would be kept for good. Operators' writes are refused with 409 naming the field;
reliefline's own notes are kept as the purge leaves them.
"""

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from reliefline.errors import Conflict
from reliefline.hotline import services
from reliefline.hotline.models import Case, CaseEvent, EventKind, Status
from reliefline.hotline.retention import cases_purge
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Person
from reliefline.people.services import PersonInput
from reliefline.places.tests.factories import PlaceFactory


@pytest.fixture
def operator(user_in: Callable[[str], User]) -> User:
    return user_in("operator")


def _purged(by: User, *, settlement_id: str | None = None) -> Case:
    """Return a case closed a year ago and purged, as `purge` leaves it."""
    case = open_case(message="We are at Lenina 5", settlement_id=settlement_id)
    case = services.case_transition(case, to=Status.CLOSED, by=by)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=365))
    cases_purge(days=90)
    case.refresh_from_db()
    assert case.purged_at is not None
    return case


def _events(case: Case) -> list[tuple[str, str]]:
    return list(CaseEvent.objects.filter(case=case).values_list("kind", "text").order_by("pk"))


@pytest.mark.parametrize("kind", ["note", "call"])
def test_the_api_refuses_a_note_or_call_on_a_purged_case_with_409(
    api_as: Callable[[str], Client], operator: User, kind: str
) -> None:
    case = _purged(operator)
    before = _events(case)

    response = api_as("operator").post(
        f"/api/v1/cases/{case.reference}/events",
        {"kind": kind, "text": "POSTPURGE тел +79107770001", "outcome": "no_answer"},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["field"]) == ("conflict", "case")
    assert f"Case {case.reference} was purged" in body["detail"]
    assert _events(case) == before


WRITES: dict[str, Callable[[Case, User], object]] = {
    "note": lambda case, by: services.case_note(case, text="тел +79107770001", by=by),
    "call": lambda case, by: services.case_call_attempt(case, outcome="no_answer", by=by),
    "callback": lambda case, by: services.case_schedule_callback(
        case, at=timezone.now() + dt.timedelta(hours=1), by=by
    ),
    "assign": lambda case, by: services.case_assign(case, to=by, by=by),
    "caller name": lambda case, by: services.case_caller_name(
        case, PersonInput(given_name="Наталья", family_name="Соколова"), by=by
    ),
    "member": lambda case, by: services.case_member_add(
        case, PersonInput(given_name="Валентина", family_name="Соколова"), by=by
    ),
    "message": lambda case, by: services.case_event_append(
        case, kind=EventKind.MESSAGE, text="Мы ещё тут"
    ),
}


@pytest.mark.parametrize("write", WRITES)
def test_every_write_to_a_purged_case_is_refused(operator: User, write: str) -> None:
    case = _purged(operator)
    before = _events(case)

    with translation.override("en"), pytest.raises(Conflict, match="was purged") as refused:
        WRITES[write](case, operator)

    assert refused.value.field == "case"
    assert _events(case) == before
    assert case.caller is not None
    caller = Person.objects.get(pk=case.caller.pk)
    assert (caller.given_name, caller.family_name) == ("", "")
    assert Person.objects.filter(household=case.household).count() == 1


def test_a_system_note_on_a_purged_case_is_kept_without_its_parameters(operator: User) -> None:
    """A request the purge cancels, a late delivery report: kept as the purge leaves notes."""
    case = _purged(operator)

    event = services.case_event_append(
        case,
        kind=EventKind.NOTE,
        msgid="Arrived at the reception point: %(arrived)s.",
        params={"arrived": "Наталья Соколова"},
    )

    event.refresh_from_db()
    assert (event.text, event.params) == ("", {})
    with translation.override("en"):
        assert event.display_text == "Arrived at the reception point: …."


def test_the_page_of_a_purged_case_offers_no_form_that_would_be_refused(
    client_as: Callable[[str], Client], operator: User
) -> None:
    # In a settlement, where a live case offers to turn it into a situation claim.
    case = _purged(operator, settlement_id=PlaceFactory().pk)
    client = client_as("coordinator")
    client.cookies["django_language"] = "en"

    page = client.get(reverse("hotline:case", args=[case.reference])).content.decode()

    for form in ("caller-form", "member-form"):
        assert f'id="{form}"' not in page
    actions = ("case_call", "case_note", "case_callback", "case_assign", "case_transition")
    for action in (*actions, "case_needs", "case_claim"):
        assert reverse(f"hotline:{action}", args=[case.reference]) not in page
    assert "Personal data purged under retention on" in page


def test_save_name_on_a_purged_case_writes_no_name(
    client_as: Callable[[str], Client], operator: User
) -> None:
    case = _purged(operator)
    client = client_as("coordinator")
    client.cookies["django_language"] = "en"

    response = client.post(
        reverse("hotline:case_caller", args=[case.reference]),
        {"caller-given_name": "Наталья", "caller-family_name": "Соколова"},
        follow=True,
    )

    page = response.content.decode()
    assert "was purged under retention" in page and "Caller&#x27;s name recorded." not in page
    assert case.caller is not None
    caller = Person.objects.get(pk=case.caller.pk)
    assert (caller.given_name, caller.family_name, caller.name_key) == ("", "", "")


def test_a_new_case_is_not_opened_on_a_purged_person(operator: User) -> None:
    case = _purged(operator)

    with translation.override("en"), pytest.raises(Conflict, match="was purged") as refused:
        services.case_open(
            services.CaseInput(channel="phone", language="ru", person_id=case.caller_id),
            by=operator,
        )

    assert refused.value.field == "person_id"
    assert Case.objects.count() == 1
