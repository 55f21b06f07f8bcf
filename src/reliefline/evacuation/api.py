"""The evacuation part of the JSON API under /api/v1/evacuation/.

Coordinators plan (evacuation.plan_evacuation); field teams board and mark arrivals
(evacuation.board_evacuation); corridors without personal data need only
evacuation.view_corridor. Every answer that names people is audited.
"""

from collections import defaultdict

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Router, Status

from reliefline.access.audit import audit_record
from reliefline.access.auth import acting_user, api_auth
from reliefline.access.models import AuditAction
from reliefline.errors import InvalidInput
from reliefline.evacuation import selectors, services
from reliefline.evacuation.models import (
    HOLDING,
    EvacuationRequest,
    ManifestIssue,
    Placement,
    RequestStatus,
)
from reliefline.evacuation.schemas import (
    AmendIn,
    BoardingIn,
    CancelIn,
    ConvoyIn,
    ConvoyOut,
    CorridorIn,
    CorridorOut,
    ManifestIn,
    ManifestOut,
    PlaceIn,
    PlacementOut,
    RequestIn,
    RequestOut,
    RescheduleIn,
    RunIn,
    RunOut,
    TransitionIn,
    VehicleIn,
    VehicleOut,
    convoy_out,
    corridor_out,
    manifest_out,
    placement_out,
    request_out,
    run_out,
    vehicle_out,
)
from reliefline.evacuation.views import manifest_download
from reliefline.hotline.schemas import ErrorOut
from reliefline.hotline.selectors import case_get

router = Router(tags=["evacuation"])

ERRORS = {code: ErrorOut for code in (401, 403, 404, 409, 413, 422)}
VIEW = "evacuation.view_corridor"
PLAN = "evacuation.plan_evacuation"
BOARD = "evacuation.board_evacuation"
REQUESTS_LIMIT = 500


def _audit_read(
    request: HttpRequest, *, record: str, person_ids: list[int], fields: list[str]
) -> None:
    if person_ids:
        audit_record(
            user=acting_user(request),
            action=AuditAction.READ,
            record=record,
            purpose=gettext_noop("evacuation (API)"),
            person_ids=person_ids,
            fields=fields,
        )


@router.get(
    "/corridors",
    response={200: list[CorridorOut], **ERRORS},
    summary="Corridors",
    auth=api_auth(VIEW),
)
def corridors_list(request: HttpRequest) -> list[CorridorOut]:
    """Return every corridor with route, windows, guarantors and timeline (no personal data)."""
    return [corridor_out(c) for c in selectors.corridor_list().prefetch_related("events__by")]


@router.post(
    "/corridors",
    response={201: CorridorOut, **ERRORS},
    summary="Propose a corridor",
    auth=api_auth(PLAN),
)
def corridors_create(request: HttpRequest, payload: CorridorIn) -> Status[CorridorOut]:
    """Return the new corridor, status proposed."""
    corridor = services.corridor_create(payload.to_input(), by=acting_user(request))
    return Status(201, corridor_out(selectors.corridor_get(corridor.pk)))


@router.get(
    "/corridors/{corridor_id}",
    response={200: CorridorOut, **ERRORS},
    summary="One corridor",
    auth=api_auth(VIEW),
)
def corridors_detail(request: HttpRequest, corridor_id: int) -> CorridorOut:
    return corridor_out(selectors.corridor_get(corridor_id))


@router.post(
    "/corridors/{corridor_id}/status",
    response={200: CorridorOut, **ERRORS},
    summary="Change a corridor's status",
    auth=api_auth(PLAN),
)
def corridors_status(request: HttpRequest, corridor_id: int, payload: TransitionIn) -> CorridorOut:
    """Return the corridor after the change; the families with seats are told as it says.

    Suspending an open corridor tells them not to go, reopening it tells them their seat
    and time again, closing it gives the seats back and tells those told anything.
    """
    corridor = selectors.corridor_get(corridor_id)
    services.corridor_transition(
        corridor, to=payload.status, by=acting_user(request), note=payload.note
    )
    return corridor_out(selectors.corridor_get(corridor_id))


@router.post(
    "/corridors/{corridor_id}/convoys",
    response={201: ConvoyOut, **ERRORS},
    summary="Plan a convoy",
    auth=api_auth(PLAN),
)
def convoys_create(request: HttpRequest, corridor_id: int, payload: ConvoyIn) -> Status[ConvoyOut]:
    corridor = selectors.corridor_get(corridor_id)
    window = corridor.windows.filter(pk=payload.window_id).first()
    if window is None:
        raise InvalidInput(_("Not a window of this corridor."), field="window_id")
    convoy = services.convoy_create(
        window,
        name=payload.name,
        departure_at=payload.departure_at,
        assembly_point_id=payload.assembly_point,
        by=acting_user(request),
    )
    return Status(201, convoy_out(selectors.convoy_get(convoy.pk), {}))


