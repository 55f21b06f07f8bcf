"""Seats: the engine's allocation for a convoy, manual changes, and the lock.

Every write here locks the convoy's vehicle rows first (select_for_update; SQLite's
IMMEDIATE transactions serialise writers), then relies on the placement constraints
(`placement_place_once`, `placement_person_once`) as the last word: two coordinators
or devices acting at the same moment get one place each or a PlaceTaken, never the
same place.
"""

import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.errors import InvalidInput
from reliefline.evacuation import engine, notices
from reliefline.evacuation.errors import ConvoyLocked, HardConstraint, PlaceTaken
from reliefline.evacuation.models import (
    HOLDING,
    PLACE_FOR_MOBILITY,
    AllocationRun,
    Convoy,
    CorridorStatus,
    EvacuationRequest,
    PlaceKind,
    Placement,
    PlacementEvent,
    PlacementEventKind,
    PlacementStatus,
    RequestMember,
    RequestStatus,
    Vehicle,
)
from reliefline.hotline.models import OPEN_STATUSES

TIME_LIMIT_MAX = 60.0
TIME_LIMIT_DEFAULT = 10.0  # the convoy page's Allocate button; the API may ask for another
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread at a checkpoint


def placement_code() -> str:
    """Return a new random manifest code such as "EV-7KQ2-M9XA" (unguessable, not personal)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"EV-{raw[:4]}-{raw[4:]}"


def _lock_vehicles(convoy: Convoy) -> list[Vehicle]:
    return list(Vehicle.objects.select_for_update().filter(convoy=convoy).order_by("pk"))


def _held(vehicles: Iterable[Vehicle]) -> QuerySet[Placement]:
    return Placement.objects.filter(vehicle__in=list(vehicles), status__in=HOLDING)


def _free_numbers(vehicle: Vehicle, taken: set[tuple[int, str, int]], kind: str) -> list[int]:
    return [n for n in range(1, vehicle.capacity(kind) + 1) if (vehicle.pk, kind, n) not in taken]


def _going(request: EvacuationRequest) -> list[RequestMember]:
    return [m for m in request.members.all() if m.going]


def _audit(placements: Sequence[Placement], *, by: User | None, purpose: str) -> None:
    if placements:
        audit_record(
            user=by,
            action=AuditAction.UPDATE,
            record=f"evacuation.vehicle:{placements[0].vehicle_id}",
            purpose=purpose,
            person_ids=[p.person_id for p in placements],
            fields=["placement"],
        )


def _create(
    request: EvacuationRequest,
    vehicle: Vehicle,
    taken: set[tuple[int, str, int]],
    *,
    by: User | None,
) -> list[Placement]:
    """Return new placements of the request's going members in the vehicle (numbers free)."""
    created = []
    for member in _going(request):
        kind = PLACE_FOR_MOBILITY[member.mobility]  # type: ignore[index]
        number = _free_numbers(vehicle, taken, kind)[0]
        taken.add((vehicle.pk, kind, number))
        created.append(
            Placement(
                vehicle=vehicle,
                member=member,
                person_id=member.person_id,
                kind=kind,
                number=number,
                code=placement_code(),
            )
        )
    try:
        with transaction.atomic():
            rows = Placement.objects.bulk_create(created)
    except IntegrityError:
        raise PlaceTaken from None
    PlacementEvent.objects.bulk_create(
        PlacementEvent(placement=p, kind=PlacementEventKind.ALLOCATED, by=by) for p in rows
    )
    return rows


@transaction.atomic(savepoint=False)
def placements_release(placements: Sequence[Placement], *, by: User | None) -> None:
    """Mark the placements removed, so their places are free again."""
    for placement in placements:
        placement.status = PlacementStatus.REMOVED
        placement.save(update_fields=["status", "updated_at"])
        PlacementEvent.objects.create(placement=placement, kind=PlacementEventKind.REMOVED, by=by)
    _audit(placements, by=by, purpose=gettext_noop("placement removed"))


def convoy_candidates(convoy: Convoy) -> QuerySet[EvacuationRequest]:
    """Return the requests the convoy may take: waiting, toward the corridor's side.

    Only those of an open case, the cases request_create accepts: a case resolved or
    closed (and then purged, its people nameless) leaves its request waiting, and its
    household is not given a scarce place nobody would follow up.
    """
    return (
        EvacuationRequest.objects.filter(
            status=RequestStatus.WAITING,
            direction=convoy.window.corridor.direction,
            case__status__in=OPEN_STATUSES,
        )
        .select_related("case")
        .prefetch_related("members")
        .order_by("-priority", "requested_at", "pk")
    )


