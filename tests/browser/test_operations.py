"""What a coordinator clicks to import a registry, in Chromium: upload, watch, download."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import expect

from reliefline.access.models import Operation
from reliefline.access.operations import operation_run, operation_start
from reliefline.access.rotation import ROTATION
from reliefline.access.tests.factories import UserFactory
from reliefline.people.models import Person
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import _problems_on

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
PATIENCE = 45_000  # the shared 2-core machine is often loaded

REGISTRY = (
    "external_id,given_name,family_name,patronymic,birth_date,phone,settlement\n"
    "reg-1,Ирина,Верещук,Николаевна,1979-10-30,+79101234567,\n"
    "reg-2,Олег,Петренко,,30.10.1961,8 910 111-00-02,\n"
    "reg-3,Анна,Коваль,,1990-13-45,,\n"
).encode()


def test_a_coordinator_imports_a_registry_and_watches_it_finish(
    new_page, live_server, settings
) -> None:
    settings.RELIEFLINE_IMPORT_JOBS = 1  # no forked preparers beside the live server's thread
    errors: list[str] = []
    page = new_page(user=UserFactory(role="coordinator"), width=390, height=844)
    page.set_default_timeout(PATIENCE)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/people/duplicates/")
    page.click("text=Import persons from a registry")
    axe = Axe()
    problems = _problems_on(page, axe, page.url)
    page.set_input_files(
        "#id_file", files=[{"name": "registry.csv", "mimeType": "text/csv", "buffer": REGISTRY}]
    )
    page.click("#import-form button[type=submit]")

    expect(page).to_have_url(re.compile(r"/access/operations/\d+/$"))
    operation = Operation.objects.get()
    section = page.locator(f"#operation-{operation.pk}")
    expect(section).to_have_attribute("data-status", "queued")
    screenshot(page, "operations-import-queued")

    call_command("worker", "--batch", "--no-startup-delay")  # what `reliefline worker` does

    expect(section).to_have_attribute("data-status", "done", timeout=PATIENCE)
    bar = section.locator("progress")
    expect(bar).to_have_attribute("value", "1")
    expect(bar).to_have_attribute("max", "1")
    expect(section.locator(".operation-count")).to_have_text("3 of 3 rows")
    result = section.locator(".operation-result")
    expect(result).to_contain_text("Created")
    assert [result.locator("dd").nth(i).inner_text() for i in range(3)] == ["2", "0", "1"]
    expect(section.locator("a[download]")).to_have_text("Download rejected.csv")
    screenshot(page, "operations-import-done")
    problems += _problems_on(page, axe, page.url)
    assert problems == []
    assert Person.objects.filter(external_id__in=["reg-1", "reg-2"]).count() == 2
    assert errors == []


def test_a_progress_panel_whose_refresh_fails_says_it_is_not_up_to_date(
    new_page, live_server
) -> None:
    """A dropped poll must not leave "3 of 10 rows" looking like the present."""
    dpo = UserFactory(role="dpo")
    operation = operation_start(ROTATION, by=dpo, enqueue=False)
    page = new_page(user=dpo)
    page.set_default_timeout(PATIENCE)
    page.goto(f"{live_server.url}/access/operations/{operation.pk}/")
    section = page.locator(f"#operation-{operation.pk}")
    expect(section).to_have_attribute("data-status", "queued")
    poll = re.compile(rf"/access/operations/{operation.pk}/$")
    page.route(poll, lambda route: route.abort("internetdisconnected"))

    expect(section.locator(".stale[role=alert]")).to_contain_text("Progress not up to date")
    screenshot(page, "operations-stale")
    page.unroute(poll)
    operation_run(operation.pk, lambda progress: {})

    expect(section).to_have_attribute("data-status", "done")
    expect(section.locator(".stale")).to_have_count(0)
