"""Tables partners download: HXL-tagged CSV, XLSX and GeoJSON, streamed.

Every table is a list of columns (a header and its HXL hashtag) and an iterator of
rows, so the CSV, the XLSX and the tests share one definition. Counts of people
pass through `small_cell` so that no cell can single anyone out, and no column of
personal data exists unless the reader's agreement grants it.
"""

import csv
import datetime as dt
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from reliefline.disclosure import Cell, small_cell
from reliefline.hotline.models import NeedType
from reliefline.partners.models import Sector
from reliefline.partners.selectors import (
    Access,
    activities_of,
    activity_figures,
    needs_by_settlement,
    open_cases_by_settlement,
)
from reliefline.places.models import Claim, Place, value_label
from reliefline.places.selectors import claims_of, claims_summary


@dataclass(frozen=True)
class Column:
    header: str
    tag: str


@dataclass(frozen=True)
class Table:
    name: str
    columns: list[Column]
    rows: Iterable[Sequence[Cell]]


def need_label(code: str) -> str:
    """Return the need type's name in the active language (the code if it is unknown)."""
    return str(NeedType(code).label) if code in NeedType.values else code


def place_columns() -> list[Column]:
    """Return the columns locating a row, headed in the active language.

    A function, not a list built at import: a list would keep the language active when
    the module was first imported (Ukrainian) in every export, in every language.
    """
    return [
        Column(_("Oblast"), "#adm1+name"),
        Column(_("District"), "#adm2+name"),
        Column(_("Settlement"), "#loc+name"),
        Column(_("Settlement code"), "#loc+code"),
        Column(_("Latitude"), "#geo+lat"),
        Column(_("Longitude"), "#geo+lon"),
    ]


# Need types under the cluster that answers them, for partners who sort by #sector.
NEED_SECTOR: dict[str, str] = {
    NeedType.EVACUATION.value: Sector.EVACUATION.value,
    NeedType.WATER.value: Sector.WASH.value,
    NeedType.FOOD.value: Sector.FOOD.value,
    NeedType.MEDICINE.value: Sector.HEALTH.value,
    NeedType.MEDICAL_CARE.value: Sector.HEALTH.value,
    NeedType.SHELTER.value: Sector.SHELTER.value,
    NeedType.TRACING.value: Sector.PROTECTION.value,
    NeedType.INFORMATION.value: Sector.PROTECTION.value,
    NeedType.PROTECTION.value: Sector.PROTECTION.value,
}


def _place_cells(place: Place | None) -> list[Cell]:
    if place is None:
        return ["", "", "", "", None, None]
    name = place.name_en or place.name_ru or place.name_uk
    return [place.oblast, place.district, name, place.pk, place.lat, place.lon]


def table_3w(
    access: Access, *, organisation: str = "", sector: str = "", settlement: str = ""
) -> Table:
    """Return the 3W: who does what where, for how many people (organisation figures,
    small ones hidden from readers outside the reporting organisation and the staff)."""
    columns = [
        Column(_("Organisation"), "#org+name"),
        Column(_("Acronym"), "#org+acronym"),
        Column(_("Sector"), "#sector"),
        Column(_("Activity"), "#activity+description"),
        *place_columns(),
        Column(_("Start"), "#date+start"),
        Column(_("End"), "#date+end"),
        Column(_("People targeted"), "#targeted+ind"),
        Column(_("People reached"), "#reached+ind"),
    ]
    activities = activities_of(organisation=organisation, sector=sector, settlement=settlement)

    def rows() -> Iterator[list[Cell]]:
        for a in activities.iterator(chunk_size=1000):
            yield [
                a.organisation.name,
                a.organisation.acronym,
                a.sector,
                a.description,
                *_place_cells(a.settlement),
                a.starts_on.isoformat(),
                a.ends_on.isoformat(),
                *activity_figures(a, access=access),
            ]

    return Table("3w", columns, rows())


def table_needs(access: Access, *, today: dt.date | None = None) -> Table:
    """Return open needs per settlement and need type: households and people in need."""
    columns = [
        *place_columns(),
        Column(_("Sector"), "#sector"),
        Column(_("Need"), "#indicator+need+code"),
        Column(_("Households in need"), "#inneed+hh"),
        Column(_("People in need"), "#inneed+ind"),
        Column(_("Date"), "#date+reported"),
    ]
    day = (today or dt.date.today()).isoformat()
    places = {p.pk: p for p in Place.objects.all()}

    def rows() -> Iterator[list[Cell]]:
        for cell in needs_by_settlement():
            households = small_cell(cell.households)
            # People go with their households: a small household count would reveal them.
            people = cell.people if households == cell.households else households
            yield [
                *_place_cells(places.get(cell.settlement_id or "")),
                NEED_SECTOR.get(cell.need_type, ""),
                cell.need_type,
                households,
                people,
                day,
            ]

    return Table("needs", columns, rows())