def _engine_people(requests: Iterable[EvacuationRequest]) -> list[engine.Person]:
    return [
        engine.Person(
            id=str(m.pk),
            household=str(r.pk),
            direction=r.direction,
            mobility=m.mobility,
            needs_medic=m.needs_medic,
            priority=r.priority,
            requested_at=r.requested_at,
        )
        for r in requests
        for m in _going(r)
    ]


def _engine_vehicles(
    convoy: Convoy, vehicles: Sequence[Vehicle], taken: set[tuple[int, str, int]]
) -> list[engine.Vehicle]:
    direction = convoy.window.corridor.direction
    return [
        engine.Vehicle(
            id=str(v.pk),
            convoy=str(convoy.pk),
            direction=direction,
            seats=len(_free_numbers(v, taken, PlaceKind.SEAT)),
            wheelchair_places=len(_free_numbers(v, taken, PlaceKind.WHEELCHAIR)),
            stretcher_places=len(_free_numbers(v, taken, PlaceKind.STRETCHER)),
            has_medic=v.has_medic,
        )
        for v in vehicles
    ]


def _taken(vehicles: Sequence[Vehicle]) -> set[tuple[int, str, int]]:
    return set(_held(vehicles).values_list("vehicle_id", "kind", "number"))


@transaction.atomic
def convoy_allocate(
    convoy: Convoy, *, by: User | None, time_limit: float = TIME_LIMIT_DEFAULT
) -> AllocationRun:
    """Return the run that gave the convoy's places anew to the waiting requests.

    Places still merely allocated (not boarded) are given back first, so a rerun after
    new requests or vehicles plans the whole convoy again. A locked convoy is refused.
    """
    if not 0 < time_limit <= TIME_LIMIT_MAX:
        raise InvalidInput(
            _("Between 0 and %(n)s seconds.") % {"n": TIME_LIMIT_MAX}, field="time_limit"
        )
    convoy = Convoy.objects.select_for_update().select_related("window__corridor").get(pk=convoy.pk)
    if convoy.locked_at is not None:
        raise ConvoyLocked(name=convoy.name)
    if convoy.window.corridor.status in (CorridorStatus.SUSPENDED, CorridorStatus.CLOSED):
        raise HardConstraint(_("The corridor is suspended or closed."), field="convoy")
    vehicles = _lock_vehicles(convoy)
    previous = list(
        _held(vehicles).filter(status=PlacementStatus.ALLOCATED).select_related("member__request")
    )
    placements_release(previous, by=by)
    freed = {p.member.request_id for p in previous}
    EvacuationRequest.objects.filter(pk__in=freed).update(status=RequestStatus.WAITING)
    taken = _taken(vehicles)
    requests = list(convoy_candidates(convoy))
    # The case's priority grows while it waits (hotline.priority): allocate on today's.
    for request in requests:
        if request.priority != request.case.priority:
            request.priority = request.case.priority
            request.save(update_fields=["priority"])
    result = engine.allocate(
        _engine_people(requests), _engine_vehicles(convoy, vehicles, taken), time_limit=time_limit
    )
    by_vehicle = {str(v.pk): v for v in vehicles}
    created: list[Placement] = []
    placed: list[int] = []
    for request in requests:
        going = _going(request)
        vehicle_id = result.placements.get(str(going[0].pk)) if going else None
        if vehicle_id is not None:
            created += _create(request, by_vehicle[vehicle_id], taken, by=by)
            placed.append(request.pk)
    EvacuationRequest.objects.filter(pk__in=placed).update(status=RequestStatus.ALLOCATED)
    _audit(created, by=by, purpose=gettext_noop("convoy allocation"))
    return AllocationRun.objects.create(
        convoy=convoy,
        by=by,
        status=result.status,
        allocated=result.allocated,
        objective=result.objective,
        bound=result.bound,
        seconds=result.seconds,
        stopped_by_clock=result.stopped_by_clock,
        left_out=dict(sorted(result.left_out.items(), key=lambda item: int(item[0]))),
    )


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str = ""


def placement_check(
    request: EvacuationRequest, vehicle: Vehicle, taken: set[tuple[int, str, int]]
) -> Check:
    """Return whether the whole household fits the vehicle under every hard constraint."""
    corridor = vehicle.convoy.window.corridor
    going = _going(request)
    if request.direction != corridor.direction:
        return Check(False, _("The household chose the other side."))
    if any(m.needs_medic for m in going) and not vehicle.has_medic:
        return Check(False, _("Someone needs a medic and this vehicle has none."))
    need: dict[str, int] = defaultdict(int)
    for member in going:
        need[PLACE_FOR_MOBILITY[member.mobility]] += 1  # type: ignore[index]
    for kind, count in need.items():
        if len(_free_numbers(vehicle, taken, kind)) < count:
            return Check(
                False,
                _("Not enough free %(kind)s places for the whole household.")
                % {"kind": PlaceKind(kind).label},
            )
    return Check(True)


