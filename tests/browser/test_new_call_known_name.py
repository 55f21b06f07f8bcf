"""Story 2 in Chromium: a caller typed by name, no phone, sent before choosing.

QA on the demo: "Lyudmila Fedorova" typed, *Open the case* pressed at once: a second
person and household for Людмила Фёдорова. Now the form asks which caller it is.
"""

import pytest
from playwright.sync_api import expect

from reliefline.access.tests.factories import UserFactory
from reliefline.hotline.models import Case
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Household, Person
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def _hurried_call(page, url: str) -> None:
    """Type the caller's names and press *Open the case* before the lookup answers."""
    page.goto(f"{url}/hotline/new/")
    page.fill("#id_given_name", "Lyudmila")
    page.fill("#id_family_name", "Fedorova")
    page.locator("input[name=needs][value=food]").check()
    page.click("#new-case button[type=submit]")


def test_a_hurried_click_on_a_known_name_asks_which_caller(new_page, live_server):
    earlier = open_case(phone="+79100000027", given_name="Людмила", family_name="Фёдорова")
    page = new_page(user=UserFactory(role="operator"))

    _hurried_call(page, live_server.url)

    expect(page.locator("#new-case .caller [role=alert]")).to_contain_text(
        "Someone registered may be this caller"
    )
    expect(
        page.locator(f"#caller-matches li.candidate:has(#person_{earlier.caller_id})")
    ).to_be_visible()
    expect(page.locator("#id_given_name")).to_have_value("Lyudmila")
    assert (Case.objects.count(), Person.objects.count(), Household.objects.count()) == (1, 1, 1)
    screenshot(page, "new-call-known-name-asks")

    page.locator(f"#person_{earlier.caller_id}").check()
    page.click("#new-case button[type=submit]")

    expect(page.locator("h1")).to_contain_text("RL-")
    latest = Case.objects.exclude(pk=earlier.pk).get()
    assert (latest.caller_id, latest.household_id) == (earlier.caller_id, earlier.household_id)


def test_none_of_these_after_the_question_opens_a_new_household(new_page, live_server):
    open_case(phone="+79100000027", given_name="Людмила", family_name="Фёдорова")
    page = new_page(user=UserFactory(role="operator"))
    _hurried_call(page, live_server.url)

    page.get_by_label("None of these: a new person in a new household").check()
    page.click("#new-case button[type=submit]")

    expect(page.locator("h1")).to_contain_text("RL-")
    assert (Case.objects.count(), Household.objects.count()) == (2, 2)
