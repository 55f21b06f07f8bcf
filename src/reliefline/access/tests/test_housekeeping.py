"""The scheduler's housekeeping of access: kept answers and the worker's old results.

Outside a test transaction (transactional_db), as the worker runs.
"""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reliefline.access.idempotency import KEPT, REMEMBERED
from reliefline.access.models import IdempotentRequest
from reliefline.access.tasks import FAILED_TASK_RESULTS_KEPT_DAYS, TASK_RESULTS_KEPT_DAYS
from reliefline.hotline.tasks import queue_reprioritise
from reliefline.jobs import LOST, LOST_AFTER

pytestmark = pytest.mark.django_db(transaction=True)


def _finished(days_ago: float, *, status: str = "SUCCESSFUL") -> str:
    result = queue_reprioritise.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status=status, finished_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return str(result.id)


def test_the_worker_prunes_its_old_results_and_keeps_the_recent_ones(capsys) -> None:
    old = _finished(TASK_RESULTS_KEPT_DAYS + 1)
    recent = _finished(TASK_RESULTS_KEPT_DAYS - 1)
    failed_recently = _finished(TASK_RESULTS_KEPT_DAYS + 1, status="FAILED")
    failed_long_ago = _finished(FAILED_TASK_RESULTS_KEPT_DAYS + 1, status="FAILED")

    call_command("scheduler", "--once")
    assert "enqueued task_results_prune_task" in capsys.readouterr().out
    call_command("db_worker", "--batch", "--no-startup-delay")

    kept = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert old not in kept and failed_long_ago not in kept
    assert {recent, failed_recently} <= kept


def test_a_job_whose_worker_was_lost_is_marked_failed(capsys) -> None:
    """A worker killed mid-job leaves it RUNNING; past LOST_AFTER it reads as failed."""
    now = timezone.now()
    lost, running = queue_reprioritise.enqueue(), queue_reprioritise.enqueue()
    DBTaskResult.objects.filter(pk=lost.id).update(
        status="RUNNING", started_at=now - LOST_AFTER - dt.timedelta(minutes=1)
    )
    DBTaskResult.objects.filter(pk=running.id).update(
        status="RUNNING", started_at=now - LOST_AFTER + dt.timedelta(minutes=5)
    )

    call_command("scheduler", "--once")
    call_command("db_worker", "--batch", "--no-startup-delay")

    settled = DBTaskResult.objects.get(pk=lost.id)
    assert settled.status == "FAILED"
    assert settled.exception_class_path == LOST
    assert "stopped without finishing" in settled.traceback
    assert settled.finished_at is not None
    assert DBTaskResult.objects.get(pk=running.id).status == "RUNNING"


def test_the_worker_drops_answers_a_day_old_and_keys_a_month_old(user_in, capsys) -> None:
    operator = user_in("operator")
    now = timezone.now()
    for key, age in (("month", REMEMBERED), ("day", KEPT), ("new", dt.timedelta(0))):
        IdempotentRequest.objects.create(
            user=operator,
            key=key,
            fingerprint="0" * 64,
            status=201,
            body='{"reference": "RL-000001"}',
            created_at=now - age - dt.timedelta(minutes=1),
        )

    call_command("scheduler", "--once")
    assert "enqueued idempotency_purge_task" in capsys.readouterr().out
    call_command("db_worker", "--batch", "--no-startup-delay")

    rows = dict(IdempotentRequest.objects.values_list("key", "answer_dropped"))
    assert rows == {"day": True, "new": False}
