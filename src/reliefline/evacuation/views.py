"""The coordinator's corridor and convoy pages, manifests, and the field team's phone pages.

Each page renders whole, or only its partial when HTMX asks. A write that a rule
refuses answers with the same partial and the message, status 409 or 422, and
changes nothing.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, gettext_noop, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from reliefline.access.audit import audit_record
from reliefline.access.auth import acting_user, requires
from reliefline.access.models import AuditAction
from reliefline.errors import InvalidInput, NotFound, ReliefError
from reliefline.evacuation import selectors, services
from reliefline.evacuation.forms import (
    AmendForm,
    CancelForm,
    CodeForm,
    ConvoyForm,
    CorridorForm,
    ManifestForm,
    MarkForm,
    PlaceForm,
    RequestForm,
    RescheduleForm,
    TransitionForm,
    UnplaceForm,
    VehicleForm,
    request_initial,
)
from reliefline.evacuation.models import (
    CORRIDOR_TRANSITIONS,
    HOLDING,
    Convoy,
    Corridor,
    CorridorStatus,
    EvacuationRequest,
    ManifestIssue,
    ManifestKind,
    Placement,
    PlacementStatus,
    RequestStatus,
    StopKind,
)
from reliefline.evacuation.services import (
    CorridorInput,
    PartyInput,
    StopInput,
    VehicleInput,
    WindowInput,
)
from reliefline.evacuation.services.corridors import (
    MOVE_WAITS_LOCK,
    MOVE_WAITS_REOPENING,
    manifests_outdated,
)
from reliefline.evacuation.services.requests import (
    request_amend_refusal,
    request_cancel_refusal,
)
from reliefline.evacuation.services.seats import (
    LEFT_OUT_ELSEWHERE,
    TIME_LIMIT_DEFAULT,
    corridor_planning_refusal,
    members_elsewhere,
)
from reliefline.forms import form_error_add
from reliefline.hotline.models import Case
from reliefline.hotline.selectors import case_get
from reliefline.people.models import ConsentMethod, Person
from reliefline.places.models import Place
from reliefline.places.selectors import place_get

LEFT_OUT_REASONS = {
    "no_vehicle_in_direction": gettext_lazy("No vehicle goes toward the side they chose."),
    "household_directions_differ": gettext_lazy("Members chose different sides."),
    "no_vehicle_fits_household": gettext_lazy("No vehicle has room for the whole household."),
    "no_vehicle_with_medic_fits": gettext_lazy("Needs a medic; no vehicle with one has room."),
    "places_taken_by_higher_priority": gettext_lazy(
        "Places went to higher priority or earlier requests."
    ),
    LEFT_OUT_ELSEWHERE: gettext_lazy(
        "Someone of the household holds a place or goes with another request: amend the request."
    ),
    "": gettext_lazy("Not allocated yet."),
}


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


View = TypeVar("View", bound=Callable[..., HttpResponse])


def _not_found_is_404(view: View) -> View:
    """Turn a missing corridor, convoy, vehicle or passenger into the plain 404 page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as missing:
            raise Http404(missing.message) from None

    return wrapped  # type: ignore[return-value]


