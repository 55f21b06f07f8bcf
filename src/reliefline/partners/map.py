"""Open needs on the situation map and on settlement pages, per settlement, never per person."""

import math
from collections import defaultdict

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from reliefline.disclosure import reads_exact_counts, small_cell
from reliefline.partners.exports import need_label
from reliefline.partners.selectors import NeedCell, needs_by_settlement
from reliefline.places.layers import (
    Reader,
    feature_collection,
    point,
    register_layer,
    register_section,
)
from reliefline.places.models import Place


def _shown(households: int, *, exact: bool) -> bool:
    return exact or small_cell(households) == households


def _count(households: int, *, exact: bool) -> str:
    if _shown(households, exact=exact):
        return str(households)
    return _("fewer than %(n)d") % {"n": settings.RELIEFLINE_SMALL_CELL}


def _size(rows: list[NeedCell], *, exact: bool) -> int:
    """Return the circle's radius from the biggest count the popup shows.

    A hidden count draws as the smallest circle, whatever it hides: a radius computed
    from it would give back the count the popup hides (8 pixels was 3 households).
    """
    biggest = max(
        (row.households for row in rows if _shown(row.households, exact=exact)), default=0
    )
    return int(5 + 2 * math.sqrt(biggest))


def _line(cell: NeedCell, *, exact: bool) -> str:
    need = need_label(cell.need_type)
    if _shown(cell.households, exact=exact):
        return ngettext(
            "%(need)s: %(n)d household", "%(need)s: %(n)d households", cell.households
        ) % {"need": need, "n": cell.households}
    return _("%(need)s: %(households)s households") % {
        "need": need,
        "households": _count(cell.households, exact=exact),
    }


def needs_layer(user: Reader) -> dict[str, object]:
    """Return one point per settlement with open needs, sized by the biggest count of
    households it shows (small counts hidden, but from internal staff, who read the
    cases themselves: disclosure.reads_exact_counts)."""
    exact = reads_exact_counts(user)
    cells: dict[str, list[NeedCell]] = defaultdict(list)
    for cell in needs_by_settlement():
        if cell.settlement_id:
            cells[cell.settlement_id].append(cell)
    places = Place.objects.in_bulk(list(cells))
    features = []
    for place_id, rows in cells.items():
        place = places.get(place_id)
        if place is None:
            continue
        features.append(
            point(
                place,
                title=_("Open needs in %(place)s") % {"place": place.display_name()},
                details=[_line(row, exact=exact) for row in rows],
                tone="info",
                size=_size(rows, exact=exact),
            )
        )
    return feature_collection(features)


def needs_section(place: Place, user: Reader) -> list[tuple[str, str]]:
    """Return the open needs of the settlement: households per need type, small counts
    hidden from partners."""
    exact = reads_exact_counts(user)
    return [
        (need_label(cell.need_type), _count(cell.households, exact=exact))
        for cell in needs_by_settlement(settlement_id=place.pk)
    ]


def register() -> None:
    register_layer("needs", gettext_lazy("Open needs"), needs_layer, permission="places.view_claim")
    register_section(
        "needs",
        gettext_lazy("Open needs (households)"),
        needs_section,
        permission="places.view_claim",
    )
