"""Every read and write of a case's personal data leaves an audit entry."""

from reliefline.access.audit import audit_verify
from reliefline.access.models import AuditAction, AuditEntry
from reliefline.hotline.services import case_call_attempt, case_note
from reliefline.hotline.tests.factories import open_case


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def test_opening_a_case_is_audited_as_a_create(db: None, user_in) -> None:
    operator = user_in("operator")
    case = open_case(by=operator)
    (entry,) = _entries(AuditAction.CREATE)
    assert (entry.username, entry.record, entry.person_ids) == (
        operator.username,
        f"hotline.case:{case.reference}",
        [case.caller_id],
    )
    assert "caller.phone" in entry.fields


def test_the_case_page_records_who_read_it_and_from_where(db: None, client_as) -> None:
    case = open_case()
    client = client_as("operator")
    assert (
        client.get(f"/hotline/cases/{case.reference}/", REMOTE_ADDR="10.1.2.3").status_code == 200
    )
    (entry,) = _entries(AuditAction.READ)
    assert entry.purpose == "case page" and entry.address == "10.1.2.3"
    assert entry.person_ids == [case.caller_id]


def test_api_detail_and_list_are_audited(db: None, api_as) -> None:
    case = open_case()
    client = api_as("operator")
    client.get(f"/api/v1/cases/{case.reference}")
    client.get("/api/v1/cases")
    assert [e.purpose for e in AuditEntry.objects.exclude(action=AuditAction.CREATE)] == [
        "case detail (API)",
        "case list (API)",
    ]


def test_a_note_is_audited_as_an_update(db: None, user_in) -> None:
    operator = user_in("operator")
    case = open_case()
    case_note(case, text="called back", by=operator)
    assert _entries(AuditAction.UPDATE)[0].fields == ["timeline"]
    assert audit_verify().intact


def test_a_call_attempt_is_audited_as_an_update_of_the_caller(db: None, user_in) -> None:
    """Calling the caller's phone is a use of their data, as a note is."""
    operator = user_in("operator")
    case = open_case()
    case_call_attempt(case, outcome="no_answer", by=operator)
    (entry,) = _entries(AuditAction.UPDATE)
    assert (entry.username, entry.person_ids, entry.purpose) == (
        operator.username,
        [case.caller_id],
        "call attempt",
    )
    assert audit_verify().intact


def test_the_admin_change_page_of_a_person_is_audited(db: None, client_as) -> None:
    case = open_case()
    response = client_as("admin").get(f"/admin/people/person/{case.caller_id}/change/")
    assert response.status_code == 200
    (entry,) = _entries(AuditAction.READ)
    assert entry.purpose == "admin" and entry.person_ids == [case.caller_id]


def test_a_page_refused_by_permission_leaves_no_read_entry(db: None, client_as) -> None:
    case = open_case()
    assert client_as("partner").get(f"/hotline/cases/{case.reference}/").status_code == 403
    assert not _entries(AuditAction.READ)
