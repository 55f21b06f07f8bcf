"""GET /api/v1/people/match: who in the registry a caller may be, in any script."""

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Query, Router

from reliefline.access.auth import api_auth
from reliefline.people.api_merges import router as merges_router
from reliefline.people.schemas import MatchOut, MatchParams, candidate_out
from reliefline.people.selectors import person_match
from reliefline.people.services import person_match_audit

router = Router(tags=["people"])
router.add_router("/merges", merges_router)


@router.get(
    "/match",
    response=MatchOut,
    summary="Registered persons who may be this caller",
    auth=api_auth("people.view_person"),
)
def people_match(request: HttpRequest, params: Query[MatchParams]) -> MatchOut:
    """Return the candidates best first, each `match` (safe to link) or `possible`.

    Any subset of fields, but at least a name or a phone. The list is empty when nobody
    registered is plausible. Every answer that names a person is audited.
    """
    candidates = person_match(params.to_query(), limit=params.limit)
    user = request.user if isinstance(request.user, User) else None
    person_match_audit(candidates, by=user, request=request, fields=MATCH_API_FIELDS)
    return MatchOut(candidates=[candidate_out(c) for c in candidates])


# The reasons quote the registered names; the id and external id identify the person.
MATCH_API_FIELDS = ("id", "external_id", "given_name", "family_name", "patronymic")
