"""Background jobs of access, run by `reliefline worker`."""

from django_tasks import task

from reliefline.access import idempotency
from reliefline.access.rotation import keys_rotate_operate


@task()
def keys_rotate_task(operation_id: int) -> str:
    """Run a key rotation started from the keys page; return how it ended."""
    return str(keys_rotate_operate(operation_id).status)


@task()
def idempotency_purge_task() -> int:
    """Delete the answers kept for retried writes once a day old; return how many."""
    return idempotency.purge()
