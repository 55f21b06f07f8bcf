"""The convoy pages on a phone, in Chromium: the convoy page no wider than the screen,
and the check-in page keeping a passenger's mark once however often it is given."""

import re

import pytest
from playwright.sync_api import expect

from reliefline.access.tests.factories import UserFactory
from reliefline.evacuation.services import VehicleInput
from reliefline.evacuation.tests import factories as f
from tests.browser.conftest import screenshot
from tests.browser.test_evacuation import _check_in_page, _stored_marks

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
PHONE = {"width": 390, "height": 844}


def test_the_convoy_page_with_a_waiting_list_fits_a_phone_in_russian(
    new_page, live_server, gazetteer
):
    """The waiting list's table scrolls inside its card, its hidden labels with it."""
    coordinator = UserFactory(role="coordinator")
    convoy = f.convoy(
        vehicles=[VehicleInput("Автобус 1", seats=2), VehicleInput("Медицинский фургон", seats=1)],
        by=coordinator,
    )
    f.request(family=[("Валентина", "wheelchair", True)], by=coordinator)
    phone = new_page(user=coordinator, language="ru", **PHONE)

    phone.goto(f"{live_server.url}/evacuation/convoys/{convoy.pk}/", timeout=60_000)

    expect(phone.locator("#left-out select[name=vehicle]")).to_have_count(1)
    screenshot(phone, "evacuation-convoy-phone-ru")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# The check-in page without a connection (evacuation/outbox.js): the same passenger
# marked twice is kept once.

ALREADY = "Already marked on this phone: %(code)s, Boarded. It is kept once, and sent"


def _mark_code(phone, code: str, to: str = "boarded") -> None:
    phone.select_option("#id_to", to)
    phone.fill("#id_code", code)
    phone.keyboard.press("Enter")  # what a hardware scanner sends after the code


def test_a_code_marked_twice_offline_is_kept_once_and_said_already_marked(
    new_page, live_server, gazetteer
):
    """Typed again (here as a Russian keyboard left it): not a second "Boarded", which
    the server would refuse once the first is sent."""
    phone, placement = _check_in_page(live_server, new_page)
    row = phone.locator(f"#p-{placement.code}")
    phone.context.set_offline(True)
    _mark_code(phone, placement.code)
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)

    _mark_code(phone, placement.code.lower().replace("-", ""))

    already = phone.locator("#outbox .outbox-sent li.kept")
    expect(already).to_contain_text(ALREADY % {"code": placement.code})
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    expect(phone.locator("#outbox .outbox-count")).to_contain_text("kept on this phone: 1")
    expect(row.locator(".outbox-kept")).to_have_text(
        "Boarded: kept on this phone, not sent yet. It is sent automatically once the "
        "connection is back."
    )
    expect(phone.locator("#id_code")).to_have_value("")  # ready for the next code
    assert len(_stored_marks(phone)) == 1
    _mark_code(phone, placement.code)  # and again: said once, not piled up
    expect(already).to_have_count(1)
    screenshot(phone, "evacuation-offline-already-marked")

    phone.context.set_offline(False)

    expect(phone.locator("#outbox .outbox-sent li.done")).to_have_text(
        f"Sent from this phone: {placement.code}, Ирина Верещук: Boarded"
    )
    expect(already).to_have_count(0)  # nothing kept to say it of
    expect(phone.locator("#outbox .outbox-sent li.error")).to_have_count(0)
    assert phone.evaluate("localStorage.getItem('reliefline.marks')") is None
    assert placement.events.filter(kind="boarded").count() == 1


def test_a_code_marked_boarded_then_arrived_offline_keeps_both_in_order(
    new_page, live_server, gazetteer
):
    """Another mark of the same passenger is not a repeat: both are sent, in turn."""
    phone, placement = _check_in_page(live_server, new_page)
    phone.context.set_offline(True)

    _mark_code(phone, placement.code)
    _mark_code(phone, placement.code, to="arrived")

    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(2)
    expect(phone.locator("#outbox .outbox-sent li")).to_have_count(0)
    phone.context.set_offline(False)
    expect(phone.locator("#outbox .outbox-sent li.done")).to_have_count(2)
    placement.refresh_from_db()
    assert placement.status == "arrived"


def test_a_code_scanned_twice_offline_is_kept_once(new_page, live_server, gazetteer):
    """The camera goes on reading with no connection; the same QR again is said, not kept."""
    phone, placement = _check_in_page(live_server, new_page, camera="works")
    phone.context.set_offline(True)
    phone.click("#scan")
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)

    phone.click("#scan")  # stopped, and started again: the same code is read anew
    phone.click("#scan")

    expect(phone.locator("#outbox .outbox-sent li.kept")).to_contain_text(
        ALREADY % {"code": placement.code}
    )
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    phone.click("#scan")  # stopped
    phone.context.set_offline(False)
    expect(phone.locator("#outbox .outbox-sent li.done")).to_contain_text("Boarded")
    expect(phone.locator("#outbox .outbox-sent li.error")).to_have_count(0)
    assert placement.events.filter(kind="boarded").count() == 1


def test_a_code_marked_again_while_its_mark_waits_on_a_flaky_connection_sends_that_one(
    new_page, live_server, gazetteer
):
    """The phone thinks it is online, the first request got nowhere: marking again sends
    the kept mark, rather than a second one that would get it refused."""
    phone, placement = _check_in_page(live_server, new_page)
    mark = re.compile(r".*/field/mark/$")
    phone.route(mark, lambda route: route.abort("internetdisconnected"))
    _mark_code(phone, placement.code)
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    phone.unroute(mark)

    _mark_code(phone, placement.code)

    expect(phone.locator("#outbox .outbox-sent li.done")).to_have_text(
        f"Sent from this phone: {placement.code}, Ирина Верещук: Boarded"
    )
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(0)
    phone.evaluate("window.dispatchEvent(new Event('online'))")  # nothing else to send
    phone.wait_for_timeout(300)
    expect(phone.locator("#outbox .outbox-sent li.error")).to_have_count(0)
    assert placement.events.filter(kind="boarded").count() == 1
