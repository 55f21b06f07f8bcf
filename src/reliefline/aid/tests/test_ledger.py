import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from reliefline.aid.errors import AlreadyReversed, InsufficientStock
from reliefline.aid.models import AppendOnly, Balance, Movement, MovementKind
from reliefline.aid.selectors import stock_balance
from reliefline.aid.services import (
    movement_reverse,
    stock_count_adjust,
    stock_lose,
    stock_receive,
    stock_transfer,
)
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, stocked
from reliefline.errors import InvalidInput

pytestmark = pytest.mark.django_db


def on_hand(warehouse, item) -> int:
    return sum(line.quantity for line in stock_balance(warehouse) if line.item == item)


def test_receipt_adds_to_the_balance_and_records_who_and_why(user_in) -> None:
    coordinator = user_in("coordinator")
    warehouse, item = WarehouseFactory(), ItemFactory()
    movement = stock_receive(
        warehouse=warehouse,
        item=item,
        quantity=120,
        reference="WB-0815",
        reason="ICRC convoy",
        by=coordinator,
    )
    assert (movement.kind, movement.quantity, movement.by, movement.reference) == (
        MovementKind.RECEIPT,
        120,
        coordinator,
        "WB-0815",
    )
    assert on_hand(warehouse, item) == 120


def test_receipt_refuses_a_zero_quantity_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match="1 to") as raised:
        stock_receive(
            warehouse=WarehouseFactory(), item=ItemFactory(), quantity=0, reference="", by=None
        )
    assert raised.value.field == "quantity"
    assert not Movement.objects.exists()


def test_loss_beyond_stock_is_refused_and_writes_nothing() -> None:
    warehouse, item = WarehouseFactory(), ItemFactory()
    stocked(warehouse, item, 5)
    with pytest.raises(InsufficientStock, match="Only 5"):
        stock_lose(warehouse=warehouse, item=item, quantity=6, reason="crushed", by=None)
    assert on_hand(warehouse, item) == 5
    assert Movement.objects.count() == 1


def test_loss_needs_a_reason() -> None:
    warehouse, item = WarehouseFactory(), ItemFactory()
    stocked(warehouse, item, 5)
    with pytest.raises(InvalidInput, match="required"):
        stock_lose(warehouse=warehouse, item=item, quantity=1, reason=" ", by=None)


def test_withdrawal_draws_the_earliest_expiry_first() -> None:
    # Relative to today: a receipt past its expiry date is refused.
    today = timezone.localdate()
    warehouse, item = WarehouseFactory(), ItemFactory()
    stock_receive(
        warehouse=warehouse,
        item=item,
        quantity=10,
        reference="",
        lot="LATE",
        expiry=today + dt.timedelta(days=400),
        by=None,
    )
    stock_receive(
        warehouse=warehouse,
        item=item,
        quantity=10,
        reference="",
        lot="SOON",
        expiry=today + dt.timedelta(days=200),
        by=None,
    )
    taken = stock_lose(warehouse=warehouse, item=item, quantity=12, reason="flooded", by=None)
    assert [(m.lot, m.quantity) for m in taken] == [("SOON", -10), ("LATE", -2)]


def test_transfer_moves_stock_between_warehouses_linking_both_legs() -> None:
    source, target, item = WarehouseFactory(), WarehouseFactory(), ItemFactory()
    stocked(source, item, 50)
    out, into = stock_transfer(source=source, target=target, item=item, quantity=20, by=None)
    assert (out.kind, out.quantity, into.kind, into.quantity) == (
        "transfer_out",
        -20,
        "transfer_in",
        20,
    )
    assert into.transfer_of == out
    assert (on_hand(source, item), on_hand(target, item)) == (30, 20)


def test_count_adjustment_brings_the_book_to_the_count() -> None:
    warehouse, item = WarehouseFactory(), ItemFactory()
    stocked(warehouse, item, 40)
    movement = stock_count_adjust(
        warehouse=warehouse, item=item, counted=37, reason="stocktake", by=None
    )
    assert movement is not None and movement.quantity == -3
    assert on_hand(warehouse, item) == 37
    assert (
        stock_count_adjust(warehouse=warehouse, item=item, counted=37, reason="again", by=None)
        is None
    )


def lots_of(warehouse, item) -> dict[str, int]:
    return dict(
        Balance.objects.filter(warehouse=warehouse, item=item).values_list("lot", "quantity")
    )


def receive_lot(warehouse, item, quantity: int, lot: str) -> None:
    stock_receive(
        warehouse=warehouse,
        item=item,
        quantity=quantity,
        reference="",
        lot=lot,
        expiry=timezone.localdate() + dt.timedelta(days=300),
        by=None,
    )


