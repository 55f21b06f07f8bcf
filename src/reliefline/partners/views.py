"""The partner portal: what the agreements in force allow, checked on every request."""

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reliefline.access.audit import audit_record
from reliefline.access.auth import requires
from reliefline.access.models import AuditAction
from reliefline.errors import NotFound, ReliefError
from reliefline.partners import services
from reliefline.partners.exports import NEED_SECTOR, small_cell
from reliefline.partners.schemas import referral_out, shared_out
from reliefline.partners.selectors import (
    access_for,
    activities_of,
    corridors_shared,
    needs_by_settlement,
    referral_get,
    referrals_visible,
    shared_cases,
)
from reliefline.places.models import Place


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # requires() let only a signed-in user through
    return request.user


@requires("partners.view_partner_portal")
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    """Return the portal: agreements in force, aggregates, 3W, shared cases and referrals."""
    user = _actor(request)
    access = access_for(user)
    places = Place.objects.in_bulk()
    needs = [
        {
            "place": places.get(cell.settlement_id or ""),
            "need": cell.need_type,
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
            purpose="partner portal",
            person_ids=[s.case.caller_id for s in found] + [r.case.caller_id for r in referred],
            fields=sorted(
                {f for s in found for f in s.fields} | {f for r in referred for f in r.fields}
            ),
        )
    shared = [shared_out(s) for s in found]
    referrals = [referral_out(r) for r in referred]
    corridors = []
    if user.has_perm("partners.view_shared_manifests"):
        corridors = corridors_shared(access)
    context = {
        "access": access,
        "corridors": corridors,
        "needs": needs,
        "activities": list(activities_of()[:200]),
        "shared": shared,
        "referrals": referrals,
        "can_answer": user.has_perm("partners.change_referral"),
    }
    return render(request, "partners/portal.html", context)


def _answer(request: HttpRequest, referral_id: str, *, accept: bool) -> HttpResponse:
    user = _actor(request)
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
