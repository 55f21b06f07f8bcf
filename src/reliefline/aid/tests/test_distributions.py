import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone, translation

from reliefline.access.models import AuditEntry
from reliefline.aid.errors import DoubleDipping, InsufficientStock
from reliefline.aid.models import Balance, Distribution, DistributionRule, ItemKind, Movement
from reliefline.aid.selectors import household_group
from reliefline.aid.services import (
    DistributionInput,
    LineInput,
    distribution_record,
    movement_reverse,
)
from reliefline.aid.services.distributions import OverrideNotAllowed
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, family, stocked
from reliefline.errors import InvalidInput, NotFound
from reliefline.hotline.models import Need
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Household
from reliefline.places.models import Assignment
from reliefline.places.tests.factories import PlaceFactory

pytestmark = pytest.mark.django_db
BORN = dt.date(1961, 4, 12)


@pytest.fixture
def water():
    return ItemFactory(code="WATER-5L", kind=ItemKind.WATER)


@pytest.fixture
def point(water):
    warehouse = WarehouseFactory(code="SUDZHA-1")
    stocked(warehouse, water, 100)
    return warehouse


def give(
    household: Household,
    *,
    quantity: int = 2,
    item: str = "WATER-5L",
    by: User | None = None,
    override: str = "",
    now: dt.datetime | None = None,
    warehouse: str = "SUDZHA-1",
) -> Distribution:
    return distribution_record(
        DistributionInput(
            warehouse=warehouse,
            household_id=household.pk,
            lines=[LineInput(item=item, quantity=quantity)],
            recipient_name="Ольга",
            override_reason=override,
        ),
        by=by,
        now=now,
    )


def on_hand(warehouse, item) -> int:
    return Balance.objects.get(warehouse=warehouse, item=item).quantity


def test_distribution_takes_stock_and_records_the_recipient(point, water, user_in) -> None:
    field = user_in("coordinator")
    household = family(("Ольга", "Коваленко"))
    distribution = give(household, quantity=3, by=field)
    assert on_hand(point, water) == 97
    assert distribution.recipient_name == "Ольга"
    assert [(line.item.code, line.quantity) for line in distribution.lines.all()] == [
        ("WATER-5L", 3)
    ]
    (movement,) = distribution.movements.all()
    assert (movement.kind, movement.quantity, movement.by) == ("distribution", -3, field)
    assert AuditEntry.objects.filter(record=f"aid.distribution:{distribution.pk}").exists()


def test_distribution_beyond_stock_is_refused_and_writes_nothing(point, water) -> None:
    household = family(("Ольга", "Коваленко"))
    with pytest.raises(InsufficientStock, match="Only 100"):
        give(household, quantity=101)
    assert on_hand(point, water) == 100
    assert not Distribution.objects.exists()
    assert Movement.objects.count() == 1


def test_a_second_line_short_of_stock_undoes_the_first(point, water) -> None:
    ItemFactory(code="BISCUIT", name_en="Biscuits", kind=ItemKind.FOOD)
    household = family(("Ольга", "Коваленко"))
    with pytest.raises(InsufficientStock, match="Biscuits"):
        distribution_record(
            DistributionInput(
                warehouse="SUDZHA-1",
                household_id=household.pk,
                lines=[LineInput("WATER-5L", 2), LineInput("BISCUIT", 1)],
            ),
            by=None,
        )
    assert on_hand(point, water) == 100
    assert not Distribution.objects.exists()


def test_short_stock_names_the_item_in_the_readers_language(point) -> None:
    household = family(("Ольга", "Коваленко"))
    with translation.override("uk"), pytest.raises(InsufficientStock) as refused:
        give(household, quantity=101)
    assert "Питна вода, пляшка 5 л" in refused.value.message
    assert "WATER-5L" not in refused.value.message


def test_unknown_item_is_refused_naming_the_line(point) -> None:
    household = family(("Ольга", "Коваленко"))
    with pytest.raises(InvalidInput) as raised:
        give(household, item="NOPE")
    assert raised.value.field == "lines[0].item"


def test_second_ration_within_the_period_is_refused_with_the_reason(point) -> None:
    DistributionRule.objects.filter(kind=ItemKind.WATER).update(max_per_period=1, period_days=7)
    household = family(("Ольга", "Коваленко"))
    give(household)
    with pytest.raises(DoubleDipping, match="already received 1 distribution"):
        give(household)
    assert Distribution.objects.count() == 1


