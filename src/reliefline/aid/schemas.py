"""Items, warehouses, stock and distributions as the JSON API reads and writes them."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt

from reliefline.aid.models import (
    Distribution,
    DistributionRefusal,
    ItemKind,
    Movement,
    RefusalStatus,
    Settlement,
    Unit,
)
from reliefline.aid.services import DistributionInput, ItemInput, LineInput, RefusalInput
from reliefline.schemas import Id, IsoDate, IsoDateTime, ObjectIn

CODE_MAX = 40
NAME_MAX = 120
REFERENCE_MAX = 100
TEXT_MAX = 2000
CURSOR_MAX = 200


class Names(ObjectIn):
    en: str = Field(max_length=NAME_MAX)
    uk: str = Field("", max_length=NAME_MAX)
    ru: str = Field("", max_length=NAME_MAX)


class ItemIn(ObjectIn):
    code: str = Field(max_length=CODE_MAX)
    name: Names
    unit: Unit
    pack_size: StrictInt = Field(1, ge=1, le=100_000)
    kind: ItemKind = ItemKind.OTHER
    litres_per_unit: Decimal = Field(Decimal(0), ge=0, le=10_000, max_digits=8, decimal_places=2)
    kcal_per_unit: StrictInt = Field(0, ge=0, le=1_000_000)

    def to_input(self) -> ItemInput:
        return ItemInput(
            code=self.code,
            name_en=self.name.en,
            name_uk=self.name.uk,
            name_ru=self.name.ru,
            unit=self.unit.value,
            pack_size=self.pack_size,
            kind=self.kind.value,
            litres_per_unit=self.litres_per_unit,
            kcal_per_unit=self.kcal_per_unit,
        )


class ItemOut(Schema):
    code: str
    name: Names
    unit: str
    pack_size: int
    kind: str
    litres_per_unit: float
    kcal_per_unit: int


class WarehouseIn(ObjectIn):
    code: str = Field(max_length=CODE_MAX)
    name: str = Field(max_length=NAME_MAX)
    settlement: str = Field(max_length=64)
    mobile: StrictBool = False


class WarehouseOut(Schema):
    code: str
    name: str
    settlement: str
    mobile: bool


class ReceiptIn(ObjectIn):
    warehouse: str = Field(max_length=CODE_MAX)
    item: str = Field(max_length=CODE_MAX)
    quantity: StrictInt
    reference: str = Field("", max_length=REFERENCE_MAX)
    lot: str = Field("", max_length=CODE_MAX)
    expiry: IsoDate | None = None
    reason: str = Field("", max_length=500)


class MovementOut(Schema):
    id: int
    warehouse: str
    item: str
    kind: str
    quantity: int
    lot: str
    expiry: dt.date | None
    reason: str = Field(description="As stored: as typed, or in English when reliefline wrote it.")
    reason_code: str | None = Field(
        description='"refusal_written_off" when reliefline wrote the reason; null when typed.'
    )
    reason_text: str = Field(description="The reason in the reader's language (Accept-Language).")
    reference: str
    by: str | None
    at: dt.datetime
    reverses: int | None


def movement_out(movement: Movement) -> MovementOut:
    return MovementOut(
        id=movement.pk,
        warehouse=movement.warehouse.code,
        item=movement.item.code,
        kind=movement.kind,
        quantity=movement.quantity,
        lot=movement.lot,
        expiry=movement.expiry,
        reason=movement.reason,
        reason_code=movement.reason_code,
        reason_text=movement.reason_text,
        reference=movement.reference,
        by=movement.by.username if movement.by else None,
        at=movement.at,
        reverses=movement.reverses_id,
    )


class MovementPage(Schema):
    items: list[MovementOut]
    next_cursor: str | None


class MovementQuery(Schema):
    warehouse: str = Field("", max_length=CODE_MAX)
    item: str = Field("", max_length=CODE_MAX)
    cursor: str = Field("", max_length=CURSOR_MAX)
    limit: int = Field(50, ge=1, le=200)


class StockQuery(Schema):
    warehouse: str = Field(max_length=CODE_MAX)


class StockOut(Schema):
    item: str
    quantity: int


class LineIn(ObjectIn):
    item: str = Field(max_length=CODE_MAX)
    quantity: StrictInt


class DistributionIn(ObjectIn):
    warehouse: str = Field(max_length=CODE_MAX)
    household_id: Id
    lines: list[LineIn] = Field(max_length=20)
    override_reason: str = Field("", max_length=TEXT_MAX)
    recipient_name: str = Field("", max_length=200)
    person_id: Id | None = None
    confirmation_code: str = Field("", max_length=20)

    def to_input(self) -> DistributionInput:
        return DistributionInput(
            warehouse=self.warehouse,
            household_id=self.household_id,
            lines=[LineInput(item=line.item, quantity=line.quantity) for line in self.lines],
            override_reason=self.override_reason,
            recipient_name=self.recipient_name,
            person_id=self.person_id,
            confirmation_code=self.confirmation_code,
        )


class DistributionOut(Schema):
    id: int
    warehouse: str
    household_id: int
    lines: list[StockOut]
    overridden_rules: list[str]
    at: dt.datetime


def distribution_out(distribution: Distribution) -> DistributionOut:
    return DistributionOut(
        id=distribution.pk,
        warehouse=distribution.warehouse.code,
        household_id=distribution.household_id,
        lines=[
            StockOut(item=line.item.code, quantity=line.quantity)
            for line in distribution.lines.select_related("item").order_by("item__code")
        ],
        overridden_rules=list(distribution.overridden_rules),
        at=distribution.at,
    )


class RefusalIn(ObjectIn):
    """A distribution kept offline, handed out, and refused once sent."""

    key: str = Field(max_length=255, description="The refused distribution's idempotency key.")
    warehouse: str = Field(max_length=CODE_MAX)
    household_id: Id
    lines: list[LineIn] = Field(max_length=20)
    handed_out_at: IsoDateTime = Field(description="When the phone's clock said it was given.")
    reasons: str = Field(max_length=TEXT_MAX, description="The refusal as the server gave it.")
    confirmation_code: str = Field("", max_length=20)

    def to_input(self) -> RefusalInput:
        return RefusalInput(
            key=self.key,
            warehouse=self.warehouse,
            household_id=self.household_id,
            lines=[LineInput(item=line.item, quantity=line.quantity) for line in self.lines],
            handed_out_at=self.handed_out_at,
            reasons=self.reasons,
            confirmation_code=self.confirmation_code,
        )


class RefusalSettleIn(ObjectIn):
    how: Settlement
    note: str = Field("", max_length=TEXT_MAX)
    distribution_id: Id | None = Field(
        None,
        description="With `recorded`: the distribution recorded afterwards; none records one now.",
    )
    override_reason: str = Field("", max_length=TEXT_MAX)


class RefusalQuery(Schema):
    status: RefusalStatus = RefusalStatus.OPEN


class RefusalOut(Schema):
    id: int
    reference: str
    household_id: int
    warehouse: str
    lines: list[StockOut]
    handed_out_at: dt.datetime
    by: str
    reasons: str
    confirmation_code: str
    created_at: dt.datetime
    status: str
    settlement: str
    settled_by: str | None
    settled_at: dt.datetime | None
    distribution_id: int | None
    movements: list[int]
    note: str


def refusal_out(refusal: DistributionRefusal) -> RefusalOut:
    return RefusalOut(
        id=refusal.pk,
        reference=str(refusal),
        household_id=refusal.household_id,
        warehouse=refusal.warehouse.code,
        lines=[
            StockOut(item=line.item.code, quantity=line.quantity)
            for line in sorted(refusal.lines.all(), key=lambda line: line.item.code)
        ],
        # As stored (UTC), whether just reported with an offset or read back.
        handed_out_at=refusal.handed_out_at.astimezone(dt.UTC),
        by=refusal.by.username,
        reasons=refusal.reasons,
        confirmation_code=refusal.confirmation_code,
        created_at=refusal.created_at,
        status=refusal.status,
        settlement=refusal.settlement,
        settled_by=refusal.settled_by.username if refusal.settled_by else None,
        settled_at=refusal.settled_at,
        distribution_id=refusal.distribution_id,
        movements=sorted(movement.pk for movement in refusal.write_off.all()),
        note=refusal.note,
    )
