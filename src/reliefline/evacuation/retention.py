"""Retention for evacuation: a purged case's household leaves the waiting list.

hotline.retention purges cases and persons; this app follows after each purge
(`retention_ran`), as channels does, and tells the purge which persons it still
needs (`persons_held`).
"""

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from reliefline.errors import Conflict
from reliefline.evacuation.models import (
    HOLDING,
    EvacuationRequest,
    Placement,
    PlacementStatus,
    RequestMember,
    RequestStatus,
)
from reliefline.evacuation.services.requests import request_cancel
from reliefline.people.models import Person

OPEN = (RequestStatus.WAITING, RequestStatus.ALLOCATED)


def purged_requests_open() -> QuerySet[EvacuationRequest]:
    """Return the open requests of purged cases that may still be cancelled.

    Not those with someone on the road (boarded or arrived) nor those holding a seat
    on a locked convoy: that household was told to come, and request_cancel refuses
    them too (it is marked no-show at the assembly point first).
    """
    settled = Placement.objects.filter(member__request=OuterRef("pk"), status__in=HOLDING).filter(
        Q(vehicle__convoy__locked_at__isnull=False) | ~Q(status=PlacementStatus.ALLOCATED)
    )
    return (
        EvacuationRequest.objects.filter(status__in=OPEN, case__purged_at__isnull=False)
        .exclude(Exists(settled))
        .order_by("pk")
    )


@transaction.atomic
def purged_requests_cancel() -> list[EvacuationRequest]:
    """Cancel the open requests of purged cases, their seats given back; return them.

    A purged household has no name or phone left: a seat given to it would go to
    someone nobody can identify at the checkpoint or call. May be run at any time.
    """
    cancelled = []
    for request in purged_requests_open():
        try:
            cancelled.append(request_cancel(request, by=None))
        except Conflict:
            # Someone boarded since the query: the household is on the road, and the
            # purge (whose transaction this is) must not fail for it.
            continue
    return cancelled


def persons_held(sender: Any, *, cutoff: dt.datetime, **kwargs: Any) -> QuerySet[Person]:
    """Return the persons on an open evacuation request (a receiver of persons_held)."""
    members = RequestMember.objects.filter(request__status__in=OPEN)
    return Person.objects.filter(pk__in=members.values("person_id"))


def retention_ran(sender: Any, **kwargs: Any) -> None:
    """Run purged_requests_cancel after retention purged cases and persons (a receiver)."""
    purged_requests_cancel()
