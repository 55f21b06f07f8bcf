"""Background jobs queued with the rows they are about, for `reliefline db_worker`."""

from typing import Any

from django.db import transaction
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend


def task_enqueue(task: Task[..., Any], *args: Any, **kwargs: Any) -> None:
    """Queue the task so that it exists if and only if the current transaction commits.

    The database queue (every installation's) stores the job in the same transaction
    as the rows it is about. Queued with `transaction.on_commit` instead, a process
    killed between the commit and the callback (a gunicorn worker timed out, a
    restart) would leave a notice queued, or an exclusive operation waiting, with no
    job ever to run it. Another backend (the tests' immediate one, which runs the
    job at once) gets it on commit, so a rollback still never sends a message.
    """
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
