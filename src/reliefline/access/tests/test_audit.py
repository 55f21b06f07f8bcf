import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from reliefline.access.audit import GENESIS, audit_record, audit_search, audit_verify
from reliefline.access.models import AuditAction, AuditEntry


def _record(user=None, *, person_ids=(1,), record="hotline.case:RL-000001") -> AuditEntry:
    return audit_record(
        user=user,
        action=AuditAction.READ,
        record=record,
        purpose="case page",
        person_ids=person_ids,
        fields=["phone", "given_name"],
    )


def _drop_append_only_trigger() -> None:
    """Play an attacker with database access (the test transaction restores the trigger)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER access_auditentry_append_only ON access_auditentry")
        else:
            cursor.execute("DROP TRIGGER access_auditentry_append_only")


def test_entries_are_chained_from_genesis(db: None) -> None:
    first, second = _record(), _record()
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert audit_verify().intact


def test_editing_an_entry_behind_the_databases_back_is_detected(db: None, user_in) -> None:
    _record(user_in("operator"))
    victim = _record()
    _record()
    _drop_append_only_trigger()
    AuditEntry.objects.filter(pk=victim.pk).update(purpose="nothing to see")
    report = audit_verify()
    assert (report.intact, report.broken_at) == (False, victim.pk)


def test_removing_the_newest_entry_is_detected(db: None) -> None:
    _record()
    newest = _record()
    _drop_append_only_trigger()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM access_auditperson WHERE entry_id = %s", [newest.pk])
        cursor.execute("DELETE FROM access_auditentry WHERE id = %s", [newest.pk])
    assert not audit_verify().intact


def test_the_database_refuses_to_update_an_entry(db: None) -> None:
    entry = _record()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(purpose="rewritten")


def test_audit_verify_command_reports_intact_and_broken_chains(db: None) -> None:
    victim = _record()
    call_command("audit", "verify")
    _drop_append_only_trigger()
    AuditEntry.objects.filter(pk=victim.pk).update(fields=[])
    with pytest.raises(CommandError, match=f"broken at entry {victim.pk}"):
        call_command("audit", "verify")


def test_search_by_person_and_user(db: None, user_in) -> None:
    operator = user_in("operator")
    mine = _record(operator, person_ids=(7,))
    _record(person_ids=(8,))
    assert list(audit_search(person_id=7)) == [mine]
    assert list(audit_search(username=operator.username)) == [mine]
