"""The ledger page offers "Reverse" only where movement_reverse would do it, and the
field pages name the clock their times are on, for the outbox's times."""

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from reliefline.aid.models import ItemKind, Movement, Warehouse
from reliefline.aid.selectors import movements_page
from reliefline.aid.services import movement_reverse, stock_transfer
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, stocked

pytestmark = pytest.mark.django_db
As = Callable[[str], Client]


def _reverse_forms(page: str) -> set[int]:
    """Return the ids of the movements the ledger page offers to reverse."""
    return {int(pk) for pk in re.findall(r'action="/aid/movements/(\d+)/reverse/"', page)}


@pytest.fixture
def point() -> Warehouse:
    return WarehouseFactory(code="SUDZHA-1")


def test_ledger_does_not_offer_to_reverse_a_reversed_movement_or_a_reversal(
    client_as: As, point: Warehouse
) -> None:
    water = ItemFactory(code="WATER-5L", kind=ItemKind.WATER)
    kept = stocked(point, water, 10)
    undone = stocked(point, water, 5)
    [reversal] = movement_reverse(undone, reason="keyed twice", by=None)

    page = client_as("coordinator").get("/aid/ledger/").content.decode()

    assert _reverse_forms(page) == {kept.pk}
    assert reversal.pk not in _reverse_forms(page)


def test_ledger_does_not_offer_to_reverse_either_leg_of_a_reversed_transfer(
    client_as: As, point: Warehouse
) -> None:
    water = ItemFactory(code="WATER-5L", kind=ItemKind.WATER)
    receipt = stocked(point, water, 10)
    out, into = stock_transfer(
        source=point, target=WarehouseFactory(code="SUDZHA-2"), item=water, quantity=4, by=None
    )
    movement_reverse(into, reason="the truck never left", by=None)

    page = client_as("coordinator").get("/aid/ledger/").content.decode()

    assert _reverse_forms(page) == {receipt.pk}
    assert {out.pk, into.pk}.isdisjoint(_reverse_forms(page))


def test_movements_page_says_which_movements_can_still_be_reversed(point: Warehouse) -> None:
    water = ItemFactory(code="WATER-5L", kind=ItemKind.WATER)
    kept = stocked(point, water, 10)
    undone = stocked(point, water, 5)
    [reversal] = movement_reverse(undone, reason="keyed twice", by=None)

    movements, _next = movements_page(warehouse=point, item=None)

    reversible = {m.pk: m.reversible for m in movements}  # type: ignore[attr-defined]
    assert reversible == {kept.pk: True, undone.pk: False, reversal.pk: False}
    assert Movement.objects.count() == 3


def test_field_pages_name_the_operations_clock_for_the_outbox(client_as: As) -> None:
    """The outbox shows a kept distribution's time on it, as the page shows its own."""
    page = client_as("field").get("/aid/field/").content.decode()

    assert f'data-time-zone="{settings.TIME_ZONE}"' in page
