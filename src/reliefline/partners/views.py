"""The partner portal: what the agreements in force allow, checked on every request."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from reliefline.access.audit import audit_record
from reliefline.access.auth import acting_user, requires
from reliefline.access.models import AuditAction
from reliefline.disclosure import Cell, small_cell
from reliefline.errors import NotFound, ReliefError
from reliefline.partners import services
from reliefline.partners.exports import NEED_SECTOR, need_label
from reliefline.partners.forms import ActivityFilterForm, ActivityForm
from reliefline.partners.models import Activity, Organisation
from reliefline.partners.schemas import referral_out, shared_out
from reliefline.partners.selectors import (
    Access,
    access_for,
    activities_of,
    activity_editable,
    activity_figures,
    corridors_shared,
    needs_by_settlement,
    organisations_reporting,
    referral_get,
    referrals_visible,
    shared_cases,
)
from reliefline.places.models import Place
from reliefline.places.selectors import place_get

ACTIVITIES_SHOWN = 200


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _with_figures(
    activities: Iterable[Activity], access: Access
) -> list[tuple[Activity, Cell, Cell]]:
    """Return each 3W line with its people targeted and reached as the reader may read them."""
    return [(a, *activity_figures(a, access=access)) for a in activities]


@requires("partners.view_partner_portal")
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    """Return the portal: agreements in force, aggregates, 3W, shared cases and referrals."""
    user = acting_user(request)
    access = access_for(user)
    places = Place.objects.in_bulk()
    needs = [
        {
            "place": places.get(cell.settlement_id or ""),
            "need": need_label(cell.need_type),
            "sector": NEED_SECTOR.get(cell.need_type, ""),
            "households": small_cell(cell.households),
        }
        for cell in needs_by_settlement()
    ]
    found = shared_cases(access) if user.has_perm("partners.view_shared_cases") else []
    referred = []
    if user.has_perm("partners.view_referral"):
        referred = list(referrals_visible(user, access).prefetch_related("case__needs")[:100])
    if found or referred:
        audit_record(
            user=user,
            action=AuditAction.READ,
            record=f"partners.portal:{len(found)}+{len(referred)}",
            purpose=gettext_noop("partner portal"),
            person_ids=[s.case.caller_id for s in found] + [r.case.caller_id for r in referred],
            fields=sorted(
                {f for s in found for f in s.fields} | {f for r in referred for f in r.fields}
            ),
        )
    # The schema carries the place id (the API's contract); people read its name.
    shared = []
    for one in found:
        out = shared_out(one)
        shared.append((out, one.case.settlement, [need_label(n) for n in out.needs]))
    referrals = [referral_out(r) for r in referred]
    corridors = []
    if user.has_perm("partners.view_shared_manifests"):
        corridors = corridors_shared(access)
    context = {
        "access": access,
        "corridors": corridors,
        "needs": needs,
        "activities": _with_figures(activities_of()[:200], access),
        "small_cell_threshold": settings.RELIEFLINE_SMALL_CELL,
        "shared": shared,
        "referrals": referrals,
        "can_answer": user.has_perm("partners.change_referral"),
    }
    return render(request, "partners/portal.html", context)


def _answer(request: HttpRequest, referral_id: str, *, accept: bool) -> HttpResponse:
    user = acting_user(request)
    access = access_for(user)
    try:
        referral = referral_get(referral_id, user=user, access=access)
        if referral.agreement.organisation not in access.organisations:
            raise NotFound(_("No referral %(id)s.") % {"id": referral_id[:20]}, field="id")
    except NotFound:
        raise Http404(referral_id) from None
    try:
        services.referral_respond(
            referral, accept=accept, note=request.POST.get("note", ""), by=user
        )
    except ReliefError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Accepted.") if accept else _("Declined."))
    return HttpResponseRedirect(reverse("partners:portal"))


@requires("partners.change_referral")
@require_POST
def referral_accept(request: HttpRequest, referral_id: str) -> HttpResponse:
    """Accept the referral for the partner's organisation; back to the portal."""
    return _answer(request, referral_id, accept=True)


@requires("partners.change_referral")
@require_POST
def referral_decline(request: HttpRequest, referral_id: str) -> HttpResponse:
    """Decline the referral; back to the portal."""
    return _answer(request, referral_id, accept=False)


def _place(place_id: str) -> Place | None:
    try:
        return place_get(place_id) if place_id else None
    except NotFound:
        return None


@requires("partners.view_activity")
@require_GET
def activities(request: HtmxHttpRequest) -> HttpResponse:
    """Return the 3W, filtered by organisation, sector, settlement and period; only the
    table when htmx asks for it after a filter changed."""
    user = acting_user(request)
    access = access_for(user)
    form = ActivityFilterForm(request.GET, organisations=list(Organisation.objects.all()))
    filters = form.filters()
    found = list(activities_of(**filters)[: ACTIVITIES_SHOWN + 1])
    editable: set[int] = set()
    if user.has_perm("partners.add_activity"):
        editable = {o.pk for o in organisations_reporting(user, access)}
    context = {
        "form": form,
        "settlement": _place(filters.get("settlement", "")),
        "activities": _with_figures(found[:ACTIVITIES_SHOWN], access),
        "more": len(found) > ACTIVITIES_SHOWN,
        "editable": editable,
        "small_cell_threshold": settings.RELIEFLINE_SMALL_CELL,
    }
    # A history restore wants the whole page back, not the table.
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    template = "partners/_activities.html" if partial else "partners/activities.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _activity_page(
    request: HttpRequest, activity: Activity | None, initial: dict[str, Any]
) -> HttpResponse:
    """Return the 3W form, or save it and go back to the list; bad input is a 422 with
    each error next to its field, and nothing stored."""
    user = acting_user(request)
    access = access_for(user)
    organisations = organisations_reporting(user, access)
    form = ActivityForm(request.POST or None, initial=initial, organisations=organisations)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                if activity is None:
                    services.activity_record(form.to_input(), by=user, access=access)
                else:
                    services.activity_update(activity, form.to_input(), by=user, access=access)
            except ReliefError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status
            else:
                messages.success(request, _("Activity saved."))
                return HttpResponseRedirect(reverse("partners:activities"))
    place_id = form.data.get("settlement", "") if form.is_bound else initial.get("settlement", "")
    context = {
        "form": form,
        "activity": activity,
        "settlement": _place(str(place_id)),
        "organisations": organisations,
    }
    return render(request, "partners/activity_form.html", context, status=status)


@requires("partners.add_activity")
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    """Report a 3W activity: a coordinator for any organisation, a partner for its own."""
    return _activity_page(request, None, {})


@requires("partners.add_activity")
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Correct a 3W activity of an organisation the user reports for; others are 404."""
    user = acting_user(request)
    try:
        activity = activity_editable(activity_id, user=user, access=access_for(user))
    except NotFound:
        raise Http404(str(activity_id)) from None
    initial = {name: getattr(activity, name) for name in services.ACTIVITY_FIELDS}
    initial["organisation"] = activity.organisation_id
    initial["settlement"] = activity.settlement_id
    return _activity_page(request, activity, initial)
