"""Every stock change: one append-only movement and its balance, in one transaction.

A withdrawal locks the balance rows it draws on (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers), re-reads them, and
refuses when too little is left. The CheckConstraint balance_quantity_not_negative
is the last guard should a path ever skip the check.
"""

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from reliefline.aid.errors import (
    AlreadyReversed,
    ExpiryDiffers,
    InsufficientStock,
    SettlesRefusal,
)
from reliefline.aid.models import (
    Balance,
    Distribution,
    DistributionRefusal,
    Item,
    Movement,
    MovementKind,
    Warehouse,
)
from reliefline.aid.services.common import quantity_check, text_clean
from reliefline.errors import InvalidInput

LOT_MAX = 40
REASON_MAX = 500
REFERENCE_MAX = 100


def _skips_expired(kind: MovementKind, lot: str | None) -> bool:
    """Return whether a withdrawal passes over lots past their expiry date.

    A distribution always does: expired medicine or food is not handed out. A transfer
    does unless it names the lot: moving expired stock (to be destroyed or returned) is
    deliberate, and a field point sent it would only refuse to hand it out. A loss
    takes expired lots first, which is how they are written off.
    """
    return kind == MovementKind.DISTRIBUTION or (kind == MovementKind.TRANSFER_OUT and lot is None)


def expired(expiry: dt.date | None, *, today: dt.date | None = None) -> bool:
    """Return whether a lot with this expiry date is past it (usable on the day itself)."""
    return expiry is not None and expiry < (today or timezone.localdate())


def lot_kept(lot: str, expiry: dt.date | None) -> str:
    """Return the lot that units of this lot and expiry date are kept in.

    Field teams often have a best-before date and no lot number. Such units are kept
    in a lot named for their date (EXP-2025-03-01), never with the stock kept without
    a lot (lot "", which has no expiry date: the constraint balance_no_lot_undated),
    so units of different dates are never one balance and a withdrawal still takes
    the earliest date first, lot by lot.
    """
    if lot or expiry is None:
        return lot
    return f"EXP-{expiry.isoformat()}"


def _balance(warehouse: Warehouse, item: Item, lot: str, expiry: dt.date | None) -> Balance:
    """Return the locked balance row of (warehouse, item, lot), created at 0 if new."""
    balance, _created = Balance.objects.get_or_create(
        warehouse=warehouse, item=item, lot=lot, defaults={"expiry": expiry}
    )
    return Balance.objects.select_for_update().get(pk=balance.pk)


def _dated(
    balance: Balance, expiry: dt.date | None, *, field: str, receiving: bool = False
) -> Balance:
    """Return the locked balance, ready to take units with this expiry date (or none).

    A balance holding none takes the date; one holding units with another date, or
    none, refuses (ExpiryDiffers naming `field`): a date is never put on units in
    stock, nor taken off units put there.
    """
    if balance.expiry == expiry:
        return balance
    if balance.quantity:
        raise ExpiryDiffers(
            lot=balance.lot,
            item=balance.item.display_name(),
            warehouse=balance.warehouse.code,
            held=balance.expiry,
            units=balance.quantity,
            expiry=expiry,
            receiving=receiving,
            field=field,
        )
    Balance.objects.filter(pk=balance.pk).update(expiry=expiry)
    balance.expiry = expiry
    return balance


def _record(
    balance: Balance,
    *,
    kind: MovementKind,
    delta: int,
    by: User | None,
    reason: str = "",
    reference: str = "",
    reverses: Movement | None = None,
    transfer_of: Movement | None = None,
    distribution: Distribution | None = None,
) -> Movement:
    if balance.quantity + delta < 0:
        raise InsufficientStock(
            item=balance.item.display_name(),
            warehouse=balance.warehouse.code,
            wanted=-delta,
            available=balance.quantity,
        )
    Balance.objects.filter(pk=balance.pk).update(quantity=F("quantity") + delta)
    balance.quantity += delta
    return Movement.objects.create(
        warehouse_id=balance.warehouse_id,
        item_id=balance.item_id,
        lot=balance.lot,
        expiry=balance.expiry,
        kind=kind,
        quantity=delta,
        reason=reason,
        reference=reference,
        by=by,
        reverses=reverses,
        transfer_of=transfer_of,
        distribution=distribution,
    )


