"""Every write to the gazetteer."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from reliefline.errors import InvalidInput
from reliefline.places.models import Place
from reliefline.places.names import name_key, ukrainian_spelling

BUNDLED_SETTLEMENTS = Path(__file__).resolve().parent / "data" / "settlements.csv"
REQUIRED_COLUMNS = {"id", "name_ru", "name_uk", "name_en", "country", "lat", "lon"}


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def place_search_key(place: Place) -> str:
    """Return the keys of all of a place's names, for search in any script.

    A Russian village without a Ukrainian name is found by the Ukrainian spelling of
    its Russian one too (Кореневе for Коренево; reliefline.places.names).
    """
    names = [place.name_ru, place.name_uk, place.name_en]
    if place.name_ru and not place.name_uk:
        names.append(ukrainian_spelling(place.name_ru))
    keys = {name_key(name) for name in names if name} - {""}
    return " | ".join(sorted(keys))


def _int_or_none(value: str, *, line: int, column: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(
            _("Line %(line)s: not a number.") % {"line": line}, field=column
        ) from None


def _place(row: dict[str, str], line: int) -> Place:
    # csv.DictReader pads a short row with None and files extra cells under None.
    if None in row or None in row.values():
        raise InvalidInput(
            _("Line %(line)s: wrong number of columns.") % {"line": line}, field="file"
        )
    try:
        lat, lon = float(row["lat"]), float(row["lon"])
    except ValueError:
        raise InvalidInput(
            _("Line %(line)s: bad coordinates.") % {"line": line}, field="lat"
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(_("Line %(line)s: bad coordinates.") % {"line": line}, field="lat")
    if not row["id"].strip() or not any(row[f"name_{c}"].strip() for c in ("ru", "uk", "en")):
        raise InvalidInput(
            _("Line %(line)s: an id and a name are required.") % {"line": line}, field="id"
        )
    place = Place(
        id=row["id"].strip(),
        name_ru=row["name_ru"].strip(),
        name_uk=row["name_uk"].strip(),
        name_en=row["name_en"].strip(),
        country=row["country"].strip()[:2],
        oblast=row.get("oblast", "").strip(),
        district=row.get("district", "").strip(),
        kind=row.get("kind", "").strip(),
        lat=lat,
        lon=lon,
        population=_int_or_none(row.get("population", ""), line=line, column="population"),
        population_year=_int_or_none(
            row.get("population_year", ""), line=line, column="population_year"
        ),
        source=row.get("source", "").strip()[:300],
    )
    place.search_key = place_search_key(place)
    return place


@transaction.atomic
def places_import(rows: Iterable[dict[str, str]]) -> ImportResult:
    """Return how many places were created and updated; all rows or none are stored."""
    places = [_place(row, line) for line, row in enumerate(rows, start=2)]
    existing = set(Place.objects.filter(pk__in=[p.pk for p in places]).values_list("pk", flat=True))
    fields = [f.name for f in Place._meta.concrete_fields if not f.primary_key]
    Place.objects.bulk_create([p for p in places if p.pk not in existing])
    Place.objects.bulk_update([p for p in places if p.pk in existing], fields, batch_size=200)
    return ImportResult(created=len(places) - len(existing), updated=len(existing))


def places_import_csv(path: Path) -> ImportResult:
    """Return the result of importing a gazetteer CSV with the columns of settlements.csv."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = REQUIRED_COLUMNS - set(reader.fieldnames or ())
        if missing:
            raise InvalidInput(
                _("Missing columns: %(cols)s") % {"cols": ", ".join(sorted(missing))}, field="file"
            )
        return places_import(list(reader))
