"""Units with different expiry dates are never one balance; quantities are 64-bit.

A date is never put on units in stock, nor taken off units on the move; dated stock
received without a lot number is kept in a lot named for its date.
"""

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from django.apps.registry import Apps
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from reliefline.aid.errors import ExpiryDiffers, InsufficientStock
from reliefline.aid.models import Balance, Item, ItemKind, Movement, MovementKind, Warehouse
from reliefline.aid.selectors import stock_differences
from reliefline.aid.services import (
    DistributionInput,
    LineInput,
    distribution_record,
    movement_reverse,
    stock_count_adjust,
    stock_transfer,
)
from reliefline.aid.services.common import QUANTITY_MAX
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, family, stocked

As = Callable[[str], Client]
TODAY = timezone.localdate  # the operation's clock (Europe/Kyiv)


def in_days(days: int) -> dt.date:
    return TODAY() + dt.timedelta(days=days)


def exp(day: dt.date) -> str:
    return f"EXP-{day.isoformat()}"


def lots(warehouse: Warehouse, item: Item) -> dict[str, tuple[int, dt.date | None]]:
    rows = Balance.objects.filter(warehouse=warehouse, item=item)
    return {
        lot: (quantity, expiry)
        for lot, quantity, expiry in rows.values_list("lot", "quantity", "expiry")
    }


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/aid/{path}", json.dumps(body), content_type="application/json")


@pytest.fixture
def school(db: None) -> Warehouse:
    return WarehouseFactory(code="SUDZHA-SCHOOL")


@pytest.fixture
def point(db: None) -> Warehouse:
    return WarehouseFactory(code="MALAYA-LOKNYA")


@pytest.fixture
def biscuits(db: None) -> Item:
    return ItemFactory(code="BISCUITS", name_en="Biscuits", kind=ItemKind.FOOD, litres_per_unit=0)


@pytest.fixture
def insulin(db: None) -> Item:
    return ItemFactory(code="INSULIN", name_en="Insulin", kind=ItemKind.MEDICINE, litres_per_unit=0)


# ---- receipts without a lot -----------------------------------------------------------


