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
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.errors import InvalidInput
from reliefline.evacuation import engine, notices
from reliefline.evacuation.errors import (
    ConvoyLocked,
    CorridorClosed,
    HardConstraint,
    NotOnConvoy,
    PlaceTaken,
)
from reliefline.evacuation.models import (
    HOLDING,
    PLACE_FOR_MOBILITY,
    AllocationRun,
    Convoy,
    Corridor,
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
OPEN_REQUEST = (RequestStatus.WAITING, RequestStatus.ALLOCATED)
# The reason an allocation run gives for a household left out because someone of it holds a
# place, or goes, with another request (the engine's own reasons: engine.py).
LEFT_OUT_ELSEWHERE = "member_elsewhere"


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


def corridor_planning_refusal(corridor: Corridor) -> CorridorClosed | None:
    """Return why the corridor takes no more convoys, vehicles or places, and no lock of
    its convoys (so nobody is told to come), or None if it does: once it is closed. Its
    closing gave back the seats nobody took and told those told anything not to go
    (corridors._closed_release). The convoy page asks before it offers those buttons."""
    return CorridorClosed(name=corridor.name) if corridor.status == CorridorStatus.CLOSED else None


def corridor_planning_check(corridor: Corridor) -> None:
    """Raise corridor_planning_refusal's refusal, if any. Read the corridor with its row
    locked (select_for_update), so that it cannot close between this check and the write."""
    if (refusal := corridor_planning_refusal(corridor)) is not None:
        raise refusal


def _elsewhere(
    person: int | OuterRef, request: int | OuterRef | None
) -> tuple[QuerySet[Placement], QuerySet[RequestMember]]:
    """Return the places held by `person` for another request than `request`, and the other
    open requests `person` goes with (each a value, or an OuterRef; `request` None: any).

    Either keeps the person off `request`: a person holds one place at most
    (placement_person_once), and one who boarded or arrived holds it for good.
    """
    # Q, as the lookups take an OuterRef too.
    held = Placement.objects.filter(Q(person_id=person), status__in=HOLDING).exclude(
        Q(member__request_id=request)
    )
    going = RequestMember.objects.filter(
        Q(person_id=person), going=True, request__status__in=OPEN_REQUEST
    ).exclude(Q(request_id=request))
    return held, going


def _placement_said(placement: Placement) -> str:
    said = {
        "name": placement.person.full_name,
        "convoy": placement.vehicle.convoy.name,
        "request": str(placement.member.request),
    }
    if placement.status == PlacementStatus.ARRIVED:
        return _("%(name)s has already been evacuated: arrived with convoy %(convoy)s.") % said
    if placement.status == PlacementStatus.BOARDED:
        return _("%(name)s is on the road: boarded on convoy %(convoy)s.") % said
    return _("%(name)s already has a place on convoy %(convoy)s, with request %(request)s.") % said


def members_elsewhere(
    request: EvacuationRequest | None, person_ids: Iterable[int]
) -> dict[int, str]:
    """Return why each of the persons cannot go with `request` (None: a new one), by person
    id: they hold a place for another request (on the road, arrived, or placed), or go
    with another open request. Those free to go are not in it. Only a place given back
    (a no-show, a removal) frees a person to go again.
    """
    said: dict[int, str] = {}
    for pk in person_ids:
        held, going = _elsewhere(pk, request.pk if request is not None else None)
        placement = held.select_related("person", "vehicle__convoy", "member__request").first()
        member = going.select_related("person", "request").first()
        if placement is not None:
            said[pk] = _placement_said(placement)
        elif member is not None:
            said[pk] = _("%(name)s already goes with request %(request)s.") % {
                "name": member.person.full_name,
                "request": str(member.request),
            }
    return said


def _requests_elsewhere(requests: QuerySet[EvacuationRequest]) -> set[int]:
    """Return the ids of the requests of which someone going holds a place for another
    request, or goes with another open request too (members_elsewhere), in one query."""
    held, going = _elsewhere(OuterRef("person_id"), OuterRef("request_id"))
    return set(
        RequestMember.objects.filter(request__in=requests.values("pk"), going=True)
        .filter(Exists(held) | Exists(going))
        .values_list("request_id", flat=True)
    )


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
    A household one of whom holds a place or goes with another request is left out with
    LEFT_OUT_ELSEWHERE: one household's conflict never ends the whole run.
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
    # Someone going who holds a place, or goes, with another request would make the
    # household's placements break placement_person_once, and that PlaceTaken would end
    # the whole run: the household is left out with the reason instead.
    elsewhere = _requests_elsewhere(convoy_candidates(convoy))
    requests = [r for r in convoy_candidates(convoy) if r.pk not in elsewhere]
    # The case's priority grows while it waits (hotline.priority): allocate on today's.
    for request in requests:
        if request.priority != request.case.priority:
            request.priority = request.case.priority
            request.save(update_fields=["priority"])
    result = engine.allocate(
        _engine_people(requests), _engine_vehicles(convoy, vehicles, taken), time_limit=time_limit
    )
    left_out = {**result.left_out, **dict.fromkeys(map(str, elsewhere), LEFT_OUT_ELSEWHERE)}
    by_vehicle = {str(v.pk): v for v in vehicles}
    created: list[Placement] = []
    placed: list[int] = []
    for request in requests:
        going = _going(request)
        vehicle_id = result.placements.get(str(going[0].pk)) if going else None
        if vehicle_id is None:
            continue
        try:
            created += _create(request, by_vehicle[vehicle_id], taken, by=by)
        except PlaceTaken:
            # Someone of it was placed elsewhere since the check above (another
            # coordinator, on PostgreSQL): only this household is left out.
            left_out[str(request.pk)] = LEFT_OUT_ELSEWHERE
            continue
        placed.append(request.pk)
    EvacuationRequest.objects.filter(pk__in=placed).update(status=RequestStatus.ALLOCATED)
    _audit(created, by=by, purpose=gettext_noop("convoy allocation"))
    return AllocationRun.objects.create(
        convoy=convoy,
        by=by,
        status=result.status,
        allocated=len(created),
        objective=result.objective,
        bound=result.bound,
        seconds=result.seconds,
        stopped_by_clock=result.stopped_by_clock,
        left_out=dict(sorted(left_out.items(), key=lambda item: int(item[0]))),
    )


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str = ""


# One whole sentence per kind of place, so that every language can say it.
_NOT_ENOUGH: dict[str, str] = {
    PlaceKind.SEAT: gettext_noop("Not enough free seats for the whole household."),
    PlaceKind.WHEELCHAIR: gettext_noop(
        "Not enough free wheelchair places for the whole household."
    ),
    PlaceKind.STRETCHER: gettext_noop("Not enough free stretcher places for the whole household."),
}


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
                _(_NOT_ENOUGH[kind]),
            )
    return Check(True)


