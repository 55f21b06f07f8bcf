"""The 3W in Chromium: a coordinator reports an activity for any organisation and finds it
in the list and the HXL export; a partner, on a phone, reports only for its own."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from conftest import SUDZHA
from reliefline.hotline.demo import demo_users_ensure
from reliefline.partners.demo import demo_load
from reliefline.partners.models import Activity, Organisation
from reliefline.partners.tests.factories import OrganisationFactory
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import PHONE, _problems_on

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def _fill_activity(page: Page, *, description: str, starts: str, ends: str) -> None:
    page.select_option("#id_sector", "wash")
    page.fill("#id_description", description)
    page.fill("#id_settlement_q", "Sudzha")
    page.click(f"#places-settlement button[data-place-id='{SUDZHA}']")
    expect(page.locator("#picker-settlement input[name=settlement]")).to_have_value(SUDZHA)
    page.fill("#id_starts_on", starts)
    page.fill("#id_ends_on", ends)
    page.fill("#id_targeted", "800")
    page.fill("#id_reached", "150")


def _overflow(page: Page) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def test_coordinator_and_partner_report_3w_activities(new_page, live_server, gazetteer):
    demo_users_ensure()
    demo_load()
    unhcr = OrganisationFactory(name="UNHCR", acronym="UNHCR")

    desk = new_page(user=User.objects.get(username="coordinator"))
    # The first request imports every URLconf and API schema: slow on a busy machine.
    desk.goto(f"{live_server.url}/partners/", timeout=60_000)
    desk.click("#threew-title ~ p a[href='/partners/activities/new/']")
    desk.select_option("#id_organisation", label="UNHCR")
    _fill_activity(desk, description="Hygiene kits", starts="2024-08-20", ends="2024-09-20")
    desk.click("#activity-form button[type=submit]")

    expect(desk).to_have_url(f"{live_server.url}/partners/activities/")
    row = desk.locator("table.threew tr", has_text="Hygiene kits")
    expect(row).to_contain_text("UNHCR")
    expect(row).to_contain_text("2024-08-20 – 2024-09-20")
    export = desk.request.get(f"{live_server.url}/api/v1/exports/3w.csv").text()
    assert re.search(r"UNHCR.*Hygiene kits.*800,150", export), export
    desk.select_option("#id_organisation", "UNHCR")
    expect(desk.locator("table.threew tbody tr")).to_have_count(1)
    screenshot(desk, "partners-3w-list")

    partner = new_page(user=User.objects.get(username="partner"), **PHONE)
    partner.goto(f"{live_server.url}/partners/activities/new/", timeout=60_000)
    offered = partner.locator("#id_organisation option").all_inner_texts()
    assert offered == ["—", "ICRC"]
    icrc = Organisation.objects.get(acronym="ICRC")
    expect(partner.locator("#id_organisation")).to_have_value(str(icrc.pk))
    _fill_activity(partner, description="Jerrycans", starts="2024-08-20", ends="2024-08-01")
    partner.click("#activity-form button[type=submit]")

    error = partner.locator(".field.has-error", has=partner.locator("#id_ends_on"))
    expect(error.locator(".error")).to_have_text("Must not be before the start.")
    assert not Activity.objects.filter(description="Jerrycans").exists()
    assert _overflow(partner) <= 1
    assert _problems_on(partner, Axe(), partner.url) == []
    screenshot(partner, "partners-3w-form-phone-error")

    partner.fill("#id_ends_on", "2024-09-01")
    partner.click("#activity-form button[type=submit]")

    expect(partner.locator("table.threew tr", has_text="Jerrycans")).to_contain_text("ICRC")
    assert Activity.objects.get(description="Jerrycans").organisation == icrc
    assert _overflow(partner) <= 1
    # Its own lines can be corrected, another organisation's cannot.
    own = partner.locator("table.threew tr", has_text="Jerrycans")
    other = partner.locator("table.threew tr", has_text="Hygiene kits")
    expect(own.get_by_role("link", name="Jerrycans")).to_have_count(1)
    expect(other.get_by_role("link")).to_have_count(0)
    hygiene = Activity.objects.get(organisation=unhcr)
    page = partner.goto(f"{live_server.url}/partners/activities/{hygiene.pk}/")
    assert page is not None and page.status == 404
