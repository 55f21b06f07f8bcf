"""The situation in Chromium: 74 beside 41, the map with no tiles reachable, and a
partner who sees only what its agreement allows, until the agreement ends."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Locator, Page, Route, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import SUDZHA
from reliefline.hotline.demo import demo_users_ensure
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.partners.demo import demo_load
from reliefline.partners.models import SharingAgreement
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_sources_side_by_side_map_without_tiles_and_partner_limits(
    new_page, live_server, gazetteer
):
    demo_users_ensure()
    demo_load()
    case = open_case(
        settlement_id=SUDZHA,
        needs=(NeedInput(type="medicine", item="insulin"),),
        household_size=2,
        message="Mother, 82, needs insulin.",
    )
    coordinator = User.objects.get(username="coordinator")
    partner = User.objects.get(username="partner")

    desk = new_page(user=coordinator)
    tiles: list[str] = []
    csp_errors: list[str] = []

    def offline(route: Route) -> None:
        # No tile server is reachable: only the live server answers.
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            tiles.append(route.request.url)
            route.abort()

    desk.route("**/*", offline)
    desk.on(
        "console",
        lambda message: (
            csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    # The first request imports every URLconf and API schema: slow on a busy machine.
    desk.goto(f"{live_server.url}/places/situation/", timeout=60_000)

    party = desk.locator('tr[data-source^="Armed Forces of Ukraine"]', has_text="Ukrainian forces")
    isw = desk.locator(
        'tr[data-source="Institute for the Study of War"]', has_text="Ukrainian forces"
    )
    expect(party.locator("td.stated")).to_have_text("74")
    expect(isw.locator("td.stated")).to_have_text("41")
    expect(desk.locator("#situation-map")).to_have_attribute("data-features", "122")
    expect(desk.locator("path.map-point.tone-ok")).to_have_count(7)
    expect(desk.locator("path.map-point.tone-bad")).to_have_count(4)
    assert tiles, "the map asked for tiles, and got none"
    assert csp_errors == []
    screenshot(desk, "situation-map-no-tiles")

    _popup_open(desk, desk.locator("path.map-point.tone-bad").first)
    expect(desk.locator(".leaflet-popup-content")).to_contain_text("Contested")

    portal = new_page(user=partner)
    portal.goto(f"{live_server.url}/partners/", timeout=60_000)
    shared = portal.locator("table.shared-cases")
    expect(shared).to_contain_text(str(case.reference))
    expect(shared).to_contain_text("2 persons")
    expect(portal.locator("main")).not_to_contain_text("Верещук")
    expect(portal.locator("main")).not_to_contain_text("+7910")
    api = portal.request.get(f"{live_server.url}/api/v1/partners/cases").json()
    assert [(c["reference"], c["name"], c["phone"]) for c in api] == [(case.reference, None, None)]
    screenshot(portal, "partner-portal")

    SharingAgreement.objects.update(ends_at=timezone.now() - dt.timedelta(seconds=1))
    portal.reload()

    expect(portal.locator("#aggregates-only")).to_be_visible()
    expect(shared).not_to_contain_text(str(case.reference))
    assert portal.request.get(f"{live_server.url}/api/v1/partners/cases").json() == []


def _popup_open(page: Page, point: Locator) -> None:
    """Click the point until its popup opens.

    A click while Leaflet is still fitting the map to its points (slow on a busy
    machine) can land before the point is where it is drawn, and opens nothing.
    """
    popup = page.locator(".leaflet-popup-content")
    for _attempt in range(5):
        point.click()
        try:
            popup.wait_for(timeout=2_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("no popup opened after five clicks on the point")


PHONE = {"width": 390, "height": 844}


def _overflow(page: Page) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_situation_and_settlement_pages_fit_a_phone(new_page, live_server, gazetteer, language):
    """Wide tables scroll inside their own box and badges wrap: the page never gets wider
    than a 390 px screen, in the languages with the longest words."""
    demo_users_ensure()
    demo_load()
    page = new_page(user=User.objects.get(username="coordinator"), language=language, **PHONE)
    # The first request imports every URLconf and API schema: slow on a busy machine.
    page.goto(f"{live_server.url}/places/situation/", timeout=60_000)
    expect(page.locator("table.claims-summary")).to_be_visible()
    screenshot(page, f"situation-phone-{language}")
    assert _overflow(page) <= 0
    # Five columns are wider than a phone: the table scrolls in its own box.
    sources = page.locator(".table-scroll:has(table.claims-summary)")
    assert sources.evaluate("box => box.scrollWidth > box.clientWidth")

    page.goto(f"{live_server.url}/places/settlements/{SUDZHA}/")
    expect(page.locator("table.claims-side-by-side")).to_be_visible()
    screenshot(page, f"settlement-phone-{language}")
    assert _overflow(page) <= 0
    # Each attribute puts its sources under its name and agreement: nothing is cut off.
    side = page.locator(".table-scroll:has(table.claims-side-by-side)")
    assert side.evaluate("box => box.scrollWidth <= box.clientWidth")
    expect(page.locator("h1")).to_have_text("Суджа")  # once, its names being spelled alike


def test_turning_a_report_into_a_claim_needs_a_choice(new_page, live_server, gazetteer):
    """Pressing the button without choosing records nothing: the browser stops at the select."""
    from reliefline.places.models import Claim

    demo_users_ensure()
    case = open_case(settlement_id=SUDZHA, needs=(NeedInput(type="water"),))
    page = new_page(user=User.objects.get(username="operator"), **PHONE)
    # The first request imports every URLconf and API schema: slow on a busy machine.
    page.goto(f"{live_server.url}/hotline/cases/{case.reference}/", timeout=60_000)
    report = page.locator("#claim-report")
    expect(report).to_have_value("")

    page.fill("#claim-note", "since Tuesday")
    page.click(".claim-from-case button[type=submit]")

    assert report.evaluate("select => select.validity.valueMissing")
    expect(page).to_have_url(f"{live_server.url}/hotline/cases/{case.reference}/")
    assert not Claim.objects.exists()

    report.select_option("water:none")
    page.click(".claim-from-case button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Recorded as a claim")
    assert Claim.objects.get().value == "none"