def test_minimum_interval_is_enforced(point) -> None:
    DistributionRule.objects.filter(kind=ItemKind.WATER).update(
        max_per_period=5, period_days=7, min_interval_days=3
    )
    household = family(("Ольга", "Коваленко"))
    now = timezone.now()
    give(household, now=now)
    Distribution.objects.update(at=now - dt.timedelta(days=2))
    with pytest.raises(DoubleDipping, match="less than 3 days ago"):
        give(household, now=now)
    Distribution.objects.update(at=now - dt.timedelta(days=4))
    give(household, now=now)


def test_minimum_interval_refusal_says_when_in_local_time(point) -> None:
    DistributionRule.objects.filter(kind=ItemKind.WATER).update(
        max_per_period=5, period_days=7, min_interval_days=3
    )
    household = family(("Ольга", "Коваленко"))
    given_at = dt.datetime(2024, 8, 14, 10, 0, tzinfo=dt.UTC)  # 13:00 in Kyiv (UTC+3)
    give(household)
    Distribution.objects.update(at=given_at)
    with pytest.raises(DoubleDipping, match=r"last received 2024-08-14 13:00,"):
        give(household, now=given_at + dt.timedelta(days=1))


def test_a_ration_older_than_the_period_does_not_count(point) -> None:
    DistributionRule.objects.filter(kind=ItemKind.WATER).update(max_per_period=1, period_days=7)
    household = family(("Ольга", "Коваленко"))
    give(household)
    Distribution.objects.update(at=timezone.now() - dt.timedelta(days=8))
    give(household)
    assert Distribution.objects.count() == 2


def test_a_reversed_distribution_does_not_count(point) -> None:
    DistributionRule.objects.filter(kind=ItemKind.WATER).update(max_per_period=1, period_days=7)
    household = family(("Ольга", "Коваленко"))
    first = give(household)
    movement_reverse(first.movements.get(), reason="handed to the wrong person", by=None)
    give(household)
    assert Distribution.objects.count() == 2


def _water_and_biscuits(point, household: Household) -> Distribution:
    biscuits = ItemFactory(code="BISCUIT", kind=ItemKind.FOOD, name_en="Biscuits")
    stocked(point, biscuits, 10)
    return distribution_record(
        DistributionInput(
            warehouse=point.code,
            household_id=household.pk,
            lines=[LineInput(item="WATER-5L", quantity=2), LineInput(item="BISCUIT", quantity=1)],
        ),
        by=None,
    )


def test_a_line_reversed_alone_no_longer_counts_for_its_kind(point) -> None:
    """The biscuits went back: the family received no food, and may get it now."""
    for kind in (ItemKind.WATER, ItemKind.FOOD):
        DistributionRule.objects.filter(kind=kind).update(max_per_period=1, period_days=7)
    household = family(("Ольга", "Коваленко"))
    first = _water_and_biscuits(point, household)
    movement_reverse(first.movements.get(item__code="BISCUIT"), reason="damaged", by=None)

    give(household, item="BISCUIT", quantity=1)
    with pytest.raises(DoubleDipping, match="already received"):
        give(household)  # the water still stands


def test_the_household_page_lists_what_still_stands(point, client_as) -> None:
    household = family(("Ольга", "Коваленко"))
    first = _water_and_biscuits(point, household)
    movement_reverse(first.movements.get(item__code="BISCUIT"), reason="damaged", by=None)
    client = client_as("coordinator")
    client.cookies["django_language"] = "en"

    page = client.get(f"/aid/field/households/{household.pk}/").content.decode()

    received = page.split('<ul id="received">', 1)[1].split("</ul>", 1)[0]
    assert "× 2" in received and "Biscuits" not in received


def test_the_same_family_registered_twice_is_one_family(point) -> None:
    place = PlaceFactory()
    first = family(
        ("Ольга", "Коваленко"), settlement_id=place.pk, birth_date=BORN, phone="+79101112233"
    )
    again = family(
        ("Olha", "Kovalenko"), settlement_id=place.pk, birth_date=BORN, phone="+79101112233"
    )
    other = family(("Нина", "Шевченко"), settlement_id=place.pk, birth_date=BORN)
    assert household_group(again) == sorted([first.pk, again.pk])
    assert household_group(other) == [other.pk]


