import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from reliefline.errors import InvalidInput
from reliefline.hotline.errors import IllegalTransition
from reliefline.hotline.models import Case, CaseEvent, EventKind, Status
from reliefline.hotline.selectors import (
    QueueFilters,
    case_dashboard,
    case_page,
    case_queue,
    cases_of_caller,
)
from reliefline.hotline.services import (
    CaseInput,
    NeedInput,
    case_assign,
    case_call_attempt,
    case_member_add,
    case_open,
    case_reprioritise_open,
    case_schedule_callback,
    case_transition,
)
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Household, Person
from reliefline.people.services import PersonInput

SUDZHA = "geonames-postal:RU-307800"


def test_case_open_numbers_the_case_and_starts_the_timeline(db: None) -> None:
    case = open_case()
    assert case.reference == f"RL-{case.pk:06d}"
    assert case.status == Status.NEW
    assert list(case.events.values_list("kind", flat=True)) == [EventKind.CREATED]


def test_case_open_creates_caller_in_a_household_of_the_given_size(gazetteer: None) -> None:
    case = open_case(settlement_id=SUDZHA, household_size=3)
    assert case.caller is not None and case.household is not None
    assert case.caller.household_id == case.household.pk
    assert case.household.size == 3
    assert case.household.settlement_id == SUDZHA


def test_case_open_rejects_unknown_settlement_and_stores_nothing(db: None) -> None:
    with pytest.raises(InvalidInput, match="Unknown settlement") as error:
        open_case(settlement_id="nowhere:1")
    assert error.value.field == "settlement"
    assert (Case.objects.count(), Person.objects.count(), Household.objects.count()) == (0, 0, 0)


def test_case_open_rejects_a_bad_phone_naming_the_field(db: None) -> None:
    with pytest.raises(InvalidInput) as error:
        open_case(phone="12345")
    assert error.value.field == "caller.phone"
    assert Person.objects.count() == 0


def test_case_open_needs_a_phone_or_a_name(db: None) -> None:
    with pytest.raises(InvalidInput, match="phone or name"):
        open_case(phone="", given_name="", family_name="")


def test_case_open_rejects_a_future_birth_date(db: None) -> None:
    future = timezone.localdate() + dt.timedelta(days=2)
    with pytest.raises(InvalidInput, match="impossible"):
        case_open(
            CaseInput(
                channel="sms",
                language="ru",
                caller=PersonInput(phone="+79101234567", birth_date=future),
            ),
            by=None,
        )


def test_case_open_can_attach_an_earlier_caller(db: None) -> None:
    first = open_case()
    assert first.caller is not None
    again = case_open(
        CaseInput(
            channel="phone",
            language="ru",
            person_id=first.caller.pk,
            needs=[NeedInput(type="food")],
        ),
        by=None,
    )
    assert again.caller_id == first.caller_id and again.household_id == first.household_id
    assert Person.objects.count() == 1


def test_a_known_household_never_shrinks_below_its_recorded_members(db: None, user_in) -> None:
    first = open_case()
    case_member_add(first, PersonInput(given_name="Валентина"), by=user_in("operator"))
    # The new-call form's household size starts at 1.
    again = case_open(
        CaseInput(channel="phone", language="ru", person_id=first.caller_id, household_size=1),
        by=None,
    )
    assert again.household is not None
    assert (again.household_size, again.household.size) == (2, 2)


def test_a_call_that_gives_no_household_size_keeps_the_known_one(db: None) -> None:
    first = open_case(household_size=4)
    again = case_open(CaseInput(channel="sms", language="ru", person_id=first.caller_id), by=None)
    assert again.household is not None and again.household.size == 4
    assert again.household_size == 4  # the new case says so too


def test_a_repeat_call_from_the_page_with_the_size_left_empty_keeps_the_household(
    client_as,
) -> None:
    """Story 2: the caller is picked from the proposals; her mother is not registered."""
    first = open_case(household_size=2)
    client = client_as("operator")
    form = client.get("/hotline/new/").content.decode()
    assert 'name="household_size"' in form
    assert 'name="household_size" value=' not in form  # empty, not 1

    client.post(
        "/hotline/new/",
        {
            "person_id": str(first.caller_id),
            "channel": "phone",
            "language": "ru",
            "household_size": "",
            "needs": ["evacuation"],
        },
    )

    again = Case.objects.exclude(pk=first.pk).get()
    assert again.household is not None and again.household_id == first.household_id
    assert (again.household_size, again.household.size) == (2, 2)


def test_legal_transitions_follow_the_workflow_and_leave_events(db: None, user_in) -> None:
    operator = user_in("operator")
    case = case_transition(open_case(), to=Status.TRIAGED, by=operator)
    # Assigned is reached by assigning someone (a case is never Assigned to nobody).
    case = case_assign(case, to=operator, by=user_in("coordinator"))
    for status in (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED):
        case = case_transition(case, to=status, by=operator)
    kinds = list(case.events.filter(kind=EventKind.STATUS).values_list("to_status", flat=True))
    assert kinds == ["triaged", "assigned", "in_progress", "resolved", "closed"]


def test_illegal_transition_is_refused_and_changes_nothing(db: None, user_in) -> None:
    case = open_case()
    with pytest.raises(IllegalTransition, match="cannot go from New to Resolved"):
        case_transition(case, to=Status.RESOLVED, by=user_in("operator"))
    case.refresh_from_db()
    assert case.status == Status.NEW
    assert not case.events.filter(kind=EventKind.STATUS).exists()


def test_a_closed_case_cannot_be_reopened(db: None, user_in) -> None:
    operator = user_in("operator")
    case = case_transition(open_case(), to=Status.CLOSED, by=operator)
    with pytest.raises(IllegalTransition):
        case_transition(case, to=Status.TRIAGED, by=operator)


