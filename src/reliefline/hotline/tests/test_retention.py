import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from reliefline.access.models import AuditAction, AuditEntry
from reliefline.hotline.models import Case, CaseEvent, Need, Status
from reliefline.hotline.retention import cases_purge
from reliefline.hotline.services import CaseInput, NeedInput, case_note, case_open, case_transition
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Person


def _closed(days_ago: int, *, by, phone: str = "+79101234567") -> Case:
    case = open_case(
        phone=phone,
        needs=[NeedInput(type="medicine", item="insulin", note="type 1 diabetes")],
        message="We are at Lenina 5",
    )
    case_note(case, text="daughter lives in Kursk", by=by)
    case = case_transition(case, to=Status.CLOSED, by=by)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=days_ago))
    return case


@pytest.fixture
def operator(user_in):
    return user_in("operator")


def test_purge_anonymises_old_closed_cases_and_their_people(db: None, operator) -> None:
    case = _closed(100, by=operator)
    report = cases_purge(days=90)
    assert report.case_references == [case.reference]
    case.refresh_from_db()
    assert case.caller is not None
    person = Person.objects.get(pk=case.caller.pk)
    assert case.message == "" and case.purged_at is not None
    assert list(Need.objects.filter(case=case).values_list("type", "item", "note")) == [
        ("medicine", "", "")
    ]
    assert set(CaseEvent.objects.filter(case=case).values_list("text", flat=True)) == {""}
    assert (person.given_name, person.family_name, person.phone, person.birth_date) == (
        "",
        "",
        "",
        None,
    )
    assert person.phone_index == "" and person.name_key == ""
    assert AuditEntry.objects.filter(action=AuditAction.PURGE).count() == 1


def test_purge_keeps_recent_and_open_cases(db: None, operator) -> None:
    recent = _closed(10, by=operator)
    still_open = open_case(phone="+79101111111", message="help")
    report = cases_purge(days=90)
    assert report.case_references == []
    recent.refresh_from_db()
    still_open.refresh_from_db()
    assert recent.message == "We are at Lenina 5" and still_open.message == "help"


def test_a_person_with_another_open_case_keeps_their_data(db: None, operator) -> None:
    old = _closed(100, by=operator)
    assert old.caller is not None
    case_open(CaseInput(channel="phone", language="ru", person_id=old.caller.pk), by=operator)
    report = cases_purge(days=90)
    assert report.case_references == [old.reference]
    assert report.person_ids == []
    assert Person.objects.get(pk=old.caller.pk).family_name == "Верещук"


def test_dry_run_reports_and_changes_nothing(db: None, operator) -> None:
    case = _closed(100, by=operator)
    report = cases_purge(days=90, dry_run=True)
    assert report.case_references == [case.reference]
    case.refresh_from_db()
    assert case.message == "We are at Lenina 5" and case.purged_at is None


def test_purge_command_prints_what_it_did(db: None, operator, capsys) -> None:
    case = _closed(100, by=operator)
    call_command("purge", "--dry-run")
    assert "Would anonymise 1 case closed" in capsys.readouterr().out
    call_command("purge")
    out = capsys.readouterr().out
    assert "Anonymised 1 case closed" in out and str(case.reference) in out
    call_command("purge")
    assert "Anonymised 0 cases" in capsys.readouterr().out
