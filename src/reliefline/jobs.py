"""Background jobs queued with the rows they are about, for `reliefline db_worker`."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

# No job of ours runs this long (a million-row import takes minutes): one still
# "running" after it lost its worker (killed: SIGKILL, out of memory, the host gone).
LOST_AFTER = dt.timedelta(hours=6)
LOST = "reliefline.jobs.WorkerLost"


def task_in_database(task: Task[..., Any]) -> bool:
    """Return whether the task's jobs are rows of the database queue (DBTaskResult)."""
    return isinstance(task.get_backend(), DatabaseBackend)


def task_enqueue(task: Task[..., Any], *args: Any, **kwargs: Any) -> None:
    """Queue the task so that it exists if and only if the current transaction commits.

    The database queue (every installation's) stores the job in the same transaction
    as the rows it is about. Queued with `transaction.on_commit` instead, a process
    killed between the commit and the callback (a gunicorn worker timed out, a
    restart) would leave a notice queued, or an exclusive operation waiting, with no
    job ever to run it. Another backend (the tests' immediate one, which runs the
    job at once) gets it on commit, so a rollback still never sends a message.
    """
    if task_in_database(task):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def jobs_lost_settle(*, now: dt.datetime | None = None) -> int:
    """Mark as failed the jobs still running LOST_AFTER after they started; return how many.

    django-tasks-db has no heartbeat: a worker killed mid-job leaves its result
    RUNNING for ever, counted as running by /metrics and never pruned. What the job
    was doing is settled by its own rows (a notice's claim, an operation's progress:
    see docs/drills.md); this only makes the queue's own record say what happened.
    """
    now = now or timezone.now()
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - LOST_AFTER
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=LOST,
        traceback=(
            f"Still running {LOST_AFTER} after it started: the worker running it stopped"
            " without finishing it (killed, out of memory, its host gone)."
        ),
    )