def test_call_attempt_and_callback_are_on_the_timeline(db: None, user_in) -> None:
    operator = user_in("operator")
    case = open_case()
    case_call_attempt(case, outcome="no_answer", by=operator, note="line dead")
    due = timezone.now() + dt.timedelta(hours=2)
    case = case_schedule_callback(case, at=due, by=operator)
    assert case.callback_at == due
    call = CaseEvent.objects.get(case=case, kind=EventKind.CALL)
    assert (call.outcome, call.text) == ("no_answer", "line dead")


def test_callback_in_the_past_is_refused(db: None, user_in) -> None:
    with pytest.raises(InvalidInput, match="future"):
        case_schedule_callback(
            open_case(), at=timezone.now() - dt.timedelta(minutes=1), by=user_in("operator")
        )


def _callback_at(case: Case, at: dt.datetime) -> Case:
    # Scheduled earlier, so now due (the service refuses a time in the past).
    Case.objects.filter(pk=case.pk).update(callback_at=at)
    case.refresh_from_db()
    return case


def test_calling_back_settles_the_callback_whatever_the_answer(db: None, user_in) -> None:
    operator = user_in("operator")
    case = _callback_at(open_case(), timezone.now() - dt.timedelta(minutes=5))
    case_call_attempt(case, outcome="no_answer", by=operator)
    case.refresh_from_db()
    assert case.callback_at is None
    assert case.events.filter(kind=EventKind.CALL).count() == 1


def test_a_call_just_before_the_callback_is_the_callback(db: None, user_in) -> None:
    case = _callback_at(open_case(), timezone.now() + dt.timedelta(minutes=20))
    case_call_attempt(case, outcome="reached", by=user_in("operator"))
    case.refresh_from_db()
    assert case.callback_at is None


def test_a_call_hours_before_the_callback_leaves_it(db: None, user_in) -> None:
    later = timezone.now() + dt.timedelta(hours=3)
    case = case_schedule_callback(open_case(), at=later, by=user_in("operator"))
    case_call_attempt(case, outcome="busy", by=user_in("operator"))
    case.refresh_from_db()
    assert case.callback_at == later


def test_the_queue_lists_the_callbacks_due_of_open_cases_only(db: None, user_in) -> None:
    now = timezone.now()
    due = _callback_at(open_case(phone="+79100000001"), now - dt.timedelta(minutes=1))
    _callback_at(open_case(phone="+79100000002"), now + dt.timedelta(hours=1))
    closed = _callback_at(open_case(phone="+79100000003"), now - dt.timedelta(hours=1))
    case_transition(closed, to=Status.CLOSED, by=user_in("operator"))
    open_case(phone="+79100000004")

    found = case_queue(QueueFilters(callback_due=True), now=now)

    assert [c.reference for c in found] == [due.reference]
    assert case_dashboard(now=now).callbacks_due == 1


def test_assigning_a_new_case_triages_and_assigns_it(db: None, user_in) -> None:
    coordinator, operator = user_in("coordinator"), user_in("operator")
    case = case_assign(open_case(), to=operator, by=coordinator)
    assert (case.status, case.assignee) == (Status.ASSIGNED, operator)


def test_queue_puts_the_insulin_case_first_then_the_longest_waiting(db: None) -> None:
    water_old = open_case(phone="+79101000001", needs=[NeedInput(type="water")])
    water_new = open_case(phone="+79101000002", needs=[NeedInput(type="water")])
    Case.objects.filter(pk=water_old.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=30)
    )
    insulin = open_case(
        phone="+79101000003",
        needs=[NeedInput(type="medicine", item="инсулин"), NeedInput(type="evacuation")],
        vulnerabilities=["elderly_75_plus", "wheelchair"],
    )
    queue = list(case_queue(QueueFilters()))
    assert [c.pk for c in queue] == [insulin.pk, water_old.pk, water_new.pk]


def test_reprioritising_raises_waiting_cases_and_marks_them_overdue(db: None) -> None:
    case = open_case(needs=[NeedInput(type="food")])
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - dt.timedelta(hours=80))
    assert case_reprioritise_open() == 1
    case.refresh_from_db()
    assert case.priority == 12 + 20
    assert list(case_queue(QueueFilters(overdue=True))) == [case]


def test_cursor_pages_neither_repeat_nor_skip_when_cases_arrive(db: None) -> None:
    cases = [open_case(phone=f"+7910200{i:04d}") for i in range(7)]
    first, cursor = case_page(case_queue(QueueFilters()), size=3)
    open_case(phone="+79103000000", needs=[NeedInput(type="medical_care")])  # arrives on top
    second, cursor = case_page(case_queue(QueueFilters()), cursor=cursor or "", size=3)
    third, cursor = case_page(case_queue(QueueFilters()), cursor=cursor or "", size=3)
    seen = [c.pk for c in first + second + third]
    assert seen == [c.pk for c in cases]
    assert cursor is None


def test_bad_cursor_is_invalid_input(db: None) -> None:
    with pytest.raises(InvalidInput) as error:
        case_page(case_queue(QueueFilters()), cursor="not-a-cursor", size=3)
    assert error.value.field == "cursor"


def test_earlier_cases_are_found_by_phone_and_by_name_in_another_script(db: None) -> None:
    case = open_case(phone="+79101234567", given_name="Ирина", family_name="Верещук")
    assert cases_of_caller(phone="8 910 123 45 67") == [case]
    assert cases_of_caller(name="Iryna Vereshchuk") == [case]
    assert cases_of_caller(name="Петренко") == []


def test_the_database_refuses_an_unknown_status(db: None) -> None:
    case = open_case()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status="lost")
