"""The convoy pages on a phone, in Chromium: the convoy page no wider than the screen,
and the check-in page keeping a passenger's mark once however often it is given (or
was kept, by an older script), and counting one the passenger has already as sent."""

import re

import pytest
from playwright.sync_api import expect

from reliefline.access.tests.factories import UserFactory
from reliefline.evacuation.services import VehicleInput, placement_mark
from reliefline.evacuation.tests import factories as f
from tests.browser.conftest import screenshot
from tests.browser.test_evacuation import (
    _check_in_page,
    _stored_marks,
    _tap_kept_and_marked_by_another_phone,
)

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

    _sent_once(phone, placement, "Ирина Верещук: Boarded")


def _sent_once(phone, placement, result: str) -> None:
    """The kept Boarded is sent, answered with `result`, and nothing else is sent or
    refused; the passenger is boarded once."""
    expect(phone.locator("#outbox .outbox-sent li.done")).to_have_text(
        f"Sent from this phone: {placement.code}, {result}"
    )
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(0)
    phone.evaluate("window.dispatchEvent(new Event('online'))")  # nothing else to send
    phone.wait_for_timeout(300)
    expect(phone.locator("#outbox .outbox-sent li.error")).to_have_count(0)
    assert placement.events.filter(kind="boarded").count() == 1


# Marks kept twice by the script from before the fix above, still on a phone when the new
# one loads: the repeat is folded into the first, never sent.

MARK = re.compile(r".*/(field|passengers/[^/]+)/mark/$")
KEPT_BY_THE_OLD_SCRIPT = """([code, marks]) => {
  const action = new URL(document.getElementById("code-form").action).pathname;
  const user = document.body.dataset.user;
  const kept = marks.map(([to, label, minutesAgo, key, by]) => ({
    code, to, label, at: Date.now() - minutesAgo * 60000, user: by || user, action, key,
  }));
  localStorage.setItem("reliefline.marks", JSON.stringify(kept));
}"""


def _kept_by_the_old_script(phone, code: str, marks: list[tuple]) -> list[str]:
    """Open the page again holding `marks` (to, label, minutes ago, key[, user]) of the
    code, as the old script kept them, with no connection; return the sent marks' keys."""
    phone.route(MARK, lambda route: route.abort("internetdisconnected"))
    phone.evaluate(KEPT_BY_THE_OLD_SCRIPT, [code, marks])
    phone.reload()
    sent: list[str] = []
    phone.on(
        "requestfinished",  # answered: not the sends refused above
        lambda request: (
            sent.append(request.post_data_json["idempotency_key"])
            if request.method == "POST" and MARK.match(request.url)
            else None
        ),
    )
    return sent


def test_a_code_kept_twice_by_the_old_script_is_sent_once(new_page, live_server, gazetteer):
    """Scanned twice offline before the fix: the first is sent, and nothing is refused.
    Another user's mark of the same passenger is theirs to send, and stays."""
    phone, placement = _check_in_page(live_server, new_page)
    marks = [
        ("boarded", "Boarded", 50, "first"),
        ("boarded", "Boarded", 40, "theirs", "another-team"),
        ("boarded", "Boarded", 30, "again"),
    ]
    sent = _kept_by_the_old_script(phone, placement.code, marks)

    expect(phone.locator("#outbox .outbox-count")).to_contain_text("kept on this phone: 1")
    assert [mark["key"] for mark in _stored_marks(phone)] == ["first", "theirs"]
    phone.unroute(MARK)
    phone.evaluate("window.dispatchEvent(new Event('online'))")  # the connection is back

    _sent_once(phone, placement, "Ирина Верещук: Boarded")
    expect(phone.locator(f"#p-{placement.code} .error")).to_have_count(0)
    assert sent == ["first"]
    assert [mark["key"] for mark in _stored_marks(phone)] == ["theirs"]


def test_a_code_kept_boarded_arrived_boarded_by_the_old_script_arrives(
    new_page, live_server, gazetteer
):
    """The first Boarded is the one kept: sent after it, the Arrived is no refusal."""
    phone, placement = _check_in_page(live_server, new_page)
    marks = [
        ("boarded", "Boarded", 50, "boarded"),
        ("arrived", "Arrived", 40, "arrived"),
        ("boarded", "Boarded", 30, "boarded-again"),
    ]
    sent = _kept_by_the_old_script(phone, placement.code, marks)
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(2)
    phone.unroute(MARK)

    phone.evaluate("window.dispatchEvent(new Event('online'))")

    expect(phone.locator("#outbox .outbox-sent li.done")).to_have_count(2)
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(0)
    expect(phone.locator("#outbox .outbox-sent li.error")).to_have_count(0)
    assert sent == ["boarded", "arrived"]
    placement.refresh_from_db()
    assert placement.status == "arrived"


# A kept mark refused as marked so already (another phone was first): the passenger is
# as the mark asks, so the phone says it is sent, not refused.

ALREADY_ON_BOARD = "This passenger is already on board."


def test_a_kept_code_boarded_meanwhile_by_another_phone_counts_as_sent(
    new_page, live_server, gazetteer
):
    phone, placement = _check_in_page(live_server, new_page)
    phone.context.set_offline(True)
    _mark_code(phone, placement.code)
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    placement_mark(placement, to="boarded", by=UserFactory(role="field"))

    phone.context.set_offline(False)

    _sent_once(phone, placement, ALREADY_ON_BOARD)
    expect(phone.locator(f"#p-{placement.code} .state")).to_have_text("Boarded")
    assert phone.evaluate("localStorage.getItem('reliefline.marks')") is None


def test_a_kept_tap_boarded_meanwhile_by_another_phone_leaves_no_alert_on_the_row(
    new_page, live_server, gazetteer
):
    phone, placement, row = _tap_kept_and_marked_by_another_phone(
        live_server, new_page, to="boarded"
    )

    phone.context.set_offline(False)

    _sent_once(phone, placement, ALREADY_ON_BOARD)
    expect(row.locator(".state")).to_have_text("Boarded")
    expect(row.locator(".error")).to_have_count(0)
    expect(row.locator(".outbox-kept")).to_have_count(0)
    expect(row.get_by_role("button", name="Arrived")).to_be_enabled()
