"""The aid part of the JSON API under /api/v1/aid/: items, warehouses, stock, distributions."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from reliefline.access.auth import acting_user, api_auth
from reliefline.access.idempotency import request_key
from reliefline.aid import selectors, services
from reliefline.aid.models import Item, Warehouse
from reliefline.aid.schemas import (
    DistributionIn,
    DistributionOut,
    ItemIn,
    ItemOut,
    MovementOut,
    MovementPage,
    MovementQuery,
    Names,
    ReceiptIn,
    RefusalIn,
    RefusalOut,
    RefusalQuery,
    RefusalSettleIn,
    StockOut,
    StockQuery,
    WarehouseIn,
    WarehouseOut,
    distribution_out,
    movement_out,
    refusal_out,
)
from reliefline.aid.selectors import movements_page, stock_balance
from reliefline.aid.services.common import item_by_code, warehouse_by_code
from reliefline.hotline.schemas import ErrorOut

router = Router(tags=["aid"])

ERRORS = {code: ErrorOut for code in (401, 403, 404, 409, 413, 422)}


def _item_out(item: Item) -> ItemOut:
    return ItemOut(
        code=item.code,
        name=Names(en=item.name_en, uk=item.name_uk, ru=item.name_ru),
        unit=item.unit,
        pack_size=item.pack_size,
        kind=item.kind,
        litres_per_unit=float(item.litres_per_unit),
        kcal_per_unit=item.kcal_per_unit,
    )


def _warehouse_out(warehouse: Warehouse) -> WarehouseOut:
    return WarehouseOut(
        code=warehouse.code,
        name=warehouse.name,
        settlement=warehouse.settlement_id,
        mobile=warehouse.mobile,
    )


@router.post(
    "/items",
    response={201: ItemOut, **ERRORS},
    summary="Add an item",
    auth=api_auth("aid.manage_stock"),
)
def items_create(request: HttpRequest, payload: ItemIn) -> Status[ItemOut]:
    """Return the new item; 409 when its code is taken."""
    item = services.item_create(payload.to_input(), by=acting_user(request))
    return Status(201, _item_out(item))


@router.post(
    "/warehouses",
    response={201: WarehouseOut, **ERRORS},
    summary="Add a warehouse or distribution point",
    auth=api_auth("aid.manage_stock"),
)
def warehouses_create(request: HttpRequest, payload: WarehouseIn) -> Status[WarehouseOut]:
    """Return the new warehouse at a gazetteer settlement; 409 when its code is taken."""
    warehouse = services.warehouse_create(
        code=payload.code,
        name=payload.name,
        settlement_id=payload.settlement,
        mobile=payload.mobile,
        by=acting_user(request),
    )
    return Status(201, _warehouse_out(warehouse))


@router.post(
    "/receipts",
    response={201: MovementOut, **ERRORS},
    summary="Receive stock",
    auth=api_auth("aid.manage_stock"),
)
def receipts_create(request: HttpRequest, payload: ReceiptIn) -> Status[MovementOut]:
    """Return the receipt movement."""
    movement = services.stock_receive(
        warehouse=warehouse_by_code(payload.warehouse),
        item=item_by_code(payload.item),
        quantity=payload.quantity,
        reference=payload.reference,
        lot=payload.lot,
        expiry=payload.expiry,
        reason=payload.reason,
        by=acting_user(request),
    )
    return Status(201, movement_out(movement))


@router.post(
    "/distributions",
    response={201: DistributionOut, **ERRORS},
    summary="Record a distribution",
    auth=api_auth("aid.distribute"),
)
def distributions_create(request: HttpRequest, payload: DistributionIn) -> Status[DistributionOut]:
    """Return the distribution; 409 when stock is short or a double-dipping rule refuses it."""
    distribution = services.distribution_record(
        payload.to_input(), by=acting_user(request), key=request_key(request)
    )
    return Status(201, distribution_out(distribution))


def _stock(warehouse: Warehouse) -> list[StockOut]:
    return [
        StockOut(item=line.item.code, quantity=line.quantity) for line in stock_balance(warehouse)
    ]


@router.get(
    "/stock",
    response={200: list[StockOut], **ERRORS},
    summary="Stock of a warehouse",
    auth=api_auth("aid.view_stock"),
)
def stock_list(request: HttpRequest, params: Query[StockQuery]) -> list[StockOut]:
    """Return the quantity on hand per item (all lots together)."""
    return _stock(warehouse_by_code(params.warehouse))


@router.get(
    "/movements",
    response={200: MovementPage, **ERRORS},
    summary="The stock ledger",
    auth=api_auth("aid.view_movement"),
)
def movements_list(request: HttpRequest, params: Query[MovementQuery]) -> MovementPage:
    """Return movements newest first, optionally of one warehouse and item, and the next cursor."""
    page, next_cursor = movements_page(
        warehouse=warehouse_by_code(params.warehouse) if params.warehouse else None,
        item=item_by_code(params.item) if params.item else None,
        cursor=params.cursor,
        size=params.limit,
    )
    return MovementPage(items=[movement_out(m) for m in page], next_cursor=next_cursor)


@router.post(
    "/refusals",
    response={200: RefusalOut, 201: RefusalOut, **ERRORS},
    summary="Report a distribution handed out offline and refused once sent",
    auth=api_auth("aid.distribute"),
)
def refusals_report(request: HttpRequest, payload: RefusalIn) -> Status[RefusalOut]:
    """Return the stored refusal: 201, or 200 when its key was reported before."""
    reported = services.refusal_report(payload.to_input(), by=acting_user(request))
    return Status(201 if reported.created else 200, refusal_out(reported.refusal))


@router.get(
    "/refusals",
    response={200: list[RefusalOut], **ERRORS},
    summary="Distributions refused once sent",
    auth=api_auth("aid.distribute"),
)
def refusals_list(request: HttpRequest, params: Query[RefusalQuery]) -> list[RefusalOut]:
    """Return the refusals of this status (open by default): all to whom settles them
    (aid.manage_stock), else the user's own; newest first."""
    user = acting_user(request)
    refusals = selectors.refusals_list(user, status=params.status)
    services.refusals_read(refusals, status=params.status, by=user)
    return [refusal_out(refusal) for refusal in refusals]


@router.post(
    "/refusals/{refusal_id}/settle",
    response={200: RefusalOut, **ERRORS},
    summary="Settle a distribution refused once sent",
    auth=api_auth("aid.manage_stock"),
)
def refusals_settle(request: HttpRequest, refusal_id: int, payload: RefusalSettleIn) -> RefusalOut:
    """Return the settled refusal; 409 when settled before or the stock cannot be written off."""
    user = acting_user(request)
    refusal = services.refusal_settle(
        selectors.refusal_get(refusal_id, user=user),
        how=payload.how.value,
        note=payload.note,
        distribution_id=payload.distribution_id,
        override_reason=payload.override_reason,
        by=user,
    )
    return refusal_out(refusal)
