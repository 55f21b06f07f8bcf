"""The field team's writes: boarding at the assembly point, arrival at the reception point."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_noop

from reliefline.access import audit_labels
from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.evacuation import notices
from reliefline.evacuation.errors import IllegalBoarding
from reliefline.evacuation.models import (
    Placement,
    PlacementEvent,
    PlacementStatus,
    RequestStatus,
    StopKind,
)
from reliefline.hotline.models import NeedType
from reliefline.hotline.services import needs_fulfil

# What each field action may follow: boarding and no-show need an allocated place;
# only someone who boarded can arrive. A no-show who turns up late is re-placed by hand.
MOVES: dict[str, tuple[str, ...]] = {
    PlacementStatus.BOARDED: (PlacementStatus.ALLOCATED,),
    PlacementStatus.NO_SHOW: (PlacementStatus.ALLOCATED,),
    PlacementStatus.ARRIVED: (PlacementStatus.BOARDED,),
}


@transaction.atomic
def placement_mark(placement: Placement, *, to: str, by: User | None) -> Placement:
    """Return the placement marked boarded, no-show or arrived, or raise IllegalBoarding.

    A no-show gives the place back for the reserve list. When the last going member
    of a household arrives, the case's evacuation need is fulfilled and the caller is
    told in their language.
    """
    if to not in MOVES:
        raise IllegalBoarding(status="?", to=to)
    placement = (
        Placement.objects.select_for_update()
        .select_related("member__request__case", "vehicle__convoy__window__corridor")
        .get(pk=placement.pk)
    )
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
    if to == PlacementStatus.ARRIVED:
        _arrival_complete(placement, by=by)
    elif to == PlacementStatus.NO_SHOW:
        _no_show_complete(placement)
    return placement


def _arrival_complete(placement: Placement, *, by: User | None) -> None:
    request = placement.member.request
    statuses = set(
        Placement.objects.filter(member__request=request)
        .exclude(status=PlacementStatus.REMOVED)
        .values_list("status", flat=True)
    )
    if statuses - {PlacementStatus.ARRIVED, PlacementStatus.NO_SHOW}:
        return  # someone of the household is still on the way
    request.status = RequestStatus.EVACUATED
    request.save(update_fields=["status"])
    case = request.case
    needs_fulfil(
        list(case.needs.filter(type=NeedType.EVACUATION)),
        msgid=gettext_noop("Evacuated: arrived at the reception point."),
        by=by,
    )
    corridor = placement.vehicle.convoy.window.corridor
    reception = corridor.stops.filter(kind=StopKind.RECEPTION).select_related("place").first()
    place = reception.place.display_name(case.language) if reception else corridor.name
    notices.arrival_notify(request, place=place, by=by)


def _no_show_complete(placement: Placement) -> None:
    # When nobody of the household still holds a place, the request waits again, so a
    # later convoy can take them; the freed place goes to the reserve list meanwhile.
    request = placement.member.request
    if not Placement.objects.filter(
        member__request=request, status__in=("allocated", "boarded", "arrived")
    ).exists():
        request.status = RequestStatus.WAITING
        request.save(update_fields=["status"])
