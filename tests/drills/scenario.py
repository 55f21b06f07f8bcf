"""The drills' Django side: set a scene up through the services, or report the state.

Run as `python -m tests.drills.scenario COMMAND '{"json": "arguments"}'` with the
drill's environment (its DATABASE_URL and keys); the last line printed is the JSON
answer. Each command is one short process, so a drill can kill reliefline's own
processes at will without losing its view of the database.
"""

import datetime as dt
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import django

COMMANDS: dict[str, Callable[..., Any]] = {}
SUDZHA = "geonames-postal:RU-307800"


def command(function: Callable[..., Any]) -> Callable[..., Any]:
    COMMANDS[function.__name__] = function
    return function


def _user(role: str) -> Any:
    """Return a new user in the role, without a password (drills use bearer tokens)."""
    from reliefline.access.tests.factories import UserFactory

    return UserFactory(role=role, password=None)


@command
def audit() -> dict[str, Any]:
    """Return whether the audit chain verifies, and how many entries it has."""
    from reliefline.access.audit import audit_verify

    report = audit_verify()
    return {"intact": report.intact, "checked": report.checked, "problem": report.problem}


# ---- notices -----------------------------------------------------------------------------


@command
def broadcast_setup(recipients: int) -> dict[str, Any]:
    """Open a case for each of `recipients` callers in Sudzha, then broadcast to Sudzha."""
    from reliefline.channels.models import NoticeKind
    from reliefline.channels.services import notices_broadcast
    from reliefline.hotline.tests.factories import open_case

    coordinator = _user("coordinator")
    for i in range(recipients):
        open_case(
            phone=_phone(i),
            family_name=f"Драй{i}",
            language="ru" if i % 2 else "uk",
            channel="phone",
            settlement_id=SUDZHA,
            by=coordinator,
        )
    broadcast = notices_broadcast(
        kind=NoticeKind.CORRIDOR_OPENED,
        context={"corridor": "Sudzha → Sumy", "window": "Saturday 08:00–14:00"},
        settlement_ids=[SUDZHA],
        by=coordinator,
    )
    notices = list(broadcast.notices.values_list("pk", flat=True))
    return {"broadcast": broadcast.pk, "notices": notices}


def _phone(i: int) -> str:
    return f"+7910{i:07d}"


@command
def broadcast_state(broadcast: int) -> dict[str, Any]:
    """Return the broadcast's notices (address decrypted), the case notes and the jobs."""
    from django_tasks_db.models import DBTaskResult

    from reliefline.channels.models import Broadcast
    from reliefline.hotline.models import CaseEvent, EventKind

    found = Broadcast.objects.get(pk=broadcast)
    notices = list(found.notices.order_by("pk"))
    notes = Counter(
        CaseEvent.objects.filter(
            case_id__in=[n.case_id for n in notices], kind=EventKind.NOTE
        ).values_list("case_id", flat=True)
    )
    return {
        "status": found.status,
        "notices": [
            {
                "id": n.pk,
                "status": n.status,
                "error": n.error,
                "attempts": n.attempts,
                "provider_id": n.provider_id,
                "address": n.address,
                "notes": notes[n.case_id],
            }
            for n in notices
        ],
        "jobs": dict(Counter(DBTaskResult.objects.values_list("status", flat=True))),
        "audit": audit(),
    }


@command
def notices_settle(broadcast: int) -> dict[str, Any]:
    """Return the broadcast's state after the recovery for dead workers has run.

    It runs as it would once STUCK_AFTER has passed since the claims.
    """
    from django.utils import timezone

    from reliefline.channels.services import notices_unstick
    from reliefline.channels.services.notices import STUCK_AFTER

    later = timezone.now() + STUCK_AFTER + dt.timedelta(seconds=1)
    settled = notices_unstick(now=later)
    return {"settled": settled, **broadcast_state(broadcast)}


# ---- people import -------------------------------------------------------------------------


