"""Warehouses on the situation map, with their stock by item."""

from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, stocked

LAYER = "/places/situation/layers/warehouses.geojson"


def test_a_warehouse_is_a_point_listing_its_stock(client_as, db):
    warehouse = WarehouseFactory(name="Sudzha school gym")
    stocked(warehouse, ItemFactory(code="WATER-5L"), 40)
    WarehouseFactory(name="Empty point", mobile=True)

    features = client_as("coordinator").get(LAYER).json()["features"]

    by_title = {f["properties"]["title"]: f for f in features}
    stocked_point = by_title["Sudzha school gym (Warehouse)"]
    assert stocked_point["geometry"]["type"] == "Point"
    assert stocked_point["properties"]["details"] == ["WATER-5L: 40 bottle"]
    assert by_title["Empty point (Mobile distribution point)"]["properties"]["tone"] == "warn"


def test_roles_without_stock_do_not_get_the_layer(client_as, db):
    WarehouseFactory()

    assert client_as("operator").get(LAYER).status_code == 404
