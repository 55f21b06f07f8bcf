import pytest

from reliefline.aid.demo import MOBILE, WAREHOUSE, demo_load
from reliefline.aid.errors import DoubleDipping
from reliefline.aid.models import Balance, Distribution, Plan
from reliefline.aid.planning import plan_sheet
from reliefline.aid.selectors import stock_differences
from reliefline.aid.services import DistributionInput, LineInput, distribution_record
from reliefline.hotline import demo as hotline_demo
from reliefline.hotline.models import Need

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(gazetteer: None) -> int:
    hotline_demo.demo_users_ensure()
    hotline_demo.demo_load()
    result = demo_load()
    assert result.loaded and result.duplicate_household_id is not None
    return result.duplicate_household_id


def test_demo_stocks_sudzha_and_plans_for_it(demo: int) -> None:
    water = Balance.objects.get(warehouse__code=WAREHOUSE, item__code="WATER-5L")
    assert water.quantity == 3000 - 8
    assert Balance.objects.filter(warehouse__code=MOBILE).count() == 0
    sheet = plan_sheet(Plan.objects.get())
    rows = {row.item.code: row for row in sheet.rows}
    # 2,000 people × 15 l × 20% ÷ 5 l = 1,200 bottles a day.
    assert rows["WATER-5L"].per_day == 1200
    # The insulin request of story 1 is planned from the case alone.
    assert rows["INSULIN"].case_needs == 1
    assert stock_differences()[1] == []


def test_demo_fulfils_the_maltsev_needs(demo: int) -> None:
    needs = Need.objects.filter(case__caller__family_name="Мальцев")
    assert {n.type for n in needs if n.fulfilled_at is not None} == {"water", "food"}


def test_the_re_registered_family_is_refused(demo: int) -> None:
    with pytest.raises(DoubleDipping, match="also registered as") as refused:
        distribution_record(
            DistributionInput(
                warehouse=WAREHOUSE, household_id=demo, lines=[LineInput("WATER-5L", 8)]
            ),
            by=None,
        )
    assert "Water" in str(refused.value)
    assert Distribution.objects.count() == 1


def test_demo_loads_once(demo: int) -> None:
    assert not demo_load().loaded


def test_the_demos_distribution_is_dated_as_its_ledger_movements(demo: int) -> None:
    (given,) = Distribution.objects.all()
    days = {movement.at.date() for movement in given.movements.all()}
    assert days == {given.at.date()}
