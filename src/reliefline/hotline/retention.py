"""Retention: closed cases and the people in them lose their personal data on schedule.

A closed case keeps what aggregates need (channel, settlement, need types and
quantities, vulnerabilities, dates, status) and loses what identifies or exposes
someone (the message, need items and notes, timeline texts). A person with no
unpurged case left, in their own name or their household's, loses names, phone and
birth date. So does a person who was never in a case (a registry record, imported to
recognise callers), once recorded before the cutoff and no longer served: no open
evacuation request, no aid since the cutoff (`persons_held`). Nothing is deleted, so
counts and the audit chain stay whole.

The purge works in batches, each its own transaction: the due cases `batch` at a time
(with those of their persons no other unpurged case holds), then the persons in no
case. A first purge of a large registry would otherwise hold the write lock (on
SQLite, the whole database's) until the last person, and the hotline could not take
a call meanwhile. Each batch selects again, inside its transaction, which of its
cases and persons are still due, so a case reopened or a person given a case since
the listing is kept. A failed batch leaves the earlier ones done; a rerun continues.
"""

import datetime as dt
import time
from collections.abc import Iterator, Sequence
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
from reliefline.people.services import persons_anonymise

# Cases or persons per transaction: a batch holds the write lock for a fraction of a
# second (docs/data-protection.md). At most BATCH_MAX, as each id is a parameter of
# the batch's queries up to four times, and some SQLite builds take no more than 32766.
BATCH = 200
BATCH_MAX = 5_000
# Seconds between batches, for a writer waiting for the lock to take it: one queued
# on reliefline.sqlite's lock file tries every 0.5 ms, while the next batch would take
# the lock back within microseconds, and a call would wait out the whole purge.
PAUSE = 0.005
CASE_FIELDS = ("message", "need.item", "need.note", "event.text", "event.params")
PERSON_FIELDS = ("names", "phone", "birth_date")

# Sent after each batch of a purge (never in a dry run) with its PurgeReport, so that
# apps above hotline (channels keeps notice texts and addresses) purge what they hold.
# A receiver runs in the batch's transaction: if it raises, the batch is undone.
cases_purged = Signal()
# Sent when a purge lists the persons in no case, dry run too, and again in each of
# their batches, with its `cutoff`: each receiver (in apps above hotline: evacuation,
# aid) returns a QuerySet of the persons it still serves, which the purge keeps
# although no case holds them.
persons_held = Signal()


@dataclass
class PurgeReport:
    cutoff: dt.datetime
    dry_run: bool
    case_references: list[str] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    # Those of person_ids who were in no case left (registry records), for the dry run.
    caseless_person_ids: list[int] = field(default_factory=list)

    def extend(self, part: "PurgeReport") -> None:
        """Add what a batch purged to this report of the whole run."""
        self.case_references += part.case_references
        self.person_ids += part.person_ids
        self.caseless_person_ids += part.caseless_person_ids


class PurgeStopped(RuntimeError):
    """A batch failed; `done` holds what the batches before it purged, which stays purged."""

    def __init__(self, *, done: PurgeReport, error: Exception) -> None:
        super().__init__(
            f"The purge stopped after anonymising {len(done.case_references)} cases and "
            f"{len(done.person_ids)} persons ({type(error).__name__}: {error}); "
            "run it again to finish."
        )
        self.done = done


def _cases_due(cutoff: dt.datetime) -> QuerySet[Case]:
    return Case.objects.filter(
        status=Status.CLOSED, closed_at__lt=cutoff, purged_at__isnull=True
    ).order_by("pk")


def _unheld(persons: QuerySet[Person], *, purging: QuerySet[Case]) -> QuerySet[Person]:
    """Return those of `persons` whom no unpurged case but `purging`'s holds."""
    remaining = Case.objects.filter(purged_at__isnull=True).exclude(pk__in=purging.values("pk"))
    own = remaining.filter(caller=OuterRef("pk"))
    household = remaining.filter(household=OuterRef("household"))
    return persons.exclude(Exists(own)).exclude(Q(household__isnull=False) & Exists(household))


def _persons_due(purging: QuerySet[Case]) -> QuerySet[Person]:
    """Return the unpurged persons of these cases (or their households') no other case holds."""
    own = purging.filter(caller=OuterRef("pk"))
    household = purging.filter(household=OuterRef("household"))
    persons = Person.objects.filter(purged_at__isnull=True).filter(
        Q(Exists(own)) | Q(Exists(household))
    )
    return _unheld(persons, purging=purging).order_by("pk")


