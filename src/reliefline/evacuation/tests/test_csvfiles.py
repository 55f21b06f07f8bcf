"""The spreadsheet files of `reliefline allocate`: parsers, round trip, and the command."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from reliefline.evacuation.csvfiles import (
    CsvError,
    requests_parse,
    requests_write,
    vehicles_parse,
    vehicles_write,
)
from reliefline.evacuation.engine import Person, Vehicle

HEADER = "person_id,household_id,direction,mobility,needs_medic,priority,requested_at\n"
VEHICLES = (
    "vehicle_id,convoy_id,direction,seats,wheelchair_places,stretcher_places,has_medic\n"
    "bus-1,c1,UA,2,1,0,0\nvan-1,c1,UA,0,0,1,1\nbus-2,c2,RU,3,0,0,0\n"
)

identifiers = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs", "Cf")),
    min_size=1,
    max_size=20,
).filter(lambda s: s == s.strip() and s.isprintable())
moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)
people = st.lists(
    st.builds(
        Person,
        id=identifiers,
        household=identifiers,
        direction=st.sampled_from(["UA", "RU"]),
        mobility=st.sampled_from(["walking", "wheelchair", "stretcher"]),
        needs_medic=st.booleans(),
        priority=st.integers(0, 1000),
        requested_at=moments,
    ),
    max_size=8,
    unique_by=lambda p: p.id,
)


@given(people)
def test_requests_round_trip(persons: list[Person]) -> None:
    assert requests_parse(requests_write(persons)) == persons


@given(
    st.lists(
        st.builds(
            Vehicle,
            id=identifiers,
            convoy=identifiers,
            direction=st.sampled_from(["UA", "RU"]),
            seats=st.integers(0, 1000),
            wheelchair_places=st.integers(0, 1000),
            stretcher_places=st.integers(0, 1000),
            has_medic=st.booleans(),
        ),
        max_size=5,
        unique_by=lambda v: v.id,
    )
)
def test_vehicles_round_trip(vehicles: list[Vehicle]) -> None:
    assert vehicles_parse(vehicles_write(vehicles)) == vehicles


@given(st.text())
def test_requests_parser_never_crashes_on_junk(text: str) -> None:
    try:
        first = requests_parse(text)
    except CsvError as error:
        with pytest.raises(CsvError) as again:
            requests_parse(text)
        assert str(again.value) == str(error)
        assert str(error).startswith("REQUESTS.csv")
    else:
        assert requests_parse(text) == first


@given(st.text(alphabet=',\n"01UARwalkingx -:T', max_size=200))
def test_parser_rows_with_junk_cells_fail_naming_the_cell(body: str) -> None:
    try:
        requests_parse(HEADER + body)
    except CsvError as error:
        assert "REQUESTS.csv" in str(error)


def test_bad_mobility_names_row_and_column() -> None:
    text = (
        HEADER + "p1,h1,UA,walking,0,10,2024-08-14T08:00\np2,h1,UA,crawling,0,10,2024-08-14T08:00\n"
    )
    with pytest.raises(CsvError, match=r"row 3, column mobility: must be one of"):
        requests_parse(text)


def test_bad_date_names_row_and_column() -> None:
    with pytest.raises(CsvError, match=r"row 2, column requested_at: must be an ISO 8601"):
        requests_parse(HEADER + "p1,h1,UA,walking,0,10,yesterday\n")


def test_a_date_in_year_one_with_an_offset_is_refused_not_overflowed() -> None:
    text = HEADER + "p1,h1,UA,walking,0,10,0001-01-01T00:00+14:00\n"
    with pytest.raises(CsvError, match=r"row 2, column requested_at: must be in the years"):
        requests_parse(text)


def test_missing_column_is_named() -> None:
    with pytest.raises(CsvError, match=r"row 1, column priority: the header lacks priority"):
        requests_parse("person_id,household_id,direction,mobility,needs_medic,requested_at\n")


def test_duplicate_person_is_refused() -> None:
    row = "p1,h1,UA,walking,0,10,2024-08-14T08:00\n"
    with pytest.raises(CsvError, match=r"row 3, column person_id: person p1 appears twice"):
        requests_parse(HEADER + row + row)


def test_command_writes_allocation_and_ends_with_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "r.csv").write_text(
        HEADER
        + "mother,h1,UA,wheelchair,0,50,2024-08-14T08:00\n"
        + "daughter,h1,UA,walking,0,50,2024-08-14T08:00\n"
        + "patient,h2,UA,stretcher,1,80,2024-08-14T09:00\n"
        + "ru1,h3,RU,walking,0,10,2024-08-14T10:00\n"
        + "late,h4,UA,walking,0,10,2024-08-14T11:00\n"
        + "later,h5,UA,walking,0,10,2024-08-14T12:00\n",
        encoding="utf-8",
    )
    (tmp_path / "v.csv").write_text(VEHICLES, encoding="utf-8")
    out = tmp_path / "a.csv"
    call_command(
        "allocate",
        requests=str(tmp_path / "r.csv"),
        vehicles=str(tmp_path / "v.csv"),
        out=str(out),
        time_limit=5,
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    summary = json.loads(last)
    assert summary["allocated"] == 5
    assert summary["objective"] == 50 + 50 + 80 + 10 + 10
    assert summary["bound"] >= summary["objective"]
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "person_id,vehicle_id"
    assert "mother,bus-1" in rows and "daughter,bus-1" in rows
    assert "patient,van-1" in rows and "ru1,bus-2" in rows
    assert ("late,bus-1" in rows or "late,van-1" in rows) and not any(
        r.startswith("later,") for r in rows
    )


def test_command_names_the_bad_cell(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text(
        HEADER + "p1,h1,XX,walking,0,10,2024-08-14T08:00\n", encoding="utf-8"
    )
    (tmp_path / "v.csv").write_text(VEHICLES, encoding="utf-8")
    with pytest.raises(
        CommandError, match=r"r.csv, row 2, column direction: must be one of UA, RU"
    ):
        call_command(
            "allocate",
            requests=str(tmp_path / "r.csv"),
            vehicles=str(tmp_path / "v.csv"),
            out=str(tmp_path / "a.csv"),
        )
    assert not (tmp_path / "a.csv").exists()


def test_command_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_bytes(
        HEADER.encode() + "p1,h1,UA,walking,0,10,2024\n".encode("utf-16")
    )
    (tmp_path / "v.csv").write_text(VEHICLES, encoding="utf-8")
    with pytest.raises(CommandError, match="is not UTF-8"):
        call_command(
            "allocate",
            requests=str(tmp_path / "r.csv"),
            vehicles=str(tmp_path / "v.csv"),
            out=str(tmp_path / "a.csv"),
        )


def test_command_prints_its_progress_on_stderr_and_only_results_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "r.csv").write_text(
        HEADER + "a,h1,UA,walking,0,10,2024-08-14T08:00\nb,h2,RU,walking,0,20,2024-08-14T09:00\n",
        encoding="utf-8",
    )
    (tmp_path / "v.csv").write_text(VEHICLES, encoding="utf-8")
    call_command(
        "allocate",
        requests=str(tmp_path / "r.csv"),
        vehicles=str(tmp_path / "v.csv"),
        out=str(tmp_path / "a.csv"),
        time_limit=5,
    )
    printed = capsys.readouterr()
    phases = [line.split(":")[1].split()[0] for line in printed.err.splitlines()]
    assert phases[:4] == ["read", "2", "model", "solving"]
    assert "solution" in phases and phases[-2:] == ["solver", "wrote"]
    assert "allocate:" not in printed.out
    assert json.loads(printed.out.splitlines()[-1])["allocated"] == 2
