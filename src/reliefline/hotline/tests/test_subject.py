import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reliefline.access.models import AuditAction, AuditEntry
from reliefline.hotline.services import NeedInput, case_note
from reliefline.hotline.subject import subject_export
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Person


@pytest.fixture
def case(db: None, user_in):
    case = open_case(
        phone="+79101234567",
        needs=[NeedInput(type="medicine", item="инсулин", note="2 days left")],
        message="Маме 82 года",
    )
    case_note(case, text="called back", by=user_in("operator"))
    return case


def test_export_holds_the_person_their_cases_and_who_accessed_them(case, user_in) -> None:
    export = subject_export(case.caller_id, by=user_in("dpo")).as_dict()
    assert export["person"]["phone"] == "+79101234567"
    assert export["person"]["legal_basis"] == "consent"
    (exported_case,) = export["cases"]
    assert exported_case["message"] == "Маме 82 года"
    assert exported_case["needs"][0]["note"] == "2 days left"
    assert [e["kind"] for e in exported_case["timeline"]] == ["created", "note"]
    assert {a["purpose"] for a in export["accesses"]} >= {"case intake", "case note"}


def test_export_is_itself_audited(case, user_in) -> None:
    subject_export(case.caller_id, by=user_in("dpo"))
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.person_ids == [case.caller_id]


def test_other_household_members_appear_by_id_only(case, user_in) -> None:
    mother = Person.objects.create(
        household=case.household, given_name="Анна", family_name="Верещук"
    )
    export = subject_export(case.caller_id, by=user_in("dpo")).as_dict()
    assert mother.pk in export["household"]["member_ids"]
    assert "Анна" not in json.dumps(export, ensure_ascii=False)


def test_dpo_gets_the_export_through_the_api_and_others_do_not(case, api_as) -> None:
    response = api_as("dpo").get(f"/api/v1/subjects/{case.caller_id}")
    assert response.status_code == 200
    assert response.json()["person"]["id"] == case.caller_id
    assert api_as("operator").get(f"/api/v1/subjects/{case.caller_id}").status_code == 403
    assert api_as("dpo").get("/api/v1/subjects/999999").status_code == 404


def test_export_command_prints_json_for_a_dpo_only(case, user_in, capsys) -> None:
    dpo, operator = user_in("dpo"), user_in("operator")
    call_command("export-subject", str(case.caller_id), "--by", dpo.username)
    assert json.loads(capsys.readouterr().out)["person"]["id"] == case.caller_id
    with pytest.raises(CommandError, match="may not export"):
        call_command("export-subject", str(case.caller_id), "--by", operator.username)
    with pytest.raises(CommandError, match="No active user 'nosuchuser'"):
        call_command("export-subject", str(case.caller_id), "--by", "nosuchuser")
