"""Aggregate reports of the aid operation, as rows for CSV and XLSX downloads.

Each report is a header and a generator of rows read with .iterator(), so a long
range streams without holding every row in memory. Reports hold no personal data
(counts per settlement and day, never names), so partners may download them; the
distributions they get have small counts suppressed, as the partners' exports do.
"""

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy

from reliefline.aid.models import Balance, Movement, MovementKind, Plan
from reliefline.aid.planning import plan_sheet
from reliefline.disclosure import HIDDEN, small_cell

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Report:
    name: str
    header: Row
    rows: Iterable[Row]


def stock_report() -> Report:
    """Return stock on hand by warehouse, item and lot."""
    balances = (
        Balance.objects.filter(quantity__gt=0)
        .select_related("warehouse__settlement", "item")
        .order_by("warehouse__code", "item__code", "lot")
    )
    rows = (
        (
            b.warehouse.code,
            b.warehouse.name,
            b.warehouse.settlement.display_name("en"),
            b.item.code,
            b.item.name_en,
            b.item.unit,
            b.lot,
            b.expiry,
            b.quantity,
        )
        for b in balances.iterator(chunk_size=2000)
    )
    header = (
        "warehouse",
        "warehouse_name",
        "settlement",
        "item",
        "item_name",
        "unit",
        "lot",
        "expiry",
        "quantity",
    )
    return Report("stock", header, rows)


def distributions_report(
    *, since: dt.date | None = None, until: dt.date | None = None, exact: bool = False
) -> Report:
    """Return units distributed per day, settlement and item, net of reversals.

    A reversed distribution is not counted (its units come back on the day of the
    reversal); one of several lots reversed leaves the distribution counted. Unless
    `exact` (internal staff), counts pass `small_cell` as in the partners' exports.
    """
    movements = Movement.objects.filter(distribution__isnull=False)
    if since is not None:
        movements = movements.filter(at__date__gte=since)
    if until is not None:
        movements = movements.filter(at__date__lte=until)
    grouped = (
        movements.annotate(day=TruncDate("at"))
        .values("day", "warehouse__settlement_id", "warehouse__settlement__name_en", "item__code")
        .annotate(
            quantity=Sum("quantity"),
            distributions=Count(
                "distribution",
                distinct=True,
                filter=Q(kind=MovementKind.DISTRIBUTION, reversal__isnull=True),
            ),
            touched=Count("distribution", distinct=True),
        )
        .order_by("day", "warehouse__settlement__name_en", "item__code")
    )
    cells = _exact_cells if exact else _small_cells
    rows = (
        (
            row["day"],
            row["warehouse__settlement_id"],
            row["warehouse__settlement__name_en"],
            row["item__code"],
            *cells(row["distributions"], row["touched"], -int(row["quantity"] or 0)),
        )
        for row in grouped.iterator(chunk_size=2000)
    )
    header = ("day", "settlement_id", "settlement", "item", "distributions", "quantity")
    return Report("distributions", header, rows)


def _exact_cells(distributions: int, touched: int, quantity: int) -> Row:
    return distributions, quantity


def _small_cells(distributions: int, touched: int, quantity: int) -> Row:
    """Return the distributions through `small_cell`, and the units with them.

    The units of a row go with the distributions they add up, reversed ones
    included: the units of one household's ration would give the household away.
    """
    shown = small_cell(distributions)
    if shown != distributions or small_cell(touched) != touched:
        return shown, HIDDEN
    return shown, quantity


def coverage_report(*, exact: bool = False) -> Report:
    """Return per plan and item: needed, distributed in the plan's period, stock, shortfall.

    Unless `exact` (internal staff), the units distributed, and the coverage computed
    from them, are hidden when a small number of distributions gave them: two insulin
    vials in a village's week can be one household's.
    """

    def rows() -> Iterator[Row]:
        for plan in (
            Plan.objects.select_related("settlement").order_by("-starts_on", "pk").iterator()
        ):
            sheet = plan_sheet(plan)
            ends = plan.starts_on + dt.timedelta(days=plan.days)
            given_rows = (
                Movement.objects.filter(
                    distribution__isnull=False,
                    warehouse__settlement_id=plan.settlement_id,
                    at__date__gte=plan.starts_on,
                    at__date__lt=ends,
                )
                .values_list("item_id")
                .annotate(
                    total=Sum("quantity"),
                    handed=Count(
                        "distribution", distinct=True, filter=Q(kind=MovementKind.DISTRIBUTION)
                    ),
                )
                .order_by()
            )
            given = {item: (total, handed) for item, total, handed in given_rows}
            for row in sheet.rows:
                total, handed = given.get(row.item.pk, (0, 0))
                distributed: Any = -int(total or 0)
                coverage: Any = round(100 * distributed / row.needed, 1) if row.needed else None
                if not exact and small_cell(handed) != handed:
                    distributed = coverage = HIDDEN
                yield (
                    plan.pk,
                    plan.settlement.display_name("en"),
                    plan.starts_on,
                    plan.days,
                    sheet.population.count if sheet.population else None,
                    row.item.code,
                    row.needed,
                    distributed,
                    coverage,
                    row.available,
                    row.shortfall,
                )

    header = (
        "plan",
        "settlement",
        "starts_on",
        "days",
        "population",
        "item",
        "needed",
        "distributed",
        "coverage_percent",
        "available",
        "shortfall",
    )
    return Report("coverage", header, rows())


REPORTS: dict[str, tuple["StrOrPromise", Callable[[], Report]]] = {
    "stock": (gettext_lazy("Stock by warehouse and item"), stock_report),
    "distributions": (gettext_lazy("Distributions by settlement and day"), distributions_report),
    "coverage": (gettext_lazy("Coverage of planned needs"), coverage_report),
}


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    return "" if value is None else value


def csv_response(report: Report) -> StreamingHttpResponse:
    """Return the report as a CSV download written row by row as the client reads."""
    writer = csv.writer(_Echo())
    body = _chain([report.header], report.rows)
    lines = (writer.writerow([_cell(v) for v in row]) for row in body)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reliefline-aid-{report.name}.csv"'
    return response


def _chain(*parts: Iterable[Row]) -> Iterator[Row]:
    for part in parts:
        yield from part


def xlsx_response(report: Report) -> FileResponse:
    """Return the report as an XLSX download.

    openpyxl's write-only mode keeps one row in memory at a time and spills to a
    temporary file, which is then streamed in chunks.
    """
    # openpyxl (which loads numpy when it can) is imported only for a download.
    from openpyxl import Workbook  # type: ignore[import-untyped]

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(report.name)
    sheet.append(list(report.header))
    for row in report.rows:
        sheet.append([_cell(v) for v in row])
    spool = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it when sent
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"reliefline-aid-{report.name}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
