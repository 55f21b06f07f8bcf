import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from reliefline.access.idempotency import HEADER, REMEMBERED
from reliefline.access.models import IdempotentRequest
from reliefline.aid.models import (
    Distribution,
    DistributionRule,
    Item,
    ItemKind,
    Movement,
    Warehouse,
)
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, family, stocked
from reliefline.places.models import Assignment
from reliefline.places.tests.factories import PlaceFactory

pytestmark = pytest.mark.django_db
Api = Callable[[str], Client]


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(f"/api/v1/aid/{path}", json.dumps(body), content_type="application/json")


@pytest.fixture
def stock() -> Warehouse:
    warehouse = WarehouseFactory(code="SUDZHA-1")
    stocked(warehouse, ItemFactory(code="WATER-5L", kind=ItemKind.WATER), 50)
    return warehouse


ITEM = {
    "code": "BISCUIT",
    "name": {"en": "Biscuits", "uk": "Печиво", "ru": "Печенье"},
    "unit": "pack",
}


def test_coordinator_adds_an_item(api_as: Api) -> None:
    response = post(api_as("coordinator"), "items", ITEM)
    assert response.status_code == 201, response.content
    assert response.json()["name"] == {"en": "Biscuits", "uk": "Печиво", "ru": "Печенье"}
    assert Item.objects.get(code="BISCUIT").name_ru == "Печенье"


def test_a_taken_item_code_is_409_for_a_colleague(api_as: Api) -> None:
    post(api_as("coordinator"), "items", ITEM)
    response = post(api_as("coordinator"), "items", ITEM)
    assert response.status_code == 409
    assert response.json()["detail"] == "code: An item with code BISCUIT already exists."
    in_uk = api_as("coordinator").post(
        "/api/v1/aid/items",
        json.dumps(ITEM),
        content_type="application/json",
        headers={"Accept-Language": "uk"},
    )
    assert in_uk.json()["detail"] == "code: Позиція з кодом BISCUIT уже існує."


@pytest.mark.parametrize("role", ["field", "partner", "operator"])
def test_roles_without_stock_management_cannot_add_items(api_as: Api, role: str) -> None:
    assert post(api_as(role), "items", ITEM).status_code == 403
    assert not Item.objects.exists()


def test_item_without_english_name_is_422_naming_the_field(api_as: Api) -> None:
    response = post(api_as("coordinator"), "items", {**ITEM, "name": {"uk": "Печиво"}})
    assert response.status_code == 422
    assert response.json()["field"] == "name.en"
    assert not Item.objects.exists()


def test_item_with_unknown_unit_is_422(api_as: Api) -> None:
    response = post(api_as("coordinator"), "items", {**ITEM, "unit": "barrel"})
    assert (response.status_code, response.json()["field"]) == (422, "unit")


def test_anonymous_caller_gets_401(client: Client) -> None:
    assert post(client, "items", ITEM).status_code == 401


def test_coordinator_adds_a_warehouse_at_a_settlement(api_as: Api) -> None:
    place = PlaceFactory()
    body = {"code": "SUDZHA-1", "name": "School No. 1", "settlement": place.pk}
    response = post(api_as("coordinator"), "warehouses", body)
    assert response.status_code == 201, response.content
    assert response.json() == {**body, "mobile": False}


def test_warehouse_at_an_unknown_settlement_is_422(api_as: Api) -> None:
    response = post(
        api_as("coordinator"), "warehouses", {"code": "X", "name": "X", "settlement": "nowhere"}
    )
    assert (response.status_code, response.json()["field"]) == (422, "settlement")
    assert not Warehouse.objects.exists()


@pytest.mark.parametrize("body", [None, [{"code": "X"}], "X", 42])
def test_warehouse_body_that_is_not_an_object_is_422_naming_the_body(
    api_as: Api, body: Any
) -> None:
    response = post(api_as("coordinator"), "warehouses", body)
    assert (response.status_code, response.json()["field"]) == (422, "body")
    assert not Warehouse.objects.exists()


def test_item_names_that_are_not_an_object_are_422_naming_the_field(api_as: Api) -> None:
    response = post(api_as("coordinator"), "items", {**ITEM, "name": ["Biscuits"]})
    assert (response.status_code, response.json()["field"]) == (422, "name")
    assert not Item.objects.exists()


