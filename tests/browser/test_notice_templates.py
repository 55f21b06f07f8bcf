"""What a coordinator clicks, in Chromium, to change the words of a notice."""

import pytest
from playwright.sync_api import Page, expect

from reliefline.access.tests.factories import UserFactory
from reliefline.channels.models import NoticeTemplate
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
# The shared test machine can be slow: wait longer than the conftest's 10 s.
PATIENCE = 45_000


def _patient(page: Page) -> Page:
    page.set_default_timeout(PATIENCE)
    page.set_default_navigation_timeout(PATIENCE)
    return page


def test_a_coordinator_rewrites_the_russian_acknowledgement(new_page, live_server):
    # An earlier module's transactional tests may have emptied the templates the
    # migration seeded: the page then shows the defaults, and saving stores them.
    page = _patient(new_page(user=UserFactory(role="coordinator")))
    page.goto(f"{live_server.url}/channels/broadcasts/")
    page.click("a[href='/channels/notices/templates/']")

    form = page.locator("form#notice-acknowledgement")
    russian = form.locator("textarea[name='acknowledgement-ru']")
    russian.fill("Принято, номер {number}.")
    form.locator("button[type=submit]").click()

    field = page.locator("form#notice-acknowledgement .field.has-error")
    expect(field).to_contain_text("Unknown placeholder {number}", timeout=PATIENCE)
    expect(field.locator("textarea")).to_have_value("Принято, номер {number}.")
    screenshot(page, "channels-notice-templates-refused")
    assert not NoticeTemplate.objects.filter(body__contains="{number}").exists()

    page.locator("textarea[name='acknowledgement-ru']").fill("Принято, номер {reference}.")
    page.locator("form#notice-acknowledgement button[type=submit]").click()
    expect(page.locator(".message.success")).to_be_visible(timeout=PATIENCE)
    expect(page.locator("textarea[name='acknowledgement-ru']")).to_have_value(
        "Принято, номер {reference}."
    )
    saved = NoticeTemplate.objects.get(kind="acknowledgement", language="ru")
    assert saved.body == "Принято, номер {reference}."
