"""The convoy page on a coordinator's phone, in Chromium: no wider than the screen."""

import pytest
from playwright.sync_api import expect

from reliefline.access.tests.factories import UserFactory
from reliefline.evacuation.services import VehicleInput
from reliefline.evacuation.tests import factories as f
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
PHONE = {"width": 390, "height": 844}


def test_the_convoy_page_with_a_waiting_list_fits_a_phone_in_russian(
    new_page, live_server, gazetteer
):
    """The waiting list's table scrolls inside its card, its hidden labels with it."""
    coordinator = UserFactory(role="coordinator")
    convoy = f.convoy(
        vehicles=[VehicleInput("Автобус 1", seats=2), VehicleInput("Медицинский фургон", seats=1)],
        by=coordinator,
    )
    f.request(family=[("Валентина", "wheelchair", True)], by=coordinator)
    phone = new_page(user=coordinator, language="ru", **PHONE)

    phone.goto(f"{live_server.url}/evacuation/convoys/{convoy.pk}/", timeout=60_000)

    expect(phone.locator("#left-out select[name=vehicle]")).to_have_count(1)
    screenshot(phone, "evacuation-convoy-phone-ru")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
