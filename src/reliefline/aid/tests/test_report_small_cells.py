"""The distributions report a partner downloads: small counts suppressed, as in the
partners' exports, and the units with them; internal staff read exact counts."""

import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook  # type: ignore[import-untyped]

from reliefline.aid.models import Item, ItemKind, KitLine, Movement, Plan, Standard, Warehouse
from reliefline.aid.services import movement_reverse
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, family, stocked

pytestmark = pytest.mark.django_db
As = Callable[[str], Client]

NAMES = [("Ольга", "Коваленко"), ("Сергій", "Мальцев"), ("Ірина", "Бондар"), ("Петро", "Ткач")]
NAMES += [("Ганна", "Шевчук"), ("Микола", "Лисенко")]


@pytest.fixture
def point() -> Warehouse:
    warehouse = WarehouseFactory(code="SUDZHA-1")
    stocked(warehouse, ItemFactory(code="WATER-5L", kind=ItemKind.WATER, litres_per_unit=5), 100)
    return warehouse


@pytest.fixture
def give(client_as: As) -> Callable[[int], None]:
    """Return a function giving three bottles to each of n new households, as a
    coordinator does on the field page."""
    coordinator = client_as("coordinator")

    def give_to(households: int) -> None:
        for given, family_name in NAMES[:households]:
            household = family((given, family_name))
            response = coordinator.post(
                f"/aid/field/households/{household.pk}/",
                {"warehouse": "SUDZHA-1", "qty_WATER-5L": "3"},
            )
            assert response.status_code == 302, response.content

    return give_to


def _csv_row(client: Client, query: str = "") -> str:
    response = client.get(f"/aid/reports/distributions.csv{query}")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode().splitlines()[1]  # type: ignore[attr-defined]


def test_partner_reads_one_distribution_suppressed(
    client_as: As, point: Warehouse, give: Callable[[int], None]
) -> None:
    give(1)

    assert _csv_row(client_as("partner")).endswith(",Sudzha,WATER-5L,,")


def test_partner_reads_a_day_of_one_distribution_suppressed_for_any_period(
    client_as: As, point: Warehouse, give: Callable[[int], None]
) -> None:
    give(1)
    # The report's days are the operation's (Kyiv): after 22:00 UTC, UTC's date is another.
    day = timezone.localdate(Movement.objects.get(kind="distribution").at).isoformat()

    row = _csv_row(client_as("partner"), f"?since={day}&until={day}")

    assert row.endswith(",Sudzha,WATER-5L,,")


def test_partner_reads_the_units_of_a_reversed_distribution_suppressed(
    client_as: As, point: Warehouse, give: Callable[[int], None]
) -> None:
    give(5)
    movement_reverse(
        Movement.objects.filter(kind="distribution").earliest("pk"), reason="x", by=None
    )

    # Four distributions stand: the 12 bottles would be four households' rations.
    assert _csv_row(client_as("partner")).endswith(",Sudzha,WATER-5L,,")


def test_partner_reads_five_distributions_exactly(
    client_as: As, point: Warehouse, give: Callable[[int], None]
) -> None:
    give(5)

    assert _csv_row(client_as("partner")).endswith(",Sudzha,WATER-5L,5,15")


def test_partner_reads_a_banded_count_as_the_exports_band_it(
    client_as: As, point: Warehouse, give: Callable[[int], None], settings: object
) -> None:
    settings.RELIEFLINE_SMALL_CELL_MODE = "band"  # type: ignore[attr-defined]
    give(1)

    assert _csv_row(client_as("partner")).endswith(",Sudzha,WATER-5L,<5,")


def test_partner_reads_the_workbook_suppressed(
    client_as: As, point: Warehouse, give: Callable[[int], None]
) -> None:
    give(1)

    response = client_as("partner").get("/aid/reports/distributions.xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]

    assert list(book.active.values)[1][2:] == ("Sudzha", "WATER-5L", None, None)


def test_coordinator_reads_one_distribution_exactly(
    client_as: As, point: Warehouse, give: Callable[[int], None]
) -> None:
    give(1)

    assert _csv_row(client_as("coordinator")).endswith(",Sudzha,WATER-5L,1,3")


def test_the_reports_page_tells_a_partner_small_counts_are_hidden(client_as: As) -> None:
    assert 'id="small-cells"' in client_as("partner").get("/aid/reports/").content.decode()
    assert 'id="small-cells"' not in client_as("coordinator").get("/aid/reports/").content.decode()


def _coverage_row(client: Client) -> list[str]:
    response = client.get("/aid/reports/coverage.csv")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    (row,) = [line.split(",") for line in lines[1:] if ",WATER-5L," in line]
    return row


def test_partner_reads_no_coverage_that_few_distributions_gave(
    client_as: As, point: Warehouse, give: Callable[[int], None]
) -> None:
    """Three bottles in a village's week, one family's: the partner reads neither."""
    KitLine.objects.create(
        standard=Standard.objects.get(code="water"), item=Item.objects.get(code="WATER-5L"), share=1
    )
    Plan.objects.create(
        settlement=point.settlement, starts_on=timezone.localdate(), days=7, population=100
    )
    give(1)

    partner, coordinator = (
        _coverage_row(client_as("partner")),
        _coverage_row(client_as("coordinator")),
    )

    header = "plan,settlement,starts_on,days,population,item,needed,distributed,coverage_percent"
    at = header.split(",").index("distributed")
    assert (partner[at], partner[at + 1]) == ("", "")
    assert coordinator[at] == "3"
    assert partner[at - 1] == coordinator[at - 1]  # what is needed stays: no household in it
