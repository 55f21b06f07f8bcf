"""Background jobs of access, run by `reliefline worker`."""

from django.core.management import call_command
from django_tasks import task

from reliefline.access import idempotency
from reliefline.access.rotation import keys_rotate_operate
from reliefline.jobs import jobs_lost_settle

# How long the task worker's results are kept (django-tasks-db keeps them for ever).
TASK_RESULTS_KEPT_DAYS = 14
FAILED_TASK_RESULTS_KEPT_DAYS = 30  # a failure's traceback is wanted longer


@task()
def keys_rotate_task(operation_id: int) -> str:
    """Run a key rotation started from the keys page; return how it ended."""
    return str(keys_rotate_operate(operation_id).status)


@task()
def idempotency_purge_task() -> int:
    """Delete the answers kept for retried writes once a day old; return how many."""
    return idempotency.purge()


@task()
def task_results_prune_task() -> None:
    """Delete the worker's finished results once old (django-tasks-db's own command).

    Without it every job ever run stays a row: some 400 a day from the scheduler
    alone, counted again by every scrape of /metrics. A job whose worker was lost is
    first marked failed (reliefline.jobs.jobs_lost_settle), to be pruned in its turn.
    """
    jobs_lost_settle()
    call_command(
        "prune_db_task_results",
        queue_name="*",
        min_age_days=TASK_RESULTS_KEPT_DAYS,
        failed_min_age_days=FAILED_TASK_RESULTS_KEPT_DAYS,
        verbosity=0,
    )
