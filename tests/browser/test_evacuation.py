"""What a coordinator and field teams click for an evacuation, in Chromium:
plan → allocate → lock → checkpoint manifest → board at Sudzha → arrive in Sumy."""

import contextlib
import datetime as dt
import re
import time
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from reliefline.access.idempotency import KEPT, purge
from reliefline.access.models import IdempotentRequest
from reliefline.access.tests.factories import UserFactory
from reliefline.channels.models import Notice
from reliefline.evacuation.models import EvacuationRequest, ManifestIssue, Placement
from reliefline.evacuation.services import VehicleInput, placement_mark
from reliefline.evacuation.tests import factories as f
from reliefline.places.models import Assignment
from tests.browser.conftest import lose_first_answer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
PHONE = {"width": 390, "height": 844}


def test_plan_allocate_manifest_board_and_arrive(new_page, live_server, gazetteer):
    coordinator = UserFactory(role="coordinator")
    field = UserFactory(role="field")
    # Field teams check in only on corridors stopping at a settlement they are assigned to.
    Assignment.objects.create(user=field, place_id=f.SUDZHA)
    corridor = f.corridor(by=coordinator)
    convoy = f.convoy(
        corridor,
        vehicles=[
            VehicleInput("Bus 1", seats=2, wheelchair_places=1),
            VehicleInput("Medical van", seats=1, stretcher_places=1, has_medic=True),
        ],
        by=coordinator,
    )
    family = f.request(family=[("Валентина", "wheelchair", False)], by=coordinator)

    desk = new_page(user=coordinator)
    # The first request imports every URLconf and API schema: slow on a busy machine.
    desk.goto(f"{live_server.url}/evacuation/", timeout=60_000)
    desk.get_by_role("link", name=corridor.name).click()
    desk.select_option("#id_to", "agreed")
    desk.fill("#id_note", "ICRC confirmed")
    desk.get_by_role("button", name="Change status").click()
    expect(desk.locator("#corridor-status .timeline")).to_contain_text("ICRC confirmed")

    desk.get_by_role("link", name=convoy.name).click()
    # Hold the allocation request until the page has shown that it is running.
    held = []
    desk.route("**/allocate/", lambda route: held.append(route))
    expect(desk.locator("#allocating")).to_be_hidden()
    desk.click("#allocate")
    expect(desk.locator("#allocating")).to_be_visible()
    expect(desk.locator("#allocating")).to_have_text("Allocating… up to 10 s")
    expect(desk.locator("#allocate")).to_be_disabled()
    held[0].continue_()
    # The first allocation in the server process loads OR-Tools (with pandas and numpy)
    # before it solves: seconds on a busy machine.
    summary = desk.locator("#run-summary")
    expect(summary).to_contain_text("2 people placed", timeout=60_000)
    expect(summary).to_contain_text("total priority")
    expect(summary).to_contain_text("% of the optimum")
    expect(summary).to_contain_text(re.compile(r"in \d+\.\d s"))
    expect(desk.locator("#allocating")).to_be_hidden()
    bus = desk.locator("[data-vehicle='Bus 1']")
    expect(bus).to_contain_text("Валентина Петренко")
    expect(bus).to_contain_text("Wheelchair place 1")
    desk.once("dialog", lambda dialog: dialog.accept())
    desk.click("#lock")
    expect(desk.locator("#convoy-panel")).to_contain_text("Locked")
    screenshot(desk, "evacuation-convoy")

    bus.get_by_role("link", name="Manifest").click()
    desk.select_option("#id_kind", "checkpoint")
    desk.fill("#id_recipient", "Checkpoint Sudzha")
    desk.select_option("#id_format", "html")
    desk.click("#issue")
    expect(desk.locator(".manifest-table thead th")).to_have_text(
        ["#", "Name", "Birth year", "Place", "Vehicle"]
    )
    expect(desk.locator(".manifest-table")).not_to_contain_text("EV-")
    screenshot(desk, "evacuation-manifest")
    assert ManifestIssue.objects.get().recipient == "Checkpoint Sudzha"

    desk.get_by_role("link", name="Issue another").click()
    desk.select_option("#id_kind", "checkpoint")
    desk.fill("#id_recipient", "ICRC Sumy")
    desk.select_option("#id_format", "pdf")
    with desk.expect_download() as download:
        desk.click("#issue")
    assert download.value.suggested_filename.endswith(".pdf")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    assert ManifestIssue.objects.get(recipient="ICRC Sumy").format == "pdf"

    phone = new_page(user=field, **PHONE)
    phone.goto(f"{live_server.url}/evacuation/convoys/{convoy.pk}/field/")
    phone.fill("#id_q", "Валентина")
    card = phone.locator(".passenger", has_text="Валентина")
    expect(card).to_have_count(1)
    card.get_by_role("button", name="Boarded").click()
    expect(phone.locator(".passenger", has_text="Валентина").locator(".state")).to_have_text(
        "Boarded"
    )
    phone.fill("#id_q", "Ирина")
    phone.locator(".passenger", has_text="Ирина").get_by_role("button", name="Boarded").click()
    expect(phone.locator(".passenger", has_text="Ирина").locator(".state")).to_have_text("Boarded")

    phone.goto(f"{live_server.url}/evacuation/convoys/{convoy.pk}/reconciliation/")
    expect(phone.locator("[data-vehicle='Bus 1']")).to_contain_text(
        "2 people boarded but have not arrived."
    )
    phone.goto(f"{live_server.url}/evacuation/convoys/{convoy.pk}/field/")
    for name in ("Валентина", "Ирина"):
        phone.locator(".passenger", has_text=name).get_by_role("button", name="Arrived").click()
        expect(phone.locator(".passenger", has_text=name).locator(".state")).to_have_text("Arrived")
    screenshot(phone, "evacuation-field")
    family.refresh_from_db()
    assert family.status == "evacuated"
    assert Notice.objects.filter(kind="arrival_confirmed", person=family.case.caller).count() == 1
    assert EvacuationRequest.objects.get().case.needs.get(type="evacuation").fulfilled_at


