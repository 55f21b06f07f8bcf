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


def main() -> None:
    django.setup()
    name, arguments = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    print(json.dumps(COMMANDS[name](**arguments), ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
