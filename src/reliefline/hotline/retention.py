"""Retention: closed cases and the people in them lose their personal data on schedule.

A closed case keeps what aggregates need (channel, settlement, need types and
quantities, vulnerabilities, dates, status) and loses what identifies or exposes
someone (the message, need items and notes, timeline texts). A person with no
unpurged case left, in their own name or their household's, loses names, phone and
birth date. So does a person who was never in a case (a registry record, imported to
recognise callers), once recorded before the cutoff and no longer served: no open
evacuation request, no aid since the cutoff (`persons_held`). Nothing is deleted, so
counts and the audit chain stay whole.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import cast

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from reliefline.access import audit_labels, idempotency
from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.hotline.models import Case, CaseEvent, Need, Status
from reliefline.people.models import Person
from reliefline.people.services import person_anonymise

# Sent once after a purge has anonymised cases and persons (never in a dry run), so that
# apps above hotline (channels keeps notice texts and addresses) purge what they hold.
cases_purged = Signal()
# Sent before a purge, dry run too, with its `cutoff`: each receiver (in apps above
# hotline: evacuation, aid) returns a QuerySet of the persons it still serves, which
# the purge keeps although no case holds them.
persons_held = Signal()


@dataclass
class PurgeReport:
    cutoff: dt.datetime
    dry_run: bool
    case_references: list[str] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    # Those of person_ids who were in no case left (registry records), for the dry run.
    caseless_person_ids: list[int] = field(default_factory=list)


def _cases_due(cutoff: dt.datetime) -> list[Case]:
    return list(
        Case.objects.filter(
            status=Status.CLOSED, closed_at__lt=cutoff, purged_at__isnull=True
        ).order_by("pk")
    )


def _persons_due(purging: list[int]) -> list[Person]:
    remaining = Case.objects.filter(purged_at__isnull=True).exclude(pk__in=purging)
    own = remaining.filter(caller=OuterRef("pk"))
    household = remaining.filter(household=OuterRef("household"))
    return list(
        Person.objects.filter(purged_at__isnull=True)
        .filter(Q(cases__pk__in=purging) | Q(household__cases__pk__in=purging))
        .exclude(Exists(own))
        .exclude(Q(household__isnull=False) & Exists(household))
        .distinct()
        .order_by("pk")
    )


def _caseless_due(cutoff: dt.datetime, purging: list[int], due: list[Person]) -> list[Person]:
    """Return the persons no unpurged case holds, recorded before the cutoff and not held.

    Merged records are left to their kept person (person_anonymise takes them along).
    """
    remaining = Case.objects.filter(purged_at__isnull=True).exclude(pk__in=purging)
    own = remaining.filter(caller=OuterRef("pk"))
    household = remaining.filter(household=OuterRef("household"))
    persons = (
        Person.objects.filter(
            purged_at__isnull=True, merged_into__isnull=True, created_at__lt=cutoff
        )
        .exclude(pk__in=[person.pk for person in due])
        .exclude(Exists(own))
        .exclude(Q(household__isnull=False) & Exists(household))
    )
    for _receiver, held in persons_held.send(sender=Person, cutoff=cutoff):
        persons = persons.exclude(pk__in=cast(QuerySet[Person], held).values("pk"))
    return list(persons.order_by("pk"))


@transaction.atomic
def cases_purge(
    *, days: int | None = None, dry_run: bool = False, now: dt.datetime | None = None
) -> PurgeReport:
    """Return what was (or, in a dry run, would be) anonymised, cases closed over `days` ago."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.RETENTION_DAYS if days is None else days)
    cases = _cases_due(cutoff)
    case_ids = [case.pk for case in cases]
    persons = _persons_due(case_ids)
    caseless = _caseless_due(cutoff, case_ids, persons)
    persons += caseless
    report = PurgeReport(
        cutoff=cutoff,
        dry_run=dry_run,
        case_references=[str(case.reference) for case in cases],
        person_ids=[person.pk for person in persons],
        caseless_person_ids=[person.pk for person in caseless],
    )
    if dry_run or not (cases or persons):
        return report
    Case.objects.filter(pk__in=case_ids).update(message="", purged_at=now)
    Need.objects.filter(case_id__in=case_ids).update(item="", note="")
    CaseEvent.objects.filter(case_id__in=case_ids).update(text="", params={})
    for person in persons:
        person_anonymise(person, now=now)
    # A kept answer to the write that opened one of these cases holds its caller's data.
    callers = [case.caller_id for case in cases if case.caller_id is not None]
    idempotency.answers_forget({*report.person_ids, *callers})
    audit_record(
        user=None,
        action=AuditAction.PURGE,
        record=f"retention:{len(case_ids)} cases",
        purpose=audit_labels.RETENTION.text(date=f"{cutoff:%Y-%m-%d}"),
        person_ids=report.person_ids,
        fields=[
            "message",
            "need.item",
            "need.note",
            "event.text",
            "event.params",
            "names",
            "phone",
            "birth_date",
        ],
    )
    cases_purged.send(sender=Case, report=report)
    return report
