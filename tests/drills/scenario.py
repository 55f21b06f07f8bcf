"""The drills' Django side: set a scene up through the services, or report the state.

Run as `python -m tests.drills.scenario COMMAND '{"json": "arguments"}'` with the
drill's environment (its DATABASE_URL and keys); the last line printed is the JSON
answer. Each command is one short process, so a drill can kill reliefline's own
processes at will without losing its view of the database.
"""

import datetime as dt
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


def main() -> None:
    django.setup()
    name, arguments = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    print(json.dumps(COMMANDS[name](**arguments), ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