# A camera that "sees" one QR code: BarcodeDetector answers the code, getUserMedia a
# blank canvas's stream (or refuses, as when the permission is denied). Installed
# before the page's own scripts run.
FAKE_CAMERA = """
(() => {
  window.BarcodeDetector = class {
    static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
    detect() { return Promise.resolve([{rawValue: "%(code)s", format: "qr_code"}]); }
  };
  if (!navigator.mediaDevices) {
    Object.defineProperty(navigator, "mediaDevices", {value: {}});
  }
  navigator.mediaDevices.getUserMedia = () => {
    if (%(refuse)s) {
      return Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
    }
    const canvas = document.createElement("canvas");
    canvas.getContext("2d").fillRect(0, 0, 10, 10);
    return Promise.resolve(canvas.captureStream(5));
  };
})();
"""
NO_DETECTOR = "delete window.BarcodeDetector;"


def _check_in_page(live_server, new_page, *, camera: str = ""):
    """Return the field team's phone on the check-in page of an allocated convoy, and the
    passenger's placement. `camera`: "" (no BarcodeDetector), "works" or "refused"."""
    coordinator = UserFactory(role="coordinator")
    team = UserFactory(role="field")
    Assignment.objects.create(user=team, place_id=f.SUDZHA)
    convoy = f.allocated_convoy(by=coordinator)
    placement = Placement.objects.get()
    phone = new_page(user=team, **PHONE)
    script = NO_DETECTOR
    if camera:
        script = FAKE_CAMERA % {"code": placement.code, "refuse": str(camera == "refused").lower()}
    phone.add_init_script(script)
    phone.goto(f"{live_server.url}/evacuation/convoys/{convoy.pk}/field/", timeout=60_000)
    return phone, placement


def test_without_a_barcode_detector_no_scan_button_and_a_typed_code_boards(
    new_page, live_server, gazetteer
):
    phone, placement = _check_in_page(live_server, new_page)
    expect(phone.locator("#scan")).to_be_hidden()
    phone.fill("#id_code", placement.code.lower())
    phone.keyboard.press("Enter")  # what a hardware scanner sends after the code
    expect(phone.locator("#field-results .passenger .state")).to_have_text("Boarded")
    expect(phone.locator("#id_code")).to_have_value("")
    placement.refresh_from_db()
    assert placement.status == "boarded"


def test_a_qr_code_read_by_the_camera_marks_the_passenger_boarded(new_page, live_server, gazetteer):
    phone, placement = _check_in_page(live_server, new_page, camera="works")
    phone.click("#scan")
    expect(phone.locator("#field-results .passenger .state")).to_have_text("Boarded")
    expect(phone.locator("#field-results")).to_contain_text("Ирина Верещук: Boarded")
    placement.refresh_from_db()
    assert placement.status == "boarded"
    screenshot(phone, "evacuation-scan")