def _caseless_due(cutoff: dt.datetime, *, purging: QuerySet[Case]) -> QuerySet[Person]:
    """Return the persons no unpurged case holds, recorded before the cutoff and not held.

    Merged records are left to their kept person (persons_anonymise takes them along).
    """
    persons = Person.objects.filter(
        purged_at__isnull=True, merged_into__isnull=True, created_at__lt=cutoff
    )
    for _receiver, held in persons_held.send(sender=Person, cutoff=cutoff):
        persons = persons.exclude(pk__in=cast(QuerySet[Person], held).values("pk"))
    return _unheld(persons, purging=purging).order_by("pk")


def _batches(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    return (ids[start : start + size] for start in range(0, len(ids), size))


def _recorded(report: PurgeReport, *, callers: set[int]) -> PurgeReport:
    """Return the batch's report once its kept answers, audit entry and signal are done."""
    # A kept answer to the write that opened one of these cases holds its caller's data.
    idempotency.answers_forget({*report.person_ids, *callers})
    audit_record(
        user=None,
        action=AuditAction.PURGE,
        record=f"retention:{len(report.case_references)} cases",
        purpose=audit_labels.RETENTION.text(date=f"{report.cutoff:%Y-%m-%d}"),
        person_ids=report.person_ids,
        fields=[*(CASE_FIELDS if report.case_references else ()), *PERSON_FIELDS],
    )
    cases_purged.send(sender=Case, report=report)
    return report


@transaction.atomic
def _cases_batch_purge(ids: Sequence[int], *, cutoff: dt.datetime, now: dt.datetime) -> PurgeReport:
    """Return what was anonymised of these cases, those still due, and of their persons."""
    cases = list(_cases_due(cutoff).select_for_update().filter(pk__in=ids))
    if not cases:
        return PurgeReport(cutoff=cutoff, dry_run=False)
    purging = Case.objects.filter(pk__in=[case.pk for case in cases])
    # Selected before these cases are marked: a person whose other case is due too but
    # comes in a later batch stays until that batch, as an unpurged case holds them.
    persons = _persons_due(purging).select_for_update().values_list("pk", flat=True)
    report = PurgeReport(
        cutoff=cutoff,
        dry_run=False,
        case_references=[str(case.reference) for case in cases],
        person_ids=list(persons),
    )
    purging.update(message="", purged_at=now)
    Need.objects.filter(case__in=purging).update(item="", note="")
    CaseEvent.objects.filter(case__in=purging).update(text="", params={})
    persons_anonymise(report.person_ids, now=now)
    callers = {case.caller_id for case in cases if case.caller_id is not None}
    return _recorded(report, callers=callers)


@transaction.atomic
def _caseless_batch_purge(
    ids: Sequence[int], *, cutoff: dt.datetime, now: dt.datetime
) -> PurgeReport:
    """Return which of these persons in no case were anonymised: those still due."""
    persons = _caseless_due(cutoff, purging=Case.objects.none()).select_for_update()
    person_ids = list(persons.filter(pk__in=ids).values_list("pk", flat=True))
    report = PurgeReport(
        cutoff=cutoff, dry_run=False, person_ids=person_ids, caseless_person_ids=person_ids
    )
    if not person_ids:
        return report
    persons_anonymise(person_ids, now=now)
    return _recorded(report, callers=set())


def cases_purge(
    *,
    days: int | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    batch: int = BATCH,
) -> PurgeReport:
    """Return what was (or, in a dry run, would be) anonymised, cases closed over `days` ago.

    The run lists what is due in one read, as a dry run does, then purges it `batch`
    cases or persons to a transaction. Raise PurgeStopped if a batch fails: the
    batches before it stay done, and a rerun continues.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.RETENTION_DAYS if days is None else days)
    cases = _cases_due(cutoff)
    case_ids = list(cases.values_list("pk", flat=True))
    # The persons in no case are listed as if the due cases were purged already, so a
    # person whose cases are all due is counted with them, not as a registry record.
    caseless = _caseless_due(cutoff, purging=cases).exclude(pk__in=_persons_due(cases).values("pk"))
    caseless_ids = list(caseless.values_list("pk", flat=True))
    if dry_run:
        return PurgeReport(
            cutoff=cutoff,
            dry_run=True,
            case_references=[str(ref) for ref in cases.values_list("reference", flat=True)],
            person_ids=[*_persons_due(cases).values_list("pk", flat=True), *caseless_ids],
            caseless_person_ids=caseless_ids,
        )
    report = PurgeReport(cutoff=cutoff, dry_run=False)
    try:
        for ids in _batches(case_ids, batch):
            report.extend(_cases_batch_purge(ids, cutoff=cutoff, now=now))
            time.sleep(PAUSE)
        for ids in _batches(caseless_ids, batch):
            report.extend(_caseless_batch_purge(ids, cutoff=cutoff, now=now))
            time.sleep(PAUSE)
    except Exception as error:
        # Whatever failed, the batches before it are committed: the caller learns how
        # far the purge got, with the error, and a rerun goes on from there.
        raise PurgeStopped(done=report, error=error) from error
    return report