def test_receipt_adds_stock(api_as: Api, stock: Warehouse) -> None:
    body = {"warehouse": "SUDZHA-1", "item": "WATER-5L", "quantity": 25, "reference": "WB-0815"}
    response = post(api_as("coordinator"), "receipts", body)
    assert response.status_code == 201, response.content
    assert response.json()["quantity"] == 25
    stock_now = api_as("coordinator").get("/api/v1/aid/stock?warehouse=SUDZHA-1").json()
    assert stock_now == [{"item": "WATER-5L", "quantity": 75}]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": "5"}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"item": "NOPE"}, "item"),
        ({"warehouse": "NOPE"}, "warehouse"),
        ({"reference": "x" * 101}, "reference"),
        ({"reference": "a\u0000b"}, "reference"),
    ],
)
def test_bad_receipt_is_422_naming_the_field(
    api_as: Api, stock: Warehouse, change: dict[str, Any], field: str
) -> None:
    body = {"warehouse": "SUDZHA-1", "item": "WATER-5L", "quantity": 5, "reference": "WB", **change}
    response = post(api_as("coordinator"), "receipts", body)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert Movement.objects.count() == 1


def test_field_team_cannot_receive_stock(api_as: Api, stock: Warehouse) -> None:
    body = {"warehouse": "SUDZHA-1", "item": "WATER-5L", "quantity": 5, "reference": "WB"}
    assert post(api_as("field"), "receipts", body).status_code == 403


def _field_in(user_in: Callable[[str], Any], place_id: str) -> Client:
    from reliefline.access.tests.factories import token_for

    user = user_in("field")
    Assignment.objects.create(user=user, place_id=place_id)
    return Client(headers={"Authorization": f"Bearer {token_for(user)}"})


def test_field_team_distributes_in_its_settlement(user_in: Any, stock: Warehouse) -> None:
    household = family(("Ольга", "Коваленко"), settlement_id=stock.settlement_id)
    client = _field_in(user_in, stock.settlement_id)
    body = {
        "warehouse": "SUDZHA-1",
        "household_id": household.pk,
        "lines": [{"item": "WATER-5L", "quantity": 2}],
    }
    response = post(client, "distributions", body)
    assert response.status_code == 201, response.content
    assert response.json()["lines"] == [{"item": "WATER-5L", "quantity": 2}]
    assert client.get("/api/v1/aid/stock?warehouse=SUDZHA-1").json() == [
        {"item": "WATER-5L", "quantity": 48}
    ]


def test_a_household_outside_the_team_settlements_is_404(user_in: Any, stock: Warehouse) -> None:
    household = family(("Ольга", "Коваленко"), settlement_id=PlaceFactory().pk)
    client = _field_in(user_in, stock.settlement_id)
    body = {
        "warehouse": "SUDZHA-1",
        "household_id": household.pk,
        "lines": [{"item": "WATER-5L", "quantity": 2}],
    }
    response = post(client, "distributions", body)
    assert (response.status_code, response.json()["field"]) == (404, "household_id")
    assert not Distribution.objects.exists()


def test_second_ration_is_409_with_the_reason_and_writes_nothing(
    api_as: Api, stock: Warehouse
) -> None:
    DistributionRule.objects.filter(kind=ItemKind.WATER).update(max_per_period=1, period_days=7)
    household = family(("Ольга", "Коваленко"))
    client = api_as("coordinator")
    body = {
        "warehouse": "SUDZHA-1",
        "household_id": household.pk,
        "lines": [{"item": "WATER-5L", "quantity": 2}],
    }
    assert post(client, "distributions", body).status_code == 201
    response = post(client, "distributions", body)
    assert response.status_code == 409
    assert response.json()["code"] == "double_dipping"
    assert "already received 1 distribution" in response.json()["detail"]
    assert Distribution.objects.count() == 1
    assert Movement.objects.count() == 2
    override = post(client, "distributions", {**body, "override_reason": "Flooded; lost it all."})
    assert override.status_code == 201
    assert override.json()["overridden_rules"] == ["water:max_per_period"]