def test_a_refused_camera_hides_the_scan_button_and_says_why(new_page, live_server, gazetteer):
    phone, placement = _check_in_page(live_server, new_page, camera="refused")
    phone.click("#scan")
    expect(phone.locator("#scan")).to_be_hidden()
    expect(phone.locator("#scan-status")).to_contain_text("The camera cannot be used here")
    phone.fill("#id_code", placement.code)
    phone.click("#mark-code")
    expect(phone.locator("#field-results .passenger .state")).to_have_text("Boarded")


def _held(page, pattern: re.Pattern[str]) -> list:
    """Hold the page's requests matching `pattern` until released (route.continue_())."""
    held: list = []
    page.route(pattern, lambda route: held.append(route))
    return held


def _until_held(page, held: list, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not held:
        assert time.monotonic() < deadline, "the request was never sent"
        page.wait_for_timeout(50)


SEARCH = re.compile(r".*/field/\?q=.*")


def test_a_search_answered_after_a_mark_does_not_undo_it(new_page, live_server, gazetteer):
    phone, placement = _check_in_page(live_server, new_page)
    # The search reads the database now, and its answer is held back past the mark.
    searches: list = []
    phone.route(SEARCH, lambda route: searches.append((route, route.fetch())))
    phone.fill("#id_q", "Ирина")
    _until_held(phone, searches)
    phone.locator(".passenger").get_by_role("button", name="Boarded").click()
    expect(phone.locator(".passenger .state")).to_have_text("Boarded")
    route, stale = searches[0]
    with contextlib.suppress(PlaywrightError):
        route.fulfill(response=stale)  # "Allocated", read before the mark: aborted, unseen
    phone.wait_for_timeout(300)
    expect(phone.locator(".passenger .state")).to_have_text("Boarded")
    phone.unroute(SEARCH)
    # ...and the search runs again once the mark is answered, on the marked state.
    expect(phone).to_have_url(re.compile(r"q=%D0%98%D1%80%D0%B8%D0%BD%D0%B0"))
    expect(phone.locator(".passenger .state")).to_have_text("Boarded")
    placement.refresh_from_db()
    assert placement.status == "boarded"


def test_a_search_asked_for_during_a_mark_waits_for_it(new_page, live_server, gazetteer):
    phone, placement = _check_in_page(live_server, new_page)
    marks = _held(phone, re.compile(r".*/passengers/[^/]+/mark/$"))
    phone.locator(".passenger").get_by_role("button", name="Boarded").click()
    _until_held(phone, marks)
    phone.fill("#id_q", "Ирина")
    phone.wait_for_timeout(600)  # past the search's 300 ms delay: it waits, not runs
    assert "q=" not in phone.url
    marks[0].continue_()
    expect(phone).to_have_url(re.compile(r"q=%D0%98%D1%80%D0%B8%D0%BD%D0%B0"))
    expect(phone.locator(".passenger .state")).to_have_text("Boarded")
    placement.refresh_from_db()
    assert placement.status == "boarded"


def test_marks_made_without_a_connection_are_kept_and_sent_when_it_is_back(
    new_page, live_server, gazetteer
):
    """An assembly point with no signal: the team keeps scanning; nothing is lost."""
    phone, placement = _check_in_page(live_server, new_page)
    phone.context.set_offline(True)

    phone.fill("#id_code", placement.code)
    phone.keyboard.press("Enter")
    phone.fill("#id_code", "ZZZ-999")  # a code of no passenger: refused once sent
    phone.keyboard.press("Enter")

    expect(phone.locator("#outbox .outbox-count")).to_contain_text("kept on this phone: 2")
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(2)
    expect(phone.locator("#id_code")).to_have_value("")  # ready for the next code
    expect(phone.locator("#code-form .write-failed")).to_have_count(0)
    screenshot(phone, "evacuation-offline-marks")
    placement.refresh_from_db()
    assert placement.status == "allocated"

    phone.context.set_offline(False)

    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(0)
    expect(phone.locator("#outbox .outbox-sent li.done")).to_contain_text(
        f"Sent from this phone: {placement.code}, Ирина Верещук: Boarded"
    )
    expect(phone.locator("#outbox .outbox-sent li.error")).to_contain_text("Not recorded: ZZZ-999.")
    placement.refresh_from_db()
    assert placement.status == "boarded"
    assert phone.evaluate("localStorage.getItem('reliefline.marks')") is None


def test_a_mark_whose_answer_was_lost_is_kept_and_recorded_once(new_page, live_server, gazetteer):
    """The server boarded the passenger, the answer never came: the resend replays it."""
    phone, placement = _check_in_page(live_server, new_page)
    lost = lose_first_answer(phone, "**/field/mark/")
    phone.fill("#id_code", placement.code.lower())  # sent again exactly as typed
    phone.keyboard.press("Enter")
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    assert lost == [200]  # boarded on the server, unknown to the phone

    phone.evaluate("window.dispatchEvent(new Event('online'))")  # the connection is back

    expect(phone.locator("#outbox .outbox-sent li.done")).to_contain_text("Boarded")
    assert placement.events.filter(kind="boarded").count() == 1


def test_kept_marks_survive_closing_the_page(new_page, live_server, gazetteer):
    phone, placement = _check_in_page(live_server, new_page)
    phone.context.set_offline(True)
    phone.fill("#id_code", placement.code)
    phone.keyboard.press("Enter")
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    url = phone.url
    # Sends keep failing (routed before the connection is back: its 'online' event
    # would send the mark at once).
    phone.route(re.compile(r".*/field/mark/$"), lambda route: route.abort("internetdisconnected"))
    phone.context.set_offline(False)
    phone.goto(url)  # the page is opened again

    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    phone.unroute(re.compile(r".*/field/mark/$"))
    phone.evaluate("window.dispatchEvent(new Event('online'))")

    expect(phone.locator("#outbox .outbox-sent li.done")).to_be_visible()
    placement.refresh_from_db()
    assert placement.status == "boarded"


def test_a_mark_the_phone_cannot_keep_stays_in_the_box_and_says_so(
    new_page, live_server, gazetteer
):
    """Private browsing or a full phone: never empty the box of a mark nobody kept."""
    phone, placement = _check_in_page(live_server, new_page)
    phone.add_init_script(
        "Storage.prototype.setItem = function () { throw new DOMException('full', "
        "'QuotaExceededError'); };"
    )
    phone.reload()
    phone.context.set_offline(True)

    phone.fill("#id_code", placement.code)
    phone.keyboard.press("Enter")

    expect(phone.locator("#outbox .outbox-problem")).to_contain_text("cannot keep it")
    expect(phone.locator("#id_code")).to_have_value(placement.code)
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(0)


def _stored_marks(phone) -> list[dict]:
    return phone.evaluate("JSON.parse(localStorage.getItem('reliefline.marks') || '[]')")


def test_a_tap_without_a_connection_is_kept_on_the_row_and_sent_when_it_is_back(
    new_page, live_server, gazetteer
):
    """A passenger's "Boarded" tapped with no signal waits on the phone, as a code does."""
    phone, placement = _check_in_page(live_server, new_page)
    row = phone.locator(f"#p-{placement.code}")
    phone.context.set_offline(True)

    row.get_by_role("button", name="Boarded").click()

    expect(row.locator(".outbox-kept")).to_contain_text("Boarded: kept on this phone, not sent yet")
    expect(row.get_by_role("button", name="Boarded")).to_be_disabled()
    expect(row.get_by_role("button", name="No-show")).to_be_disabled()
    expect(row.locator(".state")).to_have_text("Allocated")
    expect(row.locator(".write-failed")).to_have_count(0)
    expect(phone.locator("#outbox .outbox-count")).to_contain_text("kept on this phone: 1")
    [kept] = _stored_marks(phone)
    assert kept["code"] == placement.code
    assert kept["to"] == "boarded"
    assert set(kept) == {"code", "to", "label", "at", "user", "action", "key"}  # no name
    screenshot(phone, "evacuation-offline-tap")
    placement.refresh_from_db()
    assert placement.status == "allocated"

    phone.context.set_offline(False)

    expect(row.locator(".state")).to_have_text("Boarded")
    expect(row.locator(".outbox-kept")).to_have_count(0)
    expect(row.get_by_role("button", name="Arrived")).to_be_enabled()
    expect(phone.locator("#outbox .outbox-sent li.done")).to_contain_text(
        f"Sent from this phone: {placement.code}, Boarded"
    )
    assert phone.evaluate("localStorage.getItem('reliefline.marks')") is None
    placement.refresh_from_db()
    assert placement.status == "boarded"
    assert placement.events.filter(kind="boarded").count() == 1
    row.get_by_role("button", name="Arrived").click()  # the row the answer brought works
    expect(row.locator(".state")).to_have_text("Arrived")


def test_a_tap_whose_answer_was_lost_is_kept_and_recorded_once(new_page, live_server, gazetteer):
    """The server boarded the passenger, the answer never came: the resend replays it."""
    phone, placement = _check_in_page(live_server, new_page)
    row = phone.locator(f"#p-{placement.code}")
    lost = lose_first_answer(phone, "**/passengers/*/mark/")

    row.get_by_role("button", name="Boarded").click()

    expect(row.locator(".outbox-kept")).to_contain_text("Boarded: kept on this phone")
    expect(row.locator(".write-failed")).to_have_count(0)  # the outbox says it, not app.js
    assert lost == [200]  # boarded on the server, unknown to the phone
    with phone.expect_response(re.compile(r".*/passengers/[^/]+/mark/$")) as resent:
        phone.evaluate("window.dispatchEvent(new Event('online'))")  # the connection is back

    assert resent.value.headers.get("idempotent-replayed") == "true"
    expect(row.locator(".state")).to_have_text("Boarded")
    expect(phone.locator("#outbox .outbox-sent li.done")).to_contain_text("Boarded")
    assert placement.events.filter(kind="boarded").count() == 1


def _days_pass_and_answers_are_dropped() -> None:
    """The phone stays without signal past KEPT: the server keeps only the keys."""
    IdempotentRequest.objects.update(created_at=timezone.now() - KEPT - dt.timedelta(days=3))
    purge()


def test_a_tap_kept_for_days_after_a_lost_answer_counts_as_sent_and_its_row_is_redrawn(
    new_page, live_server, gazetteer
):
    """The answer was dropped meanwhile: the key says it was recorded, once."""
    phone, placement = _check_in_page(live_server, new_page)
    row = phone.locator(f"#p-{placement.code}")
    lost = lose_first_answer(phone, "**/passengers/*/mark/")
    row.get_by_role("button", name="Boarded").click()
    expect(row.locator(".outbox-kept")).to_contain_text("Boarded: kept on this phone")
    assert lost == [200]
    _days_pass_and_answers_are_dropped()

    phone.evaluate("window.dispatchEvent(new Event('online'))")

    expect(phone.locator("#outbox .outbox-sent li.done")).to_have_text(
        f"Sent from this phone: {placement.code}, Boarded"
    )
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(0)
    # The row shows what the server holds, its buttons on again.
    expect(row.locator(".state")).to_have_text("Boarded")
    expect(row.locator(".outbox-kept")).to_have_count(0)
    expect(row.get_by_role("button", name="Arrived")).to_be_enabled()
    assert placement.events.filter(kind="boarded").count() == 1


def test_a_code_kept_for_days_after_a_lost_answer_counts_as_sent(new_page, live_server, gazetteer):
    phone, placement = _check_in_page(live_server, new_page)
    lost = lose_first_answer(phone, "**/field/mark/")
    phone.fill("#id_code", placement.code)
    phone.keyboard.press("Enter")
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    assert lost == [200]
    _days_pass_and_answers_are_dropped()

    phone.evaluate("window.dispatchEvent(new Event('online'))")

    expect(phone.locator("#outbox .outbox-sent li.done")).to_have_text(
        f"Sent from this phone: {placement.code}, Boarded"
    )
    expect(phone.locator(f"#p-{placement.code} .state")).to_have_text("Boarded")
    assert placement.events.filter(kind="boarded").count() == 1


def _tap_kept_and_marked_by_another_phone(live_server, new_page, *, to: str):
    """Return the phone (offline), the placement and its row: "Boarded" tapped with no
    connection is kept, and meanwhile another phone marks the passenger `to`."""
    phone, placement = _check_in_page(live_server, new_page)
    row = phone.locator(f"#p-{placement.code}")
    phone.context.set_offline(True)
    row.get_by_role("button", name="Boarded").click()
    expect(row.locator(".outbox-kept")).to_be_visible()
    placement_mark(placement, to=to, by=UserFactory(role="field"))
    return phone, placement, row


def test_a_kept_tap_the_server_refuses_shows_why_on_the_row(new_page, live_server, gazetteer):
    """Marked no-show from another phone meanwhile: the kept "Boarded" is refused, and said."""
    phone, placement, row = _tap_kept_and_marked_by_another_phone(
        live_server, new_page, to="no_show"
    )

    phone.context.set_offline(False)

    reason = "A passenger who is No-show cannot be marked Boarded."
    expect(row.locator(".error")).to_have_text(reason)
    expect(row.locator(".state")).to_have_text("No-show")
    expect(row.locator(".outbox-kept")).to_have_count(0)
    expect(phone.locator("#outbox .outbox-sent li.error")).to_have_text(
        f"Not recorded: {placement.code}. {reason}"
    )
    assert phone.evaluate("localStorage.getItem('reliefline.marks')") is None
    placement.refresh_from_db()
    assert placement.status == "no_show"
    assert not placement.events.filter(kind="boarded").exists()


def test_a_tap_answered_with_a_server_error_is_said_and_not_kept(new_page, live_server, gazetteer):
    """An answer came: nothing to resend later, and the row says the server failed."""
    phone, placement = _check_in_page(live_server, new_page)
    row = phone.locator(f"#p-{placement.code}")
    phone.route("**/passengers/*/mark/", lambda route: route.fulfill(status=500, body="boom"))

    row.get_by_role("button", name="Boarded").click()

    expect(row.locator(".write-failed")).to_contain_text("The server could not record this.")
    expect(row.locator(".outbox-kept")).to_have_count(0)
    expect(row.get_by_role("button", name="Boarded")).to_be_enabled()
    assert phone.evaluate("localStorage.getItem('reliefline.marks')") is None


def test_a_code_answered_with_a_server_error_stays_in_the_box(new_page, live_server, gazetteer):
    """The answer came, as a failure: the code is not lost, and can be sent again."""
    phone, placement = _check_in_page(live_server, new_page)
    mark = re.compile(r"/field/mark/$")
    phone.route(mark, lambda route: route.fulfill(status=502, body="bad gateway"))
    phone.fill("#id_code", placement.code)
    phone.keyboard.press("Enter")

    expect(phone.locator("#code-form .write-failed")).to_contain_text(
        "The server could not record this."
    )
    expect(phone.locator("#id_code")).to_have_value(placement.code)
    phone.unroute(mark)
    phone.keyboard.press("Enter")

    expect(phone.locator("#field-results .passenger .state")).to_have_text("Boarded")
    expect(phone.locator("#id_code")).to_have_value("")
    expect(phone.locator("#code-form .write-failed")).to_have_count(0)
    placement.refresh_from_db()
    assert placement.status == "boarded"


def test_a_search_without_a_connection_says_the_names_shown_are_the_last_ones(
    new_page, live_server, gazetteer
):
    phone, _placement = _check_in_page(live_server, new_page)
    expect(phone.locator("#field-results .passenger")).to_have_count(1)
    phone.context.set_offline(True)

    phone.fill("#id_q", "Петренко")

    note = phone.locator(".field-search .write-failed")
    expect(note).to_contain_text("The search got no answer: there is no connection.")
    expect(note).to_have_attribute("role", "alert")
    phone.context.set_offline(False)
    # Its answer awaited: the names shown before are Ирина's too, and a search still
    # running when the test ends would meet the database being emptied.
    with phone.expect_response(SEARCH):
        phone.fill("#id_q", "Ирина")
    expect(note).to_have_count(0)
    expect(phone.locator("#field-results .passenger")).to_contain_text("Ирина")


def test_a_search_the_server_fails_says_so(new_page, live_server, gazetteer):
    phone, _placement = _check_in_page(live_server, new_page)
    phone.route(SEARCH, lambda route: route.fulfill(status=500, body="boom"))

    phone.fill("#id_q", "Ирина")

    expect(phone.locator(".field-search .write-failed")).to_contain_text(
        "The search failed on the server."
    )


def test_reloading_an_issued_manifest_shows_it_again_and_issues_no_other(
    new_page, live_server, gazetteer
):
    coordinator = UserFactory(role="coordinator")
    convoy = f.allocated_convoy(by=coordinator)
    desk = new_page(user=coordinator)
    desk.goto(f"{live_server.url}/evacuation/vehicles/{f.bus(convoy).pk}/manifest/", timeout=60_000)
    desk.select_option("#id_kind", "checkpoint")
    desk.fill("#id_recipient", "Checkpoint Sudzha")
    desk.select_option("#id_format", "html")
    desk.click("#issue")
    issue = ManifestIssue.objects.get()
    expect(desk).to_have_url(f"{live_server.url}/evacuation/manifests/{issue.pk}/")
    expect(desk.locator(".manifest header")).to_contain_text(f"No. {issue.pk}, issued")

    desk.reload()

    expect(desk.locator(".manifest header")).to_contain_text(f"No. {issue.pk}, issued")
    expect(desk.locator(".manifest-table")).to_contain_text("Ирина Верещук")
    assert ManifestIssue.objects.count() == 1


def test_a_coordinator_cancels_a_request_and_records_it_corrected(new_page, live_server, gazetteer):
    coordinator = UserFactory(role="coordinator")
    request = f.request(family=[("Мария", "walking", False)], by=coordinator)
    maria = request.members.exclude(person_id=request.case.caller_id).get().person_id
    desk = new_page(user=coordinator)
    desk.goto(
        f"{live_server.url}/evacuation/cases/{request.case.reference}/request/", timeout=60_000
    )
    expect(desk.locator("#open-request")).to_contain_text("Мария Петренко")
    desk.fill("#id_reason", "Мария uses a wheelchair")
    desk.get_by_role("button", name="Cancel request").click()

    expect(desk.locator(".messages")).to_contain_text(f"Request {request} cancelled.")
    expect(desk.locator(f"input[name=going_{maria}]")).to_be_checked()
    desk.select_option(f"select[name=mobility_{maria}]", "wheelchair")
    desk.get_by_role("button", name="Record request").click()

    expect(desk.locator(".messages")).to_contain_text("Evacuation request recorded.")
    corrected = EvacuationRequest.objects.get(case=request.case, status="waiting")
    assert corrected.members.get(person_id=maria).mobility == "wheelchair"


def test_on_a_phone_the_locked_households_request_page_fits_and_says_why_it_stays(
    new_page, live_server, gazetteer
):
    from reliefline.evacuation import services

    coordinator = UserFactory(role="coordinator")
    convoy = f.convoy(by=coordinator)
    request = f.request(family=[("Мария", "wheelchair", False)], by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    services.convoy_lock(convoy, by=coordinator)
    phone = new_page(user=coordinator, language="ru", **PHONE)

    phone.goto(
        f"{live_server.url}/evacuation/cases/{request.case.reference}/request/", timeout=60_000
    )

    # The lock is said in words that wrap: the page is no wider than the phone's screen,
    # so a tap lands where the finger is.
    expect(phone.locator("#open-request")).to_contain_text("Мария Петренко")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Said before any reason is typed, instead of a form the service would refuse.
    expect(phone.locator("#cannot-cancel")).to_contain_text(convoy.name)
    expect(phone.locator("#cancel-request")).to_have_count(0)
    screenshot(phone, "evacuation-request-locked-phone")


def test_an_issued_manifest_is_found_again_from_the_convoy_page(new_page, live_server, gazetteer):
    from reliefline.evacuation import services

    coordinator = UserFactory(role="coordinator")
    convoy = f.allocated_convoy(by=coordinator)
    issued = services.manifest_issue(
        f.bus(convoy),
        kind="checkpoint",
        language="ru",
        recipient="Пост ДПС Суджа",
        format="pdf",
        by=coordinator,
    )
    desk = new_page(user=coordinator)
    desk.goto(f"{live_server.url}/evacuation/convoys/{convoy.pk}/", timeout=60_000)

    desk.locator(f"[data-manifest='{issued.issue.pk}']").get_by_role(
        "link", name=str(issued.issue.pk)
    ).click()

    expect(desk).to_have_url(f"{live_server.url}/evacuation/manifests/{issued.issue.pk}/")
    expect(desk.locator(".manifest header")).to_contain_text("Суджа → Сумы")
    expect(desk.locator(".manifest header")).to_contain_text("(по московскому времени)")
    expect(desk.locator(".manifest-table")).to_contain_text("Ирина Верещук")
    assert ManifestIssue.objects.count() == 1
