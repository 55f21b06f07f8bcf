"""An operator on a phone corrects the needs a message pre-filled, in Chromium at 390 px."""

import re

import pytest
from playwright.sync_api import Page, expect

from reliefline.access.tests.factories import UserFactory
from reliefline.channels.models import Sender
from reliefline.channels.services import Inbound, message_receive
from reliefline.channels.services.inbound import ACK_NONE
from reliefline.hotline.models import Channel
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
# The shared test machine can be slow: wait longer than the conftest's 10 s.
PATIENCE = 45_000
PHONE = {"width": 390, "height": 844}
# QA's SMS: the negations read as needs ("лекарства не нужны" as medicine).
SMS = "Вода у нас есть, лекарства не нужны. Нужна только еда, Суджа."


def _patient(page: Page) -> Page:
    page.set_default_timeout(PATIENCE)
    page.set_default_navigation_timeout(PATIENCE)
    return page


def test_an_operator_removes_the_needs_a_message_misread(new_page, live_server, gazetteer):
    case = message_receive(
        Inbound(
            sender=Sender.TWILIO,
            external_id="SM-needs-1",
            channel=Channel.SMS,
            text=SMS,
            medium="sms",
            address="+79101239876",
            phone="+79101239876",
            acknowledge=ACK_NONE,
        )
    ).case
    assert sorted(case.needs.values_list("type", flat=True)) == ["food", "medicine", "water"]
    page = _patient(new_page(user=UserFactory(role="operator"), language="en", **PHONE))
    url = f"{live_server.url}/hotline/cases/{case.reference}/"
    page.goto(url)
    reasons = page.locator("#priority-reasons")
    expect(reasons.locator("[data-reason='need:medicine']")).to_have_count(1)
    expect(page.locator("h1 .badge")).to_contain_text(f"{case.priority} ·")

    page.locator("#needs-correction summary").click()
    page.uncheck("#id_needs_medicine")
    page.uncheck("#id_needs_water")
    expect(page.locator("#id_needs_food")).to_be_checked()
    page.get_by_role("button", name="Save needs and vulnerabilities").click()

    expect(reasons.locator("[data-reason='need:medicine']")).to_have_count(0)
    expect(reasons.locator("[data-reason='need:water']")).to_have_count(0)
    expect(reasons.locator("[data-reason='need:food']")).to_have_text("needs Food: +12")
    expect(page.locator("h1 .badge")).to_contain_text("12 · Low")
    expect(page.locator(".timeline .event-note").last).to_contain_text(
        f"Corrected: needs removed: Medicine, Water. Priority {case.priority} → 12."
    )
    expect(page).to_have_url(url)  # swapped in place, as the other case actions are
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a 390 px phone"
    screenshot(page, "hotline-needs-corrected-390")
    case.refresh_from_db()
    assert (case.priority, sorted(case.needs.values_list("type", flat=True))) == (12, ["food"])
    assert re.fullmatch(r"RL-\d{6}", str(case.reference))