def _convoys_locked(request: EvacuationRequest, *also: int) -> dict[int, Convoy]:
    """Return the convoys the request holds places on, and those of `also`, by id, their
    rows locked in order of id (with their corridor, not locked): a lock of one of them
    (convoy_lock) waits for this change, or this change sees it locked, so no household
    is told of a place just taken from it."""
    held = Placement.objects.filter(member__request=request, status__in=HOLDING)
    ids = {*also, *held.values_list("vehicle__convoy_id", flat=True)}
    convoys = (
        Convoy.objects.select_for_update(of=("self",))
        .select_related("window__corridor")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    return {convoy.pk: convoy for convoy in convoys}


def _current(request: EvacuationRequest) -> list[Placement]:
    """Return the places the request holds, with their vehicle and convoy."""
    return list(
        Placement.objects.filter(member__request=request, status__in=HOLDING).select_related(
            "vehicle__convoy"
        )
    )


def _movable_check(current: Sequence[Placement]) -> None:
    """Raise HardConstraint if the household's places can no longer be given back by hand,
    to move it or to put it back on the waiting list: someone boarded (on the road), or
    a convoy is locked. That household has been told where and when to come; silently
    taking the place back would leave them waiting for a bus with no seat. At the
    assembly point a no-show frees the place for the reserve list instead.
    """
    if any(p.status != PlacementStatus.ALLOCATED for p in current):
        raise HardConstraint(_("Someone of the household has already boarded."), field="request")
    locked = next((p.vehicle.convoy for p in current if p.vehicle.convoy.locked_at), None)
    if locked is not None:
        raise HardConstraint(
            _(
                "Convoy %(convoy)s is locked and the household was told to come: "
                "mark a no-show instead."
            )
            % {"convoy": locked.name},
            field="request",
        )


def _already_in(request: EvacuationRequest, vehicle: Vehicle, current: Sequence[Placement]) -> bool:
    """Return whether everyone going of the household holds a place in the vehicle."""
    going = {m.pk for m in _going(request)}
    in_vehicle = all(p.vehicle_id == vehicle.pk for p in current)
    return bool(going) and in_vehicle and {p.member_id for p in current} == going


@transaction.atomic
def request_place(
    request: EvacuationRequest, vehicle: Vehicle, *, by: User | None
) -> list[Placement]:
    """Return the placements of the whole household in the vehicle (a manual change).

    A household placed on a convoy not yet locked moves. One already in the vehicle stays
    as it is: its codes (on a manifest, perhaps) are kept and nobody is told again.
    Refused, changing nothing: on a closed corridor (CorridorClosed); while the household
    holds places it can no longer give back (someone boarded, a locked convoy:
    _movable_check) or someone going holds a place or goes with another request
    (members_elsewhere); and for anything that breaks a hard constraint (HardConstraint).
    """
    convoy = _convoys_locked(request, vehicle.convoy_id)[vehicle.convoy_id]
    corridor = Corridor.objects.select_for_update().get(pk=convoy.window.corridor_id)
    corridor_planning_check(corridor)
    convoy.window.corridor = corridor
    vehicles = _lock_vehicles(convoy)
    vehicle = next(v for v in vehicles if v.pk == vehicle.pk)
    request = EvacuationRequest.objects.select_for_update().get(pk=request.pk)
    if request.status not in OPEN_REQUEST:
        raise HardConstraint(_("The request is no longer waiting."), field="request")
    current = _current(request)
    if _already_in(request, vehicle, current):
        return current
    _movable_check(current)
    if elsewhere := members_elsewhere(request, [m.person_id for m in _going(request)]):
        raise HardConstraint(next(iter(elsewhere.values())), field="request")
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
    and time (corridors._reopened_notify). Never once it is closed: its closing told
    them not to come (corridor_planning_check refuses the writes that would tell).
    """
    return convoy.window.corridor.status not in (CorridorStatus.SUSPENDED, CorridorStatus.CLOSED)


@transaction.atomic
def request_unplace(
    request: EvacuationRequest, *, convoy: Convoy | None = None, by: User | None
) -> EvacuationRequest:
    """Return the request back on the waiting list, its places freed (before boarding).

    Given `convoy`, the one whose page was used, refused with NotOnConvoy unless the
    household's places are on it: a page out of date would otherwise empty the seats of
    another convoy the household was moved to since. Refused as _movable_check says once
    someone boarded or the convoy is locked.
    """
    _convoys_locked(request)
    request = EvacuationRequest.objects.select_for_update().get(pk=request.pk)
    current = _current(request)
    if convoy is not None and (
        not current or any(p.vehicle.convoy_id != convoy.pk for p in current)
    ):
        raise NotOnConvoy(convoy=convoy.name)
    _movable_check(current)
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

    On a suspended corridor they are told at its reopening instead (_telling); a closed
    corridor's convoy is not locked (corridor_planning_check).
    """
    # Its corridor's row is locked with it, so the corridor cannot close meanwhile.
    convoy = (
        Convoy.objects.select_for_update()
        .select_related("assembly_point", "window__corridor")
        .get(pk=convoy.pk)
    )
    corridor_planning_check(convoy.window.corridor)
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
