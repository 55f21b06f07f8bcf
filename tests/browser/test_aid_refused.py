"""A distribution kept offline and refused once sent was handed out all the same: it
stays on the phone until a person settles it (aid/outbox.js). And the outbox shows
its times on the operation's clock, as the pages do, whatever the phone's."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from playwright.sync_api import expect

from reliefline.aid.models import Distribution, Item, Warehouse
from reliefline.aid.services import stock_lose
from reliefline.aid.tests.factories import stocked
from tests.browser.conftest import screenshot
from tests.browser.test_aid import (
    WATER,
    _give,
    _given,
    _given_meanwhile_by_another_team,
    _household_page,
    _kept,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
REFUSED = "#outbox .outbox-refused li"


def _refused(phone) -> list[dict]:
    return phone.evaluate(
        "JSON.parse(localStorage.getItem('reliefline.distributions.refused') || '[]')"
    )


def _refused_once_sent(new_page, live_server, *, role: str):
    """Return the phone with 2 bottles kept offline and refused for double dipping."""
    phone, household, team = _household_page(new_page, live_server, role=role)
    phone.context.set_offline(True)
    _give(phone, water=2, code="4821")
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    _given_meanwhile_by_another_team(household)
    phone.context.set_offline(False)
    expect(phone.locator("#outbox .outbox-sent li.error")).to_contain_text(
        "already received 1 distribution", timeout=20_000
    )
    _reported(phone)
    return phone, household, team


def _reported(phone) -> None:
    """Wait until the phone's report of the refusal is answered: the test's own queries
    share the in-memory database's one connection with the live server's requests."""
    expect(phone.locator(REFUSED)).to_contain_text("Reported: R-", timeout=20_000)


def test_a_refused_kept_distribution_stays_on_the_phone_until_a_person_settles_it(
    new_page, live_server, gazetteer
):
    phone, household, _team = _refused_once_sent(new_page, live_server, role="field")

    expect(phone.locator("#outbox .outbox-sent li.error")).to_contain_text(
        "it is reported to the server"
    )
    refused = phone.locator(REFUSED)
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text(f"{household} · {WATER} × 2 · handed out")
    expect(refused).to_contain_text("already received 1 distribution")
    # The rules refused it: only a coordinator's form takes a justification.
    expect(refused.get_by_role("button", name="Record it again")).to_have_count(0)
    assert _kept(phone) == []
    screenshot(phone, "aid-refused-to-settle")

    phone.reload()
    expect(phone.locator(REFUSED)).to_contain_text(f"{household} · {WATER} × 2")
    [kept] = _refused(phone)
    assert dict(kept["fields"])["qty_WATER-5L"] == "2"
    # Written as the pages and the server's reasons write times, on the operation's clock.
    handed = dt.datetime.fromtimestamp(kept["at"] / 1000, tz=dt.UTC)
    when = handed.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M")
    expect(phone.locator(REFUSED)).to_contain_text(f"handed out {when}")
    assert dict(kept["fields"])["confirmation_code"] == "4821"

    phone.goto(f"{live_server.url}/aid/field/")
    link = phone.locator(REFUSED).get_by_role("link", name="Open the household page")
    expect(link).to_have_attribute("href", f"/aid/field/households/{household.pk}/")
    link.click()
    expect(phone.locator("#entitlements")).to_contain_text("1 of 1 in 7 days")
    phone.locator(REFUSED).get_by_role("button", name="Settled: remove from this phone").click()

    expect(phone.locator(REFUSED)).to_have_count(0)
    assert _refused(phone) == []
    phone.reload()
    expect(phone.locator(REFUSED)).to_have_count(0)
    assert _given(household) == [("WATER-5L", -1)]  # the other team's only


def test_a_coordinator_records_a_refused_one_again_with_a_justification(
    new_page, live_server, gazetteer
):
    """The justification was never kept on the phone: it is written now, and audited."""
    phone, household, team = _refused_once_sent(new_page, live_server, role="coordinator")

    phone.locator(REFUSED).get_by_role("button", name="Record it again").click()

    expect(phone.locator("#distribution-form .settle-note")).to_contain_text(
        f"{household} · {WATER} × 2"
    )
    expect(phone.locator("#id_qty_WATER-5L")).to_have_value("2")
    expect(phone.locator("#id_confirmation_code")).to_have_value("4821")
    expect(phone.locator("#id_warehouse")).to_have_value("SUDZHA-SCHOOL")
    expect(phone.locator("#id_override_reason")).to_be_focused()
    phone.fill("#id_override_reason", "Handed out offline; the family of five had none left.")
    phone.click("#distribution-form button[type=submit]")

    expect(phone.locator(".messages")).to_contain_text("Distribution recorded.")
    expect(phone.locator(REFUSED)).to_have_count(0)
    assert _refused(phone) == []
    mine = Distribution.objects.get(by=team)
    assert mine.override_reason.startswith("Handed out offline")
    assert mine.confirmation_code == "4821"
    assert sorted(_given(household)) == [("WATER-5L", -2), ("WATER-5L", -1)]


def test_a_kept_distribution_refused_for_want_of_stock_is_recorded_again_once_stocked(
    new_page, live_server, gazetteer
):
    """Not the rules: the team puts it back in the form once the stock is put right."""
    phone, household, team = _household_page(new_page, live_server)
    phone.context.set_offline(True)
    _give(phone, water=2)
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    school = Warehouse.objects.get(code="SUDZHA-SCHOOL")
    water = Item.objects.get(code="WATER-5L")
    stock_lose(warehouse=school, item=water, quantity=50, reason="shelling", by=None)
    phone.context.set_offline(False)
    expect(phone.locator(REFUSED)).to_contain_text("Only 0 of", timeout=20_000)
    _reported(phone)

    stocked(school, water, 10)  # the stock put right, as a coordinator would
    phone.locator(REFUSED).get_by_role("button", name="Record it again").click()
    expect(phone.locator("#id_qty_WATER-5L")).to_have_value("2")
    phone.click("#distribution-form button[type=submit]")

    expect(phone.locator(".messages")).to_contain_text("Distribution recorded.")
    expect(phone.locator(REFUSED)).to_have_count(0)
    assert _refused(phone) == []
    assert Distribution.objects.get().by == team
    assert _given(household) == [("WATER-5L", -2)]


def test_the_outbox_shows_times_on_the_operations_clock_not_the_phones(
    new_page, live_server, gazetteer
):
    """A phone set to Tokyo time: the kept line says the time the household page will."""
    phone, _household, _team = _household_page(new_page, live_server)
    devtools = phone.context.new_cdp_session(phone)
    devtools.send("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Tokyo"})
    phone.reload()
    # Everything the reload asked for answered: a request still being served when the
    # test ends would meet the database being flushed for the next test.
    phone.wait_for_load_state("networkidle")
    assert phone.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Asia/Tokyo"
    phone.context.set_offline(True)

    _give(phone, water=2)

    line = phone.locator("#outbox .outbox-waiting li")
    expect(line).to_have_count(1)
    at = dt.datetime.fromtimestamp(_kept(phone)[0]["at"] / 1000, tz=dt.UTC)
    operation = at.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%H:%M")
    tokyo = at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
    expect(line).to_have_text(re.compile(rf" · {operation}$"))
    assert tokyo not in line.inner_text()
