import datetime as dt
from unittest import mock

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from reliefline.aid.models import Item, ItemKind, Movement, Unit, Warehouse
from reliefline.aid.services import stock_receive
from reliefline.people.models import Household
from reliefline.people.services import PersonInput, household_create, person_create
from reliefline.places.models import Place
from reliefline.places.tests.factories import PlaceFactory


class ItemFactory(factory.django.DjangoModelFactory[Item]):
    class Meta:
        model = Item
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ITEM-{n}")
    name_en = "Drinking water, 5 l bottle"
    name_uk = "Питна вода, пляшка 5 л"
    name_ru = "Питьевая вода, бутылка 5 л"
    unit = Unit.BOTTLE
    kind = ItemKind.WATER
    litres_per_unit = 5


class WarehouseFactory(factory.django.DjangoModelFactory[Warehouse]):
    class Meta:
        model = Warehouse
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"WH-{n}")
    name = "Sudzha school gym"
    settlement = factory.SubFactory(PlaceFactory)


def stocked(
    warehouse: Warehouse,
    item: Item,
    quantity: int,
    *,
    lot: str = "",
    expiry: dt.date | None = None,
    by: User | None = None,
) -> Movement:
    """Return the receipt putting `quantity` of the item (of the lot, good until
    `expiry`) into the warehouse."""
    return stock_receive(
        warehouse=warehouse,
        item=item,
        quantity=quantity,
        reference="WB-test",
        lot=lot,
        expiry=expiry,
        by=by,
    )


def water_point(**fields: object) -> Warehouse:
    """Return a distribution point SUDZHA-1 holding 100 bottles of WATER-5L."""
    warehouse = WarehouseFactory(code="SUDZHA-1", **fields)
    stocked(warehouse, ItemFactory(code="WATER-5L", kind=ItemKind.WATER), 100)
    return warehouse


def stocked_then_expired(
    warehouse: Warehouse, item: Item, quantity: int, *, lot: str, days_ago: int = 1
) -> Movement:
    """Return the receipt of a lot whose expiry date passed `days_ago` days ago.

    It is received, as it would have been, on a day it was still good: only the
    clock is turned back, so the ledger's own rules build the state.
    """
    expiry = timezone.localdate() - dt.timedelta(days=days_ago)
    with mock.patch.object(timezone, "localdate", return_value=expiry - dt.timedelta(days=90)):
        return stocked(warehouse, item, quantity, lot=lot, expiry=expiry)


def family(
    *members: tuple[str, str],
    settlement_id: str | None = None,
    birth_date: dt.date | None = None,
    phone: str = "",
) -> Household:
    """Return a household registered with these (given, family) names; the first has the date."""
    place = Place.objects.get(pk=settlement_id) if settlement_id else None
    household = household_create(settlement=place, size=max(1, len(members)))
    for i, (given, family_name) in enumerate(members):
        person_create(
            PersonInput(
                given_name=given,
                family_name=family_name,
                birth_date=birth_date if i == 0 else None,
                phone=phone if i == 0 else "",
            ),
            household=household,
        )
    return household