def test_dated_receipt_without_a_lot_leaves_the_undated_stock_undated(
    api_as: As, school: Warehouse, biscuits: Item
) -> None:
    stocked(school, biscuits, 894)
    response = post(
        api_as("coordinator"),
        "receipts",
        {
            "warehouse": "SUDZHA-SCHOOL",
            "item": "BISCUITS",
            "quantity": 10,
            "reference": "WB-late",
            "expiry": TODAY().isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    assert (response.json()["lot"], response.json()["expiry"]) == (
        exp(TODAY()),
        TODAY().isoformat(),
    )
    assert lots(school, biscuits) == {"": (894, None), exp(TODAY()): (10, TODAY())}

    # The next day the 10 are expired, and only they: the 894 are still handed out.
    with mock.patch.object(timezone, "localdate", return_value=in_days(1)):
        distribution_record(
            DistributionInput(
                warehouse=school.code,
                household_id=family(("Ольга", "Коваленко")).pk,
                lines=[LineInput("BISCUITS", 894)],
            ),
            by=None,
        )
    assert lots(school, biscuits) == {"": (0, None), exp(TODAY()): (10, TODAY())}


def test_dated_receipts_without_a_lot_are_kept_by_date(
    api_as: As, school: Warehouse, biscuits: Item
) -> None:
    client = api_as("coordinator")
    body = {"warehouse": "SUDZHA-SCHOOL", "item": "BISCUITS", "reference": "WB-1"}
    for quantity, expiry in ((10, in_days(30)), (7, in_days(60)), (3, in_days(30))):
        response = post(client, "receipts", {**body, "quantity": quantity, "expiry": str(expiry)})
        assert response.status_code == 201, response.content
    assert lots(school, biscuits) == {
        exp(in_days(30)): (13, in_days(30)),
        exp(in_days(60)): (7, in_days(60)),
    }


def test_receive_page_keeps_dated_stock_without_a_lot_in_its_dates_lot(
    client_as: As, school: Warehouse, biscuits: Item
) -> None:
    stocked(school, biscuits, 20)
    response = client_as("coordinator").post(
        "/aid/receive/",
        {
            "warehouse": "SUDZHA-SCHOOL",
            "item": "BISCUITS",
            "quantity": "10",
            "expiry": str(in_days(90)),
        },
    )
    assert response.status_code == 302
    assert lots(school, biscuits) == {"": (20, None), exp(in_days(90)): (10, in_days(90))}


def test_a_withdrawal_takes_the_earliest_date_first_then_the_undated(
    school: Warehouse, biscuits: Item
) -> None:
    stocked(school, biscuits, 5)
    stocked(school, biscuits, 4, expiry=in_days(60))
    stocked(school, biscuits, 3, expiry=in_days(30))
    out_in = stock_transfer(
        source=school, target=WarehouseFactory(), item=biscuits, quantity=9, by=None
    )
    taken = [(m.lot, m.quantity) for m in out_in if m.kind == MovementKind.TRANSFER_OUT]
    assert taken == [(exp(in_days(30)), -3), (exp(in_days(60)), -4), ("", -2)]


def test_database_refuses_a_dated_balance_without_a_lot(school: Warehouse, biscuits: Item) -> None:
    with pytest.raises(IntegrityError, match="balance_no_lot_undated"), transaction.atomic():
        Balance.objects.create(warehouse=school, item=biscuits, lot="", expiry=TODAY())


# ---- receipts of a named lot ------------------------------------------------------


def test_a_date_is_not_put_on_a_lot_held_without_one(
    api_as: As, school: Warehouse, insulin: Item
) -> None:
    stocked(school, insulin, 5, lot="L1", expiry=None)
    response = post(
        api_as("coordinator"),
        "receipts",
        {
            "warehouse": "SUDZHA-SCHOOL",
            "item": "INSULIN",
            "quantity": 3,
            "lot": "L1",
            "expiry": str(in_days(100)),
        },
    )
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == ("expiry_differs", "expiry")
    assert (
        "Lot L1 of Insulin at SUDZHA-SCHOOL has no expiry date (5 on hand)"
        in (response.json()["detail"])
    )
    assert lots(school, insulin) == {"L1": (5, None)}
    assert Movement.objects.count() == 1


def test_receive_page_refuses_another_date_for_a_lot_at_the_expiry(
    client_as: As, school: Warehouse, insulin: Item
) -> None:
    stocked(school, insulin, 5, lot="L1", expiry=in_days(100))
    client = client_as("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/aid/receive/",
        {
            "warehouse": "SUDZHA-SCHOOL",
            "item": "INSULIN",
            "quantity": "3",
            "lot": "L1",
            "expiry": str(in_days(200)),
        },
    )
    assert response.status_code == 409
    assert response.context["form"].errors["expiry"] == [
        f"Lot L1 of Insulin at SUDZHA-SCHOOL expires on {in_days(100)} (5 on hand); these "
        f"expire on {in_days(200)}. Stock with different expiry dates is never kept in one "
        "lot: receive these under another lot number."
    ]
    assert lots(school, insulin) == {"L1": (5, in_days(100))}


def test_more_of_a_known_lot_without_a_date_takes_the_lots(
    school: Warehouse, insulin: Item
) -> None:
    stocked(school, insulin, 5, lot="L1", expiry=in_days(100))
    movement = stocked(school, insulin, 3, lot="L1", expiry=None)
    assert movement.expiry == in_days(100)
    assert lots(school, insulin) == {"L1": (8, in_days(100))}


def test_an_empty_lot_takes_the_date_of_what_comes_in(school: Warehouse, insulin: Item) -> None:
    stocked(school, insulin, 5, lot="L1", expiry=None)
    stock_count_adjust(
        warehouse=school, item=insulin, counted=0, lot="L1", reason="none left", by=None
    )
    stocked(school, insulin, 3, lot="L1", expiry=in_days(100))
    assert lots(school, insulin) == {"L1": (3, in_days(100))}


# ---- transfers --------------------------------------------------------------------


def test_transfer_carries_each_lot_and_its_date_to_the_target(
    school: Warehouse, point: Warehouse, biscuits: Item
) -> None:
    stocked(school, biscuits, 5)
    stocked(school, biscuits, 10, expiry=in_days(30))
    movements = stock_transfer(source=school, target=point, item=biscuits, quantity=12, by=None)
    arrived = [(m.lot, m.expiry, m.quantity) for m in movements if m.warehouse_id == point.pk]
    assert arrived == [(exp(in_days(30)), in_days(30), 10), ("", None, 2)]
    assert lots(point, biscuits) == {exp(in_days(30)): (10, in_days(30)), "": (2, None)}
    assert stock_differences()[1] == []


@pytest.mark.parametrize(
    ("here", "there", "says"),
    [
        (30, 60, "expires on {there} (3 on hand); these expire on {here}."),
        (None, 60, "expires on {there} (3 on hand); these have no expiry date."),
        (30, None, "has no expiry date (3 on hand); these expire on {here}."),
    ],
)
def test_transfer_into_a_lot_held_with_another_date_is_refused_naming_the_lot(
    school: Warehouse,
    point: Warehouse,
    insulin: Item,
    here: int | None,
    there: int | None,
    says: str,
) -> None:
    dates = {days: None if days is None else in_days(days) for days in (here, there)}
    stocked(school, insulin, 10, lot="L1", expiry=dates[here])
    stocked(point, insulin, 3, lot="L1", expiry=dates[there])
    with pytest.raises(ExpiryDiffers) as refused:
        stock_transfer(source=school, target=point, item=insulin, quantity=4, by=None)
    message = says.format(here=dates[here], there=dates[there])
    assert f"Lot L1 of Insulin at MALAYA-LOKNYA {message}" in refused.value.message
    assert (refused.value.field, refused.value.status) == ("lot", 409)
    assert lots(school, insulin) == {"L1": (10, dates[here])}
    assert lots(point, insulin) == {"L1": (3, dates[there])}
    assert Movement.objects.count() == 2


def test_transfer_page_refuses_another_date_at_the_lot(
    client_as: As, school: Warehouse, point: Warehouse, insulin: Item
) -> None:
    stocked(school, insulin, 10, lot="L1", expiry=in_days(30))
    stocked(point, insulin, 3, lot="L1", expiry=in_days(60))
    client = client_as("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/aid/ledger/change/",
        {
            "action": "transfer",
            "warehouse": school.code,
            "item": insulin.code,
            "quantity": "4",
            "target": point.code,
            "lot": "L1",
        },
    )
    assert response.status_code == 409
    (error,) = response.context["form"].errors["lot"]
    assert error.startswith("Lot L1 of Insulin at MALAYA-LOKNYA expires on")
    assert Movement.objects.count() == 2


def test_reversed_transfer_brings_the_date_back(
    school: Warehouse, point: Warehouse, biscuits: Item
) -> None:
    stocked(school, biscuits, 10, expiry=in_days(30))
    out, _into = stock_transfer(source=school, target=point, item=biscuits, quantity=10, by=None)
    movement_reverse(out, reason="wrong truck", by=None)
    assert lots(school, biscuits) == {exp(in_days(30)): (10, in_days(30))}
    assert lots(point, biscuits) == {exp(in_days(30)): (0, in_days(30))}


# ---- stock kept without a lot but dated, before lots were named by date -------------

BEFORE = [("aid", "0006_distribution_refusal")]
LATEST = [("aid", "0008_balance_no_lot_undated")]
Migrate = Callable[[list[tuple[str, str]]], Apps]


@pytest.fixture
def migrate(transactional_db: None) -> Iterator[Migrate]:
    """Return a function migrating the test database to the targets, returning its apps;
    after the test, every app is migrated to its latest."""

    def to(targets: list[tuple[str, str]]) -> Apps:
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_migration_moves_dated_stock_without_a_lot_to_its_dates_lot(migrate: Migrate) -> None:
    school, point = WarehouseFactory(code="SUDZHA-SCHOOL"), WarehouseFactory(code="POINT")
    biscuits = ItemFactory(code="BISCUITS", kind=ItemKind.FOOD)
    day = in_days(30)
    old = migrate(BEFORE)
    OldBalance, OldMovement = old.get_model("aid", "Balance"), old.get_model("aid", "Movement")
    # As the old stock_receive left it: 894 undated, then 10 dated put their date on all.
    for quantity, expiry in ((894, None), (10, day)):
        OldMovement.objects.create(
            warehouse_id=school.pk,
            item_id=biscuits.pk,
            lot="",
            expiry=expiry,
            kind="receipt",
            quantity=quantity,
        )
    OldBalance.objects.create(
        warehouse_id=school.pk, item_id=biscuits.pk, lot="", expiry=day, quantity=904
    )
    # All handed out: nothing there to keep the date for.
    for quantity, kind in ((5, "receipt"), (-5, "loss")):
        OldMovement.objects.create(
            warehouse_id=point.pk,
            item_id=biscuits.pk,
            lot="",
            expiry=day,
            kind=kind,
            quantity=quantity,
        )
    OldBalance.objects.create(
        warehouse_id=point.pk, item_id=biscuits.pk, lot="", expiry=day, quantity=0
    )

    migrate(LATEST)

    assert lots(school, biscuits) == {"": (0, None), exp(day): (904, day)}
    assert lots(point, biscuits) == {"": (0, None)}
    out = Movement.objects.get(kind=MovementKind.TRANSFER_OUT)
    into = Movement.objects.get(kind=MovementKind.TRANSFER_IN)
    assert (out.warehouse, out.lot, out.expiry, out.quantity) == (school, "", day, -904)
    assert (into.warehouse, into.lot, into.expiry, into.quantity) == (school, exp(day), day, 904)
    assert into.transfer_of == out
    assert stock_differences()[1] == []
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Movement.objects.filter(pk=out.pk).update(quantity=1)

    # From now on: undated stock without a lot stays undated, dated goes to its lot.
    stocked(school, biscuits, 20, expiry=None)
    stocked(school, biscuits, 6, expiry=day)
    assert lots(school, biscuits) == {"": (20, None), exp(day): (910, day)}
    # The old dated receipt is undone where its units are now.
    stamped = Movement.objects.get(kind=MovementKind.RECEIPT, quantity=10, lot="")
    (reversal,) = movement_reverse(stamped, reason="keyed twice", by=None)
    assert (reversal.lot, reversal.expiry, reversal.quantity) == (exp(day), day, -10)
    assert stock_differences()[1] == []

    # Back: the moved stock stays in its lot, and the ledger stays append-only.
    old = migrate(BEFORE)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        old.get_model("aid", "Movement").objects.filter(pk=out.pk).update(quantity=1)


# ---- a short line of a distribution ------------------------------------------------


@pytest.mark.parametrize("short", [0, 1])
def test_short_stock_names_the_line_of_the_distribution(
    api_as: As, school: Warehouse, biscuits: Item, insulin: Item, short: int
) -> None:
    # Biscuits come first in the lock order (item id), whatever line they are on.
    stocked(school, biscuits, 4)
    stocked(school, insulin, 2)
    lines = [{"item": "INSULIN", "quantity": 1}, {"item": "BISCUITS", "quantity": 1}]
    lines[short]["quantity"] = 5
    response = post(
        api_as("coordinator"),
        "distributions",
        {
            "warehouse": "SUDZHA-SCHOOL",
            "household_id": family(("Ольга", "Коваленко")).pk,
            "lines": lines,
        },
    )
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["field"]) == ("insufficient_stock", f"lines[{short}].quantity")
    assert body["detail"].startswith(f"lines[{short}].quantity: Only ")
    assert Movement.objects.count() == 2


def test_household_page_still_says_which_item_is_short(
    client_as: As, school: Warehouse, biscuits: Item, insulin: Item
) -> None:
    stocked(school, biscuits, 4)
    stocked(school, insulin, 2)
    household = family(("Ольга", "Коваленко"))
    client = client_as("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        f"/aid/field/households/{household.pk}/",
        {"warehouse": "SUDZHA-SCHOOL", "qty_INSULIN": "1", "qty_BISCUITS": "5"},
    )
    assert response.status_code == 409
    # At the biscuits' field, where the quantity to change is.
    assert (
        '<div id="id_qty_BISCUITS_error"><p class="error" role="alert">'
        "Only 4 of Biscuits left at SUDZHA-SCHOOL; 5 asked for.</p></div>"
    ) in response.content.decode()
    assert Movement.objects.count() == 2


def test_short_stock_outside_a_distribution_names_the_quantity(
    school: Warehouse, biscuits: Item
) -> None:
    stocked(school, biscuits, 4)
    with pytest.raises(InsufficientStock) as refused:
        stock_transfer(source=school, target=WarehouseFactory(), item=biscuits, quantity=5, by=None)
    assert refused.value.field == "quantity"


# ---- 64-bit quantities ----------------------------------------------------------------


def test_a_balance_holds_more_than_2_to_the_31_units(
    api_as: As, school: Warehouse, biscuits: Item
) -> None:
    # 32-bit integer columns (PostgreSQL's integer) stop at 2,147,483,647: the 215th
    # receipt of the largest quantity would pass it. SQLite's integers are 64-bit.
    for _n in range(214):
        stocked(school, biscuits, QUANTITY_MAX, expiry=None)
    client = api_as("coordinator")
    body = {"warehouse": "SUDZHA-SCHOOL", "item": "BISCUITS", "quantity": QUANTITY_MAX}
    assert post(client, "receipts", body).status_code == 201
    stock = client.get("/api/v1/aid/stock?warehouse=SUDZHA-SCHOOL")
    assert stock.json() == [{"item": "BISCUITS", "quantity": 215 * QUANTITY_MAX}]

    # A count moves the whole balance in one movement.
    counted = stock_count_adjust(
        warehouse=school, item=biscuits, counted=0, reason="flooded", by=None
    )
    assert counted is not None and counted.quantity == -215 * QUANTITY_MAX
    assert stock_differences()[1] == []
