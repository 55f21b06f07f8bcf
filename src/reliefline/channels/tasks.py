"""Background jobs of the channels, run by `reliefline worker`."""

from django_tasks import task

from reliefline.channels.services import notice_attempt, notices_requeue_orphans, notices_unstick


@task()
def notice_deliver(notice_id: int) -> str:
    """Make one attempt to send the notice; return its status afterwards."""
    return notice_attempt(notice_id)


@task()
def notices_settle() -> int:
    """Settle notices whose worker died while sending them, and queue again those whose
    job died before taking them; return how many."""
    return notices_unstick() + notices_requeue_orphans()
