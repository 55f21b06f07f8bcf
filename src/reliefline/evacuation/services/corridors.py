"""Corridors, their timeline, convoys and vehicles: the coordinator's planning writes."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reliefline.errors import InvalidInput
from reliefline.evacuation import notices
from reliefline.evacuation.errors import IllegalCorridorTransition
from reliefline.evacuation.models import (
    CORRIDOR_TRANSITIONS,
    HOLDING,
    Convoy,
    Corridor,
    CorridorEvent,
    CorridorParty,
    CorridorStatus,
    CorridorStop,
    CorridorWindow,
    Direction,
    EvacuationRequest,
    PartyRole,
    Placement,
    PlacementStatus,
    RequestStatus,
    StopKind,
    Vehicle,
)
from reliefline.evacuation.services.seats import (
    convoy_requests_waiting,
    corridor_planning_check,
    placements_release,
)
from reliefline.hotline.models import EventKind
from reliefline.hotline.services import case_event_append, case_schedule_callback
from reliefline.hotline.timeline import NoteParam, texts_param
from reliefline.places.models import Place
from reliefline.places.times import hotline_time
from reliefline.text import text_check

NAME_MAX = 120
NOTE_MAX = 500
STOPS_MAX = 20
WINDOWS_MAX = 20
PARTIES_MAX = 20
VEHICLES_MAX = 60
# A household a closing left split is called back this soon (_split_follow_up).
SPLIT_CALL_WITHIN = dt.timedelta(minutes=5)
LABEL_MAX = 60
# How far ahead of the server's clock a party's agreement may be dated: a sender's
# clock a little fast, not an agreement still to come.
AGREED_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class StopInput:
    kind: str
    place_id: str


@dataclass(frozen=True)
class WindowInput:
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class PartyInput:
    name: str
    role: str = PartyRole.GUARANTOR
    agreed_at: dt.datetime | None = None


@dataclass(frozen=True)
class CorridorInput:
    name: str
    direction: str
    stops: Sequence[StopInput] = field(default_factory=tuple)
    windows: Sequence[WindowInput] = field(default_factory=tuple)
    parties: Sequence[PartyInput] = field(default_factory=tuple)


def text_clean(value: str, *, limit: int, field: str, required: bool = False) -> str:
    """Return the text trimmed, or raise InvalidInput naming the field."""
    value = " ".join(text_check(value, field=field).split())
    if len(value) > limit:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": limit}, field=field)
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field)
    return value


def corridor_event_append(
    corridor_id: int,
    *,
    msgid: str,
    params: Mapping[str, NoteParam] | None = None,
    by: User | None,
) -> CorridorEvent:
    """Return a new entry of the corridor's timeline written by reliefline itself.

    Kept as its English `msgid` (marked with gettext_noop by the caller) and `params`,
    and read in each reader's language (CorridorEvent.display_text): whoever wrote it,
    in whatever language, coordinators of the corridor read it in theirs.
    """
    return CorridorEvent.objects.create(
        corridor_id=corridor_id, msgid=msgid, params=dict(params or {}), by=by
    )


def _route(stops: Sequence[StopInput]) -> list[tuple[str, Place]]:
    if len(stops) > STOPS_MAX:
        raise InvalidInput(_("At most %(n)s stops.") % {"n": STOPS_MAX}, field="stops")
    kinds = [stop.kind for stop in stops]
    for i, kind in enumerate(kinds):
        if kind not in StopKind.values:
            raise InvalidInput(_("Unknown stop kind."), field=f"stops[{i}].kind")
    # The route reads in travel order: where people gather, where they pass, where they arrive.
    if not kinds or kinds[0] != StopKind.ASSEMBLY:
        raise InvalidInput(_("The route starts at an assembly point."), field="stops")
    if kinds[-1] != StopKind.RECEPTION or kinds.count(StopKind.RECEPTION) != 1:
        raise InvalidInput(_("The route ends at one reception point."), field="stops")
    first_waypoint = next((i for i, k in enumerate(kinds) if k != StopKind.ASSEMBLY), len(kinds))
    if StopKind.ASSEMBLY in kinds[first_waypoint:]:
        raise InvalidInput(_("Assembly points come before any waypoint."), field="stops")
    route: list[tuple[str, Place]] = []
    for i, stop in enumerate(stops):
        text_check(stop.place_id, field=f"stops[{i}].place_id")
        place = Place.objects.filter(pk=stop.place_id).first()
        if place is None:
            raise InvalidInput(_("Unknown settlement."), field=f"stops[{i}].place_id")
        # A route leads somewhere else: Sudzha → Sudzha takes nobody out.
        if any(seen.pk == place.pk for _kind, seen in route):
            raise InvalidInput(
                _("This settlement is already on the route: a route passes each place once."),
                field=f"stops[{i}].place_id",
            )
        route.append((stop.kind, place))
    return route


def _windows(windows: Sequence[WindowInput]) -> list[WindowInput]:
    if len(windows) > WINDOWS_MAX:
        raise InvalidInput(_("At most %(n)s windows.") % {"n": WINDOWS_MAX}, field="windows")
    now = timezone.now()
    for i, window in enumerate(windows):
        if window.starts_at.tzinfo is None or window.ends_at.tzinfo is None:
            raise InvalidInput(_("Give the time zone."), field=f"windows[{i}].starts_at")
        if window.ends_at <= window.starts_at:
            raise InvalidInput(_("A window ends after it starts."), field=f"windows[{i}].ends_at")
        if window.ends_at <= now:
            raise InvalidInput(
                _("The window has already ended: nobody can travel in it."),
                field=f"windows[{i}].ends_at",
            )
    return list(windows)


def _parties(parties: Sequence[PartyInput]) -> list[PartyInput]:
    if len(parties) > PARTIES_MAX:
        raise InvalidInput(_("At most %(n)s parties.") % {"n": PARTIES_MAX}, field="parties")
    cleaned: list[PartyInput] = []
    for i, party in enumerate(parties):
        name = text_clean(party.name, limit=NAME_MAX, field=f"parties[{i}].name", required=True)
        if party.role not in PartyRole.values:
            raise InvalidInput(_("Unknown role."), field=f"parties[{i}].role")
        if any(p.name.casefold() == name.casefold() for p in cleaned):
            raise InvalidInput(_("Named twice."), field=f"parties[{i}].name")
        _agreed_check(party.agreed_at, field=f"parties[{i}].agreed_at")
        cleaned.append(PartyInput(name=name, role=party.role, agreed_at=party.agreed_at))
    return cleaned


def _agreed_check(agreed_at: dt.datetime | None, *, field: str) -> None:
    """Refuse an agreement dated in the future: the page would say the party agreed."""
    if agreed_at is None:
        return
    if agreed_at.tzinfo is None:
        raise InvalidInput(_("Give the time zone."), field=field)
    if agreed_at > timezone.now() + AGREED_SKEW:
        raise InvalidInput(_("An agreement cannot be dated in the future."), field=field)


def _direction_check(direction: str, route: Sequence[tuple[str, Place]]) -> None:
    """Refuse a direction away from the reception point's country.

    The households matched to a corridor are those who chose its direction (seats):
    "toward Russia" ending in Sumy would take those who chose Russia to Ukraine. A
    reception point in neither country says nothing about the direction.
    """
    _kind, reception = route[-1]
    if reception.country in Direction.values and reception.country != direction:
        raise InvalidInput(
            _("The reception point %(place)s is not on that side: choose “%(direction)s”.")
            % {"place": reception, "direction": Direction(reception.country).label},
            field="direction",
        )


@transaction.atomic
def corridor_create(data: CorridorInput, *, by: User | None) -> Corridor:
    """Return a proposed corridor with its route, windows and parties; validate all first."""
    name = text_clean(data.name, limit=NAME_MAX, field="name", required=True)
    if data.direction not in Direction.values:
        raise InvalidInput(_("Choose UA or RU."), field="direction")
    route = _route(data.stops)
    _direction_check(data.direction, route)
    windows = _windows(data.windows)
    parties = _parties(data.parties)
    corridor = Corridor.objects.create(name=name, direction=data.direction, created_by=by)
    CorridorStop.objects.bulk_create(
        CorridorStop(corridor=corridor, position=i + 1, kind=kind, place=place)
        for i, (kind, place) in enumerate(route)
    )
    CorridorWindow.objects.bulk_create(
        CorridorWindow(corridor=corridor, starts_at=w.starts_at, ends_at=w.ends_at) for w in windows
    )
    CorridorParty.objects.bulk_create(
        CorridorParty(corridor=corridor, name=p.name, role=p.role, agreed_at=p.agreed_at)
        for p in parties
    )
    CorridorEvent.objects.create(
        corridor=corridor,
        to_status=CorridorStatus.PROPOSED,
        msgid=gettext_noop("Proposed"),
        by=by,
    )
    return corridor


@transaction.atomic
def corridor_window_add(
    corridor: Corridor, window: WindowInput, *, by: User | None
) -> CorridorWindow:
    """Return a new time window of the corridor."""
    (window,) = _windows([window])
    added = CorridorWindow.objects.create(
        corridor=corridor, starts_at=window.starts_at, ends_at=window.ends_at
    )
    corridor_event_append(
        corridor.pk, msgid=gettext_noop("Window added: %(w)s"), params={"w": str(added)}, by=by
    )
    return added


@transaction.atomic
def corridor_transition(
    corridor: Corridor, *, to: str, by: User | None, note: str = ""
) -> Corridor:
    """Return the corridor moved to status `to`, or raise IllegalCorridorTransition.

    Suspending it tells the households with a seat not yet taken not to go, so nobody
    walks to an assembly point while the pause is off: those of a locked convoy (told
    a time) whatever the corridor's status, and, once it was open, all of them.
    Reopening it tells those same households again (_reopened_notify); closing it gives
    back the seats nobody took (_closed_release).
    """
    if to not in CorridorStatus.values:
        raise InvalidInput(_("Unknown status."), field="status")
    note = text_clean(note, limit=NOTE_MAX, field="note")
    corridor = Corridor.objects.select_for_update().get(pk=corridor.pk)
    if to not in CORRIDOR_TRANSITIONS[corridor.status]:
        raise IllegalCorridorTransition(
            name=corridor.name,
            from_label=str(CorridorStatus(corridor.status).label),
            to_label=str(CorridorStatus(to).label),
        )
    CorridorEvent.objects.create(
        corridor=corridor, from_status=corridor.status, to_status=to, note=note, by=by
    )
    was = corridor.status
    corridor.status = to
    corridor.save(update_fields=["status"])
    if to == CorridorStatus.AGREED:
        # The parties' guarantees are what "agreed" records: those given no time of
        # their own agreed now (a proposal never says a guarantor agreed).
        corridor.parties.filter(agreed_at__isnull=True).update(agreed_at=timezone.now())
    if to == CorridorStatus.SUSPENDED:
        told = corridor_requests_allocated(corridor, locked_only=was != CorridorStatus.OPEN)
        for request in told:
            notices.suspended_notify(request, corridor=corridor, by=by)
    if to == CorridorStatus.OPEN and was == CorridorStatus.SUSPENDED:
        _reopened_notify(corridor, by=by)
    if to == CorridorStatus.CLOSED:
        _closed_release(corridor, was=was, by=by)
    return corridor


def _closed_release(corridor: Corridor, *, was: str, by: User | None) -> None:
    """Give the seats nobody took back, put their households on the waiting list again.

    A household that was told something (its convoy's time once locked, or to wait
    for the reopening of a corridor suspended while open) is told the evacuation is cancelled
    and its request stays open. Passengers already boarded keep their places: they
    are on the road and are marked arrived as usual. A household split that way, part
    on the road and part left without a seat, is not sent that message, which would
    not be true of it: its case's timeline says so and asks for a call, due at once
    (_split_follow_up).
    """
    released: dict[int, EvacuationRequest] = {}
    told: dict[int, EvacuationRequest] = {}
    told_to_wait = was == CorridorStatus.SUSPENDED and _suspended_while_open(corridor)
    # A convoy locked during the suspension told nobody its time (seats._telling).
    paused = _last_suspension(corridor) if was == CorridorStatus.SUSPENDED else None
    for convoy in Convoy.objects.filter(window__corridor=corridor).order_by("pk"):
        requests = list(convoy_requests_waiting(convoy).select_related("case__caller"))
        placements_release(
            list(
                Placement.objects.filter(vehicle__convoy=convoy, status=PlacementStatus.ALLOCATED)
            ),
            by=by,
        )
        released.update((r.pk, r) for r in requests)
        told_a_time = convoy.locked_at is not None and (
            paused is None or convoy.locked_at < paused.at
        )
        if told_a_time or told_to_wait:
            told.update((r.pk, r) for r in requests)
    still_going = set(
        Placement.objects.filter(
            member__request__in=list(released), status__in=HOLDING
        ).values_list("member__request_id", flat=True)
    )
    # A household partly on the road stays allocated: its request is being carried out.
    returned = set(released) - still_going
    EvacuationRequest.objects.filter(pk__in=returned, status=RequestStatus.ALLOCATED).update(
        status=RequestStatus.WAITING
    )
    for request in told.values():
        if request.pk in returned:
            notices.closed_notify(request, corridor=corridor, by=by)
    _split_follow_up([released[pk] for pk in sorted(still_going)], corridor=corridor, by=by)
    if returned:
        # A count after a colon: note_render has no plural forms, and this reads right
        # for any number in each language.
        corridor_event_append(
            corridor.pk,
            msgid=gettext_noop(
                "Households with a seat back on the waiting list: %(n)s (told: %(told)s)."
            ),
            params={"n": len(returned), "told": len(told.keys() & returned)},
            by=by,
        )


def _split_follow_up(
    split: list[EvacuationRequest], *, corridor: Corridor, by: User | None
) -> None:
    """Ask for a call to each household the closing left split, on its case and the corridor.

    Their request stays allocated (it is being carried out) and those left behind have
    no seat: only an operator can tell them what now. Once those on the road arrive,
    those left behind wait again on a new request of the case (field._household_settle).
    """
    if not split:
        return
    for request in split:
        left = request.members.filter(going=True).exclude(placements__status__in=HOLDING)
        case_event_append(
            request.case,
            kind=EventKind.NOTE,
            msgid=gettext_noop(
                "Corridor %(corridor)s closed with part of the household on the road "
                "and %(left)s left without a seat. Call them."
            ),
            params={"corridor": corridor.name, "left": left.count()},
            by=by,
        )
        # A purged case takes no callback (hotline refuses writes on it): its people
        # have no data left to call them by.
        if by is not None and request.case.purged_at is None:
            soon = timezone.now() + SPLIT_CALL_WITHIN
            case_schedule_callback(request.case, at=soon, by=by)
    corridor_event_append(
        corridor.pk,
        msgid=gettext_noop(
            "Part of the household on the road, the rest without a seat; call them: %(cases)s."
        ),
        params={"cases": ", ".join(str(r.case.reference) for r in split)},
        by=by,
    )


def _reopened_notify(corridor: Corridor, *, by: User | None) -> None:
    """Tell the households told not to go, at the suspension, that they may go again.

    Those of a locked convoy get their seat and time again. The others, never told a
    time, were told to wait only if the corridor was open when it was suspended: they
    get that it is open in its window, on their clock; suspended before it ever opened,
    it told them nothing, and its opening tells them nothing either (the lock will). A
    convoy whose departure passed meanwhile tells nobody a time they cannot meet: the
    timeline says to move it, which tells them (convoy_reschedule).
    """
    now = timezone.now()
    told_to_wait = _suspended_while_open(corridor)
    for convoy in (
        Convoy.objects.filter(window__corridor=corridor)
        .select_related("assembly_point", "window")
        .order_by("pk")
    ):
        waiting = list(convoy_requests_waiting(convoy).select_related("case__caller"))
        if not waiting:
            continue
        if convoy.locked_at is None:
            if told_to_wait and convoy.window.ends_at > now:
                for request in waiting:
                    notices.reopened_notify(request, corridor=corridor, convoy=convoy, by=by)
            continue
        if convoy.departure_at <= now:
            corridor_event_append(
                corridor.pk,
                msgid=gettext_noop(
                    "Convoy %(name)s: its departure passed while the corridor was suspended; "
                    "nobody was told. Move the departure to tell its households."
                ),
                params={"name": convoy.name},
                by=by,
            )
            continue
        for request in waiting:
            notices.allocated_notify(request, convoy=convoy, by=by)


def _suspended_while_open(corridor: Corridor) -> bool:
    """Return whether the corridor's last suspension came while it was open.

    Only then were the households not yet told a time told to wait for the reopening.
    """
    last = _last_suspension(corridor)
    return last is not None and last.from_status == CorridorStatus.OPEN


def _last_suspension(corridor: Corridor) -> CorridorEvent | None:
    return corridor.events.filter(to_status=CorridorStatus.SUSPENDED).order_by("-at", "-pk").first()


def corridor_requests_allocated(
    corridor: Corridor, *, locked_only: bool = False
) -> list[EvacuationRequest]:
    """Return the requests with a seat not yet taken on the corridor's convoys.

    With `locked_only`, on its locked convoys only: the households told a time. Those
    already boarded or arrived are on the road, not about to set out.
    """
    convoys = Convoy.objects.filter(window__corridor=corridor)
    if locked_only:
        convoys = convoys.filter(locked_at__isnull=False)
    return list(
        EvacuationRequest.objects.filter(
            members__placements__vehicle__convoy__in=convoys,
            members__placements__status=PlacementStatus.ALLOCATED,
        )
        .select_related("case__caller")
        .distinct()
        .order_by("pk")
    )


def _departure_check(window: CorridorWindow, departure_at: dt.datetime) -> None:
    if not window.starts_at <= departure_at < window.ends_at:
        raise InvalidInput(
            _("The departure lies outside the corridor's window."), field="departure_at"
        )


@transaction.atomic
def convoy_create(
    window: CorridorWindow,
    *,
    name: str,
    departure_at: dt.datetime,
    assembly_point_id: str,
    by: User | None,
) -> Convoy:
    """Return a convoy leaving from one of the corridor's assembly points within the window.

    Refused for a departure already past: no family could be told it (as for a move).
    Refused on a closed corridor (corridor_planning_check).
    """
    corridor_planning_check(Corridor.objects.select_for_update().get(pk=window.corridor_id))
    name = text_clean(name, limit=NAME_MAX, field="name", required=True)
    _departure_check(window, departure_at)
    if departure_at <= timezone.now():
        raise InvalidInput(_("The departure has already passed."), field="departure_at")
    text_check(assembly_point_id, field="assembly_point")
    stop = (
        CorridorStop.objects.filter(
            corridor_id=window.corridor_id, kind=StopKind.ASSEMBLY, place_id=assembly_point_id
        )
        .select_related("place")
        .first()
    )
    if stop is None:
        raise InvalidInput(_("Not an assembly point of this corridor."), field="assembly_point")
    convoy = Convoy.objects.create(
        name=name, window=window, departure_at=departure_at, assembly_point=stop.place
    )
    corridor_event_append(
        window.corridor_id,
        msgid=gettext_noop("Convoy planned: %(name)s"),
        params={"name": name},
        by=by,
    )
    return convoy


# What a move of a convoy's departure waits for before its households are told.
MOVE_WAITS_LOCK = "lock"  # nobody has been told a time: the lock's notice gives it
MOVE_WAITS_REOPENING = "reopening"  # told not to go: the reopening tells them again


def departure_move_waits(convoy: Convoy) -> str:
    """Return what a move of the departure waits for (MOVE_WAITS_*), "" if told at once."""
    if convoy.locked_at is None:
        return MOVE_WAITS_LOCK
    if convoy.window.corridor.status == CorridorStatus.SUSPENDED:
        return MOVE_WAITS_REOPENING
    return ""


def manifests_outdated(recipients: Sequence[str]) -> str:
    """Return the warning that manifests handed out before a move show the old departure."""
    return _(
        "Manifests handed out before show the old departure; hand them out again to: %(to)s."
    ) % {"to": ", ".join(recipients)}


@transaction.atomic
def convoy_reschedule(
    convoy: Convoy, *, departure_at: dt.datetime, by: User | None
) -> list[EvacuationRequest]:
    """Move the convoy's departure within its window; return the households told.

    Once the convoy is locked (its households told their time), every household with a
    seat not yet taken is sent the new time, on the assembly point's clock, unless the
    corridor is suspended (its reopening tells them). Refused on
    a closed corridor, outside the window, for a time already past (no family can be
    told it), for the time it already has (the same notice again), and once anyone
    has boarded (the convoy has left).
    """
    convoy = Convoy.objects.select_for_update().select_related("window__corridor").get(pk=convoy.pk)
    window = convoy.window
    if window.corridor.status == CorridorStatus.CLOSED:
        raise InvalidInput(_("The corridor is closed."), field="departure_at")
    _departure_check(window, departure_at)
    if departure_at <= timezone.now():
        raise InvalidInput(_("The new departure has already passed."), field="departure_at")
    if departure_at == convoy.departure_at:
        raise InvalidInput(_("The convoy already departs at that time."), field="departure_at")
    if Placement.objects.filter(
        vehicle__convoy=convoy, status__in=(PlacementStatus.BOARDED, PlacementStatus.ARRIVED)
    ).exists():
        raise InvalidInput(_("Passengers have boarded: the convoy has left."), field="departure_at")
    was = convoy.departure_at
    convoy.departure_at = departure_at
    convoy.save(update_fields=["departure_at"])
    _moved_note(convoy, was=was, by=by)
    if departure_move_waits(convoy):
        return []
    told = list(convoy_requests_waiting(convoy).select_related("case__caller"))
    for request in told:
        notices.rescheduled_notify(request, convoy=convoy, by=by)
    return told


def _moved_note(convoy: Convoy, *, was: dt.datetime, by: User | None) -> None:
    """Write the move on the corridor's timeline, both clocks named in the reader's language,
    with the recipients of manifests that carry the old departure."""

    def at(time: dt.datetime) -> NoteParam:
        def said(language: str) -> str:
            with translation.override(language):
                return hotline_time(time, place=convoy.assembly_point)

        return texts_param(said)

    params: dict[str, NoteParam] = {
        "name": convoy.name,
        "was": at(was),
        "now": at(convoy.departure_at),
    }
    msgid = gettext_noop("Convoy %(name)s: departure moved from %(was)s to %(now)s")
    if recipients := convoy.manifest_recipients():
        params["to"] = ", ".join(recipients)
        msgid = gettext_noop(
            "Convoy %(name)s: departure moved from %(was)s to %(now)s. Manifests handed out "
            "before show the old departure; hand them out again to: %(to)s."
        )
    corridor_event_append(convoy.window.corridor_id, msgid=msgid, params=params, by=by)


@dataclass(frozen=True)
class VehicleInput:
    label: str
    seats: int = 0
    wheelchair_places: int = 0
    stretcher_places: int = 0
    has_medic: bool = False


@transaction.atomic
def vehicle_add(convoy: Convoy, data: VehicleInput, *, by: User | None) -> Vehicle:
    """Return a vehicle added to the convoy; refused on a closed corridor."""
    label = text_clean(data.label, limit=LABEL_MAX, field="label", required=True)
    for name, most in (("seats", 120), ("wheelchair_places", 20), ("stretcher_places", 20)):
        if not 0 <= getattr(data, name) <= most:
            raise InvalidInput(_("Between 0 and %(n)s.") % {"n": most}, field=name)
    if data.seats + data.wheelchair_places + data.stretcher_places == 0:
        raise InvalidInput(_("A vehicle needs at least one place."), field="seats")
    # Its corridor's row is locked with it, so the corridor cannot close meanwhile.
    convoy = Convoy.objects.select_for_update().select_related("window__corridor").get(pk=convoy.pk)
    corridor_planning_check(convoy.window.corridor)
    if convoy.vehicles.count() >= VEHICLES_MAX:
        raise InvalidInput(_("At most %(n)s vehicles.") % {"n": VEHICLES_MAX}, field="label")
    # "Bus 1" and "bus 1" would be one vehicle to a checkpoint. In Python, as SQLite's
    # case-insensitive match folds ASCII only ("Автобус").
    if any(
        v.casefold() == label.casefold() for v in convoy.vehicles.values_list("label", flat=True)
    ):
        raise InvalidInput(_("The convoy already has a vehicle of that name."), field="label")
    return Vehicle.objects.create(
        convoy=convoy,
        label=label,
        seats=data.seats,
        wheelchair_places=data.wheelchair_places,
        stretcher_places=data.stretcher_places,
        has_medic=data.has_medic,
    )
