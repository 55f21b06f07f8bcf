import pytest

from reliefline.aid.models import Distribution, ItemKind
from reliefline.aid.services import DistributionInput, LineInput, distribution_record
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, stocked
from reliefline.channels.models import Notice
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.places.times import resident_time

pytestmark = pytest.mark.django_db


def _give_to_caller() -> Distribution:
    warehouse = WarehouseFactory(code="SUDZHA-1")
    stocked(warehouse, ItemFactory(code="WATER-5L", name_ru="Вода, 5 л", kind=ItemKind.WATER), 10)
    case = open_case(needs=[NeedInput(type="water")])
    assert case.household is not None
    return distribution_record(
        DistributionInput(
            warehouse="SUDZHA-1", household_id=case.household.pk, lines=[LineInput("WATER-5L", 2)]
        ),
        by=None,
    )


def test_the_household_is_told_of_its_distribution_in_its_language() -> None:
    distribution = _give_to_caller()
    notice = Notice.objects.get(kind="aid_distribution")
    assert notice.person_id == distribution.household.members.order_by("pk").first().pk  # type: ignore[union-attr]
    assert "Вода, 5 л × 2" in notice.body
    # On the clock of the warehouse's settlement, named (reliefline.places.times).
    place = distribution.warehouse.settlement
    assert resident_time(distribution.at, place=place, language="ru") in notice.body
    assert "времени)" in notice.body