def _loads(convoy_id: int) -> dict[int, list[Placement]]:
    loads: dict[int, list[Placement]] = defaultdict(list)
    for p in (
        Placement.objects.filter(vehicle__convoy_id=convoy_id, status__in=(*HOLDING, "no_show"))
        .select_related("person", "member")
        .order_by("kind", "number")
    ):
        loads[p.vehicle_id].append(p)
    return loads


@router.get(
    "/convoys/{convoy_id}",
    response={200: ConvoyOut, **ERRORS},
    summary="One convoy and who sits where",
    auth=api_auth(PLAN),
)
def convoys_detail(request: HttpRequest, convoy_id: int) -> ConvoyOut:
    convoy = selectors.convoy_get(convoy_id)
    loads = _loads(convoy_id)
    _audit_read(
        request,
        record=f"evacuation.convoy:{convoy_id}",
        person_ids=[p.person_id for ps in loads.values() for p in ps],
        fields=["name", "placement"],
    )
    return convoy_out(convoy, loads)


@router.post(
    "/convoys/{convoy_id}/departure",
    response={200: ConvoyOut, **ERRORS},
    summary="Move a convoy's departure",
    auth=api_auth(PLAN),
)
def convoys_reschedule(request: HttpRequest, convoy_id: int, payload: RescheduleIn) -> ConvoyOut:
    """Return the convoy with its new departure; every household with a seat is told it."""
    services.convoy_reschedule(
        selectors.convoy_get(convoy_id), departure_at=payload.departure_at, by=acting_user(request)
    )
    return convoys_detail(request, convoy_id)


@router.post(
    "/convoys/{convoy_id}/vehicles",
    response={201: VehicleOut, **ERRORS},
    summary="Add a vehicle",
    auth=api_auth(PLAN),
)
def vehicles_create(request: HttpRequest, convoy_id: int, payload: VehicleIn) -> Status[VehicleOut]:
    vehicle = services.vehicle_add(
        selectors.convoy_get(convoy_id), payload.to_input(), by=acting_user(request)
    )
    return Status(201, vehicle_out(vehicle))


@router.get(
    "/convoys/{convoy_id}/allocations",
    response={200: list[RunOut], **ERRORS},
    summary="Allocation runs of a convoy",
    auth=api_auth(PLAN),
)
def runs_list(request: HttpRequest, convoy_id: int) -> list[RunOut]:
    return [run_out(run) for run in selectors.convoy_get(convoy_id).runs.all()[:50]]


@router.post(
    "/convoys/{convoy_id}/allocations",
    response={201: RunOut, **ERRORS},
    summary="Allocate the convoy's places",
    auth=api_auth(PLAN),
)
def runs_create(request: HttpRequest, convoy_id: int, payload: RunIn) -> Status[RunOut]:
    """Return the run: allocated, objective (total priority), the solver's bound, who is left out and why."""
    run = services.convoy_allocate(
        selectors.convoy_get(convoy_id), by=acting_user(request), time_limit=payload.time_limit
    )
    return Status(201, run_out(run))


@router.post(
    "/convoys/{convoy_id}/placements",
    response={201: list[PlacementOut], **ERRORS},
    summary="Place a household by hand",
    auth=api_auth(PLAN),
)
def placements_create(
    request: HttpRequest, convoy_id: int, payload: PlaceIn
) -> Status[list[PlacementOut]]:
    """Return the household's new places; 409 when that breaks a hard constraint."""
    convoy = selectors.convoy_get(convoy_id)
    vehicle = convoy.vehicles.filter(pk=payload.vehicle_id).first()
    if vehicle is None:
        raise InvalidInput(_("Not a vehicle of this convoy."), field="vehicle_id")
    placed = services.request_place(
        selectors.request_get(payload.request_id, field="request_id"),
        vehicle,
        by=acting_user(request),
    )
    fresh = Placement.objects.filter(pk__in=[p.pk for p in placed]).select_related(
        "person", "member"
    )
    return Status(201, [placement_out(p) for p in fresh])


@router.post(
    "/convoys/{convoy_id}/lock",
    response={200: ConvoyOut, **ERRORS},
    summary="Lock and notify",
    auth=api_auth(PLAN),
)
def convoys_lock(request: HttpRequest, convoy_id: int) -> ConvoyOut:
    services.convoy_lock(selectors.convoy_get(convoy_id), by=acting_user(request))
    return convoy_out(selectors.convoy_get(convoy_id), _loads(convoy_id))


@router.get(
    "/requests",
    response={200: list[RequestOut], **ERRORS},
    summary="Evacuation requests",
    auth=api_auth(PLAN),
)
def requests_list(
    request: HttpRequest, status: RequestStatus = RequestStatus.WAITING
) -> list[RequestOut]:
    """Return requests in a status (default waiting), highest priority first; another
    status is a 422, not an empty list that reads as nobody waiting."""
    rows = list(
        EvacuationRequest.objects.filter(status=status)
        .select_related("case")
        .prefetch_related("members__person")[:REQUESTS_LIMIT]
    )
    _audit_read(
        request,
        record="evacuation.requests",
        person_ids=[m.person_id for r in rows for m in r.members.all()],
        fields=["name", "mobility", "needs_medic", "consent"],
    )
    return [request_out(r) for r in rows]


