"""Many field devices distributing from the same stock at once never overdraw it.

Each thread has its own database connection, as each gunicorn worker does. The test
runs outside a test transaction (transactional_db) so the threads see committed
data. SQLite's test database lives in shared-cache memory, where a second writer
fails at once instead of waiting; the threads therefore work on a file copy of it,
in WAL mode with the busy timeout, which is how reliefline runs on SQLite.
"""

from collections import Counter
from pathlib import Path

from conftest import threads_database, together
from reliefline.aid.errors import DoubleDipping, InsufficientStock
from reliefline.aid.models import Balance, Distribution, DistributionRule, ItemKind, Movement
from reliefline.aid.selectors import stock_differences
from reliefline.aid.services import DistributionInput, LineInput, distribution_record
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, stocked
from reliefline.people.models import Household

THREADS = 8
STOCK = 30


def test_concurrent_distributions_never_overdraw(transactional_db: None, tmp_path: Path) -> None:
    water = ItemFactory(code="WATER-5L", kind=ItemKind.WATER)
    warehouse = WarehouseFactory(code="SUDZHA-1")
    stocked(warehouse, water, STOCK)
    households = [Household.objects.create(size=1) for _ in range(THREADS * 6)]
    name = threads_database(tmp_path)

    def device(i: int) -> list[str]:
        outcomes = []
        for household in households[i::THREADS]:
            try:
                distribution_record(
                    DistributionInput(
                        warehouse="SUDZHA-1",
                        household_id=household.pk,
                        lines=[LineInput("WATER-5L", 1)],
                    ),
                    by=None,
                )
                outcomes.append("given")
            except InsufficientStock:
                outcomes.append("refused")
        return outcomes

    results = together(device, THREADS, database=name)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    counts = Counter(outcome for outcomes in results for outcome in outcomes)
    assert counts == {"given": STOCK, "refused": len(households) - STOCK}

    def after(_: int) -> tuple[int, int, int, int]:
        return (
            Balance.objects.get(warehouse__code="SUDZHA-1").quantity,
            Distribution.objects.count(),
            sum(Movement.objects.values_list("quantity", flat=True)),
            len(stock_differences()[1]),
        )

    assert together(after, 1, database=name) == [(0, STOCK, 0, 0)]


def test_concurrent_rations_to_one_family_give_one(transactional_db: None, tmp_path: Path) -> None:
    # A transactional test starts from a flushed database: the seeded rules are gone.
    DistributionRule.objects.update_or_create(
        kind=ItemKind.WATER, defaults={"max_per_period": 1, "period_days": 7}
    )
    water = ItemFactory(code="WATER-5L", kind=ItemKind.WATER)
    stocked(WarehouseFactory(code="SUDZHA-1"), water, STOCK)
    household = Household.objects.create(size=2)
    name = threads_database(tmp_path)

    def device(_: int) -> str:
        try:
            distribution_record(
                DistributionInput(
                    warehouse="SUDZHA-1",
                    household_id=household.pk,
                    lines=[LineInput("WATER-5L", 2)],
                ),
                by=None,
            )
        except DoubleDipping:
            return "refused"
        return "given"

    assert Counter(together(device, THREADS, database=name)) == {"given": 1, "refused": THREADS - 1}


def test_opposite_transfers_at_once_all_complete(transactional_db: None, tmp_path: Path) -> None:
    from reliefline.aid.services import stock_transfer

    water = ItemFactory(code="WATER-5L", kind=ItemKind.WATER)
    east, west = WarehouseFactory(code="EAST"), WarehouseFactory(code="WEST")
    stocked(east, water, STOCK)
    stocked(west, water, STOCK)
    name = threads_database(tmp_path)

    def truck(i: int) -> int:
        # Half the trucks drive east to west, half west to east, all at the same moment:
        # without a common lock order two of them wait for each other's balance.
        source, target = ("EAST", "WEST") if i % 2 else ("WEST", "EAST")
        for _ in range(3):
            stock_transfer(
                source=type(east).objects.get(code=source),
                target=type(east).objects.get(code=target),
                item=water,
                quantity=1,
                by=None,
            )
        return 3

    results = together(truck, THREADS, database=name)

    assert results == [3] * THREADS
    assert together(lambda _: len(stock_differences()[1]), 1, database=name) == [0]
