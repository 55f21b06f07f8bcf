"""The spreadsheet interface of the allocation engine: REQUESTS.csv, VEHICLES.csv, ALLOCATION.csv.

Each parser returns the engine's dataclasses or raises CsvError naming the row (as a
spreadsheet numbers it: the header is row 1) and the column, so a planner can find
the cell and fix it.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from reliefline.evacuation.engine import DIRECTIONS, MOBILITIES, Person, Vehicle
from reliefline.schemas import YEAR_MAX, YEAR_MIN

REQUEST_COLUMNS = (
    "person_id",
    "household_id",
    "direction",
    "mobility",
    "needs_medic",
    "priority",
    "requested_at",
)
VEHICLE_COLUMNS = (
    "vehicle_id",
    "convoy_id",
    "direction",
    "seats",
    "wheelchair_places",
    "stretcher_places",
    "has_medic",
)
ALLOCATION_COLUMNS = ("person_id", "vehicle_id")
ID_MAX = 64
CAPACITY_MAX = 1000
PRIORITY_MAX = 1_000_000

T = TypeVar("T")


class CsvError(ValueError):
    """A file the engine cannot read; the message names the file, row and column."""

    def __init__(
        self, name: str, message: str, *, row: int | None = None, column: str = ""
    ) -> None:
        where = name
        if row is not None:
            where += f", row {row}"
        if column:
            where += f", column {column}"
        super().__init__(f"{where}: {message}")
        self.row = row
        self.column = column


def _identifier(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("is empty")
    if len(value) > ID_MAX:
        raise ValueError(f"is longer than {ID_MAX} characters")
    if not value.isprintable():
        raise ValueError("holds a control character")
    return value


def _choice(options: Iterable[str]) -> Callable[[str], str]:
    allowed = tuple(options)

    def parse(value: str) -> str:
        cleaned = value.strip()
        if cleaned not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, not {cleaned[:20]!r}")
        return cleaned

    return parse


def _flag(value: str) -> bool:
    cleaned = value.strip()
    if cleaned not in ("0", "1"):
        raise ValueError(f"must be 0 or 1, not {cleaned[:20]!r}")
    return cleaned == "1"


def _integer(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        cleaned = value.strip()
        if not cleaned.lstrip("-").isascii() or not cleaned.lstrip("-").isdigit():
            raise ValueError(f"must be a whole number, not {cleaned[:20]!r}")
        number = int(cleaned)
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}")
        return number

    return parse


def _moment(value: str) -> dt.datetime:
    cleaned = value.strip()
    try:
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"must be an ISO 8601 date and time, not {cleaned[:30]!r}") from None
    if not YEAR_MIN <= moment.year <= YEAR_MAX:
        # Year 1 with an offset cannot even be compared with another time (OverflowError).
        raise ValueError(f"must be in the years {YEAR_MIN} to {YEAR_MAX}, not {moment.year}")
    # A time without offset is read as UTC, so every row compares with every other.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _rows(
    text: str, *, name: str, columns: tuple[str, ...]
) -> Iterable[tuple[int, dict[str, str]]]:
    if "\x00" in text:
        raise CsvError(name, "is not a text file (it holds NUL bytes)")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [column.strip() for column in next(reader, [])]
    except csv.Error as error:
        raise CsvError(name, f"cannot be read as CSV ({error})", row=1) from None
    missing = [column for column in columns if column not in header]
    if missing:
        raise CsvError(name, f"the header lacks {', '.join(missing)}", row=1, column=missing[0])
    index = {column: header.index(column) for column in columns}
    try:
        for values in reader:
            row = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) < len(header):
                column = header[len(values)]
                raise CsvError(name, "the row is shorter than the header", row=row, column=column)
            yield row, {column: values[i] for column, i in index.items()}
    except csv.Error as error:
        raise CsvError(name, f"cannot be read as CSV ({error})", row=reader.line_num) from None


def _cell(
    name: str, row: int, cells: Mapping[str, str], column: str, parse: Callable[[str], T]
) -> T:
    try:
        return parse(cells[column])
    except ValueError as error:
        raise CsvError(name, str(error), row=row, column=column) from None


def requests_parse(text: str, *, name: str = "REQUESTS.csv") -> list[Person]:
    """Return the persons of a REQUESTS.csv, or raise CsvError naming row and column."""
    people: list[Person] = []
    seen: set[str] = set()
    for row, cells in _rows(text, name=name, columns=REQUEST_COLUMNS):

        def cell(
            column: str,
            parse: Callable[[str], T],
            *,
            row: int = row,
            cells: Mapping[str, str] = cells,
        ) -> T:
            return _cell(name, row, cells, column, parse)

        person = Person(
            id=cell("person_id", _identifier),
            household=cell("household_id", _identifier),
            direction=cell("direction", _choice(DIRECTIONS)),
            mobility=cell("mobility", _choice(MOBILITIES)),
            needs_medic=cell("needs_medic", _flag),
            priority=cell("priority", _integer(0, PRIORITY_MAX)),
            requested_at=cell("requested_at", _moment),
        )
        if person.id in seen:
            raise CsvError(name, f"person {person.id} appears twice", row=row, column="person_id")
        seen.add(person.id)
        people.append(person)
    return people


def vehicles_parse(text: str, *, name: str = "VEHICLES.csv") -> list[Vehicle]:
    """Return the vehicles of a VEHICLES.csv, or raise CsvError naming row and column."""
    vehicles: list[Vehicle] = []
    seen: set[str] = set()
    places = _integer(0, CAPACITY_MAX)
    for row, cells in _rows(text, name=name, columns=VEHICLE_COLUMNS):

        def cell(
            column: str,
            parse: Callable[[str], T],
            *,
            row: int = row,
            cells: Mapping[str, str] = cells,
        ) -> T:
            return _cell(name, row, cells, column, parse)

        vehicle = Vehicle(
            id=cell("vehicle_id", _identifier),
            convoy=cell("convoy_id", _identifier),
            direction=cell("direction", _choice(DIRECTIONS)),
            seats=cell("seats", places),
            wheelchair_places=cell("wheelchair_places", places),
            stretcher_places=cell("stretcher_places", places),
            has_medic=cell("has_medic", _flag),
        )
        if vehicle.id in seen:
            raise CsvError(
                name, f"vehicle {vehicle.id} appears twice", row=row, column="vehicle_id"
            )
        seen.add(vehicle.id)
        vehicles.append(vehicle)
    return vehicles


def requests_write(people: Iterable[Person]) -> str:
    """Return the persons as a REQUESTS.csv (requests_parse reads it back unchanged)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REQUEST_COLUMNS)
    for p in people:
        writer.writerow(
            [
                p.id,
                p.household,
                p.direction,
                p.mobility,
                int(p.needs_medic),
                p.priority,
                p.requested_at.isoformat(),
            ]
        )
    return out.getvalue()


def vehicles_write(vehicles: Iterable[Vehicle]) -> str:
    """Return the vehicles as a VEHICLES.csv."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(VEHICLE_COLUMNS)
    for v in vehicles:
        writer.writerow(
            [
                v.id,
                v.convoy,
                v.direction,
                v.seats,
                v.wheelchair_places,
                v.stretcher_places,
                int(v.has_medic),
            ]
        )
    return out.getvalue()


def allocation_write(placements: Mapping[str, str], people: Iterable[Person]) -> str:
    """Return ALLOCATION.csv: one row per allocated person, in the order of REQUESTS.csv."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ALLOCATION_COLUMNS)
    for person in people:
        if person.id in placements:
            writer.writerow([person.id, placements[person.id]])
    return out.getvalue()
