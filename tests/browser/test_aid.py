"""What coordinators and field teams click for aid, in Chromium: receive → plan →
distribute on a phone → the same family, registered again, is refused."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from conftest import SUDZHA
from reliefline.access.tests.factories import UserFactory
from reliefline.aid.models import DistributionRule, ItemKind, KitLine, Measure, Standard
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, family
from reliefline.places.models import Assignment, Place
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
BORN = dt.date(1961, 4, 12)
PHONE = {"width": 390, "height": 844}


def _sudzha_ready() -> tuple[int, int]:
    # A transactional test starts from a flushed database: seed what migrations seeded.
    DistributionRule.objects.update_or_create(
        kind=ItemKind.WATER, defaults={"max_per_period": 1, "period_days": 7}
    )
    water_standard, _ = Standard.objects.get_or_create(
        code="water",
        defaults={
            "name": "Water",
            "kind": ItemKind.WATER,
            "measure": Measure.LITRES,
            "per_person_per_day": 15,
        },
    )
    water = ItemFactory(code="WATER-5L", kind=ItemKind.WATER, litres_per_unit=5)
    KitLine.objects.create(standard=water_standard, item=water, share=Decimal("0.2"))
    WarehouseFactory(
        code="SUDZHA-SCHOOL", name="School No. 1", settlement=Place.objects.get(pk=SUDZHA)
    )
    first = family(("Ольга", "Коваленко"), settlement_id=SUDZHA, birth_date=BORN)
    again = family(("Olga", "Kovalenko"), settlement_id=SUDZHA, birth_date=BORN)
    return first.pk, again.pk


def test_receive_plan_distribute_and_refuse_the_re_registered_family(
    new_page, live_server, gazetteer
):
    first, again = _sudzha_ready()
    coordinator = UserFactory(role="coordinator")
    field = UserFactory(role="field")
    Assignment.objects.create(user=field, place_id=SUDZHA)

    desk = new_page(user=coordinator)
    # The first request imports every URLconf and API schema: slow on a busy machine.
    desk.goto(f"{live_server.url}/aid/receive/", timeout=60_000)
    desk.select_option("#id_warehouse", "SUDZHA-SCHOOL")
    desk.select_option("#id_item", "WATER-5L")
    desk.fill("#id_quantity", "200")
    desk.fill("#id_reference", "WB-2024-0812-01")
    desk.click("#receipt-form button[type=submit]")
    expect(desk.locator(".messages")).to_contain_text("Received 200 × WATER-5L at SUDZHA-SCHOOL")

    desk.goto(f"{live_server.url}/aid/plans/")
    desk.fill("#id_settlement_q", "Sudzha")
    desk.click(f"#places-settlement button[data-place-id='{SUDZHA}']")
    desk.fill("#id_starts_on", "2024-08-15")
    desk.fill("#id_days", "7")
    desk.fill("#id_population", "100")
    desk.click("#plan-form button[type=submit]")
    expect(desk).to_have_url(re.compile(r"/aid/plans/\d+/$"))
    # 100 people × 15 l × 20% ÷ 5 l = 60 bottles a day, 420 a week; 200 in stock.
    expect(desk.locator("#plan-table td[data-item='WATER-5L']")).to_have_text("220")
    screenshot(desk, "aid-plan")

    phone = new_page(user=field, **PHONE)
    phone.goto(f"{live_server.url}/aid/field/")
    phone.fill("#id_q", "Коваленко")
    phone.click("form[role=search] button[type=submit]")
    phone.click(f"#households a[href='/aid/field/households/{first}/']")
    phone.select_option("#id_warehouse", "SUDZHA-SCHOOL")
    phone.fill("#id_qty_WATER-5L", "2")
    phone.fill("#id_recipient_name", "Ольга")
    phone.click("#distribution-form button[type=submit]")
    expect(phone.locator(".messages")).to_contain_text("Distribution recorded.")
    expect(phone.locator("#received")).to_contain_text("× 2")
    expect(phone.locator("#entitlements")).to_contain_text("1 of 1 in 7 days")

    phone.goto(f"{live_server.url}/aid/field/?q=Kovalenko")
    phone.click(f"#households a[href='/aid/field/households/{again}/']")
    expect(phone.locator("#duplicates")).to_contain_text(f"H-{first:06d}")
    phone.select_option("#id_warehouse", "SUDZHA-SCHOOL")
    phone.fill("#id_qty_WATER-5L", "2")
    phone.click("#distribution-form button[type=submit]")
    expect(phone.locator("#refused")).to_contain_text("already received 1 distribution")
    screenshot(phone, "aid-field-refused")

    desk.goto(f"{live_server.url}/aid/")
    expect(desk.locator("#stock-table")).to_contain_text("198")
