"""In Chromium, on a phone: a coordinator amends an evacuation request in place."""

from typing import Any

import pytest
from playwright.sync_api import expect

from reliefline.access.tests.factories import UserFactory
from reliefline.evacuation.models import EvacuationRequest
from reliefline.evacuation.tests.test_request_amend import PHONE, _member, _with_maria
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.usefixtures("gazetteer")


@pytest.mark.browser
@pytest.mark.usefixtures("transactional_db")
def test_on_a_phone_a_coordinator_amends_a_members_mobility(
    new_page: Any, live_server: Any
) -> None:
    coordinator = UserFactory(role="coordinator")
    request, maria = _with_maria(coordinator)
    phone = new_page(user=coordinator, **PHONE)
    phone.goto(
        f"{live_server.url}/evacuation/cases/{request.case.reference}/request/", timeout=60_000
    )

    phone.locator("#amend summary").click()
    # The form's table scrolls inside its card: the page stays as wide as the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.select_option(f"#amend-request select[name=mobility_{maria}]", "wheelchair")
    phone.fill("#amend_reason", "Мария broke her leg")
    screenshot(phone, "evacuation-request-amend-phone")
    phone.get_by_role("button", name="Amend request").click()

    expect(phone.locator(".messages")).to_contain_text(f"Request {request} amended.")
    expect(phone.locator(f"#open-members tr[data-person='{maria}']")).to_contain_text("Wheelchair")
    phone.wait_for_load_state("networkidle")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert _member(request, maria).mobility == "wheelchair"
    assert EvacuationRequest.objects.get().pk == request.pk