@command
def people_state(ids: bool) -> dict[str, Any]:
    """Return the registry's consistency and a digest of its content (ids left out).

    Two databases hold the same import when their digests are equal: every person's
    fields (phone decrypted), blind index, matching keys and household's settlement.
    """
    from django.db.models import Count

    from reliefline.people.models import Household, Person, PersonKey

    keys: dict[int, list[tuple[str, str]]] = {}
    for person_id, kind, value in PersonKey.objects.values_list("person_id", "kind", "value"):
        keys.setdefault(person_id, []).append((kind, value))
    digest = hashlib.sha256()
    unkeyed, wrong_keys = [], []
    persons = Person.objects.select_related("household").order_by("external_id")
    for person in persons.iterator(chunk_size=2000):
        stored = sorted(keys.get(person.pk, []))
        if not stored:
            unkeyed.append(person.external_id)
        elif stored != sorted(PersonKey.keys_of(person)):
            wrong_keys.append(person.external_id)
        row = (
            person.external_id,
            person.given_name,
            person.family_name,
            person.patronymic,
            str(person.birth_date),
            person.phone,
            person.phone_index,
            person.name_key,
            person.household.settlement_id if person.household else None,
            person.household.size if person.household else None,
            stored,
        )
        digest.update(json.dumps(row, ensure_ascii=False).encode())
    empty_households = Household.objects.filter(members__isnull=True).count()
    shared = (
        Household.objects.filter(members__isnull=False)
        .values("pk")
        .annotate(n=Count("members"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "persons": Person.objects.count(),
        "distinct_external_ids": Person.objects.values("external_id").distinct().count(),
        "households": Household.objects.count(),
        "keys": PersonKey.objects.count(),
        "orphan_keys": PersonKey.objects.exclude(person_id__in=Person.objects.values("pk")).count(),
        "unkeyed": unkeyed[:5],
        "wrong_keys": wrong_keys[:5],
        "empty_households": empty_households,
        "shared_households": shared,
        "digest": digest.hexdigest(),
        "indexes": _indexes(Person, PersonKey, Household),
        "import_audits": _import_audits(),
        "audit": audit(),
        "external_ids": list(Person.objects.values_list("external_id", flat=True)) if ids else [],
    }


def _indexes(*models: Any) -> list[str]:
    """Return the names of the indexes and constraints the database has on the tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        return sorted(
            name
            for model in models
            for name in connection.introspection.get_constraints(cursor, model._meta.db_table)
        )


def _import_audits() -> list[str]:
    from reliefline.access.models import AuditEntry
    from reliefline.people.importing import AUDIT_RECORD

    return list(
        AuditEntry.objects.filter(record=AUDIT_RECORD)
        .order_by("pk")
        .values_list("purpose", flat=True)
    )


# ---- allocation and distributions through the web ----------------------------------------


@command
def web_setup(requests: int, households: int) -> dict[str, Any]:
    """Return a coordinator's token, an allocated convoy and households to give aid to.

    The convoy has fewer places than the requests need, and one allocation already
    made, so a new allocation first gives those places back, then plans again.
    """
    from reliefline.access.tests.factories import token_for
    from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, family, stocked
    from reliefline.evacuation.services import VehicleInput, convoy_allocate
    from reliefline.evacuation.tests import factories as evacuation
    from reliefline.places.models import Place

    coordinator = _user("coordinator")
    buses = [VehicleInput(f"Bus {v}", seats=17 + 2 * v, wheelchair_places=1) for v in range(6)]
    convoy = evacuation.convoy(vehicles=buses, by=coordinator)
    for i in range(requests):
        evacuation.request(
            phone=_phone(i),
            family=[(f"Член{k}", "wheelchair" if (i + k) % 17 == 0 else "walking", False) for k in range(i % 4)],
            by=coordinator,
        )  # fmt: skip
    run = convoy_allocate(convoy, by=coordinator, time_limit=10)

    warehouse = WarehouseFactory(code="DRILL-1", settlement=Place.objects.get(pk=SUDZHA))
    stocked(warehouse, ItemFactory(code="WATER-5L"), 100_000)
    ids = [
        family(("Нина", f"Помощь{i}"), settlement_id=SUDZHA, birth_date=_born(i)).pk
        for i in range(households)
    ]
    return {
        "token": token_for(coordinator),
        "convoy": convoy.pk,
        "allocated": run.allocated,
        "households": ids,
    }


def _born(i: int) -> dt.date:
    return dt.date(1940, 1, 1) + dt.timedelta(days=37 * i)


@command
def convoy_state(convoy: int) -> dict[str, Any]:
    """Return the convoy's places, runs and requests, and what breaks their invariants."""
    from reliefline.evacuation.models import (
        HOLDING,
        AllocationRun,
        EvacuationRequest,
        Placement,
        PlacementEvent,
        PlacementEventKind,
        RequestStatus,
    )

    holding = list(
        Placement.objects.filter(vehicle__convoy_id=convoy, status__in=HOLDING)
        .select_related("member")
        .order_by("pk")
    )
    allocated_events = set(
        PlacementEvent.objects.filter(kind=PlacementEventKind.ALLOCATED).values_list(
            "placement_id", flat=True
        )
    )
    placed_requests = {p.member.request_id for p in holding}
    requests = list(EvacuationRequest.objects.prefetch_related("members"))
    problems = [
        f"placement {p.pk} without its event" for p in holding if p.pk not in allocated_events
    ]
    for request in requests:
        going = {m.pk for m in request.members.all() if m.going}
        seated = {p.member_id for p in holding if p.member.request_id == request.pk}
        if request.status == RequestStatus.ALLOCATED and seated != going:
            problems.append(
                f"request {request.pk} allocated with {len(seated)} of {len(going)} seated"
            )
        if request.status == RequestStatus.WAITING and request.pk in placed_requests:
            problems.append(f"request {request.pk} waiting but seated")
    runs = list(AllocationRun.objects.filter(convoy_id=convoy).order_by("pk"))
    if runs and runs[-1].allocated != len(holding):
        problems.append(f"last run says {runs[-1].allocated} placed, {len(holding)} hold a place")
    return {
        "places": [
            [p.member_id, p.vehicle_id, p.kind, p.number, p.code, p.status] for p in holding
        ],
        "runs": len(runs),
        "events": PlacementEvent.objects.count(),
        "statuses": dict(Counter(r.status for r in requests)),
        "problems": problems,
        "audit": audit(),
    }


@command
def aid_state() -> dict[str, Any]:
    """Return the distributions, and what breaks the ledger's and the audit's invariants."""
    from django.db.models import Sum

    from reliefline.access.models import AuditEntry
    from reliefline.aid.models import Balance, Distribution, Movement, MovementKind
    from reliefline.aid.selectors import stock_differences

    audited = set(
        AuditEntry.objects.filter(record__startswith="aid.distribution:").values_list(
            "record", flat=True
        )
    )
    problems = []
    distributions = list(Distribution.objects.prefetch_related("lines", "movements"))
    for d in distributions:
        given = sum(line.quantity for line in d.lines.all())
        taken = -sum(m.quantity for m in d.movements.all())
        if not given or given != taken:
            problems.append(f"distribution {d.pk}: lines give {given}, ledger takes {taken}")
        if f"aid.distribution:{d.pk}" not in audited:
            problems.append(f"distribution {d.pk} not in the audit log")
    stray = Movement.objects.filter(kind=MovementKind.DISTRIBUTION, distribution__isnull=True)
    problems += [f"movement {m.pk}: a distribution's movement without it" for m in stray]
    checked, differences = stock_differences()
    problems += [
        f"balance {d.warehouse} {d.item}: {d.book} != ledger {d.ledger}" for d in differences
    ]
    ledger = Movement.objects.aggregate(total=Sum("quantity"))["total"]
    return {
        "households": sorted(d.household_id for d in distributions),
        "balance": Balance.objects.aggregate(total=Sum("quantity"))["total"],
        "ledger": ledger,
        "balances_checked": checked,
        "problems": problems,
        "audit": audit(),
    }


def main() -> None:
    django.setup()
    name, arguments = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    print(json.dumps(COMMANDS[name](**arguments), ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