@router.post(
    "/requests",
    response={201: RequestOut, **ERRORS},
    summary="Request evacuation for a case",
    auth=api_auth(PLAN),
)
def requests_create(request: HttpRequest, payload: RequestIn) -> Status[RequestOut]:
    """Return the waiting request; the priority comes from the case."""
    actor = acting_user(request)
    case = case_get(payload.case, user=actor, field="case")
    made = services.request_create(
        case, direction=payload.direction, members=[m.to_input() for m in payload.members], by=actor
    )
    return Status(201, request_out(selectors.request_get(made.pk)))


@router.post(
    "/requests/{request_id}/cancel",
    response={200: RequestOut, **ERRORS},
    summary="Cancel an evacuation request",
    auth=api_auth(PLAN),
)
def requests_cancel(request: HttpRequest, request_id: int, payload: CancelIn) -> RequestOut:
    """Return the request cancelled, its seats given back; the reason goes on the case's
    timeline. 409 once anyone boarded or while it holds seats on a locked convoy (mark
    them no-show first); a corrected request may then be filed for the case."""
    actor = acting_user(request)
    services.request_cancel(
        selectors.request_get(request_id, field="request_id", user=actor),
        by=actor,
        reason=payload.reason,
    )
    return request_out(selectors.request_get(request_id))


@router.post(
    "/requests/{request_id}/amend",
    response={200: RequestOut, **ERRORS},
    summary="Amend an evacuation request in place",
    auth=api_auth(PLAN),
)
def requests_amend(request: HttpRequest, request_id: int, payload: AmendIn) -> RequestOut:
    """Return the request amended: its side, its members (the whole list, as at its
    creation; a member left out stays on it, not going), with the reason on the case's
    timeline. It keeps its id and its turn. Seats on a convoy not yet locked are given
    back when who goes, how they travel or the side changes (the request waits again);
    409 once anyone boarded, while it holds seats on a locked convoy (mark them no-show
    first) or once it is no longer open. An amendment that changes nothing changes
    nothing and returns the request as it is."""
    actor = acting_user(request)
    members = None if payload.members is None else [m.to_input() for m in payload.members]
    services.request_amend(
        selectors.request_get(request_id, field="request_id", user=actor),
        direction=payload.direction,
        members=members,
        by=actor,
        reason=payload.reason,
    )
    return request_out(selectors.request_get(request_id))


@router.get(
    "/manifests",
    response={200: list[ManifestOut], **ERRORS},
    summary="Manifests issued",
    auth=api_auth(PLAN),
)
def manifests_list(request: HttpRequest) -> list[ManifestOut]:
    """Return the record of manifests issued: which vehicle, kind, to whom, by whom (no names)."""
    return [manifest_out(i) for i in ManifestIssue.objects.select_related("issued_by")[:200]]


# The 201 of a manifest is JSON (ManifestOut) or, as the payload's format asks, a file.
MANIFEST_FILES_DOC = {
    "responses": {
        201: {
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in ("text/csv", "application/pdf")
            }
        }
    }
}


@router.post(
    "/vehicles/{vehicle_id}/manifests",
    response={201: ManifestOut, **ERRORS},
    summary="Issue a vehicle's manifest",
    auth=api_auth(PLAN),
    openapi_extra=MANIFEST_FILES_DOC,
)
def manifests_create(
    request: HttpRequest, vehicle_id: int, payload: ManifestIn
) -> Status[ManifestOut] | HttpResponse:
    """Return the manifest's rows, or its CSV or PDF file, recorded as handed to the
    recipient (audited as an export)."""
    manifest = services.manifest_issue(
        selectors.vehicle_get(vehicle_id),
        kind=payload.kind,
        language=payload.language,
        recipient=payload.recipient,
        format=payload.format,
        by=acting_user(request),
    )
    if payload.format != "json":
        return manifest_download(manifest, status=201)
    return Status(201, manifest_out(manifest.issue, manifest.columns, manifest.rows))


@router.post(
    "/boarding",
    response={200: PlacementOut, **ERRORS},
    summary="Mark boarded, no-show or arrived",
    auth=api_auth(BOARD),
)
def boarding_create(request: HttpRequest, payload: BoardingIn) -> PlacementOut:
    """Return the passenger's placement after the field team's mark."""
    actor = acting_user(request)
    placement = selectors.placement_by_code(payload.code, user=actor)
    services.placement_mark(placement, to=payload.status, by=actor)
    fresh = selectors.placement_by_code(payload.code, user=actor)
    return placement_out(fresh)
