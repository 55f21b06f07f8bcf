"""What an operator clicks, in Chromium: the Sudzha insulin call, the queue, the lookup."""

import re

import pytest
from playwright.sync_api import expect

from conftest import SUDZHA
from reliefline.access.tests.factories import UserFactory
from reliefline.hotline import views as hotline_views
from reliefline.hotline.models import Case
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "correct horse battery staple"


def _lower_priority_cases() -> list[Case]:
    return [
        open_case(needs=[NeedInput(type="water")], phone="+79100000001", settlement_id=SUDZHA),
        open_case(needs=[NeedInput(type="food")], phone="+79100000002", given_name="Олег"),
        open_case(needs=[NeedInput(type="information")], phone="+79100000003"),
    ]


def test_operator_takes_sudzha_insulin_call_in_russian_and_it_tops_queue(
    new_page, live_server, gazetteer
):
    _lower_priority_cases()
    operator = UserFactory(role="operator")
    page = new_page()

    page.goto(f"{live_server.url}/accounts/login/")
    page.click("button[name=language][value=ru]")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.fill("#id_username", operator.username)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/hotline/$"))

    page.click("nav a[href='/hotline/new/']")
    page.fill("#id_phone", "+7 910 555-23-41")
    page.fill("#id_given_name", "Наталья")
    page.fill("#id_patronymic", "Сергеевна")
    page.fill("#id_family_name", "Кузнецова")
    page.select_option("#id_channel", "sms")
    page.select_option("#id_language", "ru")
    page.fill("#id_settlement_q", "Sudzha")
    page.click(f"#places-settlement button[data-place-id='{SUDZHA}']")
    expect(page.locator("#picker-settlement input[name=settlement]")).to_have_value(SUDZHA)
    page.fill("#id_household_size", "2")
    page.check("#id_needs_medicine")
    page.fill("#id_item_medicine", "инсулин")
    page.check("#id_needs_evacuation")
    page.fill("#id_quantity_evacuation", "2")
    page.check("input[name=vulnerabilities][value=elderly_75_plus]")
    page.check("input[name=vulnerabilities][value=wheelchair]")
    page.fill("#id_message", "Маме 82 года, она на инсулине, лекарство кончается. Хотим уехать.")
    screenshot(page, "new-call-sudzha")
    page.click("#new-case button[type=submit]")

    expect(page).to_have_url(re.compile(r"/hotline/cases/RL-\d{6}/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.locator("li[data-reason='critical:insulin']")).to_contain_text("+40")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    screenshot(page, "case-sudzha-insulin")

    page.click("nav a[href='/hotline/']")
    expect(page.locator("#queue-table tbody tr").first).to_have_attribute(
        "data-reference", reference
    )
    expect(page.locator("#queue-table tbody tr")).to_have_count(4)
    screenshot(page, "queue-sudzha-on-top")


def test_queue_fits_a_phone_screen(new_page, live_server, gazetteer):
    _lower_priority_cases()
    page = new_page(user=UserFactory(role="operator"), width=375, height=800)

    page.goto(f"{live_server.url}/hotline/")

    expect(page.locator("#queue-table tbody tr")).to_have_count(3)
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    screenshot(page, "queue-phone-375")
    assert widths[0] <= widths[1], f"page is {widths[0]} px wide on a {widths[1]} px screen"


def test_stylesheet_and_htmx_load(new_page, live_server):
    page = new_page(user=UserFactory(role="operator"))

    page.goto(f"{live_server.url}/hotline/")

    assert page.evaluate("typeof htmx") == "object"
    header = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert header == "rgb(20, 50, 79)"


def test_a_suggestion_answers_a_click_the_moment_it_appears(new_page, live_server, gazetteer):
    """Swapped-in controls are wired as they appear, not after htmx's settle delay.

    With htmx's default 20 ms delay a click that quick did nothing: the button was
    on screen but htmx had not yet given it its request. It happened to the insulin
    call's test about once in twenty runs; the observer below clicks within the
    same task that inserts the suggestions, every time.
    """
    page = new_page(user=UserFactory(role="operator"))
    page.goto(f"{live_server.url}/hotline/new/")
    page.evaluate(
        """() => {
            const list = document.getElementById("places-settlement");
            new MutationObserver(() => {
                const pick = list.querySelector("button.pick");
                if (pick && !pick.dataset.clicked) {
                    pick.dataset.clicked = "yes";
                    pick.click();
                }
            }).observe(list, {childList: true});
        }"""
    )

    page.fill("#id_settlement_q", "Sudzha")

    expect(page.locator("#picker-settlement input[name=settlement]")).to_have_value(SUDZHA)


def test_typing_phone_shows_earlier_case_of_caller(new_page, live_server):
    earlier = open_case(phone="+79105552341", given_name="Наталья", family_name="Кузнецова")
    page = new_page(user=UserFactory(role="operator"))

    page.goto(f"{live_server.url}/hotline/new/")
    page.locator("#id_phone").press_sequentially("+7 910 555 23 41")

    expect(
        page.locator(f"#caller-matches li[data-reference='{earlier.reference}']")
    ).to_be_visible()
    expect(page.locator(f"#person_{earlier.caller_id}")).to_be_visible()
    screenshot(page, "new-call-earlier-case")


def test_queue_refresh_shows_case_created_after_page_loaded(
    new_page, live_server, gazetteer, monkeypatch
):
    monkeypatch.setattr(hotline_views, "QUEUE_REFRESH_SECONDS", 1)  # 15 s on duty
    _lower_priority_cases()
    page = new_page(user=UserFactory(role="operator"))
    page.goto(f"{live_server.url}/hotline/")
    expect(page.locator("#queue-table tbody tr")).to_have_count(3)
    page.evaluate("window.reliefline_marker = 'same page'")

    late = open_case(needs=[NeedInput(type="medical_care")], phone="+79100000009")

    expect(page.locator(f"tr[data-reference='{late.reference}']")).to_be_visible()
    assert page.evaluate("window.reliefline_marker") == "same page"  # no full reload


def test_a_queue_whose_refresh_fails_says_it_is_not_up_to_date(new_page, live_server, monkeypatch):
    """A dropped connection must not leave a calm, old queue on the operator's screen."""
    monkeypatch.setattr(hotline_views, "QUEUE_REFRESH_SECONDS", 1)
    open_case(needs=[NeedInput(type="water")], phone="+79100000001")
    page = new_page(user=UserFactory(role="operator"))
    page.goto(f"{live_server.url}/hotline/")
    expect(page.locator("#queue-table tbody tr")).to_have_count(1)
    refresh = re.compile(r"/hotline/\?")
    page.route(refresh, lambda route: route.abort("internetdisconnected"))

    expect(page.locator("#queue-table .stale[role=alert]")).to_contain_text("Not up to date")
    screenshot(page, "queue-stale")
    late = open_case(needs=[NeedInput(type="medical_care")], phone="+79100000009")
    page.unroute(refresh)

    expect(page.locator(f"tr[data-reference='{late.reference}']")).to_be_visible()
    expect(page.locator("#queue-table .stale")).to_have_count(0)


def test_a_dashboard_refused_by_the_server_says_it_is_not_up_to_date(
    new_page, live_server, monkeypatch
):
    monkeypatch.setattr(hotline_views, "DASHBOARD_REFRESH_SECONDS", 1)
    page = new_page(user=UserFactory(role="coordinator"))
    page.goto(f"{live_server.url}/hotline/dashboard/")
    page.route("**/hotline/dashboard/", lambda route: route.fulfill(status=502, body="down"))

    expect(page.locator("#dashboard .stale[role=alert]")).to_be_visible()


def test_repeat_caller_typed_in_latin_is_proposed_and_reused(new_page, live_server):
    """Story 2: yesterday's SMS was in Cyrillic; today the operator types Latin letters."""
    earlier = open_case(phone="+79105550101", given_name="Ирина", family_name="Верещук")
    page = new_page(user=UserFactory(role="operator"))

    page.goto(f"{live_server.url}/hotline/new/")
    page.locator("#id_given_name").press_sequentially("Iryna")
    page.locator("#id_family_name").press_sequentially("Vereshchuk")

    candidate = page.locator(f"#caller-matches li.candidate:has(#person_{earlier.caller_id})")
    expect(candidate).to_be_visible()
    expect(candidate.locator(".reasons")).not_to_be_empty()
    screenshot(page, "new-call-latin-repeat-caller")

    page.wait_for_load_state("networkidle")
    page.locator(f"#person_{earlier.caller_id}").check()
    page.locator("input[name=needs][value=food]").check()
    expect(page.locator(f"#person_{earlier.caller_id}")).to_be_checked()
    page.click("#new-case button[type=submit]")

    expect(page.locator("h1")).to_contain_text("RL-")
    latest = Case.objects.order_by("-pk").first()
    assert latest is not None and latest.pk != earlier.pk
    assert (latest.caller_id, latest.household_id) == (earlier.caller_id, earlier.household_id)


def test_a_callback_in_one_tap_is_scheduled_and_shown(new_page, live_server):
    """The delay's button is what htmx sends: the case gets the callback, the page says so."""
    case = open_case(phone="+79105550123")
    page = new_page(user=UserFactory(role="operator"), language="ru")
    page.goto(f"{live_server.url}/hotline/cases/{case.reference}/")
    page.click("#case-activity details:has(form[action$='/callback/']) summary")
    page.fill("#case-activity form[action$='/callback/'] input[name=note]", "после обеда")

    page.get_by_role("button", name="через 3 часа").click()

    expect(page.locator("#case-activity")).to_contain_text("Перезвонить")
    expect(page.locator(".timeline")).to_contain_text("после обеда")
    case.refresh_from_db()
    assert case.callback_at is not None
    [event] = case.events.filter(kind="callback")  # its text is encrypted: read, not queried
    assert (event.text, event.due_at) == ("после обеда", case.callback_at)


HIDDEN_TAB = """
window.__hidden = false;
Object.defineProperty(document, "hidden", { get: () => window.__hidden });
Object.defineProperty(document, "visibilityState", {
  get: () => (window.__hidden ? "hidden" : "visible"),
});
"""


def _queue_hidden(new_page, live_server, monkeypatch, *, need: str):
    """Return the operator's queue, refreshing every second, with one case of `need`,
    its tab then hidden, and the tab's title as it was."""
    monkeypatch.setattr(hotline_views, "QUEUE_REFRESH_SECONDS", 1)
    open_case(needs=[NeedInput(type=need)], phone="+79100000001")
    page = new_page(user=UserFactory(role="operator"))
    page.add_init_script(HIDDEN_TAB)
    page.goto(f"{live_server.url}/hotline/")
    expect(page.locator("#queue-table tbody tr")).to_have_count(1)
    title = page.title()
    page.evaluate("window.__hidden = true")
    return page, title


def test_a_queue_in_a_tab_behind_counts_new_cases_in_its_title(new_page, live_server, monkeypatch):
    """The operator types a call in another tab: the queue's tab says two came meanwhile."""
    page, title = _queue_hidden(new_page, live_server, monkeypatch, need="water")

    open_case(needs=[NeedInput(type="medical_care")], phone="+79100000009")
    open_case(needs=[NeedInput(type="food")], phone="+79100000008")

    expect(page).to_have_title(f"(2) {title}")
    page.evaluate("window.__hidden = false; document.dispatchEvent(new Event('visibilitychange'))")
    expect(page).to_have_title(title)
    page.evaluate("window.__hidden = true")
    page.wait_for_timeout(2500)  # refreshes with nothing new: the title stays
    expect(page).to_have_title(title)


def test_a_hidden_queue_counts_a_new_case_that_lands_past_its_first_page(
    new_page, live_server, monkeypatch, settings
):
    """A low-priority call sorts below the page the operator sees; it still counts."""
    settings.QUEUE_PAGE_SIZE = 1
    page, title = _queue_hidden(new_page, live_server, monkeypatch, need="medical_care")

    late = open_case(needs=[NeedInput(type="information")], phone="+79100000009")

    expect(page).to_have_title(f"(1) {title}")
    assert late.reference not in page.locator("#queue-table tbody").inner_text()


def test_a_filtered_queue_leaves_no_copy_in_the_browser_and_back_still_works(
    new_page, live_server, gazetteer
):
    """htmx keeps a copy of each page it leaves for the back button, names and all, in
    the tab's storage, which outlives a sign-out. Ours keeps none and asks the server."""
    water, food, _information = _lower_priority_cases()
    page = new_page(user=UserFactory(role="operator"))
    page.goto(f"{live_server.url}/hotline/")
    expect(page.locator("#queue-table tbody tr")).to_have_count(3)

    page.select_option("#id_need", "water")

    expect(page).to_have_url(re.compile(r"need=water"))
    expect(page.locator("#queue-table tbody tr")).to_have_count(1)
    assert page.evaluate("window.sessionStorage.getItem('htmx-history-cache')") is None
    page.go_back()
    expect(page.locator(f"tr[data-reference='{food.reference}']")).to_be_visible()
    expect(page.locator("#queue-table tbody tr")).to_have_count(3)
    assert water.reference in page.content()