def test_count_without_a_lot_of_an_item_kept_in_lots_is_refused_naming_the_lot() -> None:
    warehouse, item = WarehouseFactory(code="SUDZHA-SCHOOL"), ItemFactory()
    receive_lot(warehouse, item, 20, "L1")
    receive_lot(warehouse, item, 10, "L2")
    with pytest.raises(InvalidInput, match=r"kept in lots at SUDZHA-SCHOOL \(L1, L2\)") as refused:
        stock_count_adjust(warehouse=warehouse, item=item, counted=10, reason="count", by=None)
    assert refused.value.field == "lot"
    assert lots_of(warehouse, item) == {"L1": 20, "L2": 10}
    assert Movement.objects.count() == 2
    # Counted lot by lot, as the message asks, each lot is set to its count.
    movement = stock_count_adjust(
        warehouse=warehouse, item=item, counted=4, lot="L2", reason="count", by=None
    )
    assert movement is not None and (movement.lot, movement.quantity) == ("L2", -6)
    assert lots_of(warehouse, item) == {"L1": 20, "L2": 4}


def test_count_of_an_unknown_lot_is_refused_naming_the_lot() -> None:
    warehouse, item = WarehouseFactory(), ItemFactory()
    receive_lot(warehouse, item, 30, "L1")
    with pytest.raises(InvalidInput, match="no lot NOPE") as refused:
        stock_count_adjust(
            warehouse=warehouse, item=item, counted=15, lot="NOPE", reason="count", by=None
        )
    assert refused.value.field == "lot"
    assert lots_of(warehouse, item) == {"L1": 30}
    assert Movement.objects.count() == 1


def test_reversal_undoes_a_receipt_once() -> None:
    warehouse, item = WarehouseFactory(), ItemFactory()
    receipt = stocked(warehouse, item, 40)
    (reversal,) = movement_reverse(receipt, reason="keyed twice", by=None)
    assert (reversal.kind, reversal.quantity, reversal.reverses) == ("reversal", -40, receipt)
    assert on_hand(warehouse, item) == 0
    with pytest.raises(AlreadyReversed):
        movement_reverse(receipt, reason="again", by=None)


def test_reversal_of_a_transfer_undoes_both_legs() -> None:
    source, target, item = WarehouseFactory(), WarehouseFactory(), ItemFactory()
    stocked(source, item, 10)
    out, _into = stock_transfer(source=source, target=target, item=item, quantity=4, by=None)
    movement_reverse(out, reason="wrong truck", by=None)
    assert (on_hand(source, item), on_hand(target, item)) == (10, 0)


def test_reversal_of_stock_already_handed_out_is_refused() -> None:
    warehouse, item = WarehouseFactory(), ItemFactory()
    receipt = stocked(warehouse, item, 10)
    stock_lose(warehouse=warehouse, item=item, quantity=8, reason="spoiled", by=None)
    with pytest.raises(InsufficientStock):
        movement_reverse(receipt, reason="never came", by=None)


def test_a_movement_refuses_to_be_saved_again_or_deleted() -> None:
    receipt = stocked(WarehouseFactory(), ItemFactory(), 3)
    receipt.reason = "changed"
    with pytest.raises(AppendOnly):
        receipt.save()
    with pytest.raises(AppendOnly):
        receipt.delete()


def test_the_database_refuses_to_update_a_movement() -> None:
    receipt = stocked(WarehouseFactory(), ItemFactory(), 3)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Movement.objects.filter(pk=receipt.pk).update(quantity=300)
    assert Movement.objects.get(pk=receipt.pk).quantity == 3


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no DELETE trigger (see 0002)"
)
def test_postgresql_refuses_to_delete_a_movement() -> None:
    receipt = stocked(WarehouseFactory(), ItemFactory(), 3)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Movement.objects.filter(pk=receipt.pk)._raw_delete(Movement.objects.db)


def test_balance_constraint_refuses_a_negative_quantity() -> None:
    receipt = stocked(WarehouseFactory(), ItemFactory(), 3)
    balance = Balance.objects.get(warehouse=receipt.warehouse, item=receipt.item)
    with pytest.raises(IntegrityError, match="balance_quantity_not_negative"), transaction.atomic():
        Balance.objects.filter(pk=balance.pk).update(quantity=-1)


def test_stock_verify_passes_on_a_consistent_ledger() -> None:
    warehouse, item = WarehouseFactory(), ItemFactory()
    stocked(warehouse, item, 30)
    stock_lose(warehouse=warehouse, item=item, quantity=7, reason="rats", by=None)
    out = io.StringIO()
    call_command("stock", "verify", stdout=out)
    assert "1 balances checked" in out.getvalue()


def test_stock_verify_fails_on_a_balance_the_ledger_does_not_explain() -> None:
    warehouse, item = WarehouseFactory(), ItemFactory(code="WATER-5L")
    stocked(warehouse, item, 30)
    Balance.objects.filter(warehouse=warehouse).update(quantity=29)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 balances differ"):
        call_command("stock", "verify", stderr=err)
    assert "WATER-5L lot=-: balance 29, movements add up to 30" in err.getvalue()
