"""/api/v1/partners: sharing agreements, 3W activities, shared cases and referrals.

Every read a partner makes is filtered by the agreements in force at that request.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from reliefline.access.audit import audit_record
from reliefline.access.auth import acting_user, api_auth
from reliefline.access.models import AuditAction
from reliefline.errors import InvalidInput, NotFound
from reliefline.evacuation.views import manifest_download
from reliefline.hotline.errors import CaseNotFound
from reliefline.hotline.selectors import case_get
from reliefline.partners import services
from reliefline.partners.models import SharingAgreement
from reliefline.partners.schemas import (
    ActivityIn,
    ActivityOut,
    ActivityQuery,
    AgreementIn,
    AgreementOut,
    ManifestQuery,
    ReferralAnswer,
    ReferralIn,
    ReferralOut,
    SharedCaseOut,
    SharedCorridorOut,
    activity_out,
    agreement_out,
    referral_out,
    shared_corridor_out,
    shared_out,
)
from reliefline.partners.selectors import (
    access_for,
    activities_of,
    agreements_visible,
    corridor_shared_get,
    corridors_shared,
    referral_get,
    referrals_visible,
    sector_check,
    shared_cases,
)

router = Router(tags=["partners"])
MANIFEST_RESPONSE = {
    "description": "The checkpoint manifest: a CSV or PDF file, or a printable page.",
    "content": {
        "text/csv": {"schema": {"type": "string", "format": "binary"}},
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "text/html": {"schema": {"type": "string"}},
    },
}


@router.get(
    "/agreements",
    response=list[AgreementOut],
    summary="Sharing agreements",
    auth=api_auth("partners.view_sharingagreement"),
)
def agreements_list(request: HttpRequest) -> list[AgreementOut]:
    """Return the agreements of the caller's organisations (all of them for coordinators)."""
    access = access_for(acting_user(request))
    return [agreement_out(a, at=access.at) for a in agreements_visible(acting_user(request))]


@router.post(
    "/agreements",
    response={201: AgreementOut},
    summary="Record a sharing agreement",
    auth=api_auth("partners.add_sharingagreement"),
)
def agreements_create(request: HttpRequest, payload: AgreementIn) -> Status[AgreementOut]:
    """Return the new agreement; it governs access from `starts_at` until `ends_at`."""
    data = services.AgreementInput(
        organisation_id=payload.organisation,
        purpose=payload.purpose,
        categories=payload.categories,
        need_types=payload.need_types,
        settlements=payload.settlements,
        fields=payload.fields,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
    )
    agreement = services.agreement_create(data, by=acting_user(request))
    return Status(201, agreement_out(agreement, at=access_for(acting_user(request)).at))


@router.post(
    "/agreements/{agreement_id}/revoke",
    response=AgreementOut,
    summary="Revoke a sharing agreement now",
    auth=api_auth("partners.change_sharingagreement"),
)
def agreements_revoke(request: HttpRequest, agreement_id: int) -> AgreementOut:
    """Return the agreement, revoked from this moment."""
    agreement = SharingAgreement.objects.filter(pk=agreement_id).first()
    if agreement is None:
        raise NotFound(_("No agreement %(id)s.") % {"id": agreement_id}, field="id")
    services.agreement_revoke(agreement)
    agreement.refresh_from_db()
    return agreement_out(agreement, at=access_for(acting_user(request)).at)


@router.get(
    "/activities",
    response=list[ActivityOut],
    summary="3W: who does what where",
    auth=api_auth("partners.view_activity"),
)
def activities_list(request: HttpRequest, params: Query[ActivityQuery]) -> list[ActivityOut]:
    """Return 3W activities, newest first (at most 1000; the export has them all).
    People figures below RELIEFLINE_SMALL_CELL are null but for the operation's staff
    and members of the reporting organisation."""
    access = access_for(acting_user(request))
    activities = activities_of(
        organisation=params.organisation,
        sector=sector_check(params.sector),
        settlement=params.settlement,
    )
    return [activity_out(a, access=access) for a in activities[:1000]]


@router.post(
    "/activities",
    response={201: ActivityOut},
    summary="Report a 3W activity",
    auth=api_auth("partners.add_activity"),
)
def activities_create(request: HttpRequest, payload: ActivityIn) -> Status[ActivityOut]:
    """Return the new 3W line; partners report for their own organisations only."""
    user = acting_user(request)
    data = services.ActivityInput(
        organisation_id=payload.organisation,
        sector=payload.sector,
        description=payload.description,
        settlement=payload.settlement,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        targeted=payload.targeted,
        reached=payload.reached,
    )
    access = access_for(user)
    activity = services.activity_record(data, by=user, access=access)
    return Status(201, activity_out(activity, access=access))


@router.get(
    "/cases",
    response=list[SharedCaseOut],
    summary="Cases shared under agreements in force",
    auth=api_auth("partners.view_shared_cases"),
)
def cases_shared(request: HttpRequest) -> list[SharedCaseOut]:
    """Return open cases of the need types and settlements the partner's agreements in
    force share, with only the fields they grant; none without such an agreement."""
    user = acting_user(request)
    access = access_for(user)
    shared = shared_cases(access)
    if shared:
        audit_record(
            user=user,
            action=AuditAction.READ,
            record=f"partners.cases:{len(shared)}",
            purpose=gettext_noop("cases shared under a sharing agreement (API)"),
            person_ids=[s.case.caller_id for s in shared],
            fields=sorted({f for s in shared for f in s.fields}),
        )
    return [shared_out(s) for s in shared]


