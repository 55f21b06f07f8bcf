"""What a resident and a coordinator click, in Chromium: the report form and a broadcast."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from conftest import SUDZHA
from reliefline.access.tests.factories import UserFactory
from reliefline.channels.models import Broadcast, Notice
from reliefline.hotline.models import Case
from reliefline.hotline.tests.factories import open_case
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
# The shared test machine can be slow: wait longer than the conftest's 10 s.
PATIENCE = 45_000


def _patient(page: Page) -> Page:
    page.set_default_timeout(PATIENCE)
    page.set_default_navigation_timeout(PATIENCE)
    return page


def test_a_relative_abroad_reports_in_russian_and_gets_a_case_number(
    new_page, live_server, gazetteer
):
    cache.clear()
    page = _patient(new_page())
    page.goto(f"{live_server.url}/report/")
    page.click("button[name=language][value=ru]")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.fill("#id_message", "Маме 84 года, она одна в Судже, нужен инсулин и эвакуация.")
    page.fill("#id_given_name", "Елена")
    page.fill("#id_phone", "+49 170 1234567")
    page.check("#id_consent")
    page.click("form#report button[type=submit]")

    reference = page.locator("#case-reference")
    expect(reference).to_have_text(re.compile(r"^RL-\d{6}$"), timeout=PATIENCE)
    case = Case.objects.get()
    assert case.reference == reference.inner_text()
    assert (case.channel, case.language, case.settlement_id) == ("web", "ru", SUDZHA)
    screenshot(page, "channels-report-sent")


def test_a_coordinator_previews_and_sends_a_corridor_notice(new_page, live_server, gazetteer):
    open_case(language="ru", settlement_id=SUDZHA, phone="+79101110001")
    open_case(language="uk", settlement_id=SUDZHA, phone="+380501110002", given_name="Оксана")
    page = _patient(new_page(user=UserFactory(role="coordinator")))

    page.goto(f"{live_server.url}/channels/broadcasts/")
    page.click("a[href='/channels/broadcasts/new/']")
    page.select_option("#id_kind", "corridor_opened")
    page.select_option("#id_settlements", SUDZHA)
    page.fill("#id_corridor", "Суджа — Суми")
    page.fill("#id_window", "сб 08:00–14:00")
    page.click("#broadcast-form button[name=preview]")

    preview = page.locator("#preview table.preview")
    expect(preview.locator("tr[data-language=uk] td").nth(1)).to_contain_text(
        "гуманітарний коридор Суджа — Суми відкрито", timeout=PATIENCE
    )
    expect(preview.locator("tr[data-language=ru]")).to_contain_text("sms: 1")
    screenshot(page, "channels-broadcast-preview")
    page.click("#preview button[name=send]")

    expect(page).to_have_url(re.compile(r"/channels/broadcasts/\d+/$"), timeout=PATIENCE)
    expect(page.locator("#progress")).to_contain_text("2 recipients", timeout=PATIENCE)
    broadcast = Broadcast.objects.get()
    assert broadcast.recipients == 2
    assert sorted(Notice.objects.values_list("language", flat=True)) == ["ru", "uk"]
