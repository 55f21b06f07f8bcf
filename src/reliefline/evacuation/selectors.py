"""Every non-trivial read of the evacuation."""

import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from reliefline.errors import NotFound
from reliefline.evacuation.models import (
    HOLDING,
    AllocationRun,
    Convoy,
    Corridor,
    EvacuationRequest,
    ManifestIssue,
    Placement,
    PlacementStatus,
    RequestStatus,
    StopKind,
    Vehicle,
)
from reliefline.evacuation.services.seats import CODE_ALPHABET, convoy_candidates
from reliefline.hotline.models import OPEN_STATUSES, Case, NeedType
from reliefline.hotline.selectors import case_get
from reliefline.text import text_unstorable
from reliefline.translit import skeleton

SEARCH_LIMIT = 30


def corridor_list() -> QuerySet[Corridor]:
    """Return every corridor with its route, windows and parties, newest first."""
    return Corridor.objects.prefetch_related("stops__place", "windows", "parties")


def corridor_route(corridor: Corridor, language: str) -> str:
    """Return the corridor as a family or a checkpoint knows it, its assembly points to its
    reception point, named from the gazetteer in `language`: "Суджа → Суми" in Ukrainian,
    "Суджа → Сумы" in Russian, "Sudzha, Guyevo → Sumy" for two assembly points.

    Never the corridor's name: a coordinator types that in one language, and a Russian
    checkpoint handed "Sudzha → Kursk", or a Ukrainian household sent "Суджа → Сумы",
    reads another language on its own paper.
    """
    stops = corridor.stops.select_related("place").order_by("position")
    assembly = [s.place.display_name(language) for s in stops if s.kind == StopKind.ASSEMBLY]
    reception = [s.place.display_name(language) for s in stops if s.kind == StopKind.RECEPTION]
    return " → ".join([", ".join(assembly), *reception])


def corridor_get(pk: int) -> Corridor:
    """Return the corridor with its route, windows, parties, timeline and convoys."""
    corridor = (
        Corridor.objects.prefetch_related(
            "stops__place", "windows__convoys__assembly_point", "parties", "events__by"
        )
        .filter(pk=pk)
        .first()
    )
    if corridor is None:
        raise NotFound(_("No corridor %(id)s.") % {"id": pk}, field="corridor")
    return corridor


def _checked_in_by(user: User | None) -> Q:
    """Return the filter of convoys a user may check people in and out of.

    Coordinators (who plan) reach every convoy; a field team only those whose
    corridor stops at a settlement it is assigned to, as with cases.
    """
    if user is None or user.has_perm("evacuation.plan_evacuation"):
        return Q()
    return Q(
        pk__in=Convoy.objects.filter(window__corridor__stops__place__assignments__user=user)
        .values("pk")
        .distinct()
    )


def convoy_get(pk: int, *, user: User | None = None) -> Convoy:
    """Return the convoy with its corridor, assembly point and vehicles, if `user` may see it."""
    convoy = (
        Convoy.objects.select_related("window__corridor", "assembly_point", "locked_by")
        .prefetch_related("vehicles")
        .filter(_checked_in_by(user), pk=pk)
        .first()
    )
    if convoy is None:
        raise NotFound(_("No convoy %(id)s.") % {"id": pk}, field="convoy")
    return convoy


def vehicle_get(pk: int) -> Vehicle:
    """Return the vehicle with its convoy and corridor."""
    vehicle = Vehicle.objects.select_related("convoy__window__corridor").filter(pk=pk).first()
    if vehicle is None:
        raise NotFound(_("No vehicle %(id)s.") % {"id": pk}, field="vehicle")
    return vehicle


def vehicle_manifests(vehicle: Vehicle) -> list[ManifestIssue]:
    """Return the manifests issued for the vehicle, newest first, with who issued each:
    to find one again and print it, or to know whom to hand a new one after a change."""
    return list(vehicle.manifests.select_related("issued_by").order_by("-issued_at", "-pk"))