def _claim_rows(claim: Claim, *, notes: bool) -> Iterator[list[Cell]]:
    tail: list[Cell] = [
        claim.stated_count,
        claim.stated_at.isoformat(),
        claim.refers_to.isoformat(),
        claim.confidence,
        claim.url,
    ]
    if notes:
        tail.append(claim.note)
    head: list[Cell] = [claim.source.name, claim.source.kind]
    body: list[Cell] = [claim.attribute, claim.value, value_label(claim.attribute, claim.value)]
    places: list[Place | None] = [*claim.settlements.all()] or [None]
    for place in places:
        yield [*head, *_place_cells(place), *body, *tail]


def table_claims(access: Access, *, attribute: str = "", as_of: dt.date | None = None) -> Table:
    """Return every claim, one row per settlement named (or one row without a place when
    the source only gave a figure). Notes are free text: only when granted."""
    notes = access.grants("note")
    columns = [
        Column(_("Source"), "#meta+source"),
        Column(_("Source kind"), "#meta+source+type"),
        *place_columns(),
        Column(_("Attribute"), "#indicator+attribute"),
        Column(_("Value"), "#status+code"),
        Column(_("Value label"), "#status+name"),
        Column(_("Settlements stated"), "#indicator+num+stated"),
        Column(_("Stated on"), "#date+stated"),
        Column(_("Refers to"), "#date+refers"),
        Column(_("Confidence"), "#meta+confidence"),
        Column(_("Publication"), "#meta+url"),
    ]
    if notes:
        columns.append(Column(_("Note"), "#description"))
    claims = claims_of(attribute=attribute, as_of=as_of)

    def rows() -> Iterator[list[Cell]]:
        for claim in claims.iterator(chunk_size=500):
            yield from _claim_rows(claim, notes=notes)

    return Table("claims", columns, rows())


class _Line:
    """A file-like sink holding the last line csv.writer wrote."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text = text
        return len(text)


def _csv_value(value: Cell) -> Cell:
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_lines(table: Table) -> Iterator[str]:
    """Yield the table as CSV lines: the header row, the HXL hashtag row, then the rows."""
    line = _Line()
    writer = csv.writer(line)
    writer.writerow([c.header for c in table.columns])
    yield "\ufeff" + line.text  # a BOM, so spreadsheets read UTF-8 Cyrillic names
    writer.writerow([c.tag for c in table.columns])
    yield line.text
    for row in table.rows:
        writer.writerow([_csv_value(v) for v in row])
        yield line.text


def xlsx_chunks(table: Table, *, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """Yield the table as an XLSX workbook (header row, hashtag row, rows).

    openpyxl's write-only mode keeps one row in memory; a ZIP cannot be sent before
    it is finished, so the workbook is spooled to a temporary file, then streamed.
    """
    # openpyxl (which loads numpy when it can) is imported only for a download.
    from openpyxl import Workbook  # type: ignore[import-untyped]

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.name)
    sheet.append([c.header for c in table.columns])
    sheet.append([c.tag for c in table.columns])
    for row in table.rows:
        sheet.append([_csv_value(v) for v in row])
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while data := handle.read(chunk):
            yield data


def settlements_geojson(
    access: Access, *, attribute: str = "control", as_of: dt.date | None = None
) -> Iterator[str]:
    """Yield a GeoJSON FeatureCollection of the gazetteer: names, open cases per
    settlement (small-cell protected) and whether the sources agree on `attribute`."""
    summary = {
        row.place.pk: row for row in claims_summary(attribute=attribute, as_of=as_of).settlements
    }
    cases = open_cases_by_settlement()
    yield '{"type": "FeatureCollection", "features": ['
    for index, place in enumerate(Place.objects.order_by("pk").iterator(chunk_size=1000)):
        row = summary.get(place.pk)
        properties: dict[str, Any] = {
            "id": place.pk,
            "name": place.display_name(),
            "name_ru": place.name_ru,
            "name_uk": place.name_uk,
            "name_en": place.name_en,
            "oblast": place.oblast,
            "district": place.district,
            "population": place.population,
            "open_cases": small_cell(cases.get(place.pk, 0)),
            "attribute": attribute,
            "agreement": row.agreement if row else "none",
            "claims": [
                {"source": c.source.name, "value": c.value, "stated_at": c.stated_at.isoformat()}
                for c in (row.claims if row else [])
            ],
        }
        feature = {
            "type": "Feature",
            "id": place.pk,
            "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
            "properties": properties,
        }
        yield ("," if index else "") + json.dumps(feature, ensure_ascii=False)
    yield "]}"


def table_text(table: Table) -> str:
    """Return the whole CSV as one string (for tests and small tables)."""
    buffer = io.StringIO()
    for line in csv_lines(table):
        buffer.write(line)
    return buffer.getvalue()
