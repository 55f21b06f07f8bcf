"""Data-subject access: everything reliefline holds about one person, for the DPO.

The export holds the person's own record, their household (its members only by
id: another person's data is not theirs to receive), every case in which they are
the caller with its needs, message and timeline, what the other apps hold about
them (`sections`), and who accessed their data when and why (the audit log).
Producing it is itself audited.

The apps above the hotline (channels, evacuation, aid) hold personal data too, and
the hotline may not import them. So each app that holds some names a selector in
its AppConfig's `subject_export` (a dotted path, as `periodic_tasks` names the
scheduler's jobs), and the export calls every one named; people, below the hotline,
does the same, so that one list says where the export looks. A selector takes the
person's id and returns its sections, each a list of plain JSON-ready rows.
docs/data-protection.md lists every section.
"""

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.module_loading import import_string
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
    # The other apps' sections (contacts, notices, evacuation_requests, ...), by name.
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the export as one JSON object: the apps' sections are top-level keys
        beside the person's, before the accesses."""
        data = asdict(self)
        sections = data.pop("sections")
        accesses = data.pop("accesses")
        return {**data, **sections, "accesses": accesses}


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
        "external_id": person.external_id,
        "merged_into": person.merged_into_id,
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


def _sections(person: Person) -> dict[str, list[dict[str, Any]]]:
    """Return the sections every app's `subject_export` selector holds about the person.

    Raise ImproperlyConfigured when two apps, or an app and the export itself, use the
    same name: one would silently hide the other's data.
    """
    sections: dict[str, list[dict[str, Any]]] = {}
    taken = {f.name for f in fields(SubjectExport)}
    for config in apps.get_app_configs():
        path = getattr(config, "subject_export", None)
        if path is None:
            continue
        for name, rows in import_string(path)(person.pk).items():
            if name in taken:
                raise ImproperlyConfigured(f"{path} returns a section {name!r} already taken.")
            taken.add(name)
            sections[name] = rows
    return sections


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
        sections=_sections(person),
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