@transaction.atomic
def request_place(
    request: EvacuationRequest, vehicle: Vehicle, *, by: User | None
) -> list[Placement]:
    """Return the placements of the whole household in the vehicle (a manual change).

    A household already placed elsewhere moves; anything that breaks a hard
    constraint is refused with HardConstraint and changes nothing.
    """
    convoy = Convoy.objects.select_related("window__corridor").get(pk=vehicle.convoy_id)
    vehicles = _lock_vehicles(convoy)
    vehicle = next(v for v in vehicles if v.pk == vehicle.pk)
    request = EvacuationRequest.objects.select_for_update().get(pk=request.pk)
    if request.status not in (RequestStatus.WAITING, RequestStatus.ALLOCATED):
        raise HardConstraint(_("The request is no longer waiting."), field="request")
    current = list(Placement.objects.filter(member__request=request, status__in=HOLDING))
    if any(p.status != PlacementStatus.ALLOCATED for p in current):
        raise HardConstraint(_("Someone of the household has already boarded."), field="request")
    placements_release(current, by=by)
    taken = _taken(vehicles)
    check = placement_check(request, vehicle, taken)
    if not check.ok:
        raise HardConstraint(check.reason, field="vehicle")
    created = _create(request, vehicle, taken, by=by)
    request.status = RequestStatus.ALLOCATED
    request.save(update_fields=["status"])
    _audit(created, by=by, purpose=gettext_noop("manual placement"))
    if convoy.locked_at is not None and _telling(convoy):
        # A reserve filling a no-show's place after the lock is told at once.
        notices.allocated_notify(request, convoy=convoy, by=by)
    return created


def _telling(convoy: Convoy) -> bool:
    """Return whether households given a seat and time on the convoy are told it now.

    Not while its corridor is suspended: they would walk to the assembly point of a
    corridor on hold. Its reopening tells every household of a locked convoy its seat
    and time (corridors._reopened_notify).
    """
    return convoy.window.corridor.status != CorridorStatus.SUSPENDED


@transaction.atomic
def request_unplace(request: EvacuationRequest, *, by: User | None) -> EvacuationRequest:
    """Return the request back on the waiting list, its places freed (before boarding)."""
    request = EvacuationRequest.objects.select_for_update().get(pk=request.pk)
    current = list(
        Placement.objects.filter(member__request=request, status__in=HOLDING).select_related(
            "vehicle__convoy"
        )
    )
    if any(p.status != PlacementStatus.ALLOCATED for p in current):
        raise HardConstraint(_("Someone of the household has already boarded."), field="request")
    if any(p.vehicle.convoy.locked_at is not None for p in current):
        # The household has been told where and when to come; silently taking the place
        # back would leave them waiting for a bus with no seat. At the assembly point a
        # no-show frees the place for the reserve list instead.
        raise HardConstraint(
            _("The convoy is locked and the household was told to come: mark a no-show instead."),
            field="request",
        )
    placements_release(current, by=by)
    if request.status == RequestStatus.ALLOCATED:
        request.status = RequestStatus.WAITING
        request.save(update_fields=["status"])
    return request


def convoy_requests_waiting(convoy: Convoy) -> QuerySet[EvacuationRequest]:
    """Return the requests with a seat on the convoy not yet taken (allocated, not boarded)."""
    return (
        EvacuationRequest.objects.filter(
            members__placements__vehicle__convoy=convoy,
            members__placements__status=PlacementStatus.ALLOCATED,
        )
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def convoy_lock(convoy: Convoy, *, by: User | None) -> Convoy:
    """Return the convoy locked; every household on it is told where and when to come.

    On a suspended corridor they are told at its reopening instead (_telling).
    """
    convoy = (
        Convoy.objects.select_for_update()
        .select_related("assembly_point", "window__corridor")
        .get(pk=convoy.pk)
    )
    if convoy.locked_at is not None:
        raise ConvoyLocked(name=convoy.name)
    convoy.locked_at = timezone.now()
    convoy.locked_by = by
    convoy.save(update_fields=["locked_at", "locked_by"])
    if not _telling(convoy):
        return convoy
    for request in convoy_requests_waiting(convoy).select_related("case__caller"):
        notices.allocated_notify(request, convoy=convoy, by=by)
    return convoy