def stock_take(
    warehouse: Warehouse,
    item: Item,
    quantity: int,
    *,
    kind: MovementKind,
    by: User | None,
    lot: str | None = None,
    reason: str = "",
    reference: str = "",
    distribution: Distribution | None = None,
    field: str = "quantity",
) -> list[Movement]:
    """Return the movements drawing `quantity` from stock, earliest expiry first.

    With a lot, only that lot is drawn on. A distribution, and a transfer naming no
    lot, skip lots past their expiry date (`_skips_expired`). Raise InsufficientStock
    naming `field` (the caller's name for the quantity) when the locked balances hold
    less than asked, saying how many of the rest are expired; the caller's
    transaction then writes nothing. Must run inside a transaction.
    """
    # Only the balance rows: with the joined item and warehouse locked too, every
    # distribution of an item anywhere would queue behind every other one.
    balances = Balance.objects.select_for_update(of=("self",)).filter(
        warehouse=warehouse, item=item
    )
    if lot is not None:
        balances = balances.filter(lot=lot)
    # One lock order everywhere (expiry, lot, id), so two takers never deadlock.
    locked = list(
        balances.select_related("item", "warehouse").order_by(
            F("expiry").asc(nulls_last=True), "lot", "id"
        )
    )
    usable = locked
    if _skips_expired(kind, lot):
        today = timezone.localdate()
        usable = [b for b in locked if not expired(b.expiry, today=today)]
    available = sum(b.quantity for b in usable)
    if available < quantity:
        name, out_of_date = item.display_name(), sum(b.quantity for b in locked) - available
        raise InsufficientStock(
            item=name,
            warehouse=warehouse.code,
            wanted=quantity,
            available=available,
            expired=out_of_date,
            moving=kind == MovementKind.TRANSFER_OUT,
            field=field,
        )
    movements = []
    left = quantity
    for balance in usable:
        if left == 0:
            break
        take = min(left, balance.quantity)
        if take == 0:
            continue
        movements.append(
            _record(
                balance,
                kind=kind,
                delta=-take,
                by=by,
                reason=reason,
                reference=reference,
                distribution=distribution,
            )
        )
        left -= take
    return movements


def _lot(lot: str) -> str:
    return text_clean(lot, limit=LOT_MAX, field="lot")


@transaction.atomic
def stock_receive(
    *,
    warehouse: Warehouse,
    item: Item,
    quantity: int,
    reference: str,
    by: User | None,
    lot: str = "",
    expiry: dt.date | None = None,
    reason: str = "",
) -> Movement:
    """Return the receipt movement adding `quantity` units to the warehouse's stock.

    Stock whose expiry date has passed is refused: it must not be handed out. Dated
    stock without a lot number goes to the lot named for its date (`lot_kept`); more
    of a known lot, with no date given, takes the lot's. Units dated otherwise than
    the lot's units on hand are refused (ExpiryDiffers, field `expiry`).
    """
    quantity_check(quantity)
    if expired(expiry):
        raise InvalidInput(
            _("The expiry date %(date)s has passed; expired stock is not received.")
            % {"date": expiry},
            field="expiry",
        )
    reference = text_clean(reference, limit=REFERENCE_MAX, field="reference")
    reason = text_clean(reason, limit=REASON_MAX, field="reason")
    balance = _balance(warehouse, item, lot_kept(_lot(lot), expiry), expiry)
    if expiry is not None:
        _dated(balance, expiry, field="expiry", receiving=True)
    return _record(
        balance,
        kind=MovementKind.RECEIPT,
        delta=quantity,
        by=by,
        reason=reason,
        reference=reference,
    )


