"""Retention for the channels: what a purged case or person leaves here goes too."""

from typing import Any

from django.db import transaction
from django.db.models import Q

from reliefline.channels.models import Contact, InboundMessage, Notice


@transaction.atomic
def channels_purge() -> int:
    """Clear the texts and addresses kept for purged cases and persons; return how many rows.

    Notices lose body and address, inbound messages what was detected in them, and a
    purged person's contact addresses are deleted. hotline.retention purges cases and
    persons; this runs after each retention purge (see `retention_ran`), and may be
    run on its own at any time: it only ever removes.
    """
    purged = Q(case__purged_at__isnull=False) | Q(person__purged_at__isnull=False)
    notices = Notice.objects.filter(purged).exclude(body="", address="")
    changed = notices.update(body="", address="")
    changed += (
        InboundMessage.objects.filter(
            Q(case__purged_at__isnull=False) | Q(person__purged_at__isnull=False)
        )
        .exclude(detected={})
        .update(detected={})
    )
    deleted, _by_model = Contact.objects.filter(person__purged_at__isnull=False).delete()
    return changed + deleted


def retention_ran(sender: Any, **kwargs: Any) -> None:
    """Run channels_purge once after retention purged cases and persons (a receiver)."""
    channels_purge()
