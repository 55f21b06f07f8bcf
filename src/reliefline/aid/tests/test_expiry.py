"""Expired stock is never received and never handed out."""

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from reliefline.aid.errors import InsufficientStock
from reliefline.aid.models import Balance, Item, ItemKind, Movement, Plan, Unit, Warehouse
from reliefline.aid.planning import plan_sheet
from reliefline.aid.services import (
    DistributionInput,
    LineInput,
    distribution_record,
    stock_lose,
    stock_receive,
    stock_transfer,
)
from reliefline.aid.tests.factories import (
    ItemFactory,
    WarehouseFactory,
    family,
    stocked_then_expired,
)
from reliefline.errors import InvalidInput
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case

pytestmark = pytest.mark.django_db
As = Callable[[str], Client]


@pytest.fixture
def insulin() -> Item:
    return ItemFactory(
        code="INSULIN",
        name_en="Insulin, 10 ml vial",
        name_uk="Інсулін, флакон 10 мл",
        name_ru="Инсулин, флакон 10 мл",
        unit=Unit.VIAL,
        kind=ItemKind.MEDICINE,
        litres_per_unit=0,
    )


@pytest.fixture
def school() -> Warehouse:
    return WarehouseFactory(code="SUDZHA-SCHOOL")


def give(warehouse: Warehouse, item: Item, quantity: int) -> None:
    distribution_record(
        DistributionInput(
            warehouse=warehouse.code,
            household_id=family(("Ольга", "Коваленко")).pk,
            lines=[LineInput(item.code, quantity)],
        ),
        by=None,
    )


def test_receipt_past_its_expiry_is_refused_and_stores_nothing(
    school: Warehouse, insulin: Item
) -> None:
    with pytest.raises(InvalidInput, match="has passed") as refused:
        stock_receive(
            warehouse=school,
            item=insulin,
            quantity=5,
            reference="",
            lot="L1",
            expiry=dt.date(2020, 1, 1),
            by=None,
        )
    assert refused.value.field == "expiry"
    assert not Movement.objects.exists()
    assert not Balance.objects.exists()


def test_receive_page_refuses_an_expired_lot_naming_the_expiry(
    client_as: As, school: Warehouse, insulin: Item
) -> None:
    response = client_as("coordinator").post(
        "/aid/receive/",
        {
            "warehouse": "SUDZHA-SCHOOL",
            "item": "INSULIN",
            "quantity": "5",
            "lot": "L1",
            "expiry": "2020-01-01",
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors["expiry"] == [
        "The expiry date 2020-01-01 has passed; expired stock is not received."
    ]
    assert not Movement.objects.exists()


def test_receipts_api_refuses_an_expired_lot_naming_the_expiry(
    api_as: As, school: Warehouse, insulin: Item
) -> None:
    body = {
        "warehouse": "SUDZHA-SCHOOL",
        "item": "INSULIN",
        "quantity": 5,
        "reference": "ICRC-MED-1",
        "lot": "L1",
        "expiry": "2020-01-01",
    }
    response = api_as("coordinator").post(
        "/api/v1/aid/receipts", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["field"] == "expiry"
    assert not Movement.objects.exists()


def test_distribution_skips_an_expired_lot(school: Warehouse, insulin: Item) -> None:
    stocked_then_expired(school, insulin, 5, lot="L1")
    stock_receive(
        warehouse=school,
        item=insulin,
        quantity=10,
        reference="",
        lot="L2",
        expiry=timezone.localdate(),  # good through the day
        by=None,
    )
    give(school, insulin, 2)
    lots = dict(Balance.objects.filter(warehouse=school).values_list("lot", "quantity"))
    assert lots == {"L1": 5, "L2": 8}


def test_only_expired_units_left_is_refused_saying_they_are_expired(
    school: Warehouse, insulin: Item
) -> None:
    stocked_then_expired(school, insulin, 5, lot="L1")
    with pytest.raises(InsufficientStock, match="5 more are expired") as refused:
        give(school, insulin, 2)
    assert refused.value.code == "insufficient_stock"
    assert Balance.objects.get(lot="L1").quantity == 5
    assert Movement.objects.count() == 1
    # Writing it off is what a loss is for: it still takes the expired lot.
    (loss,) = stock_lose(warehouse=school, item=insulin, quantity=5, reason="expired", by=None)
    assert (loss.lot, loss.quantity) == ("L1", -5)


def test_transfer_naming_no_lot_leaves_expired_lots_behind(
    school: Warehouse, insulin: Item
) -> None:
    point = WarehouseFactory(code="MALAYA-LOKNYA")
    stocked_then_expired(school, insulin, 5, lot="L1")
    stock_receive(warehouse=school, item=insulin, quantity=4, reference="", lot="L2", by=None)
    out, into = stock_transfer(source=school, target=point, item=insulin, quantity=3, by=None)
    assert (out.lot, out.quantity, into.warehouse_id, into.quantity) == ("L2", -3, point.pk, 3)

    # More than the lots within their expiry date hold: refused, nothing moved.
    with pytest.raises(InsufficientStock, match="moved only when their lot is named"):
        stock_transfer(source=school, target=point, item=insulin, quantity=2, by=None)
    lots = dict(Balance.objects.filter(warehouse=school).values_list("lot", "quantity"))
    assert lots == {"L1": 5, "L2": 1}

    # Naming the expired lot moves it: sent back to the supplier, or to be destroyed.
    out, into = stock_transfer(
        source=school, target=point, item=insulin, quantity=5, lot="L1", by=None
    )
    assert (out.lot, into.lot, into.quantity, into.expiry) == ("L1", "L1", 5, out.expiry)


def test_transfer_page_refuses_expired_stock_at_the_quantity(
    client_as: As, school: Warehouse, insulin: Item
) -> None:
    point = WarehouseFactory(code="MALAYA-LOKNYA")
    stocked_then_expired(school, insulin, 5, lot="L1")
    client = client_as("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/aid/ledger/change/",
        {
            "action": "transfer",
            "warehouse": school.code,
            "item": insulin.code,
            "quantity": "5",
            "target": point.code,
        },
    )
    assert response.status_code == 409
    assert "5 more are expired and are moved only when their lot is named" in (
        response.content.decode()
    )
    assert not Balance.objects.filter(warehouse=point).exists()


def test_stock_page_says_how_much_is_expired(
    client_as: As, school: Warehouse, insulin: Item
) -> None:
    stocked_then_expired(school, insulin, 5, lot="L1")
    stock_receive(warehouse=school, item=insulin, quantity=7, reference="", lot="L2", by=None)
    client = client_as("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/aid/").content.decode()
    assert (
        '<td class="total" data-label="On hand">12 <span class="overdue-marker">(5 expired, not handed out)'
        in page
    )


def test_plan_sets_no_expired_stock_against_the_need(school: Warehouse, insulin: Item) -> None:
    stocked_then_expired(school, insulin, 5, lot="L1")
    stock_receive(warehouse=school, item=insulin, quantity=2, reference="", lot="L2", by=None)
    open_case(
        needs=[NeedInput(type="medicine", item="insulin", quantity=4)],
        settlement_id=school.settlement_id,
    )
    plan = Plan.objects.create(
        settlement=school.settlement, starts_on=timezone.localdate(), days=7, population=100
    )
    (row,) = plan_sheet(plan).rows
    assert (row.needed, row.available, row.shortfall) == (4, 2, 2)
