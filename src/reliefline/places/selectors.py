"""Reads of the gazetteer and of the claims made about its settlements."""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from reliefline.errors import InvalidInput, NotFound
from reliefline.places.models import ATTRIBUTE_VALUES, RETRACTED, Claim, Place, Source
from reliefline.places.names import place_query_key
from reliefline.text import text_unstorable


def place_search(query: str, *, limit: int = 20) -> list[Place]:
    """Return places whose name in any script matches the query, best first.

    "Суджа", "Sudzha", "Sudža", "г. Суджа" and "Суджа, Курська обл." all find Суджа:
    the query and every name are compared as script-independent keys
    (reliefline.places.names). Exact names rank first, then names that start with
    the query, then larger places.
    """
    key = place_query_key(query)
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


def attribute_check(value: str) -> str:
    """Return the attribute (or ""), or raise InvalidInput naming the field."""
    if value and value not in ATTRIBUTE_VALUES:
        raise InvalidInput(
            _("Unknown attribute; one of %(known)s.") % {"known": ", ".join(ATTRIBUTE_VALUES)},
            field="attribute",
        )
    return value


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
        Prefetch("settlements", queryset=Place.objects.order_by("name_en"))
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


class Agreement:
    AGREE = "agree"
    DISAGREE = "disagree"
    SINGLE = "single"


@dataclass(frozen=True)
class SourceValue:
    value: str
    settlements: int
    stated_count: int | None


@dataclass(frozen=True)
class SourceSummary:
    source: Source
    values: list[SourceValue]
    settlements: int


@dataclass(frozen=True)
class SettlementSummary:
    place: Place
    agreement: str
    claims: list[Claim]


@dataclass(frozen=True)
class ClaimSummary:
    attribute: str
    as_of: dt.date | None
    sources: list[SourceSummary]
    settlements: list[SettlementSummary]
    totals: dict[str, int] = field(default_factory=dict)


def agreement_of(claims: list[Claim]) -> str:
    """Return whether the sources' standing claims agree, disagree, or stand alone."""
    standing = [c for c in claims if c.value != RETRACTED]
    if len({c.source_id for c in standing}) < 2:
        return Agreement.SINGLE
    return Agreement.AGREE if len({c.value for c in standing}) == 1 else Agreement.DISAGREE


def claims_summary(*, attribute: str, as_of: dt.date | None = None) -> ClaimSummary:
    """Return, per source, how many settlements it claims for each value, and per
    settlement whether the sources agree; nothing is averaged or picked.

    Only each source's newest claim about a settlement counts; a retraction removes
    the settlement from that source's counts. `stated_count` is the figure the source
    itself gave for that value in its newest statement that gave one.
    """
    claims = list(claims_of(attribute=attribute, as_of=as_of))
    newest: dict[tuple[int, str], Claim] = {}
    stated: dict[tuple[int, str], int] = {}
    sources: dict[int, Source] = {}
    places: dict[str, Place] = {}
    for claim in claims:  # newest first
        sources.setdefault(claim.source_id, claim.source)
        if claim.stated_count is not None:
            stated.setdefault((claim.source_id, claim.value), claim.stated_count)
        for place in claim.settlements.all():
            places.setdefault(place.pk, place)
            newest.setdefault((claim.source_id, place.pk), claim)
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    per_place: dict[str, list[Claim]] = defaultdict(list)
    for (source_id, place_id), claim in newest.items():
        per_place[place_id].append(claim)
        if claim.value != RETRACTED:
            counts[source_id][claim.value] += 1
    source_rows = []
    for source_id, source in sorted(sources.items(), key=lambda item: item[1].name.lower()):
        values = set(counts[source_id]) | {v for (s, v) in stated if s == source_id}
        values.discard(RETRACTED)
        source_rows.append(
            SourceSummary(
                source=source,
                values=[
                    SourceValue(v, counts[source_id][v], stated.get((source_id, v)))
                    for v in sorted(values)
                ],
                settlements=sum(counts[source_id].values()),
            )
        )
    settlement_rows = [
        SettlementSummary(
            place=places[place_id],
            agreement=agreement_of(place_claims),
            claims=sorted(place_claims, key=lambda c: c.source.name.lower()),
        )
        for place_id, place_claims in per_place.items()
    ]
    settlement_rows.sort(key=lambda row: row.place.display_name())
    totals = Counter(row.agreement for row in settlement_rows)
    return ClaimSummary(
        attribute=attribute,
        as_of=as_of,
        sources=source_rows,
        settlements=settlement_rows,
        totals={
            k: totals.get(k, 0) for k in (Agreement.AGREE, Agreement.DISAGREE, Agreement.SINGLE)
        },
    )
