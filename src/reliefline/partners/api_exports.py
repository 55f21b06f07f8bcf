"""/api/v1/exports: the 3W, open needs and claims as HXL CSV and XLSX; the gazetteer as
GeoJSON. Streamed, small-cell protected, and free of personal data unless granted."""

import datetime as dt

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, Query, Router, Schema

from reliefline.access.auth import api_auth
from reliefline.partners.exports import (
    Table,
    csv_lines,
    settlements_geojson,
    table_3w,
    table_claims,
    table_needs,
    xlsx_chunks,
)
from reliefline.partners.selectors import access_for, sector_check
from reliefline.places.selectors import attribute_check
from reliefline.schemas import IsoDate

router = Router(tags=["exports"])
PERMISSION = "partners.view_partner_portal"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ThreeWQuery(Schema):
    organisation: str = Field("", max_length=200)
    sector: str = Field("", max_length=16)
    settlement: str = Field("", max_length=64)


class ClaimsQuery(Schema):
    attribute: str = Field("", max_length=16)
    as_of: IsoDate | None = None


class MapQuery(Schema):
    attribute: str = Field("control", max_length=16)
    as_of: IsoDate | None = None


def _download(table: Table, *, kind: str) -> StreamingHttpResponse:
    stamp = dt.date.today().isoformat()
    if kind == "xlsx":
        response = StreamingHttpResponse(xlsx_chunks(table), content_type=XLSX)
    else:
        response = StreamingHttpResponse(csv_lines(table), content_type="text/csv; charset=utf-8")
    filename = f"reliefline-{table.name}-{stamp}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _3w(request: HttpRequest, params: ThreeWQuery) -> Table:
    return table_3w(
        access_for(request.user),
        organisation=params.organisation,
        sector=sector_check(params.sector),
        settlement=params.settlement,
    )


def _claims(request: HttpRequest, params: ClaimsQuery) -> Table:
    return table_claims(
        access_for(request.user), attribute=attribute_check(params.attribute), as_of=params.as_of
    )


@router.get("/3w.csv", summary="3W as HXL CSV", auth=api_auth(PERMISSION))
def export_3w_csv(request: HttpRequest, params: Query[ThreeWQuery]) -> StreamingHttpResponse:
    """Return the 3W (organisation, sector, activity, place, period, targeted, reached)."""
    return _download(_3w(request, params), kind="csv")


@router.get("/3w.xlsx", summary="3W as XLSX", auth=api_auth(PERMISSION))
def export_3w_xlsx(request: HttpRequest, params: Query[ThreeWQuery]) -> StreamingHttpResponse:
    """Return the 3W as a workbook with the HXL hashtag row under the header."""
    return _download(_3w(request, params), kind="xlsx")


@router.get("/needs.csv", summary="Open needs as HXL CSV", auth=api_auth(PERMISSION))
def export_needs_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Return open needs per settlement and need type, small counts suppressed."""
    return _download(table_needs(access_for(request.user)), kind="csv")


@router.get("/needs.xlsx", summary="Open needs as XLSX", auth=api_auth(PERMISSION))
def export_needs_xlsx(request: HttpRequest) -> StreamingHttpResponse:
    """Return open needs per settlement and need type as a workbook."""
    return _download(table_needs(access_for(request.user)), kind="xlsx")


@router.get("/claims.csv", summary="Claims as HXL CSV", auth=api_auth(PERMISSION))
def export_claims_csv(request: HttpRequest, params: Query[ClaimsQuery]) -> StreamingHttpResponse:
    """Return every claim, one row per settlement, with its source and dates."""
    return _download(_claims(request, params), kind="csv")


@router.get("/claims.xlsx", summary="Claims as XLSX", auth=api_auth(PERMISSION))
def export_claims_xlsx(request: HttpRequest, params: Query[ClaimsQuery]) -> StreamingHttpResponse:
    """Return every claim as a workbook."""
    return _download(_claims(request, params), kind="xlsx")


@router.get("/settlements.geojson", summary="Settlements as GeoJSON", auth=api_auth(PERMISSION))
def export_settlements(request: HttpRequest, params: Query[MapQuery]) -> StreamingHttpResponse:
    """Return the gazetteer with open cases per settlement and the sources' agreement."""
    lines = settlements_geojson(
        access_for(request.user),
        attribute=attribute_check(params.attribute) or "control",
        as_of=params.as_of,
    )
    response = StreamingHttpResponse(lines, content_type="application/geo+json")
    response["Cache-Control"] = "no-store"
    return response
