"""What a coordinator clicks: dedupe, review side by side, merge, undo, in Chromium."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reliefline.access.tests.factories import UserFactory
from reliefline.hotline.models import Case
from reliefline.people.dedupe import dedupe_run
from reliefline.people.models import Merge, Person
from reliefline.people.tests.factories import PersonFactory
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_coordinator_merges_a_duplicate_and_undoes_it(new_page, live_server) -> None:
    russian = PersonFactory(given_name="Ирина", family_name="Верещук", phone="+79101112233")
    latin = PersonFactory(
        given_name="Iryna", family_name="Vereshchuk", patronymic="", phone="+79101112233"
    )
    case = Case.objects.create(
        channel="sms", language="ru", caller=latin, household=latin.household, due_at=timezone.now()
    )
    dedupe_run()
    errors: list[str] = []
    page = new_page(user=UserFactory(role="coordinator"), width=390, height=844)
    page.set_default_timeout(60_000)  # the shared 2-core machine is often loaded
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/people/duplicates/")
    expect(page.locator("nav a[href='/people/duplicates/']")).to_be_visible()
    expect(page.locator(".review-queue")).to_contain_text("Iryna Vereshchuk")
    page.click(".review-queue td a")
    expect(page.locator(".compare").first).to_contain_text("+79101112233")
    expect(page.locator(".pairs")).to_contain_text("family name equal after transliteration")
    # The comparison scrolls inside its box on a phone; the page itself does not.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "dedupe-compare-phone")

    page.check(f"input[name=survivor][value='{russian.pk}']")
    page.check(f"input[name=pick_phone][value='{latin.pk}']")
    page.click("button[value=merge]")
    expect(page).to_have_url(re.compile(r"/people/merges/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("Merged")
    expect(page.locator(".moved")).to_contain_text("Case: 1")
    case.refresh_from_db()
    assert case.caller_id == russian.pk
    assert Person.objects.get(pk=latin.pk).merged_into_id == russian.pk

    page.click("text=Undo this merge")
    expect(page.locator(".messages")).to_contain_text("Merge undone")
    expect(page.locator("h1 .undone")).to_be_visible()
    case.refresh_from_db()
    assert case.caller_id == latin.pk
    assert Merge.objects.get().undone_at is not None
    assert Person.objects.get(pk=latin.pk).merged_into_id is None
    assert errors == []