def _render(
    request: HtmxHttpRequest, page: str, partial: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    partial_only = bool(request.htmx) and not request.htmx.history_restore_request
    response = render(request, partial if partial_only else page, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _form_error(form: Any) -> ReliefError:
    """Return the form's first error as a refusal that names the field by its label.

    For forms whose fields are buttons or hidden (a mark, a household to place): the
    message is shown on top, so it says which field it is about, as the reader knows it.
    """
    field, errors = next(iter(form.errors.items()))
    if field in form.fields:
        return InvalidInput(f"{form[field].label}: {errors[0]}", field=field)
    return InvalidInput(errors[0], field=None)


def _submitted(
    form: Any,
    action: Callable[[dict[str, Any]], object],
    *,
    fields: Mapping[str, str] | None = None,
    refused: Callable[[ReliefError], None] | None = None,
) -> int:
    """Return 0 once the action ran with the form's data, else the status of the refusal.

    A refusal stays on the form, at the field it names (form_error_add, or the form's
    own `refused`), with what was typed: the page shows the form again.
    """
    if not form.is_valid():
        return 422
    try:
        action(form.cleaned_data)
    except ReliefError as error:
        if refused is not None:
            refused(error)
        else:
            form_error_add(form, error, fields=fields)
        return error.status
    return 0


def _act(
    request: HtmxHttpRequest,
    form: Any,
    action: Callable[[dict[str, Any]], object],
    *,
    done: str,
    back: str,
    partial: Callable[[ReliefError | None], HttpResponse] | None = None,
) -> HttpResponse:
    """Run the action with the form's data; on a refusal change nothing and say why."""
    error: ReliefError | None = None
    if not form.is_valid():
        error = _form_error(form)
    else:
        try:
            action(form.cleaned_data)
        except ReliefError as refused:
            error = refused
    if request.htmx and partial is not None:
        response = partial(error)
        if error is not None:
            response.status_code = error.status
        return response
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(back)


@requires("evacuation.view_corridor")
@_not_found_is_404
@require_GET
def corridors(request: HtmxHttpRequest) -> HttpResponse:
    """Return the list of corridors, and for a coordinator the form to propose one."""
    return _corridors_page(request, CorridorForm())


def _picked(form: CorridorForm, field: str) -> Place | None:
    """Return the settlement chosen in the form's picker, to show it chosen again."""
    place_id = str(form[field].value() or "")
    if not place_id:
        return None
    try:
        return place_get(place_id)
    except NotFound:
        return None


def _corridors_page(
    request: HtmxHttpRequest, form: CorridorForm, *, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {
        "corridors": selectors.corridor_list(),
        "form": form,
        "picked": {name: _picked(form, name) for name in ("assembly", "waypoint", "reception")},
    }
    if acting_user(request).has_perm("evacuation.plan_evacuation"):
        awaiting = selectors.cases_awaiting_request()
        context["awaiting"] = awaiting
        if awaiting:
            audit_record(
                user=acting_user(request),
                action=AuditAction.SEARCH,
                record="evacuation.cases_awaiting",
                purpose=gettext_noop("evacuation worklist"),
                person_ids=[c.caller_id for c in awaiting],
                fields=["caller.name"],
            )
    return render(request, "evacuation/corridors.html", context, status=status)


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_POST
def corridor_create(request: HtmxHttpRequest) -> HttpResponse:
    """Propose a corridor: route, one window, a guarantor; refused, the form comes back."""
    form = CorridorForm(request.POST)
    status = _submitted(
        form,
        lambda data: _corridor_create(data, by=acting_user(request)),
        fields=_corridor_fields(waypoint=bool(form.data.get("waypoint"))),
    )
    if status:
        return _corridors_page(request, form, status=status)
    messages.success(request, _("Corridor proposed."))
    return redirect("evacuation:corridors")


def _corridor_fields(*, waypoint: bool) -> dict[str, str]:
    """Return the form's field for each field corridor_create names (_corridor_create)."""
    stops = ["assembly", "waypoint", "reception"] if waypoint else ["assembly", "reception"]
    fields = {
        "windows[0].starts_at": "starts_at",
        "windows[0].ends_at": "ends_at",
        "parties[0].name": "guarantor",
        "parties[0].role": "party_role",
    }
    for i, name in enumerate(stops):
        fields[f"stops[{i}].place_id"] = name
        fields[f"stops[{i}].kind"] = name
    return fields


def _corridor_create(data: dict[str, Any], *, by: User) -> Corridor:
    stops = [StopInput(StopKind.ASSEMBLY, data["assembly"])]
    if data["waypoint"]:
        stops.append(StopInput(StopKind.WAYPOINT, data["waypoint"]))
    stops.append(StopInput(StopKind.RECEPTION, data["reception"]))
    # Proposed, nobody has agreed yet: the guarantor agrees with the corridor (_agreed_at).
    parties = [PartyInput(data["guarantor"], data["party_role"])] if data["guarantor"] else []
    return services.corridor_create(
        CorridorInput(
            name=data["name"],
            direction=data["direction"],
            stops=stops,
            windows=[WindowInput(data["starts_at"], data["ends_at"])],
            parties=parties,
        ),
        by=by,
    )


def _agreed_at(corridor: Corridor) -> dt.datetime | None:
    """Return when the corridor was agreed (its move to "agreed"), or None while proposed.

    The parties agree the pause together: a party with no agreement of its own on
    record (agreed_at, which the API may give) agreed when the corridor did.
    """
    if corridor.status == CorridorStatus.PROPOSED:
        return None
    agreed = [e.at for e in corridor.events.all() if e.to_status == CorridorStatus.AGREED]
    return max(agreed, default=None)


def _corridor_context(corridor: Corridor) -> dict[str, Any]:
    return {
        "corridor": corridor,
        "agreed_at": _agreed_at(corridor),
        "moves": [(m, CorridorStatus(m).label) for m in CORRIDOR_TRANSITIONS[corridor.status]],
        "assembly_points": [s.place for s in corridor.stops.all() if s.kind == StopKind.ASSEMBLY],
        "convoy_form": ConvoyForm(),
    }


@requires("evacuation.view_corridor")
@_not_found_is_404
@require_GET
def corridor_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Return the corridor's route, windows, guarantors, convoys and timeline."""
    corridor = selectors.corridor_get(pk)
    return render(request, "evacuation/corridor.html", _corridor_context(corridor))


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_POST
def corridor_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Move the corridor to another status; the families with seats are told (services)."""
    corridor = selectors.corridor_get(pk)

    def partial(error: ReliefError | None) -> HttpResponse:
        context = {**_corridor_context(selectors.corridor_get(pk)), "error": error}
        return render(request, "evacuation/_corridor_status.html", context)

    return _act(
        request,
        TransitionForm(request.POST),
        lambda data: services.corridor_transition(
            corridor, to=data["to"], by=acting_user(request), note=data["note"]
        ),
        done=_("Corridor status changed."),
        back=reverse("evacuation:corridor", args=[pk]),
        partial=partial,
    )


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_POST
def convoy_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Plan a convoy on one of the corridor's windows."""
    corridor = selectors.corridor_get(pk)

    def create(data: dict[str, Any]) -> Convoy:
        window = corridor.windows.filter(pk=data["window"]).first()
        if window is None:
            raise InvalidInput(_("Not a window of this corridor."), field="window")
        return services.convoy_create(
            window,
            name=data["name"],
            departure_at=data["departure_at"],
            assembly_point_id=data["assembly_point"],
            by=acting_user(request),
        )

    form = ConvoyForm(request.POST)
    status = _submitted(form, create)
    if status:
        context = {**_corridor_context(corridor), "convoy_form": form}
        return render(request, "evacuation/corridor.html", context, status=status)
    messages.success(request, _("Convoy planned."))
    return redirect("evacuation:corridor", pk)


def _convoy_context(
    convoy: Convoy, *, error: ReliefError | None = None, vehicle_form: VehicleForm | None = None
) -> dict[str, Any]:
    run = selectors.convoy_last_run(convoy)
    left_out = selectors.convoy_left_out(convoy, run)
    return {
        "convoy": convoy,
        "corridor": convoy.window.corridor,
        "loads": selectors.convoy_loads(convoy, manifests=True),
        "run": run,
        "gap": (100 * (run.bound - run.objective) / run.bound) if run and run.bound else 0,
        "time_limit": f"{TIME_LIMIT_DEFAULT:g}",
        "left_out": [(item, LEFT_OUT_REASONS.get(item.reason, item.reason)) for item in left_out],
        "vehicle_form": vehicle_form or VehicleForm(),
        "manifest_form": ManifestForm(initial={"language": get_language()[:2]}),
        # Who a move of the departure would tell, or why nobody yet (_reschedule_hint.html).
        "households_waiting": services.convoy_requests_waiting(convoy).count(),
        "move_waits": MOVE_WAITS_SAID.get(services.departure_move_waits(convoy), ""),
        # Closed, the corridor takes no more places, vehicles or locks: no button offers them.
        "closed": corridor_planning_refusal(convoy.window.corridor),
        "error": error,
    }


# Why a move of the departure tells nobody now (services.departure_move_waits).
MOVE_WAITS_SAID = {
    MOVE_WAITS_LOCK: gettext_lazy(
        "Nobody has been told a time yet: the households are told when the convoy is locked."
    ),
    MOVE_WAITS_REOPENING: gettext_lazy(
        "The corridor is suspended: its households are told their seat and time when it reopens."
    ),
}


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_POST
def convoy_reschedule(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Move the convoy's departure; every household with a seat is told the new time.

    Refused, the page comes back with the form open, the time typed and the reason.
    """
    convoy = selectors.convoy_get(pk)
    form = RescheduleForm(request.POST)
    told: list[Any] = []

    def move(data: dict[str, Any]) -> None:
        told.extend(
            services.convoy_reschedule(
                convoy, departure_at=data["departure_at"], by=acting_user(request)
            )
        )

    status = _submitted(form, move)
    if status:
        return _convoy_page(request, convoy, reschedule_form=form, status=status)
    if waits := services.departure_move_waits(convoy):
        said = " ".join((_("Departure moved."), str(MOVE_WAITS_SAID[waits])))
    else:
        said = ngettext(
            "Departure moved; %(n)s household with a seat is being told the new time.",
            "Departure moved; %(n)s households with a seat are being told the new time.",
            len(told),
        ) % {"n": len(told)}
    messages.success(request, said)
    if recipients := convoy.manifest_recipients():
        messages.warning(request, manifests_outdated(recipients))
    return redirect(reverse("evacuation:convoy", args=[pk]))


def _convoy_audit(request: HttpRequest, convoy: Convoy, context: dict[str, Any]) -> None:
    person_ids = [p.person_id for load in context["loads"] for p in load.placements]
    person_ids += [item.request.case.caller_id for item, _reason in context["left_out"]]
    audit_record(
        user=acting_user(request),
        action=AuditAction.READ,
        record=f"evacuation.convoy:{convoy.pk}",
        purpose=gettext_noop("convoy allocation page"),
        person_ids=person_ids,
        fields=["name", "mobility", "needs_medic", "placement"],
    )


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_GET
def convoy_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Return the convoy: vehicles and who sits where, who is left out and why."""
    return _convoy_page(request, selectors.convoy_get(pk))


def _convoy_page(
    request: HtmxHttpRequest,
    convoy: Convoy,
    *,
    reschedule_form: RescheduleForm | None = None,
    vehicle_form: VehicleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _convoy_context(convoy, vehicle_form=vehicle_form)
    _convoy_audit(request, convoy, context)
    # Moving the departure: the form holds the one it has (on the hotline's clock).
    context["reschedule_form"] = reschedule_form or RescheduleForm(
        initial={"departure_at": timezone.localtime(convoy.departure_at)}
    )
    return _render(
        request, "evacuation/convoy.html", "evacuation/_convoy_panel.html", context, status=status
    )


def _convoy_action(
    request: HtmxHttpRequest,
    pk: int,
    form: Any,
    action: Callable[[Convoy, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    convoy = selectors.convoy_get(pk)

    def partial(error: ReliefError | None) -> HttpResponse:
        fresh = selectors.convoy_get(pk)
        context = _convoy_context(fresh, error=error)
        _convoy_audit(request, fresh, context)
        return render(request, "evacuation/_convoy_panel.html", context)

    return _act(
        request,
        form,
        lambda data: action(convoy, data),
        done=done,
        back=reverse("evacuation:convoy", args=[pk]),
        partial=partial,
    )


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_POST
def convoy_vehicle_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Add a vehicle; refused, the form comes back with what was typed and the reason."""
    convoy = selectors.convoy_get(pk)
    form = VehicleForm(request.POST)
    status = _submitted(
        form,
        lambda data: services.vehicle_add(convoy, VehicleInput(**data), by=acting_user(request)),
    )
    if status:
        return _convoy_page(request, selectors.convoy_get(pk), vehicle_form=form, status=status)
    if not request.htmx:
        messages.success(request, _("Vehicle added."))
        return redirect("evacuation:convoy", pk)
    return _convoy_page(request, selectors.convoy_get(pk))


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_POST
def convoy_allocate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Run the allocation engine for the convoy."""
    return _convoy_action(
        request,
        pk,
        UnboundForm(request.POST),
        lambda convoy, data: services.convoy_allocate(convoy, by=acting_user(request)),
        _("Allocation done."),
    )


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_POST
def convoy_place(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Put a household in a vehicle by hand; refused if it breaks a hard constraint."""

    def place(convoy: Convoy, data: dict[str, Any]) -> object:
        vehicle = convoy.vehicles.filter(pk=data["vehicle"]).first()
        if vehicle is None:
            raise InvalidInput(_("Not a vehicle of this convoy."), field="vehicle")
        return services.request_place(
            selectors.request_get(data["request"]), vehicle, by=acting_user(request)
        )

    return _convoy_action(request, pk, PlaceForm(request.POST), place, _("Household placed."))


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_POST
def convoy_unplace(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Put a household of this convoy back on the waiting list; refused (409) when its
    places are not on this convoy, as after a move from another page or tab."""
    return _convoy_action(
        request,
        pk,
        UnplaceForm(request.POST),
        lambda convoy, data: services.request_unplace(
            selectors.request_get(data["request"]), convoy=convoy, by=acting_user(request)
        ),
        _("Household back on the waiting list."),
    )


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_POST
def convoy_lock(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Lock the allocation; every household is told where and when to come, or, while the
    corridor is suspended, at its reopening (refused once it is closed)."""
    if selectors.convoy_get(pk).window.corridor.status == CorridorStatus.SUSPENDED:
        done = " ".join((_("Allocation locked."), str(MOVE_WAITS_SAID[MOVE_WAITS_REOPENING])))
    else:
        done = _("Allocation locked; households are being told.")
    return _convoy_action(
        request,
        pk,
        UnboundForm(request.POST),
        lambda convoy, data: services.convoy_lock(convoy, by=acting_user(request)),
        done,
    )


class UnboundForm:
    """A form with no fields, for buttons that only carry the CSRF token."""

    def __init__(self, data: Any) -> None:
        self.cleaned_data: dict[str, Any] = {}
        self.errors: dict[str, list[str]] = {}

    def is_valid(self) -> bool:
        return True


def _passenger_qr(row: Mapping[str, Any]) -> str:
    """Return an inline SVG QR code of the passenger's code, or "" where the row has none.

    Only the internal manifest has the code: the checkpoint manifest carries the four
    fields passage needs and nothing else, a QR code included. The field page finds a
    passenger by the code a scanner types in.
    """
    code = row.get("code")
    if not code:
        return ""
    svg = segno.make(str(code), error="m").svg_inline(scale=2, title=str(code))
    return mark_safe(svg)  # noqa: S308 - segno's own SVG of a code we generated


MANIFEST_FILES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def manifest_download(manifest: services.Manifest, *, status: int = 200) -> HttpResponse:
    """Return the manifest as a file to save (CSV or PDF, its issue's format); the API too."""
    issue = manifest.issue
    body = manifest.as_pdf() if issue.format == "pdf" else manifest.as_csv()
    response = HttpResponse(body, content_type=MANIFEST_FILES[issue.format], status=status)
    name = f"manifest-{issue.kind}-{issue.vehicle_id}-{issue.pk}.{issue.format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # Names of people in a conflict zone: no shared cache may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_http_methods(["GET", "POST"])
def manifest(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Issue a vehicle's manifest (recorded with its recipient): a printable page, PDF or CSV.

    The page lists the manifests issued for the vehicle, each linked to its printable page.
    """
    vehicle = selectors.vehicle_get(pk)
    form = ManifestForm(request.POST or None, initial={"language": get_language()[:2]})

    def page(status: int) -> HttpResponse:
        # With the manifests already issued for the vehicle, each linked to print again.
        context = {
            "vehicle": vehicle,
            "form": form,
            "manifests": selectors.vehicle_manifests(vehicle),
        }
        return render(request, "evacuation/manifest_form.html", context, status=status)

    if request.method == "GET" or not form.is_valid():
        return page(422 if request.method == "POST" else 200)
    data = form.cleaned_data
    try:
        issued = services.manifest_issue(vehicle, by=acting_user(request), **data)
    except ReliefError as error:
        form.add_error(None, error.message)
        return page(error.status)
    if data["format"] in MANIFEST_FILES:
        return manifest_download(issued)
    # Post/Redirect/Get: a reload shows this manifest again, it does not issue another.
    return redirect("evacuation:manifest_issued", issued.issue.pk)


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_GET
def manifest_issued(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Return the printable page of a manifest already issued, with its number: as issued."""
    issue = (
        ManifestIssue.objects.select_related(
            "vehicle__convoy__window__corridor", "vehicle__convoy__assembly_point", "issued_by"
        )
        .filter(pk=pk)
        .first()
    )
    if issue is None:
        raise Http404(_("No manifest %(id)s.") % {"id": pk})
    issued, passengers = services.manifest_as_issued(issue)
    audit_record(
        user=acting_user(request),
        action=AuditAction.READ,
        record=f"evacuation.manifest:{issue.pk}",
        purpose=gettext_noop("issued manifest page"),
        person_ids=[p.person_id for p in passengers],
        fields=issued.columns,
    )
    vehicle = issue.vehicle
    return render(
        request,
        "evacuation/manifest.html",
        {
            "vehicle": vehicle,
            "manifest": issued,
            "heading": issued.heading(),
            "rows": [([row[c] for c in issued.columns], _passenger_qr(row)) for row in issued.rows],
            "checkpoint": issue.kind == ManifestKind.CHECKPOINT,
            "manifest_language": issue.language,
        },
    )


@requires("evacuation.board_evacuation")
@_not_found_is_404
@require_GET
def field(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Return the phone page of a convoy: find a passenger by name or code, mark them."""
    convoy = selectors.convoy_get(pk, user=acting_user(request))
    query = request.GET.get("q", "")[:100]
    passengers = selectors.passengers_search(convoy, query)
    if passengers:
        audit_record(
            user=acting_user(request),
            action=AuditAction.SEARCH,
            record=f"evacuation.convoy:{convoy.pk}",
            purpose=gettext_noop("field check-in"),
            person_ids=[p.person_id for p in passengers],
            fields=["name", "placement"],
        )
    to = request.GET.get("to", "")
    code_form = CodeForm(initial={"to": to} if to in ("boarded", "arrived") else None)
    context = {"convoy": convoy, "passengers": passengers, "query": query, "code_form": code_form}
    return _render(request, "evacuation/field.html", "evacuation/_field_results.html", context)


@requires("evacuation.board_evacuation")
@_not_found_is_404
@require_POST
def mark_code(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Mark the convoy's passenger whose code was typed, pasted or scanned; answer with
    their card. A code of no passenger of this convoy is a 422 naming the field."""
    convoy = selectors.convoy_get(pk, user=acting_user(request))
    form = CodeForm(request.POST)
    passenger = None
    error: ReliefError | None = None
    try:
        if not form.is_valid():
            raise _form_error(form)
        code = form.cleaned_data["code"]
        try:
            passenger = selectors.placement_by_code(code, user=acting_user(request), convoy=convoy)
        except NotFound:
            raise InvalidInput(
                _("No passenger of this convoy has the code %(code)s.") % {"code": code},
                field="code",
            ) from None
        passenger = services.placement_mark(
            passenger, to=form.cleaned_data["to"], by=acting_user(request)
        )
    except ReliefError as refused:
        error = refused
    if passenger is not None:
        passenger = selectors.placement_by_code(passenger.code)
    if not request.htmx:
        if error is not None:
            messages.error(request, error.message)
        query = {"q": passenger.code if passenger else "", "to": request.POST.get("to", "")}
        return redirect(f"{reverse('evacuation:field', args=[pk])}?{urlencode(query)}")
    response = render(
        request, "evacuation/_code_result.html", {"passenger": passenger, "failure": error}
    )
    if error is not None:
        response.status_code = error.status
    return response


@requires("evacuation.board_evacuation")
@_not_found_is_404
@require_POST
def mark(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """Mark a passenger boarded, no-show or arrived; answer with their refreshed row."""
    placement = selectors.placement_by_code(code, user=acting_user(request))
    form = MarkForm(request.POST)
    error: ReliefError | None = None
    if not form.is_valid():
        error = _form_error(form)
    else:
        try:
            placement = services.placement_mark(
                placement, to=form.cleaned_data["to"], by=acting_user(request)
            )
        except ReliefError as refused:
            error = refused
    if request.htmx:
        placement = selectors.placement_by_code(code)
        response = render(
            request, "evacuation/_passenger.html", {"passenger": placement, "error": error}
        )
        if error is not None:
            response.status_code = error.status
        return response
    if error is not None:
        messages.error(request, error.message)
    return redirect(reverse("evacuation:field", args=[placement.vehicle.convoy_id]))


@requires("evacuation.board_evacuation")
@_not_found_is_404
@require_GET
def reconciliation(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Return per vehicle who was allocated, boarded and arrived; flag boarded-not-arrived."""
    convoy = selectors.convoy_get(pk, user=acting_user(request))
    loads = selectors.reconciliation(convoy)
    audit_record(
        user=acting_user(request),
        action=AuditAction.READ,
        record=f"evacuation.convoy:{convoy.pk}",
        purpose=gettext_noop("reconciliation"),
        person_ids=[p.person_id for load in loads for p in load.placements],
        fields=["name", "placement.status"],
    )
    statuses = PlacementStatus
    return render(
        request,
        "evacuation/reconciliation.html",
        {"convoy": convoy, "loads": loads, "statuses": statuses},
    )


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_http_methods(["GET", "POST"])
def request_new(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """Record who of the case's household goes where, each with consent or refusal.

    While the case has an open request, the page shows it and the forms to amend it in
    place (request_amend) or to cancel it instead; after a cancel, a new request may be
    recorded, the form filled in with the cancelled one's answers (`?correct=<id>`).
    """
    actor = acting_user(request)
    case = case_get(reference, user=actor)
    household = _household(case)
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        household=household,
        initial=_correcting(case, request.GET.get("correct", "")),
    )
    status = 200
    if request.method == "POST":
        status = _submitted(
            form,
            lambda data: services.request_create(
                case, direction=data["direction"], members=form.members(), by=actor
            ),
            refused=form.refusal_add,
        )
        if not status:
            messages.success(request, _("Evacuation request recorded."))
            return redirect("evacuation:corridors")
    return _request_page(request, case, household, form=form, status=status)


def _household(case: Case) -> list[Person]:
    """Return the case's household members, in the order the request form lists them."""
    return list(case.household.members.order_by("pk")) if case.household else []


def _correcting(case: Case, correct: str) -> dict[str, Any] | None:
    """Return the answers of the case's cancelled request `correct`, to file it corrected."""
    if not correct.isdigit():
        return None
    cancelled = (
        EvacuationRequest.objects.filter(pk=int(correct), case=case, status=RequestStatus.CANCELLED)
        .prefetch_related("members")
        .first()
    )
    if cancelled is None:
        return None
    initial = request_initial(cancelled)
    # Someone who holds a place or goes with another request since (arrived, say) cannot
    # go on the corrected one (requests._members): left unticked, not refused once sent.
    going = [m.person_id for m in cancelled.members.all() if m.going]
    for person_id in members_elsewhere(None, going):
        initial[f"going_{person_id}"] = False
    return initial


def _request_page(
    request: HtmxHttpRequest,
    case: Case,
    household: list[Person],
    *,
    form: RequestForm,
    cancel_form: CancelForm | None = None,
    amend_form: AmendForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = acting_user(request)
    audit_record(
        user=actor,
        action=AuditAction.READ,
        record=f"hotline.case:{case.reference}",
        purpose=gettext_noop("evacuation request form"),
        person_ids=[p.pk for p in household],
        fields=["household.names"],
    )
    open_request = _open_request(case)
    context = {
        "case": case,
        "form": form,
        "open_request": open_request,
        "open_members": [
            (member, _consent_label(member.consent_method))
            for member in (open_request.members.all() if open_request else [])
        ],
        "seats": _request_seats(open_request) if open_request else [],
        "cancel_form": cancel_form or CancelForm(),
        # Why the request cannot be cancelled (amended) now, said instead of a form that
        # would be refused once sent. A form sent and refused comes back as typed.
        "cancel_refusal": (
            request_cancel_refusal(open_request) if open_request and cancel_form is None else None
        ),
        "amend_form": amend_form or AmendForm(household=household, request=open_request),
        "amend_refusal": (
            request_amend_refusal(open_request) if open_request and amend_form is None else None
        ),
    }
    return render(request, "evacuation/request_new.html", context, status=status)


def _open_request(case: Case) -> EvacuationRequest | None:
    """Return the case's waiting or allocated request, with its members, if it has one."""
    return (
        EvacuationRequest.objects.filter(
            case=case, status__in=(RequestStatus.WAITING, RequestStatus.ALLOCATED)
        )
        .prefetch_related("members__person")
        .first()
    )


def _consent_label(method: str) -> str:
    """Return how a member's consent was given, as the reader's language says it."""
    return str(ConsentMethod(method).label) if method in ConsentMethod.values else method


def _request_seats(open_request: EvacuationRequest) -> list[Placement]:
    """Return the places the request holds, with their vehicle and convoy."""
    return list(
        Placement.objects.filter(member__request=open_request, status__in=HOLDING)
        .select_related("person", "vehicle__convoy")
        .order_by("vehicle__convoy__departure_at", "kind", "number")
    )


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_POST
def request_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Cancel an open request, saying why; then the page offers to record it corrected.

    Refused (a household on the road, or with seats on a locked convoy), the request
    page comes back with the reason typed and why, status 409 or 422.
    """
    actor = acting_user(request)
    evacuation_request = selectors.request_get(pk, user=actor)
    case = evacuation_request.case
    form = CancelForm(request.POST)
    status = _submitted(
        form,
        lambda data: services.request_cancel(evacuation_request, by=actor, reason=data["reason"]),
    )
    if status:
        household = _household(case)
        return _request_page(
            request,
            case,
            household,
            form=RequestForm(household=household),
            cancel_form=form,
            status=status,
        )
    messages.success(
        request,
        _(
            "Request %(request)s cancelled. The household is no longer waiting: record the "
            "corrected request below, or leave the case without one."
        )
        % {"request": evacuation_request},
    )
    url = reverse("evacuation:request_new", args=[case.reference])
    return redirect(f"{url}?{urlencode({'correct': pk})}")


@requires("evacuation.plan_evacuation")
@_not_found_is_404
@require_POST
def request_amend(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Amend an open request in place: who goes or stays, how they travel, which side.

    Post/Redirect/Get to the request page, which shows it amended. Refused, the request
    page comes back with the form open as typed: a refusal about a member at their row
    (422), one about the request on top (409: someone boarded, seats on a locked
    convoy, or the request closed meanwhile).
    """
    actor = acting_user(request)
    evacuation_request = selectors.request_get(pk, user=actor)
    case = evacuation_request.case
    household = _household(case)
    form = AmendForm(request.POST, household=household)
    done: list[services.Amendment] = []
    status = _submitted(
        form,
        lambda data: done.append(
            services.request_amend(
                evacuation_request,
                direction=data["direction"],
                members=form.members(),
                by=actor,
                reason=data["reason"],
            )
        ),
        refused=form.refusal_add,
    )
    if status:
        return _request_page(
            request,
            case,
            household,
            form=RequestForm(household=household),
            amend_form=form,
            status=status,
        )
    _amended_say(request, done[0])
    return redirect("evacuation:request_new", case.reference)


def _amended_say(request: HttpRequest, amendment: services.Amendment) -> None:
    """Say what the amendment did, and what the coordinator does next if it gave seats back."""
    said = {"request": amendment.request}
    if not amendment.changed:
        messages.info(request, _("Nothing to amend: request %(request)s already says so.") % said)
    elif amendment.released:
        convoys = sorted({p.vehicle.convoy.name for p in amendment.released})
        messages.success(
            request,
            _(
                "Request %(request)s amended. Its places on convoy %(convoy)s were given back: "
                "allocate the convoy again to seat the household as it now travels."
            )
            % {**said, "convoy": ", ".join(convoys)},
        )
    else:
        messages.success(request, _("Request %(request)s amended.") % said)
