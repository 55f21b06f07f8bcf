"""The worker closes database connections between jobs, so these tests run outside a
test transaction (transactional_db), as the real worker does."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from reliefline.hotline.models import Case, Status
from reliefline.hotline.services import case_transition
from reliefline.hotline.tests.factories import open_case


def test_scheduler_enqueues_and_the_worker_purges(transactional_db: None, user_in, capsys) -> None:
    operator = user_in("operator")
    case = case_transition(open_case(message="Lenina 5"), to=Status.CLOSED, by=operator)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=120))

    call_command("scheduler", "--once")
    assert "enqueued retention_purge" in capsys.readouterr().out
    call_command("db_worker", "--batch", "--no-startup-delay")

    case.refresh_from_db()
    assert case.message == "" and case.purged_at is not None


def test_worker_reprioritises_waiting_cases(transactional_db: None) -> None:
    case = open_case()
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - dt.timedelta(hours=10))
    call_command("scheduler", "--once")
    call_command("db_worker", "--batch", "--no-startup-delay")
    case.refresh_from_db()
    assert {"code": "waiting:10", "points": 5} in case.priority_reasons
