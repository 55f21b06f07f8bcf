"""The aid part of the demo: Sudzha's stock, a plan, and a family registered twice.

Scenario: troops hand out water, canned goods and biscuits in Sudzha, and the
hotline's first request is insulin. The Мальцев family (case 2 of the hotline demo,
four people without water) received water and food two days ago; the same family
was registered again at the distribution point in Latin letters ("Serhii Maltsev"),
so a field team serving that registration is refused by the double-dipping check.
Needs the gazetteer, the demo users and the hotline demo.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from reliefline.aid.models import Item, ItemKind, KitLine, Standard, Unit
from reliefline.aid.planning import plan_create
from reliefline.aid.services import (
    DistributionInput,
    ItemInput,
    LineInput,
    distribution_record,
    item_create,
    stock_receive,
    warehouse_create,
)
from reliefline.people.models import Household
from reliefline.people.selectors import person_lookup
from reliefline.people.services import PersonInput, household_create, person_create
from reliefline.places.models import Assignment, Place

SUDZHA = "geonames-postal:RU-307800"
MALTSEV_PHONE = "+79100000002"  # the hotline demo's second caller
WAREHOUSE = "SUDZHA-SCHOOL"
MOBILE = "SUDZHA-MOBILE-1"

ITEMS = (
    ItemInput(
        "WATER-5L",
        "Drinking water, 5 l bottle",
        "Питна вода, пляшка 5 л",
        "Питьевая вода, бутылка 5 л",
        Unit.BOTTLE,
        4,
        ItemKind.WATER,
        Decimal(5),
        0,
    ),
    ItemInput(
        "CANNED-MEAT",
        "Canned stewed meat, 525 g",
        "Тушонка, 525 г",
        "Тушёнка, 525 г",
        Unit.CAN,
        24,
        ItemKind.FOOD,
        Decimal(0),
        1000,
    ),
    ItemInput(
        "BISCUITS",
        "Biscuits, 400 g pack",
        "Печиво, пачка 400 г",
        "Печенье, пачка 400 г",
        Unit.PACK,
        20,
        ItemKind.FOOD,
        Decimal(0),
        1800,
    ),
    ItemInput(
        "INSULIN",
        "Insulin, 10 ml vial",
        "Інсулін, флакон 10 мл",
        "Инсулин, флакон 10 мл",
        Unit.VIAL,
        10,
        ItemKind.MEDICINE,
        Decimal(0),
        0,
    ),
)
# The insulin's expiry counts from the day the demo is loaded: expired stock is refused.
RECEIPTS = (
    ("WATER-5L", 3000, "WB-2024-0812-01", "", None),
    ("CANNED-MEAT", 1200, "WB-2024-0812-01", "", None),
    ("BISCUITS", 900, "WB-2024-0812-02", "", None),
    ("INSULIN", 12, "ICRC-MED-0813", "L2407A", dt.timedelta(days=240)),
)
# Bottled water covers drinking and cooking (3 of the 15 litres); food half and half.
KITS = (("water", "WATER-5L", "0.2"), ("food", "CANNED-MEAT", "0.5"), ("food", "BISCUITS", "0.5"))


@dataclass(frozen=True)
class AidDemoResult:
    loaded: bool
    duplicate_household_id: int | None


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


@transaction.atomic
def demo_load(*, now: dt.datetime | None = None) -> AidDemoResult:
    """Return whether the aid demo was loaded now (False when it already was)."""
    now = now or timezone.now()
    if Item.objects.filter(code="WATER-5L").exists():
        return AidDemoResult(False, None)
    coordinator, field = _user("coordinator"), _user("field")
    for data in ITEMS:
        item_create(data, by=coordinator)
    warehouse = warehouse_create(
        code=WAREHOUSE, name="Sudzha, school No. 1 gym", settlement_id=SUDZHA, by=coordinator
    )
    warehouse_create(
        code=MOBILE, name="Mobile point, truck 1", settlement_id=SUDZHA, mobile=True, by=coordinator
    )
    for code, quantity, reference, lot, shelf_life in RECEIPTS:
        stock_receive(
            warehouse=warehouse,
            item=Item.objects.get(code=code),
            quantity=quantity,
            reference=reference,
            lot=lot,
            expiry=now.date() + shelf_life if shelf_life else None,
            by=coordinator,
        )
    for standard, code, share in KITS:
        KitLine.objects.get_or_create(
            standard=Standard.objects.get(code=standard),
            item=Item.objects.get(code=code),
            defaults={"share": Decimal(share)},
        )
    plan_create(
        settlement_id=SUDZHA,
        starts_on=now.date(),
        days=7,
        population=2000,
        note="Residents who stayed, estimate of the field team.",
        by=coordinator,
    )
    if field is not None:
        Assignment.objects.get_or_create(user=field, place_id=SUDZHA)
    return AidDemoResult(True, _maltsev_twice(by=field))


def _maltsev_twice(*, by: User | None) -> int | None:
    """Give the Мальцев household its week's water and food, then register it again."""
    caller = person_lookup(phone=MALTSEV_PHONE).first()
    if caller is None or caller.household is None:
        return None
    # Given now, not backdated: its ledger movements cannot be redated (the ledger is
    # append-only), and the reports count a distribution by its movements' day.
    distribution_record(
        DistributionInput(
            warehouse=WAREHOUSE,
            household_id=caller.household.pk,
            lines=[LineInput("WATER-5L", 8), LineInput("CANNED-MEAT", 8), LineInput("BISCUITS", 4)],
            recipient_name="Сергей Мальцев",
        ),
        by=by,
    )
    again: Household = household_create(settlement=Place.objects.get(pk=SUDZHA), size=4)
    person_create(
        PersonInput(given_name="Serhii", family_name="Maltsev", birth_date=caller.birth_date),
        household=again,
        by=by,
    )
    return again.pk
