"""Reads of the gazetteer and of the claims made about its settlements."""

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from reliefline.errors import NotFound
from reliefline.places.models import Claim, Place
from reliefline.text import text_unstorable
from reliefline.translit import skeleton


def place_search(query: str, *, limit: int = 20) -> list[Place]:
    """Return places whose name in any script matches the query, best first.

    "Суджа", "Sudzha" and "Sudja" all find Суджа: the query and every name are
    compared as script-independent skeletons. Exact names rank first, then names
    that start with the query, then larger places.
    """
    key = skeleton(query[:100])
    if not key:
        return []
    condition = Q()
    for word in key.split():
        condition &= Q(search_key__contains=word)
    candidates = list(Place.objects.filter(condition)[:500])

    def rank(place: Place) -> tuple[int, int, str]:
        names = place.search_key.split(" | ")
        exact = 0 if key in names else 1 if any(n.startswith(key) for n in names) else 2
        return (exact, -(place.population or 0), place.name_en)

    return sorted(candidates, key=rank)[:limit]


def place_get(place_id: str) -> Place:
    """Return the settlement with this id, or raise NotFound."""
    place = None if text_unstorable(place_id) else Place.objects.filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("No settlement %(id)s.") % {"id": place_id[:64]}, field="id")
    return place


def claims_of(
    *,
    place_id: str = "",
    attribute: str = "",
    source: str = "",
    as_of: dt.date | None = None,
) -> QuerySet[Claim]:
    """Return claims, newest statement first, filtered by settlement, attribute and source.

    `as_of` keeps what had been said by the end of that day.
    """
    claims = Claim.objects.select_related("source", "entered_by").prefetch_related(
        Prefetch("settlements", queryset=Place.objects.only("id", "name_en", "name_ru", "name_uk"))
    )
    if place_id:
        claims = claims.filter(settlements__id=place_id)
    if attribute:
        claims = claims.filter(attribute=attribute)
    if source:
        claims = claims.filter(source__name__iexact=source)
    if as_of is not None:
        claims = claims.filter(stated_at__lte=as_of)
    return claims.order_by("-stated_at", "-refers_to", "-id")


def claims_latest(*, place_id: str, attribute: str, as_of: dt.date | None = None) -> list[Claim]:
    """Return the newest claim of each source about this settlement's attribute.

    Newest means the latest statement (then the latest day it refers to, then the
    latest entered). A source whose newest claim is a retraction is returned with
    it, so the caller sees that the source withdrew; see Claim.value == RETRACTED.
    Ordered by source name.
    """
    newest: dict[int, Claim] = {}
    for claim in claims_of(place_id=place_id, attribute=attribute, as_of=as_of):
        newest.setdefault(claim.source_id, claim)
    return sorted(newest.values(), key=lambda c: c.source.name.lower())
