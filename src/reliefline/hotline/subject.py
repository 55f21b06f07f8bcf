"""Data-subject access: everything reliefline holds about one person, for the DPO.

The export holds the person's own record, their household (its members only by
id: another person's data is not theirs to receive), every case in which they are
the caller with its needs, message and timeline, and who accessed their data when
and why (the audit log). Producing it is itself audited.
"""

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reliefline.access.audit import audit_record, audit_search
from reliefline.access.models import AuditAction
from reliefline.errors import NotFound
from reliefline.hotline.models import Case
from reliefline.people.models import Person


@dataclass(frozen=True)
class SubjectExport:
    exported_at: str
    person: dict[str, Any]
    household: dict[str, Any] | None
    cases: list[dict[str, Any]] = field(default_factory=list)
    accesses: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _person(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "given_name": person.given_name,
        "patronymic": person.patronymic,
        "family_name": person.family_name,
        "birth_date": _iso(person.birth_date),
        "phone": person.phone,
        "preferred_language": person.preferred_language,
        "legal_basis": person.legal_basis,
        "consent_method": person.consent_method,
        "consent_at": _iso(person.consent_at),
        "created_at": _iso(person.created_at),
        "purged_at": _iso(person.purged_at),
    }


def _case(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "channel": case.channel,
        "language": case.language,
        "status": case.status,
        "settlement": case.settlement_id,
        "household_size": case.household_size,
        "vulnerabilities": case.vulnerabilities,
        "message": case.message,
        "created_at": _iso(case.created_at),
        "closed_at": _iso(case.closed_at),
        "needs": [
            {"type": n.type, "item": n.item, "quantity": n.quantity, "note": n.note}
            for n in case.needs.all()
        ],
        "timeline": [
            {
                "at": _iso(e.at),
                "kind": e.kind,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "outcome": e.outcome,
                "text": e.display_text,
            }
            for e in case.events.all()
        ],
    }


@transaction.atomic
def subject_export(person_id: int, *, by: User) -> SubjectExport:
    """Return everything held about the person, and record that it was exported."""
    person = Person.objects.select_related("household").filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("No person %(id)s.") % {"id": person_id}, field="person_id")
    household = person.household
    cases = Case.objects.filter(caller=person).prefetch_related("needs", "events").order_by("pk")
    accesses = [
        {
            "at": _iso(e.at),
            "user": e.username,
            "action": e.action,
            "record": e.record,
            "purpose": e.purpose,
        }
        for e in audit_search(person_id=person.pk).order_by("at", "id")
    ]
    export = SubjectExport(
        exported_at=dt.datetime.now(dt.UTC).isoformat(),
        person=_person(person),
        household=None
        if household is None
        else {
            "id": household.pk,
            "settlement": household.settlement_id,
            "size": household.size,
            "member_ids": list(household.members.values_list("pk", flat=True)),
        },
        cases=[_case(case) for case in cases],
        accesses=accesses,
    )
    audit_record(
        user=by,
        action=AuditAction.EXPORT,
        record=f"people.person:{person.pk}",
        purpose=gettext_noop("data-subject access request"),
        person_ids=[person.pk],
        fields=["everything"],
    )
    return export
