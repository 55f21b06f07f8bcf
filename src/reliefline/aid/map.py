"""Warehouses and distribution points on the situation map, with what they hold."""

from collections import defaultdict
from typing import Any

from django.utils.translation import gettext, gettext_lazy

from reliefline.aid.models import Warehouse
from reliefline.aid.selectors import stock_totals
from reliefline.places.layers import Reader, feature_collection, point, register_layer


def warehouses_layer(user: Reader) -> dict[str, Any]:
    """Return a point per warehouse or mobile point, listing its stock by item."""
    stock: dict[int, list[str]] = defaultdict(list)
    for row in stock_totals().filter(quantity__gt=0):
        stock[row["warehouse_id"]].append(
            f"{row['item__code']}: {row['quantity']} {row['item__unit']}"
        )
    features = []
    for warehouse in Warehouse.objects.select_related("settlement"):
        kind = gettext("Mobile distribution point") if warehouse.mobile else gettext("Warehouse")
        lines = stock.get(warehouse.pk) or [gettext("No stock")]
        feature = point(
            warehouse.settlement,
            title=f"{warehouse.name} ({kind})",
            details=lines,
            tone="info" if stock.get(warehouse.pk) else "warn",
            size=9,
        )
        feature["id"] = f"warehouse-{warehouse.pk}"
        features.append(feature)
    return feature_collection(features)


def register() -> None:
    register_layer(
        "warehouses", gettext_lazy("Warehouses"), warehouses_layer, permission="aid.view_stock"
    )
