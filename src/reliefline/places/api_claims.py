"""/api/v1/places/claims: claims about settlements, and the sources side by side.

Mounted before /api/v1/places so that "claims" is never read as a settlement id.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from reliefline.access.auth import acting_user, api_auth
from reliefline.errors import InvalidInput
from reliefline.places.claims import ClaimInput, claim_record
from reliefline.places.models import Place
from reliefline.places.schemas import (
    ClaimIn,
    ClaimOut,
    ClaimQuery,
    ClaimSummaryOut,
    SummaryQuery,
    claim_out,
    summary_out,
)
from reliefline.places.selectors import attribute_check, claims_of, claims_summary

router = Router(tags=["claims"])


def _out(request: HttpRequest) -> dict[str, bool]:
    # Notes may carry a resident's words, and the case is the hotline's to show.
    user = acting_user(request)
    return {
        "notes": user.has_perm("places.add_claim"),
        "cases": user.has_perm("hotline.view_case"),
    }


@router.post(
    "",
    response={201: ClaimOut},
    summary="Record a claim",
    auth=api_auth("places.add_claim"),
)
def claims_create(request: HttpRequest, payload: ClaimIn) -> Status[ClaimOut]:
    """Return the new claim; earlier claims stay as they were."""
    data = ClaimInput(
        attribute=payload.attribute,
        value=payload.value,
        source=payload.source,
        source_kind=payload.source_kind,
        stated_at=payload.stated_at,
        refers_to=payload.refers_to,
        settlements=payload.settlements,
        stated_count=payload.stated_count,
        confidence=payload.confidence,
        url=payload.url,
        note=payload.note,
    )
    claim = claim_record(data, by=acting_user(request))
    return Status(201, claim_out(claim, **_out(request)))


@router.get(
    "",
    response={200: list[ClaimOut]},
    summary="Claims, newest first",
    auth=api_auth("places.view_claim"),
)
def claims_list(request: HttpRequest, params: Query[ClaimQuery]) -> list[ClaimOut]:
    """Return claims about a settlement, an attribute or from a source, newest first."""
    if params.settlement and not Place.objects.filter(pk=params.settlement).exists():
        raise InvalidInput(
            _("No settlement %(id)s.") % {"id": params.settlement}, field="settlement"
        )
    claims = claims_of(
        place_id=params.settlement,
        attribute=attribute_check(params.attribute),
        source=params.source,
        as_of=params.as_of,
    )
    flags = _out(request)
    page = claims[params.offset : params.offset + params.limit]
    return [claim_out(claim, **flags) for claim in page]


@router.get(
    "/summary",
    response={200: ClaimSummaryOut},
    summary="Sources side by side",
    auth=api_auth("places.view_claim"),
)
def claims_summary_get(request: HttpRequest, params: Query[SummaryQuery]) -> ClaimSummaryOut:
    """Return per source the settlements it claims for each value, and per settlement
    whether the sources agree, disagree, or only one speaks."""
    attribute = attribute_check(params.attribute) or "control"
    return summary_out(claims_summary(attribute=attribute, as_of=params.as_of))