def test_a_distribution_sent_again_after_its_key_is_forgotten_is_not_recorded_twice(
    api_as: Api, stock: Warehouse
) -> None:
    """A phone a month and more without signal: the key is kept on the distribution."""
    household = family(("Ольга", "Коваленко"))
    client = api_as("coordinator")
    body = {
        "warehouse": "SUDZHA-1",
        "household_id": household.pk,
        "lines": [{"item": "WATER-5L", "quantity": 2}],
    }
    key = {HEADER: '"6c1d0c4e-3b9a-4a52-8f0e-2b7d9e1a5c30"'}
    first = client.post(
        "/api/v1/aid/distributions", json.dumps(body), "application/json", headers=key
    )
    assert first.status_code == 201, first.content
    IdempotentRequest.objects.update(created_at=timezone.now() - REMEMBERED - dt.timedelta(days=9))
    Distribution.objects.update(at=timezone.now() - REMEMBERED - dt.timedelta(days=9))

    again = client.post(
        "/api/v1/aid/distributions", json.dumps(body), "application/json", headers=key
    )

    assert again.status_code == 409
    assert (again.json()["code"], again.json()["field"]) == ("idempotency_key_done", HEADER)
    assert f"D-{first.json()['id']:06d}" in again.json()["detail"]
    assert Distribution.objects.count() == 1
    assert client.get("/api/v1/aid/stock?warehouse=SUDZHA-1").json()[0]["quantity"] == 48
    # The key is each user's own: a colleague's request with the same key is recorded.
    other = api_as("coordinator").post(
        "/api/v1/aid/distributions", json.dumps(body), "application/json", headers=key
    )
    assert other.status_code == 201, other.content


def test_distribution_beyond_stock_is_409(api_as: Api, stock: Warehouse) -> None:
    household = family(("Ольга", "Коваленко"))
    body = {
        "warehouse": "SUDZHA-1",
        "household_id": household.pk,
        "lines": [{"item": "WATER-5L", "quantity": 51}],
    }
    response = post(api_as("coordinator"), "distributions", body)
    assert (response.status_code, response.json()["code"]) == (409, "insufficient_stock")
    assert not Distribution.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"item": "WATER-5L", "quantity": -1}]}, "lines[0].quantity"),
        ({"lines": [{"item": "WATER-5L"}]}, "lines[0].quantity"),
        ({"household_id": "12"}, "household_id"),
        ({"household_id": 10**9}, "household_id"),
    ],
)
def test_bad_distribution_is_4xx_naming_the_field(
    api_as: Api, stock: Warehouse, change: dict[str, Any], field: str
) -> None:
    household = family(("Ольга", "Коваленко"))
    body = {
        "warehouse": "SUDZHA-1",
        "household_id": household.pk,
        "lines": [{"item": "WATER-5L", "quantity": 1}],
        **change,
    }
    response = post(api_as("coordinator"), "distributions", body)
    assert response.status_code in (404, 422), response.content
    assert response.json()["field"] == field
    assert not Distribution.objects.exists()


def test_partner_sees_stock_but_cannot_distribute_or_read_the_ledger(
    api_as: Api, stock: Warehouse
) -> None:
    partner = api_as("partner")
    assert partner.get("/api/v1/aid/stock?warehouse=SUDZHA-1").status_code == 200
    assert partner.get("/api/v1/aid/movements").status_code == 403
    body = {
        "warehouse": "SUDZHA-1",
        "household_id": 1,
        "lines": [{"item": "WATER-5L", "quantity": 1}],
    }
    assert post(partner, "distributions", body).status_code == 403


def test_stock_of_an_unknown_warehouse_is_422(api_as: Api) -> None:
    response = api_as("coordinator").get("/api/v1/aid/stock?warehouse=NOPE")
    assert (response.status_code, response.json()["field"]) == (422, "warehouse")
    assert response.json()["detail"] == "warehouse: No warehouse has the code NOPE."
    in_ru = api_as("coordinator").get(
        "/api/v1/aid/stock?warehouse=NOPE", headers={"Accept-Language": "ru"}
    )
    assert in_ru.json()["detail"] == "warehouse: Нет склада с кодом NOPE."


def test_movements_page_with_a_keyset_cursor(api_as: Api, stock: Warehouse) -> None:
    water = Item.objects.get(code="WATER-5L")
    for n in range(4):
        stocked(stock, water, n + 1)
    client = api_as("field")
    first = client.get("/api/v1/aid/movements?warehouse=SUDZHA-1&item=WATER-5L&limit=3").json()
    assert [m["quantity"] for m in first["items"]] == [4, 3, 2]
    second = client.get(f"/api/v1/aid/movements?limit=3&cursor={first['next_cursor']}").json()
    assert [m["quantity"] for m in second["items"]] == [1, 50]
    assert second["next_cursor"] is None


def test_a_forged_cursor_is_422(api_as: Api) -> None:
    response = api_as("coordinator").get("/api/v1/aid/movements?cursor=%%%")
    assert (response.status_code, response.json()["field"]) == (422, "cursor")
