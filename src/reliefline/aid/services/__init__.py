"""Every write of the aid app: one function per use case, each in one transaction."""

from reliefline.aid.services.catalog import ItemInput, item_create, warehouse_create
from reliefline.aid.services.distributions import (
    DistributionInput,
    LineInput,
    distribution_record,
)
from reliefline.aid.services.ledger import (
    movement_reverse,
    stock_count_adjust,
    stock_lose,
    stock_receive,
    stock_transfer,
)
from reliefline.aid.services.refusals import (
    RefusalInput,
    Reported,
    refusal_report,
    refusal_settle,
    refusals_read,
)

__all__ = [
    "DistributionInput",
    "ItemInput",
    "LineInput",
    "RefusalInput",
    "Reported",
    "distribution_record",
    "item_create",
    "movement_reverse",
    "refusal_report",
    "refusal_settle",
    "refusals_read",
    "stock_count_adjust",
    "stock_lose",
    "stock_receive",
    "stock_transfer",
    "warehouse_create",
]
