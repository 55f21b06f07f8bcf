"""The dashboard a partner reads: small counts suppressed, as in the partners' exports,
with every total that would give one back; internal staff read exact counts."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]

SUDZHA = "geonames-postal:RU-307800"
ULANOK = "geonames-postal:RU-307822"
POGREBKI = "geonames-postal:RU-307836"
NUMBER = re.compile(r'(?:<td>|data-count="\w+">)(\d+)<')


@pytest.fixture
def cases(gazetteer: None) -> None:
    """Six water cases in Sudzha; one medical case in Pogrebki, one protection in Ulanok."""
    for i in range(6):
        open_case(phone=f"+7910123450{i}", settlement_id=SUDZHA)
    open_case(
        phone="+79101234510",
        settlement_id=POGREBKI,
        needs=[NeedInput(type="medical_care")],
    )
    open_case(phone="+79101234511", settlement_id=ULANOK, needs=[NeedInput(type="protection")])


def _dashboard(client: Client, **headers: str) -> str:
    return client.get(reverse("hotline:dashboard"), headers=headers).content.decode()


def _table(page: str, heading: str) -> list[str]:
    """Return the counts of the table under `heading`, as shown."""
    section = page.split(f"<h2>{heading}</h2>", 1)[1].split("</section>", 1)[0]
    return re.findall(r"<td>([^<]*)</td>", section)


def _row(page: str, name: str) -> str:
    return page.split(f'<th scope="row">{name}</th>', 1)[1].split("</tr>", 1)[0]


def test_partner_reads_a_settlement_of_one_case_suppressed(
    client_as: ClientAs, cases: None
) -> None:
    page = _dashboard(client_as("partner"))

    assert _row(page, "Pogrebki") == "<td>—</td>"
    assert _row(page, "Ulanok") == "<td>—</td>"
    assert _row(page, "Sudzha") == "<td>6</td>"


def test_partner_reads_no_count_under_the_threshold(client_as: ClientAs, cases: None) -> None:
    page = _dashboard(client_as("partner"))

    shown = [int(n) for n in NUMBER.findall(page)]
    assert shown  # the page shows counts at all: Sudzha's 6, the closed statuses' 0
    assert [n for n in shown if 0 < n < 5] == []
    assert _row(page, "Medical care") == "<td>—</td>"
    assert _row(page, "Protection") == "<td>—</td>"


def test_partner_cannot_subtract_a_suppressed_count_from_a_total(
    client_as: ClientAs, cases: None
) -> None:
    page = _dashboard(client_as("partner"))

    assert '<span class="number" data-count="open">—</span> open cases' in page
    # No table adds up to the 8 open cases: 8 less Sudzha's 6 would leave the two 1s.
    for heading in ("Open cases by priority", "Open cases by settlement"):
        counts = _table(page, heading)
        assert "—" in counts, heading
        assert sum(int(n) for n in counts if n.isdigit()) < 8, heading
    statuses = _table(page, "All cases by status")
    assert "8" not in statuses  # all new: the status table alone would give the total


def test_partner_reads_the_refreshed_partial_suppressed(client_as: ClientAs, cases: None) -> None:
    partial = _dashboard(client_as("partner"), HX_Request="true")

    assert partial.lstrip().startswith('<div id="dashboard"')
    assert _row(partial, "Pogrebki") == "<td>—</td>"
    assert '<span class="number" data-count="open">—</span>' in partial


def test_partner_is_told_why_counts_are_hidden(client_as: ClientAs, cases: None) -> None:
    assert 'id="small-cells"' in _dashboard(client_as("partner"))
    assert 'id="small-cells"' not in _dashboard(client_as("coordinator"))


def test_partner_reads_counts_at_the_threshold(client_as: ClientAs, gazetteer: None) -> None:
    for i in range(5):
        open_case(phone=f"+7910123450{i}", settlement_id=SUDZHA)

    page = _dashboard(client_as("partner"))

    assert '<span class="number" data-count="open">5</span> open cases' in page
    assert _row(page, "Sudzha") == "<td>5</td>"


def test_partner_reads_the_threshold_the_exports_use(
    client_as: ClientAs, cases: None, settings: object
) -> None:
    settings.RELIEFLINE_SMALL_CELL = 1  # type: ignore[attr-defined]

    page = _dashboard(client_as("partner"))

    assert _row(page, "Pogrebki") == "<td>1</td>"
    assert '<span class="number" data-count="open">8</span> open cases' in page


def test_partner_reads_a_banded_count_as_the_exports_band_it(
    client_as: ClientAs, cases: None, settings: object
) -> None:
    settings.RELIEFLINE_SMALL_CELL_MODE = "band"  # type: ignore[attr-defined]

    page = _dashboard(client_as("partner"))

    assert _row(page, "Pogrebki") == "<td>&lt;5</td>"


def test_coordinator_reads_exact_counts(client_as: ClientAs, cases: None) -> None:
    page = _dashboard(client_as("coordinator"))

    assert '<span class="number" data-count="open">8</span> open cases' in page
    assert _row(page, "Pogrebki") == "<td>1</td>"
    assert _row(page, "Ulanok") == "<td>1</td>"
    assert _row(page, "Medical care") == "<td>1</td>"
    assert _row(page, "New") == "<td>8</td>"
    assert "—" not in page.split('id="dashboard"', 1)[1]


def test_admin_reads_exact_counts(client_as: ClientAs, cases: None) -> None:
    page = _dashboard(client_as("admin"))

    assert _row(page, "Pogrebki") == "<td>1</td>"
    assert '<span class="number" data-count="open">8</span> open cases' in page
