"""Background jobs of the channels, run by `reliefline worker`."""

from django_tasks import task

from reliefline.channels.services import notice_attempt


@task()
def notice_deliver(notice_id: int) -> str:
    """Make one attempt to send the notice; return its status afterwards."""
    return notice_attempt(notice_id)
