"""The field team's writes: boarding at the assembly point, arrival at the reception point."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_noop

from reliefline.access import audit_labels
from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.evacuation import notices
from reliefline.evacuation.errors import AlreadyMarked, IllegalBoarding
from reliefline.evacuation.models import (
    EvacuationRequest,
    Placement,
    PlacementEvent,
    PlacementStatus,
    RequestMember,
    RequestStatus,
)
from reliefline.evacuation.services.requests import request_follow_up
from reliefline.hotline.models import EventKind, NeedType
from reliefline.hotline.services import case_event_append, needs_fulfil

# What each field action may follow: boarding and no-show need an allocated place;
# only someone who boarded can arrive. A no-show who turns up late is re-placed by hand.
MOVES: dict[str, tuple[str, ...]] = {
    PlacementStatus.BOARDED: (PlacementStatus.ALLOCATED,),
    PlacementStatus.NO_SHOW: (PlacementStatus.ALLOCATED,),
    PlacementStatus.ARRIVED: (PlacementStatus.BOARDED,),
}


@transaction.atomic
def placement_mark(placement: Placement, *, to: str, by: User | None) -> Placement:
    """Return the placement marked boarded, no-show or arrived, or raise AlreadyMarked
    (it is so already) or IllegalBoarding (the rules forbid that move).

    A no-show gives the place back for the reserve list. Once nobody of the household
    is still to board or on the way, its trip is closed (_household_settle): evacuated,
    with a new request for anyone left behind, or waiting again if nobody travelled.
    """
    if to not in MOVES:
        raise IllegalBoarding(status="?", to=to)
    placement = (
        Placement.objects.select_for_update()
        .select_related("member__request__case", "vehicle__convoy__window__corridor")
        .get(pk=placement.pk)
    )
    if placement.status == to:
        raise AlreadyMarked(status=to)
    if placement.status not in MOVES[to]:
        raise IllegalBoarding(
            status=str(PlacementStatus(placement.status).label), to=str(PlacementStatus(to).label)
        )
    placement.status = to
    placement.save(update_fields=["status", "updated_at"])
    PlacementEvent.objects.create(placement=placement, kind=to, by=by)
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        record=f"evacuation.placement:{placement.code}",
        purpose=audit_labels.FIELD_MOVE.text(status=to),
        person_ids=[placement.person_id],
        fields=["placement.status"],
    )
    if to in (PlacementStatus.ARRIVED, PlacementStatus.NO_SHOW):
        _household_settle(placement, by=by)
    return placement


def _household_settle(placement: Placement, *, by: User | None) -> None:
    """Close the household's trip once none of it is still to board or on the road.

    Nobody arrived (all no-shows): the request waits again, whole, for a later convoy,
    and the freed places go to the reserve list meanwhile. Someone arrived: the request
    is evacuated. Those who were going and did not travel (a no-show, or a place given
    back when the corridor closed) are not forgotten: a new waiting request on the
    case carries them (requests.request_follow_up), the evacuation need stays open
    until they arrive too, and the case's timeline names them.

    The caller, who speaks for the household, is told of the arrival unless the caller
    was left behind: "your arrival is recorded" would be untrue of them, so the
    timeline asks an operator to call instead.
    """
    # Locked first: two members arriving at once, on two phones, both see the other's mark.
    # Only its own row: PostgreSQL locks no row of an outer join (a case may have no caller).
    request = (
        EvacuationRequest.objects.select_for_update(of=("self",))
        .select_related("case__caller")
        .get(pk=placement.member.request_id)
    )
    placements = Placement.objects.filter(member__request=request)
    if placements.filter(status__in=(PlacementStatus.ALLOCATED, PlacementStatus.BOARDED)).exists():
        return  # someone of the household is still to board, or on the way
    if not placements.filter(status=PlacementStatus.ARRIVED).exists():
        request.status = RequestStatus.WAITING
        request.save(update_fields=["status"])
        return
    request.status = RequestStatus.EVACUATED
    request.save(update_fields=["status"])
    left = list(
        request.members.filter(going=True)
        .exclude(placements__status=PlacementStatus.ARRIVED)
        .select_related("person")
        .order_by("pk")
    )
    case = request.case
    if left:
        _left_behind(request, left, by=by)
    else:
        needs_fulfil(
            list(case.needs.filter(type=NeedType.EVACUATION)),
            msgid=gettext_noop("Evacuated: arrived at the reception point."),
            by=by,
        )
    if case.caller_id in {member.person_id for member in left}:
        return
    notices.arrival_notify(request, corridor=placement.vehicle.convoy.window.corridor, by=by)


def _left_behind(request: EvacuationRequest, left: list[RequestMember], *, by: User | None) -> None:
    """Put the members left behind on a new waiting request; say so on the case."""
    follow_up = request_follow_up(request, members=left, by=by)
    arrived = (
        request.members.filter(placements__status=PlacementStatus.ARRIVED)
        .select_related("person")
        .distinct()
        .order_by("pk")
    )
    case_event_append(
        request.case,
        kind=EventKind.NOTE,
        msgid=gettext_noop(
            "Arrived at the reception point: %(arrived)s. Left behind, waiting again for "
            "a seat: %(left)s (request %(request)s). The evacuation need stays open."
        ),
        params={
            "arrived": ", ".join(member.person.full_name for member in arrived),
            "left": ", ".join(member.person.full_name for member in left),
            "request": str(follow_up),
        },
        by=by,
    )
    if request.case.caller_id in {member.person_id for member in left}:
        case_event_append(
            request.case,
            kind=EventKind.NOTE,
            msgid=gettext_noop(
                "The caller was left behind, so no arrival confirmation was sent. "
                "Call them to say who arrived."
            ),
            by=by,
        )