def test_double_dipping_across_registrations_is_refused(point) -> None:
    DistributionRule.objects.filter(kind=ItemKind.WATER).update(max_per_period=1, period_days=7)
    place = PlaceFactory()
    first = family(("Ольга", "Коваленко"), settlement_id=place.pk, birth_date=BORN)
    again = family(("Olga", "Kovalenko"), settlement_id=place.pk, birth_date=BORN)
    give(first)
    with pytest.raises(DoubleDipping, match=f"also registered as H-{first.pk:06d}"):
        give(again)


def test_mother_and_daughter_in_separate_households_are_not_merged(point) -> None:
    place = PlaceFactory()
    mother = family(
        ("Ольга", "Коваленко"), settlement_id=place.pk, birth_date=BORN, phone="+79101112233"
    )
    daughter = family(
        ("Ирина", "Коваленко"),
        settlement_id=place.pk,
        birth_date=dt.date(1990, 1, 5),
        phone="+79101112233",
    )
    assert household_group(daughter) == [daughter.pk]
    assert mother.pk not in household_group(daughter)


def test_coordinator_override_is_kept_and_audited(point, user_in) -> None:
    DistributionRule.objects.filter(kind=ItemKind.WATER).update(max_per_period=1, period_days=7)
    coordinator = user_in("coordinator")
    household = family(("Ольга", "Коваленко"))
    give(household, by=coordinator)
    second = give(household, by=coordinator, override="House burned; all water lost on Tuesday.")
    assert second.overridden_rules == ["water:max_per_period"]
    assert second.override_reason.startswith("House burned")
    entry = AuditEntry.objects.get(
        record=f"aid.distribution:{second.pk}", fields=["override_reason"]
    )
    assert entry.purpose == "double-dipping override: water:max_per_period"
    assert entry.username == coordinator.username


def test_field_team_may_not_override(point, user_in) -> None:
    place = PlaceFactory()
    field = user_in("field")
    Assignment.objects.create(user=field, place=place)
    household = family(("Ольга", "Коваленко"), settlement_id=place.pk)
    with pytest.raises(OverrideNotAllowed):
        give(household, by=field, override="please")


def test_field_team_cannot_serve_a_household_outside_its_settlements(point, user_in) -> None:
    field = user_in("field")
    Assignment.objects.create(user=field, place=PlaceFactory())
    elsewhere = family(("Ольга", "Коваленко"), settlement_id=PlaceFactory().pk)
    with pytest.raises(NotFound) as raised:
        give(elsewhere, by=field)
    assert raised.value.field == "household_id"


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("uk", "Питна вода, пляшка 5 л"),
        ("ru", "Питьевая вода, бутылка 5 л"),
        ("en", "Drinking water, 5 l bottle"),
    ],
)
def test_the_case_note_names_the_items_in_the_readers_language(
    point, language: str, name: str
) -> None:
    case = open_case(needs=[NeedInput(type="water")])
    assert case.household is not None
    with translation.override("uk"):  # written by one reader's request...
        distribution = give(case.household)
    note = case.events.get(kind="note", by=None)
    with translation.override(language):  # ...read by another's
        assert note.display_text.endswith(f"({distribution}): {name}.")


def test_distribution_fulfils_the_matching_needs_of_the_household_cases(point) -> None:
    ItemFactory(code="INSULIN", name_en="Insulin", name_ru="Инсулин", kind=ItemKind.MEDICINE)
    ItemFactory(code="PARACETAMOL", name_en="Paracetamol", kind=ItemKind.MEDICINE)
    stocked(point, ItemFactory(code="INSULIN"), 10)
    stocked(point, ItemFactory(code="PARACETAMOL"), 10)
    case = open_case(
        needs=[NeedInput(type="water"), NeedInput(type="medicine", item="инсулин", quantity=3)]
    )
    assert case.household is not None
    give(case.household)
    assert Need.objects.get(case=case, type="water").fulfilled_at is not None
    give(case.household, item="PARACETAMOL", quantity=1)
    assert Need.objects.get(case=case, type="medicine").fulfilled_at is None
    give(case.household, item="INSULIN", quantity=3)
    assert Need.objects.get(case=case, type="medicine").fulfilled_at is not None
    assert case.events.filter(kind="note", by=None).count() == 2
