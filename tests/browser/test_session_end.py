"""The end of a shift's session, in Chromium (app.js): announced, and nothing typed lost.

A session ends 12 hours after signing in. From 15 minutes before, every page says
when, with a button to sign in again between two calls. A form sent after the end
reaches the sign-in page instead of being recorded; after signing in again as the
same user the form is back, filled, to check and send. Nobody else gets it, and it
is recorded only when sent again.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from conftest import SUDZHA
from reliefline.access.tests.factories import UserFactory
from reliefline.hotline.models import Case, CaseEvent
from reliefline.hotline.tests.factories import open_case
from tests.browser.conftest import lose_first_answer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "correct horse battery staple"
NOTES = "#case-activity form[action$='/notes/']"
KEPT = "What you were sending was not recorded"
RESTORED = "This form holds what you typed before signing in again"


def session_ends(page: Page) -> None:
    page.context.clear_cookies(name="sessionid")  # the CSRF cookie lives on


def sign_in(page: Page, username: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")


def unsent(page: Page) -> str | None:
    return page.evaluate("window.sessionStorage.getItem('reliefline.unsent')")


def note_form(page: Page, url: str, case: Case) -> None:
    page.goto(f"{url}/hotline/cases/{case.reference}/")
    page.click("#case-activity details:has(form[action$='/notes/']) summary")


def type_a_call(page: Page) -> None:
    page.fill("#id_phone", "+7 910 555-23-41")
    page.fill("#id_given_name", "Наталья")
    page.fill("#id_family_name", "Кузнецова")
    page.select_option("#id_language", "ru")
    page.fill("#id_settlement_q", "Sudzha")
    page.click(f"#places-settlement button[data-place-id='{SUDZHA}']")
    expect(page.locator("#picker-settlement input[name=settlement]")).to_have_value(SUDZHA)
    page.check("#id_needs_medicine")
    page.fill("#id_item_medicine", "инсулин")
    page.check("input[name=vulnerabilities][value=elderly_75_plus]")
    page.fill("#id_message", "Маме 82 года, она на инсулине, лекарство кончается.")


def test_a_call_sent_after_the_session_ended_is_back_in_the_form_after_signing_in(
    new_page, live_server, gazetteer
):
    operator = UserFactory(role="operator")
    page = new_page(user=operator)
    page.goto(f"{live_server.url}/hotline/new/")
    type_a_call(page)
    session_ends(page)

    page.click("#new-case button[type=submit]")

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/hotline/new/$"))
    expect(page.locator(".draft-kept[role=status]")).to_contain_text(KEPT)
    assert not Case.objects.exists()
    sign_in(page, operator.username)

    expect(page).to_have_url(re.compile(r"/hotline/new/$"))
    expect(page.locator("#new-case .draft-restored")).to_contain_text(RESTORED)
    expect(page.locator("#id_phone")).to_have_value("+7 910 555-23-41")
    expect(page.locator("#id_given_name")).to_have_value("Наталья")
    expect(page.locator("#id_language")).to_have_value("ru")
    expect(page.locator("#id_needs_medicine")).to_be_checked()
    expect(page.locator("#id_needs_water")).not_to_be_checked()
    expect(page.locator("#id_item_medicine")).to_have_value("инсулин")
    expect(page.locator("input[name=vulnerabilities][value=elderly_75_plus]")).to_be_checked()
    expect(page.locator("#id_message")).to_have_value(re.compile("^Маме 82 года"))
    # The place is shown picked, as the operator left it, not just an id behind it.
    expect(page.locator("#id_settlement_picked")).to_have_attribute("data-place-id", SUDZHA)
    assert unsent(page) is None  # restored once, then gone from the tab
    assert not Case.objects.exists()  # nothing is recorded until it is sent
    screenshot(page, "new-call-restored")

    page.click("#new-case button[type=submit]")

    expect(page).to_have_url(re.compile(r"/hotline/cases/RL-\d{6}/$"))
    case = Case.objects.get()
    assert case.settlement_id == SUDZHA
    assert case.caller.given_name == "Наталья"
    assert [(n.type, n.item) for n in case.needs.all()] == [("medicine", "инсулин")]
    assert case.vulnerabilities == ["elderly_75_plus"]


def test_the_caller_picked_among_known_ones_is_picked_again(new_page, live_server):
    known = open_case(phone="+79105550000", given_name="Ганна", family_name="Коваль")
    operator = UserFactory(role="operator")
    page = new_page(user=operator)
    page.goto(f"{live_server.url}/hotline/new/")
    page.fill("#id_phone", "+7 910 555-00-00")
    page.check(f"#person_{known.caller_id}")
    page.check("#id_needs_water")
    session_ends(page)
    page.click("#new-case button[type=submit]")
    sign_in(page, operator.username)

    # The lookup runs again from the restored phone, and the same person is chosen.
    expect(page.locator(f"#person_{known.caller_id}")).to_be_checked()
    page.click("#new-case button[type=submit]")

    expect(page).to_have_url(re.compile(r"/hotline/cases/RL-\d{6}/$"))
    assert Case.objects.exclude(pk=known.pk).get().caller_id == known.caller_id


def test_a_note_sent_after_the_session_ended_is_back_in_its_form(new_page, live_server):
    case = open_case()
    operator = UserFactory(role="operator")
    page = new_page(user=operator)
    note_form(page, live_server.url, case)
    page.fill(f"{NOTES} [name=text]", "Сусіди кажуть, що вода є в школі.")
    session_ends(page)

    page.click(f"{NOTES} button[type=submit]")
    expect(page.locator(".draft-kept")).to_be_visible()
    sign_in(page, operator.username)

    expect(page).to_have_url(re.compile(rf"/hotline/cases/{case.reference}/$"))
    expect(page.locator(f"{NOTES} [name=text]")).to_have_value("Сусіди кажуть, що вода є в школі.")
    expect(page.locator(f"{NOTES} .draft-restored")).to_be_visible()
    assert not CaseEvent.objects.filter(case=case, kind="note").exists()
    page.click(f"{NOTES} button[type=submit]")

    expect(page.locator("li[data-kind=note]")).to_contain_text("вода є в школі")
    assert CaseEvent.objects.filter(case=case, kind="note").count() == 1


def test_another_user_signing_in_does_not_get_it(new_page, live_server):
    case = open_case()
    page = new_page(user=UserFactory(role="operator"))
    note_form(page, live_server.url, case)
    page.fill(f"{NOTES} [name=text]", "Ключ от дома у соседки, кв. 12.")
    session_ends(page)
    page.click(f"{NOTES} button[type=submit]")
    expect(page.locator(".draft-kept")).to_be_visible()

    sign_in(page, UserFactory(role="operator").username)  # the next shift, same screen

    expect(page).to_have_url(re.compile(rf"/hotline/cases/{case.reference}/$"))
    expect(page.locator(f"{NOTES} [name=text]")).to_have_value("")
    expect(page.locator(".draft-restored")).to_have_count(0)
    assert unsent(page) is None


def test_a_recorded_note_is_not_kept(new_page, live_server):
    """What was answered is never restored later, so it is never recorded twice."""
    case = open_case()
    page = new_page(user=UserFactory(role="operator"))
    note_form(page, live_server.url, case)
    page.fill(f"{NOTES} [name=text]", "Перезвонить после 18:00.")
    page.click(f"{NOTES} button[type=submit]")
    expect(page.locator("li[data-kind=note]")).to_have_count(1)

    assert unsent(page) is None


def test_logging_out_forgets_it(new_page, live_server):
    """Someone else may sit down at this screen next (on the 2FA page, say)."""
    operator = UserFactory(role="operator")
    page = new_page(user=operator)
    page.goto(f"{live_server.url}/hotline/")
    kept = {"user": operator.username, "action": "/hotline/new/", "fields": [["phone", "1"]]}
    page.evaluate(
        "kept => sessionStorage.setItem('reliefline.unsent', JSON.stringify("
        "Object.assign(kept, {at: Date.now(), state: 'interrupted'})))",
        kept,
    )

    page.click("form.logout button[type=submit]")

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator(".draft-kept")).to_have_count(0)
    assert unsent(page) is None


def test_a_note_whose_answer_was_lost_is_not_kept(new_page, live_server):
    """It may have been recorded: restored after a later sign-in, it could be twice."""
    case = open_case()
    page = new_page(user=UserFactory(role="operator"))
    note_form(page, live_server.url, case)
    page.fill(f"{NOTES} [name=text]", "Перезвонить после 18:00.")
    lost = lose_first_answer(page, f"**/cases/{case.reference}/notes/")
    page.click(f"{NOTES} button[type=submit]")
    expect(page.locator(f"{NOTES} .write-failed")).to_be_visible()

    assert lost == [200]
    assert unsent(page) is None
    expect(page.locator(f"{NOTES} [name=text]")).to_have_value("Перезвонить после 18:00.")


def test_the_end_of_the_session_is_announced_with_a_way_to_sign_in_again(new_page, live_server):
    operator = UserFactory(role="operator")
    page = new_page(user=operator, session_ends=dt.timedelta(minutes=10))
    page.goto(f"{live_server.url}/hotline/")

    banner = page.locator("form.session-ending[role=status]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Your session ends at")
    expect(banner).to_contain_text("Sign in again between two calls")
    screenshot(page, "session-ending")
    page.click("form.session-ending button[type=submit]")

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/hotline/$"))
    sign_in(page, operator.username)
    expect(page).to_have_url(re.compile(r"/hotline/$"))
    expect(page.locator("form.session-ending")).to_be_hidden()  # a whole shift ahead again


def test_the_banner_says_when_the_session_has_ended(new_page, live_server):
    # Time enough to load the page on a busy machine before the session ends.
    page = new_page(user=UserFactory(role="operator"), session_ends=dt.timedelta(seconds=8))
    page.goto(f"{live_server.url}/hotline/")

    expect(page.locator("form.session-ending")).to_contain_text(
        "Your session has ended", timeout=15_000
    )


def test_the_banner_reads_in_the_operators_language(new_page, live_server):
    operator = UserFactory(role="operator")
    page = new_page(user=operator, session_ends=dt.timedelta(minutes=10), language="uk")
    page.goto(f"{live_server.url}/hotline/")

    expect(page.locator("form.session-ending")).to_contain_text(
        re.compile(r"Ваш сеанс закінчується о \d\d:\d\d, через 12 годин")
    )
    expect(page.locator("form.session-ending button")).to_have_text("Увійти знову зараз")


def test_a_fresh_session_shows_no_banner(new_page, live_server):
    page = new_page(user=UserFactory(role="operator"))
    page.goto(f"{live_server.url}/hotline/")
    expect(page.locator("#queue-table")).to_be_visible()
    expect(page.locator("form.session-ending")).to_be_hidden()
