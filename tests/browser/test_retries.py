"""A write whose answer is lost on the way, in Chromium: the page says so, a retry records once.

Playwright sends the request on to the server, takes its answer and drops the
connection instead of handing it over: what a field team's phone meets when the
network goes between the request and the answer.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from reliefline.access.tests.factories import UserFactory
from reliefline.hotline.models import Case, CaseEvent
from reliefline.hotline.tests.factories import open_case
from tests.browser.conftest import lose_first_answer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


NOTES = "#case-activity form[action$='/notes/']"


def open_note_form(new_page, live_server, case: Case) -> Page:
    """Return an operator's case page with the note form open."""
    page = new_page(user=UserFactory(role="operator"))
    page.goto(f"{live_server.url}/hotline/cases/{case.reference}/")
    page.click("#case-activity details:has(form[action$='/notes/']) summary")
    return page


def test_a_note_whose_answer_was_lost_is_sent_again_and_recorded_once(new_page, live_server):
    case = open_case()
    page = open_note_form(new_page, live_server, case)
    notes = NOTES
    page.fill(f"{notes} [name=text]", "Сусіди кажуть, що вода є в школі.")
    lost = lose_first_answer(page, f"**/cases/{case.reference}/notes/")

    page.click(f"{notes} button[type=submit]")

    expect(page.locator(f"{notes} .write-failed[role=alert]")).to_contain_text("once")
    assert lost == [200]  # the server recorded it; the page never heard
    screenshot(page, "note-answer-lost")
    page.click(f"{notes} button[type=submit]")

    expect(page.locator("li[data-kind=note]")).to_have_count(1)
    expect(page.locator(".write-failed")).to_have_count(0)
    assert CaseEvent.objects.filter(case=case, kind="note").count() == 1


def test_a_new_call_whose_answer_was_lost_is_one_case_after_reload(
    new_page, live_server, gazetteer
):
    page = new_page(user=UserFactory(role="operator"))
    page.goto(f"{live_server.url}/hotline/new/")
    page.fill("#id_phone", "+7 910 000-55-67")
    page.fill("#id_given_name", "Ніна")
    page.fill("#id_family_name", "Гончаренко")
    page.check("#id_needs_water")
    lost = lose_first_answer(page, "**/hotline/new/")

    page.click("#new-case button[type=submit]")
    page.wait_for_url(re.compile(r"^chrome-error://"))  # what the operator sees
    assert lost == [302]  # the server opened the case
    page.reload()  # the browser sends the same form again

    case = Case.objects.get()
    expect(page).to_have_url(re.compile(rf"/hotline/cases/{case.reference}/$"))


def test_a_note_edited_after_its_answer_was_lost_is_not_recorded_twice(new_page, live_server):
    """The first text was recorded unseen; the edited one is refused inside the form."""
    case = open_case()
    page = open_note_form(new_page, live_server, case)
    notes = NOTES
    page.fill(f"{notes} [name=text]", "Перезвонить после 18:00.")
    lose_first_answer(page, f"**/cases/{case.reference}/notes/")
    page.click(f"{notes} button[type=submit]")
    expect(page.locator(f"{notes} .write-failed")).to_be_visible()

    page.fill(f"{notes} [name=text]", "Перезвонить после 19:00.")
    page.click(f"{notes} button[type=submit]")

    expect(page.locator(f"{notes} #already-sent")).to_contain_text("already sent")
    expect(page.locator("#case-activity h2")).to_be_visible()  # the section is still there
    screenshot(page, "note-already-sent")
    texts = CaseEvent.objects.filter(case=case, kind="note").values_list("text", flat=True)
    assert list(texts) == ["Перезвонить после 18:00."]


@pytest.mark.parametrize(
    ("status", "said"), [(500, "could not record"), (503, "could not record"), (403, "refused")]
)
def test_an_error_answer_to_a_note_is_said_at_the_form(new_page, live_server, status, said):
    """htmx swaps nothing for these; without a word the operator would think it saved."""
    case = open_case()
    page = open_note_form(new_page, live_server, case)
    page.fill(f"{NOTES} [name=text]", "Перезвонить после 18:00.")
    page.route(
        f"**/cases/{case.reference}/notes/",
        lambda route: route.fulfill(status=status, body="error"),
    )

    page.click(f"{NOTES} button[type=submit]")

    expect(page.locator(f"{NOTES} .write-failed[role=alert]")).to_contain_text(said)


def test_a_note_sent_after_the_session_ended_opens_the_sign_in_page(new_page, live_server):
    """The shift's session ends with the case page open: sign in, and back to the case."""
    case = open_case()
    page = open_note_form(new_page, live_server, case)
    page.fill(f"{NOTES} [name=text]", "Перезвонить после 18:00.")
    page.context.clear_cookies(name="sessionid")  # the CSRF cookie lives on

    page.click(f"{NOTES} button[type=submit]")

    expect(page).to_have_url(
        re.compile(rf"/accounts/login/\?next=%2Fhotline%2Fcases%2F{case.reference}%2F$")
    )
    expect(page.locator("#case-activity")).to_have_count(0)  # a whole page, not a swap
