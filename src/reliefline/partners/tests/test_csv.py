"""The HXL CSV writer: any text survives the round trip, and formulas never run."""

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from reliefline.partners.exports import Column, Table, csv_lines

TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))


def _read(table: Table) -> list[list[str]]:
    text = "".join(csv_lines(table)).removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text, newline="")))


@given(cells=st.lists(st.tuples(TEXT, st.integers()), max_size=5))
def test_csv_round_trips_and_defuses_formulas(cells: list[tuple[str, int]]) -> None:
    table = Table("t", [Column("Name", "#org+name"), Column("N", "#targeted")], cells)

    header, tags, *rows = _read(table)

    assert (header, tags) == (["Name", "N"], ["#org+name", "#targeted"])
    for (text, number), (read_text, read_number) in zip(cells, rows, strict=True):
        formula = text[:1] in ("=", "+", "-", "@", "\t", "\r")
        assert read_text == ("'" + text if formula else text)
        assert read_number == str(number)
