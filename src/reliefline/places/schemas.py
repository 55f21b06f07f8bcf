"""The gazetteer and its claims as the JSON API shows them."""

import datetime as dt

from ninja import Field, Schema
from pydantic import StrictInt

from reliefline.places.models import Claim, Place, Source, value_label
from reliefline.places.selectors import ClaimSummary
from reliefline.schemas import IsoDate, ObjectIn


class PlaceName(Schema):
    ru: str
    uk: str
    en: str


class PlaceOut(Schema):
    id: str
    name: PlaceName
    oblast: str
    district: str
    lat: float
    lon: float


def place_out(place: Place) -> PlaceOut:
    """Return the settlement with its names in all three languages."""
    return PlaceOut(
        id=place.id,
        name=PlaceName(ru=place.name_ru, uk=place.name_uk, en=place.name_en),
        oblast=place.oblast,
        district=place.district,
        lat=place.lat,
        lon=place.lon,
    )


class SettlementRef(Schema):
    id: str
    name: str


class SourceOut(Schema):
    name: str
    kind: str
    url: str


class ClaimIn(ObjectIn):
    settlements: list[str] = Field(default_factory=list, max_length=500)
    attribute: str = Field(max_length=16)
    value: str = Field(max_length=32)
    source: str = Field(max_length=200)
    source_kind: str = Field(max_length=16)
    stated_at: IsoDate
    refers_to: IsoDate | None = None
    stated_count: StrictInt | None = Field(None, ge=0, le=100_000)
    confidence: str = Field("unverified", max_length=12)
    url: str = Field("", max_length=500)
    note: str = Field("", max_length=2_000)


class ClaimOut(Schema):
    id: int
    source: SourceOut
    attribute: str
    value: str
    value_label: str
    settlements: list[SettlementRef]
    stated_count: int | None
    stated_at: dt.date
    refers_to: dt.date
    confidence: str
    url: str
    note: str = Field(description="Shown only to those who may enter claims.")
    case_reference: str = Field(description="Shown only to those who may see cases.")
    entered_at: dt.datetime


class ClaimQuery(Schema):
    settlement: str = Field("", max_length=64)
    attribute: str = Field("", max_length=16)
    source: str = Field("", max_length=200)
    as_of: IsoDate | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class SummaryQuery(Schema):
    attribute: str = Field("control", max_length=16)
    as_of: IsoDate | None = None


class SourceValueOut(Schema):
    value: str
    label: str
    settlements: int = Field(description="Settlements the source names with this value.")
    stated_count: int | None = Field(description="The figure the source itself gave.")


class SourceSummaryOut(Schema):
    source: SourceOut
    settlements: int
    values: list[SourceValueOut]


class SettlementClaimOut(Schema):
    source: str
    value: str
    stated_at: dt.date
    confidence: str


class SettlementSummaryOut(Schema):
    id: str
    name: str
    lat: float
    lon: float
    agreement: str
    claims: list[SettlementClaimOut]


class ClaimSummaryOut(Schema):
    attribute: str
    as_of: dt.date | None
    sources: list[SourceSummaryOut]
    settlements: list[SettlementSummaryOut]
    totals: dict[str, int]


def source_out(source: Source) -> SourceOut:
    return SourceOut(name=source.name, kind=source.kind, url=source.url)


def claim_out(claim: Claim, *, notes: bool, cases: bool) -> ClaimOut:
    """Return the claim; its note and case only when the reader may see them."""
    return ClaimOut(
        id=claim.pk,
        source=source_out(claim.source),
        attribute=claim.attribute,
        value=claim.value,
        value_label=claim.value_label,
        settlements=[
            SettlementRef(id=p.pk, name=p.display_name()) for p in claim.settlements.all()
        ],
        stated_count=claim.stated_count,
        stated_at=claim.stated_at,
        refers_to=claim.refers_to,
        confidence=claim.confidence,
        url=claim.url,
        note=claim.note if notes else "",
        case_reference=claim.case_reference if cases else "",
        entered_at=claim.entered_at,
    )


def summary_out(summary: ClaimSummary) -> ClaimSummaryOut:
    return ClaimSummaryOut(
        attribute=summary.attribute,
        as_of=summary.as_of,
        sources=[
            SourceSummaryOut(
                source=source_out(row.source),
                settlements=row.settlements,
                values=[
                    SourceValueOut(
                        value=v.value,
                        label=value_label(summary.attribute, v.value),
                        settlements=v.settlements,
                        stated_count=v.stated_count,
                    )
                    for v in row.values
                ],
            )
            for row in summary.sources
        ],
        settlements=[
            SettlementSummaryOut(
                id=row.place.pk,
                name=row.place.display_name(),
                lat=row.place.lat,
                lon=row.place.lon,
                agreement=row.agreement,
                claims=[
                    SettlementClaimOut(
                        source=c.source.name,
                        value=c.value,
                        stated_at=c.stated_at,
                        confidence=c.confidence,
                    )
                    for c in row.claims
                ],
            )
            for row in summary.settlements
        ],
        totals=summary.totals,
    )
