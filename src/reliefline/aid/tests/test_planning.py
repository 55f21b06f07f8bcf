import datetime as dt
from decimal import Decimal

import pytest

from reliefline.aid.models import ItemKind, KitLine, Plan, Standard
from reliefline.aid.planning import plan_create, plan_sheet
from reliefline.aid.tests.factories import ItemFactory
from reliefline.errors import InvalidInput
from reliefline.places.models import Attribute
from reliefline.places.tests.factories import ClaimFactory, PlaceFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def food_kit() -> None:
    food = Standard.objects.get(code="food")
    KitLine.objects.create(
        standard=food,
        item=ItemFactory(code="BISCUITS", kind=ItemKind.FOOD, kcal_per_unit=1800),
        share=Decimal("0.5"),
    )
    KitLine.objects.create(
        standard=food,
        item=ItemFactory(code="CANNED", kind=ItemKind.FOOD, kcal_per_unit=1000),
        share=Decimal("0.5"),
    )


def test_the_seeded_standards_are_sphere_figures() -> None:
    assert Standard.objects.get(code="water").per_person_per_day == 15
    assert Standard.objects.get(code="food").per_person_per_day == 2100


def test_food_kit_quantities_follow_the_kcal_per_unit(food_kit: None) -> None:
    plan = Plan.objects.create(
        settlement=PlaceFactory(), starts_on=dt.date(2024, 8, 15), days=3, population=10
    )
    rows = {row.item.code: row for row in plan_sheet(plan).rows}
    # 10 people × 2,100 kcal × ½ ÷ 1,800 kcal a pack = 5.83 packs a day, 18 for 3 days.
    assert (rows["BISCUITS"].per_day, rows["BISCUITS"].for_period) == (Decimal("5.8"), 18)
    assert (rows["CANNED"].per_day, rows["CANNED"].for_period) == (Decimal("10.5"), 32)


def test_without_a_hand_figure_the_largest_claimed_population_is_used_and_named(
    food_kit: None,
) -> None:
    place = PlaceFactory()
    ClaimFactory(
        source=SourceFactory(name="Field team"),
        attribute=Attribute.POPULATION,
        value="some",
        stated_count=1200,
        settlements=[place],
    )
    ClaimFactory(
        source=SourceFactory(name="District office"),
        attribute=Attribute.POPULATION,
        value="most",
        stated_count=2500,
        settlements=[place],
    )
    plan = Plan.objects.create(settlement=place, starts_on=dt.date(2024, 8, 15), days=1)
    sheet = plan_sheet(plan)
    assert sheet.population is not None
    assert (sheet.population.count, sheet.population.source) == (2500, "District office")
    assert sorted(f.count for f in sheet.claimed) == [1200, 2500]


def test_a_hand_figure_wins_over_the_claims(food_kit: None) -> None:
    place = PlaceFactory()
    ClaimFactory(
        attribute=Attribute.POPULATION, value="most", stated_count=2500, settlements=[place]
    )
    plan = Plan.objects.create(
        settlement=place, starts_on=dt.date(2024, 8, 15), days=1, population=40
    )
    sheet = plan_sheet(plan)
    assert sheet.population is not None and sheet.population.count == 40


def test_plan_refuses_an_unknown_settlement() -> None:
    with pytest.raises(InvalidInput) as raised:
        plan_create(
            settlement_id="nowhere",
            starts_on=dt.date(2024, 8, 15),
            days=7,
            population=None,
            by=None,
        )
    assert raised.value.field == "settlement"
