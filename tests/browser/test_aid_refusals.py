"""In Chromium: a phone hands out offline, comes back, is refused, reports the refusal,
and the coordinators' page shows it to settle (aid/outbox.js, aid/refusals/)."""

import pytest
from playwright.sync_api import expect

from reliefline.access.tests.factories import UserFactory
from reliefline.aid.models import Balance, DistributionRefusal
from tests.browser.test_aid import (
    PHONE,
    WATER,
    _give,
    _given_meanwhile_by_another_team,
    _household_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
REFUSED = "#outbox .outbox-refused li"


def test_a_refusal_once_sent_is_reported_and_settled_on_the_coordinators_page(
    new_page,
    live_server,
    gazetteer,
):
    phone, household, team = _household_page(new_page, live_server)
    phone.context.set_offline(True)
    _give(phone, water=2, code="4821")
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    _given_meanwhile_by_another_team(household)

    phone.context.set_offline(False)

    link = phone.locator(REFUSED).get_by_role("link", name="Reported: R-")
    expect(link).to_be_visible(timeout=20_000)
    refusal = DistributionRefusal.objects.get()
    expect(link).to_have_attribute("href", f"/aid/refusals/#refusal-{refusal.pk}")
    assert (refusal.by, refusal.household, refusal.confirmation_code) == (team, household, "4821")
    assert phone.evaluate("localStorage.getItem('reliefline.distributions.reports')") is None
    phone.wait_for_load_state("networkidle")

    desk = new_page(user=UserFactory(role="coordinator"), **PHONE)
    desk.goto(f"{live_server.url}/aid/refusals/")
    row = desk.locator(f"#refusal-{refusal.pk}")
    expect(row).to_contain_text(f"{household}")
    expect(row).to_contain_text(f"{WATER} × 2")
    expect(row).to_contain_text("already received 1 distribution")
    expect(row).to_contain_text(team.username)
    # The distribution recorded meanwhile caused the refusal: it does not settle it.
    expect(row.locator("select[name=distribution] option")).to_have_count(1)
    # A phone's width: nothing wider than the screen.
    assert desk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    row.get_by_role("button", name="Write off as loss").click()
    expect(desk.locator(f"#refusal-{refusal.pk}")).to_contain_text("Written off as a loss")
    desk.wait_for_load_state("networkidle")
    assert Balance.objects.get(item__code="WATER-5L").quantity == 50 - 1 - 2