def request_get(pk: int, *, field: str = "request", user: User | None = None) -> EvacuationRequest:
    """Return the request with its case and members; NotFound names `field`, where the
    caller read the id. With `user`, through their scope of cases: a request of a case
    they may not see is not found either (hotline.selectors.case_get)."""
    request = (
        EvacuationRequest.objects.select_related("case__caller")
        .prefetch_related("members__person")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise NotFound(_("No evacuation request %(id)s.") % {"id": pk}, field=field)
    if user is not None:
        case_get(str(request.case.reference), user=user)
    return request


def cases_awaiting_request(*, limit: int = 50) -> list[Case]:
    """Return open cases with an unfulfilled evacuation need and no open request, most urgent first."""
    open_requests = EvacuationRequest.objects.filter(
        status__in=(RequestStatus.WAITING, RequestStatus.ALLOCATED)
    ).values("case_id")
    return list(
        Case.objects.filter(
            status__in=OPEN_STATUSES,
            needs__type=NeedType.EVACUATION,
            needs__fulfilled_at__isnull=True,
            household__isnull=False,
        )
        .exclude(pk__in=open_requests)
        .select_related("caller", "settlement")
        .distinct()
        .order_by("-priority", "created_at")[:limit]
    )


# The Cyrillic capitals that look like Latin ones, which a field phone on a Russian or
# Ukrainian keyboard types for a code read off paper. Only those the codes use: the
# alphabet has no O (nor 0, 1 or I, for the same reason), so О is left as it is.
LOOKALIKES = {
    ord(cyrillic): latin
    for cyrillic, latin in zip("АВЕКМНОРСТХУ", "ABEKMHOPCTXY", strict=True)
    if latin in CODE_ALPHABET
}
# Every code is EV and eight letters of the alphabet (seats.placement_code).
CODE_PREFIX = "EV"
# The prefix EV typed phonetically on a Russian keyboard is ЕВ (В is said "ve"), which
# the look-alikes make EB. The prefix is the same on every code, so it identifies
# nobody: EB is taken for it, while a B of the random part stays a B.
CODE_PREFIXES = (CODE_PREFIX, "EB")
CODE_LENGTH = len(CODE_PREFIX) + 8


def code_normalise(raw: str) -> str | None:
    """Return the manifest code as printed ("EV-7KQ2-M9XA"), however it was typed, or None
    if what was typed cannot be one.

    Case does not count, nor spaces, dashes (missing, extra, a phone's en dash) or
    other punctuation, nor Cyrillic look-alikes of the code's letters (LOOKALIKES), nor
    fullwidth forms (NFKC): the same code however a field phone typed it, and never
    another one, since every letter that counts stays where it was.
    """
    typed = unicodedata.normalize("NFKC", raw).upper().translate(LOOKALIKES)
    compact = "".join(ch for ch in typed if ch.isalnum())
    prefix, body = compact[: len(CODE_PREFIX)], compact[len(CODE_PREFIX) :]
    if len(compact) != CODE_LENGTH or prefix not in CODE_PREFIXES:
        return None
    if any(ch not in CODE_ALPHABET for ch in body):
        return None
    return f"{CODE_PREFIX}-{body[:4]}-{body[4:]}"


def placement_by_code(
    code: str, *, user: User | None = None, convoy: Convoy | None = None
) -> Placement:
    """Return the placement printed with this manifest code, on a convoy `user` may see
    (and on `convoy`, when given). Typed, pasted or scanned, as code_normalise reads it."""
    printed = code_normalise(code)
    if printed is None:
        raise NotFound(_("No passenger has this code."), field="code")
    convoys = Convoy.objects.filter(_checked_in_by(user))
    if convoy is not None:
        convoys = convoys.filter(pk=convoy.pk)
    placement = (
        Placement.objects.select_related("person", "vehicle__convoy", "member__request__case")
        .filter(code=printed, vehicle__convoy__in=convoys)
        .first()
    )
    if placement is None:
        raise NotFound(_("No passenger has this code."), field="code")
    return placement


@dataclass
class VehicleLoad:
    vehicle: Vehicle
    placements: list[Placement] = field(default_factory=list)
    # The manifests issued for the vehicle, newest first (convoy_loads(manifests=True)).
    manifests: list[ManifestIssue] = field(default_factory=list)

    def used(self, kind: str) -> int:
        return sum(1 for p in self.placements if p.kind == kind)

    @property
    def seats_used(self) -> int:
        return self.used("seat")

    @property
    def wheelchairs_used(self) -> int:
        return self.used("wheelchair")

    @property
    def stretchers_used(self) -> int:
        return self.used("stretcher")

    def count(self, status: str) -> int:
        return sum(1 for p in self.placements if p.status == status)

    @property
    def count_boarded(self) -> int:
        return self.count(PlacementStatus.BOARDED)

    @property
    def count_arrived(self) -> int:
        return self.count(PlacementStatus.ARRIVED)

    @property
    def count_no_show(self) -> int:
        return self.count(PlacementStatus.NO_SHOW)

    @property
    def boarded_not_arrived(self) -> list[Placement]:
        return [p for p in self.placements if p.status == PlacementStatus.BOARDED]


def convoy_loads(
    convoy: Convoy, *, statuses: tuple[str, ...] = HOLDING, manifests: bool = False
) -> list[VehicleLoad]:
    """Return each vehicle of the convoy with who holds (or held) its places, and with
    `manifests` the manifests issued for it (the convoy page links each, to print again)."""
    loads = {v.pk: VehicleLoad(v) for v in convoy.vehicles.all().order_by("label", "pk")}
    placements = (
        Placement.objects.filter(vehicle__convoy=convoy, status__in=statuses)
        .select_related("person", "member__request__case")
        .order_by("kind", "number")
    )
    for placement in placements:
        loads[placement.vehicle_id].placements.append(placement)
    if manifests:
        issued = ManifestIssue.objects.filter(vehicle__convoy=convoy).select_related("issued_by")
        for issue in issued.order_by("-issued_at", "-pk"):
            loads[issue.vehicle_id].manifests.append(issue)
    return list(loads.values())


@dataclass(frozen=True)
class LeftOut:
    request: EvacuationRequest
    reason: str


def convoy_left_out(convoy: Convoy, run: AllocationRun | None) -> list[LeftOut]:
    """Return the requests still waiting for the convoy's side, each with why."""
    reasons = run.left_out if run is not None else {}
    waiting = convoy_candidates(convoy).prefetch_related(Prefetch("members", to_attr="member_list"))
    return [LeftOut(r, reasons.get(str(r.pk), "")) for r in waiting.select_related("case__caller")]


def convoy_last_run(convoy: Convoy) -> AllocationRun | None:
    """Return the convoy's latest allocation run, if any."""
    return convoy.runs.first()


def passengers_search(convoy: Convoy, query: str) -> list[Placement]:
    """Return the convoy's passengers whose name (any script) or manifest code (however
    typed: code_normalise) matches."""
    placements = (
        Placement.objects.filter(vehicle__convoy=convoy)
        .exclude(status=PlacementStatus.REMOVED)
        .select_related("person", "vehicle")
        .order_by("vehicle__label", "kind", "number")
    )
    query = query.strip()
    if not query or text_unstorable(query):
        return list(placements[:SEARCH_LIMIT])
    code = code_normalise(query)
    key = skeleton(query)
    matched = Q(code=code) if code else Q(pk__in=[])
    if key:
        matched |= Q(person__name_key__contains=key)
    return list(placements.filter(matched)[:SEARCH_LIMIT])


def reconciliation(convoy: Convoy) -> list[VehicleLoad]:
    """Return per vehicle everyone allocated, boarded, arrived or absent, for the check-out."""
    return convoy_loads(convoy, statuses=(*HOLDING, PlacementStatus.NO_SHOW))


def subject_export(person_id: int) -> dict[str, list[dict[str, object]]]:
    """Return the person's evacuation requests, for the data-subject export.

    One row per request they are a member of: where the household asked to go, whether
    they go, their mobility, their consent, and every place they were given with its
    boarding code and what happened to it. Other members are left out: their data is
    theirs.
    """
    requests = (
        EvacuationRequest.objects.filter(members__person_id=person_id)
        .select_related("case")
        .prefetch_related("members__placements__vehicle__convoy", "members__placements__events")
        .order_by("pk")
        .distinct()
    )
    rows: list[dict[str, object]] = []
    for request in requests:
        for member in request.members.all():
            if member.person_id != person_id:
                continue
            rows.append(
                {
                    "request": str(request),
                    "case": request.case.reference,
                    "direction": request.direction,
                    "status": request.status,
                    "requested_at": request.requested_at.isoformat(),
                    "going": member.going,
                    "mobility": member.mobility,
                    "needs_medic": member.needs_medic,
                    "consent_method": member.consent_method,
                    "consent_at": member.consent_at.isoformat(),
                    "places": [
                        {
                            "convoy": placement.vehicle.convoy.name,
                            "departure_at": placement.vehicle.convoy.departure_at.isoformat(),
                            "vehicle": placement.vehicle.label,
                            "kind": placement.kind,
                            "number": placement.number,
                            "status": placement.status,
                            "code": placement.code,
                            "events": [
                                {"kind": event.kind, "at": event.at.isoformat()}
                                for event in placement.events.all()
                            ],
                        }
                        for placement in member.placements.all()
                    ],
                }
            )
    return {"evacuation_requests": rows}
