"""GET /api/v1/places: settlement search in any script, and one settlement."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from reliefline.access.auth import api_auth
from reliefline.places.schemas import PlaceOut, place_out
from reliefline.places.selectors import place_get, place_search

router = Router(tags=["places"])


class PlaceQuery(Schema):
    q: str = Field("", max_length=100, description="Part of a name, in any script.")
    limit: int = Field(20, ge=1, le=50)


@router.get(
    "",
    response=list[PlaceOut],
    summary="Search settlements by name",
    auth=api_auth("places.view_place"),
)
def places_search(request: HttpRequest, params: Query[PlaceQuery]) -> list[PlaceOut]:
    """Return settlements whose name in Russian, Ukrainian or Latin letters matches `q`."""
    return [place_out(place) for place in place_search(params.q, limit=params.limit)]


@router.get(
    "/{place_id}", response=PlaceOut, summary="One settlement", auth=api_auth("places.view_place")
)
def places_detail(request: HttpRequest, place_id: str) -> PlaceOut:
    """Return the settlement, or 404."""
    return place_out(place_get(place_id))
