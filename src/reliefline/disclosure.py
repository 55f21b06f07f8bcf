"""Counts a reader outside the operation sees: small ones suppressed, and whatever
would give them back.

A count of one or two households in a village can name them. Partners read every
count through `small_cell` (RELIEFLINE_SMALL_CELL, RELIEFLINE_SMALL_CELL_MODE): the
exports, the needs map, the dashboard and the distributions report alike. Internal
staff, who may read the cases themselves, read exact counts.
"""

from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User

# Internal staff (operators, coordinators, the DPO) see what their role allows; anyone
# else who signs in is treated as a partner, bound to their organisation's agreements.
INTERNAL_PERMISSION = "hotline.view_all_cases"

Cell = str | int | float | None


def small_cell(count: int) -> Cell:
    """Return the count, or, below RELIEFLINE_SMALL_CELL (not zero), a suppressed or
    banded value: "" with mode "suppress", "<k" with mode "band"."""
    threshold: int = settings.RELIEFLINE_SMALL_CELL
    if 0 < count < threshold:
        return f"<{threshold}" if settings.RELIEFLINE_SMALL_CELL_MODE == "band" else ""
    return count


# A count hidden to protect a small one: empty, as a suppressed cell, but never "<k",
# which it need not be.
HIDDEN: Cell = ""


def reads_exact_counts(user: User | AnonymousUser) -> bool:
    """Return whether the reader is internal staff, who read exact counts; anyone else
    (a partner) reads counts through `small_cell`, as in the exports."""
    return isinstance(user, User) and user.has_perm(INTERNAL_PERMISSION)


def small_cells_of_total(
    total: int, tables: Sequence[Sequence[int]]
) -> tuple[Cell, list[list[Cell]]]:
    """Return the total and the tables that add up to it, small counts suppressed, and
    with them whatever would give a suppressed count back by subtraction.

    Once one count is suppressed, the total is hidden, and each table that still
    shows every count hides its smallest: otherwise the total, or that table's sum,
    less the counts shown in another table would leave the suppressed ones.
    """
    cells = [[small_cell(n) for n in table] for table in tables]
    if all(row == list(table) for row, table in zip(cells, tables, strict=True)):
        return small_cell(total), cells
    for row, table in zip(cells, tables, strict=True):
        counted = [i for i, n in enumerate(table) if n]
        if counted and row == list(table):
            row[min(counted, key=lambda i: table[i])] = HIDDEN
    shown = small_cell(total)
    return (HIDDEN if shown == total else shown), cells