@router.get(
    "/referrals",
    response=list[ReferralOut],
    summary="Referrals",
    auth=api_auth("partners.view_referral"),
)
def referrals_list(request: HttpRequest) -> list[ReferralOut]:
    """Return referrals to the caller's organisations under agreements in force."""
    user = acting_user(request)
    referrals = list(
        referrals_visible(user, access_for(user)).prefetch_related("case__needs")[:200]
    )
    if referrals:
        audit_record(
            user=user,
            action=AuditAction.SEARCH,
            record=f"partners.referral:{len(referrals)}",
            purpose=gettext_noop("referral list (API)"),
            person_ids=[r.case.caller_id for r in referrals],
            fields=sorted({f for r in referrals for f in r.fields}),
        )
    return [referral_out(r) for r in referrals]


@router.post(
    "/referrals",
    response={201: ReferralOut},
    summary="Refer a case to a partner",
    auth=api_auth("partners.add_referral"),
)
def referrals_create(request: HttpRequest, payload: ReferralIn) -> Status[ReferralOut]:
    """Return the referral; what it discloses is recorded on it and in the audit log."""
    user = acting_user(request)
    try:
        case = case_get(payload.case, user=user)
    except CaseNotFound:
        # The case is named in the body: a 422 naming the field, as for any bad input.
        raise InvalidInput(
            _("No case %(ref)s.") % {"ref": payload.case[:20]}, field="case"
        ) from None
    agreement = SharingAgreement.objects.filter(pk=payload.agreement).first()
    if agreement is None:
        raise InvalidInput(_("No such agreement."), field="agreement")
    referral = services.referral_create(
        case, agreement=agreement, need_types=payload.need_types, by=user
    )
    return Status(201, referral_out(referral))


def _answer(request: HttpRequest, referral_id: int, *, accept: bool, note: str) -> ReferralOut:
    user = acting_user(request)
    access = access_for(user)
    referral = referral_get(str(referral_id), user=user, access=access)
    # Only the organisation referred to answers, never a coordinator on its behalf.
    if referral.agreement.organisation not in access.organisations:
        raise NotFound(_("No referral %(id)s.") % {"id": referral_id}, field="id")
    return referral_out(services.referral_respond(referral, accept=accept, note=note, by=user))


# {int:…}: an id that is no number ("abc") matches no path, a 404 before the body is
# read, as an unknown number is one (not "body: required" for a referral that is none).
@router.post(
    "/referrals/{int:referral_id}/accept",
    response=ReferralOut,
    summary="Accept a referral",
    auth=api_auth("partners.change_referral"),
)
def referrals_accept(
    request: HttpRequest, referral_id: int, payload: ReferralAnswer
) -> ReferralOut:
    """Return the referral, accepted by the partner."""
    return _answer(request, referral_id, accept=True, note=payload.note)


@router.post(
    "/referrals/{int:referral_id}/decline",
    response=ReferralOut,
    summary="Decline a referral",
    auth=api_auth("partners.change_referral"),
)
def referrals_decline(
    request: HttpRequest, referral_id: int, payload: ReferralAnswer
) -> ReferralOut:
    """Return the referral, declined by the partner."""
    return _answer(request, referral_id, accept=False, note=payload.note)


@router.get(
    "/corridors",
    response=list[SharedCorridorOut],
    summary="Corridors whose manifests an agreement shares",
    auth=api_auth("partners.view_shared_manifests"),
)
def corridors_list(request: HttpRequest) -> list[SharedCorridorOut]:
    """Return the corridors whose route the partner's agreements in force (corridor
    manifests) cover, with the vehicles of their locked convoys; none without such an
    agreement."""
    return [shared_corridor_out(s) for s in corridors_shared(access_for(acting_user(request)))]


@router.get(
    "/corridors/{corridor_id}/manifests/{vehicle_id}",
    summary="Download a vehicle's checkpoint manifest",
    auth=api_auth("partners.view_shared_manifests"),
    openapi_extra={"responses": {200: MANIFEST_RESPONSE}},
)
def corridors_manifest(
    request: HttpRequest, corridor_id: int, vehicle_id: int, params: Query[ManifestQuery]
) -> HttpResponse:
    """Return the checkpoint manifest (name, birth year, place, vehicle) as CSV, PDF or
    a printable page, recorded as issued to the partner's organisation and audited.
    A corridor or vehicle no agreement in force covers, and a vehicle of a convoy not
    yet locked (its allocation a draft), is a 404."""
    user = acting_user(request)
    shared = corridor_shared_get(access_for(user), corridor_id)
    manifest = services.manifest_share(
        shared,
        vehicle_id=vehicle_id,
        format=params.format,
        language=params.language or (get_language() or "en")[:2],
        by=user,
    )
    if params.format != "html":
        return manifest_download(manifest)
    context = {
        "shared": shared,
        "vehicle": manifest.issue.vehicle,
        "manifest": manifest,
        "headers": [manifest.headers[c] for c in manifest.columns],
        "rows": [[row[c] for c in manifest.columns] for row in manifest.rows],
    }
    response = render(request, "partners/manifest.html", context)
    response["Cache-Control"] = "no-store"
    return response