@transaction.atomic
def stock_transfer(
    *,
    source: Warehouse,
    target: Warehouse,
    item: Item,
    quantity: int,
    by: User | None,
    lot: str | None = None,
    reason: str = "",
    reference: str = "",
) -> list[Movement]:
    """Return the out and in movements moving stock between two warehouses, lot by lot.

    Each lot arrives as it left, with its expiry date. Raise ExpiryDiffers (field
    `lot`) when the target holds units of that lot with another date, or none.
    """
    quantity_check(quantity)
    if source.pk == target.pk:
        raise InvalidInput(_("Source and target are the same warehouse."), field="target")
    reason = text_clean(reason, limit=REASON_MAX, field="reason")
    reference = text_clean(reference, limit=REFERENCE_MAX, field="reference")
    # Both warehouses, in id order, before any balance: two trucks crossing between the
    # same two warehouses would otherwise each hold one balance and wait for the other's.
    list(
        Warehouse.objects.select_for_update()
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    outs = stock_take(
        source,
        item,
        quantity,
        kind=MovementKind.TRANSFER_OUT,
        by=by,
        lot=None if lot is None else _lot(lot),
        reason=reason,
        reference=reference,
    )
    ins = []
    for out in outs:
        balance = _dated(_balance(target, item, out.lot, out.expiry), out.expiry, field="lot")
        ins.append(
            _record(
                balance,
                kind=MovementKind.TRANSFER_IN,
                delta=-out.quantity,
                by=by,
                reason=reason,
                reference=reference,
                transfer_of=out,
            )
        )
    return outs + ins


@transaction.atomic
def stock_lose(
    *,
    warehouse: Warehouse,
    item: Item,
    quantity: int,
    reason: str,
    by: User | None,
    lot: str | None = None,
    reference: str = "",
) -> list[Movement]:
    """Return the movements writing off lost, damaged or expired stock (a reason is required)."""
    quantity_check(quantity)
    reason = text_clean(reason, limit=REASON_MAX, field="reason", required=True)
    return stock_take(
        warehouse,
        item,
        quantity,
        kind=MovementKind.LOSS,
        by=by,
        lot=None if lot is None else _lot(lot),
        reason=reason,
        reference=text_clean(reference, limit=REFERENCE_MAX, field="reference"),
    )


@transaction.atomic
def stock_count_adjust(
    *,
    warehouse: Warehouse,
    item: Item,
    counted: int,
    reason: str,
    by: User | None,
    lot: str = "",
    reference: str = "",
) -> Movement | None:
    """Return the adjustment setting the book to the physical count, or None when equal.

    With a lot, the count is that lot's; without, it is the stock kept without a lot.
    An item kept here in lots is counted lot by lot, so a count without a lot is
    refused rather than added beside them. An unknown lot is refused too: stock found
    that is not on the books is recorded as a receipt, with its document and expiry
    date, never by a count (which knows neither).
    """
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise InvalidInput(_("A whole number, 0 or more."), field="counted")
    reason = text_clean(reason, limit=REASON_MAX, field="reason", required=True)
    reference = text_clean(reference, limit=REFERENCE_MAX, field="reference")
    lot = _lot(lot)
    # The lock order of stock_take, so a count and a withdrawal never deadlock.
    balances = list(
        Balance.objects.select_for_update()
        .filter(warehouse=warehouse, item=item)
        .order_by(F("expiry").asc(nulls_last=True), "lot", "id")
    )
    names = {"item": item.display_name(), "warehouse": warehouse.code}
    if lot:
        balance = next((b for b in balances if b.lot == lot), None)
        if balance is None:
            raise InvalidInput(
                _(
                    "There is no lot %(lot)s of %(item)s at %(warehouse)s. Stock found that "
                    "is not on the books is recorded as a receipt, with its expiry date."
                )
                % {**names, "lot": lot},
                field="lot",
            )
    else:
        lots = [b.lot for b in balances if b.lot and b.quantity]
        if lots:
            raise InvalidInput(
                _(
                    "%(item)s is kept in lots at %(warehouse)s (%(lots)s). Count each lot "
                    "and enter its lot."
                )
                % {**names, "lots": ", ".join(lots)},
                field="lot",
            )
        balance = _balance(warehouse, item, "", None)
    delta = counted - balance.quantity
    if delta == 0:
        return None
    return _record(
        balance,
        kind=MovementKind.ADJUSTMENT,
        delta=delta,
        by=by,
        reason=reason,
        reference=reference,
    )


@transaction.atomic
def movement_reverse(movement: Movement, *, reason: str, by: User | None) -> list[Movement]:
    """Return the reversing movements undoing `movement` (both legs of a transfer).

    A reversal is never reversed itself: record the movement again instead. Raise
    AlreadyReversed when it was undone before, InsufficientStock when what it added
    has since been taken, SettlesRefusal when it books a refusal's write-off (the
    goods would be back with nothing open).
    """
    reason = text_clean(reason, limit=REASON_MAX, field="reason", required=True)
    legs: Sequence[Movement] = [movement]
    if movement.kind == MovementKind.REVERSAL:
        raise InvalidInput(_("A reversal cannot be reversed."), field="movement")
    settles = DistributionRefusal.objects.filter(write_off=movement).first()
    if settles is not None:
        raise SettlesRefusal(movement_id=movement.pk, reference=str(settles))
    if movement.kind == MovementKind.TRANSFER_OUT:
        legs = [movement, *Movement.objects.filter(transfer_of=movement)]
    elif movement.kind == MovementKind.TRANSFER_IN and movement.transfer_of is not None:
        legs = [movement.transfer_of, movement]
    # Locking the balances first serialises two reversals of the same movement. A leg
    # of stock kept without a lot but dated (before lot_kept) is undone in the lot its
    # date names, where that stock now is; one row per balance, both legs of a
    # move between two of its lots included, so each sees the other's change.
    balances: dict[int, Balance] = {}
    rows: dict[int, Balance] = {}
    for leg in legs:
        balance = _balance(leg.warehouse, leg.item, lot_kept(leg.lot, leg.expiry), leg.expiry)
        balances[leg.pk] = rows.setdefault(balance.pk, balance)
    reversals = []
    for leg in legs:
        if Movement.objects.filter(reverses=leg).exists():
            raise AlreadyReversed(movement_id=leg.pk)
        if leg.quantity < 0:  # units come back, with the date they left with
            _dated(balances[leg.pk], leg.expiry, field="movement")
        reversals.append(
            _record(
                balances[leg.pk],
                kind=MovementKind.REVERSAL,
                delta=-leg.quantity,
                by=by,
                reason=reason,
                reference=leg.reference,
                reverses=leg,
                distribution=leg.distribution,
            )
        )
    return reversals
