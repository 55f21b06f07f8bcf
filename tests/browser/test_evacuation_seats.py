"""In Chromium: a convoy page left open in a tab moves no household off a locked convoy
or off another convoy, and the page of a closed corridor's convoy offers no planning."""

from typing import Any

import pytest
from playwright.sync_api import expect

from reliefline.access.tests.factories import UserFactory
from reliefline.evacuation import services
from reliefline.evacuation.models import Placement
from reliefline.evacuation.services import VehicleInput
from reliefline.evacuation.tests import factories as f
from reliefline.evacuation.tests.test_seat_rules import _closed, _codes
from tests.browser.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("gazetteer", "transactional_db"),
]


def test_a_stale_tab_neither_moves_nor_removes_a_household_placed_since(
    new_page: Any, live_server: Any
) -> None:
    coordinator = UserFactory(role="coordinator")
    corridor = f.corridor(by=coordinator)
    first = f.convoy(corridor, vehicles=[VehicleInput("Bus", seats=3)], by=coordinator)
    second = services.convoy_create(
        corridor.windows.get(),
        name="Second",
        departure_at=first.departure_at,
        assembly_point_id=f.SUDZHA,
        by=coordinator,
    )
    services.vehicle_add(second, VehicleInput("Van", seats=3), by=coordinator)
    family = f.request(by=coordinator)
    services.convoy_allocate(first, by=coordinator, time_limit=2)
    tab = new_page(user=coordinator)
    tab.goto(f"{live_server.url}/evacuation/convoys/{first.pk}/", timeout=60_000)
    # Meanwhile, in another tab: the household is moved to the second convoy.
    services.request_place(family, f.bus(second), by=coordinator)
    moved = _codes(family)

    tab.get_by_role("button", name="Remove household").click()
    expect(tab.locator("#convoy-panel .error-box")).to_contain_text(
        f"The household holds no place on convoy {first.name} any more"
    )
    screenshot(tab, "evacuation-unplace-stale")
    assert _codes(family) == moved

    other = f.request(phone="+79101234596", given_name="Олег", by=coordinator)
    tab.reload()
    place = tab.locator(f"tr[data-request='{other.pk}']").get_by_role("button", name="Place")
    expect(place).to_be_visible()
    # Meanwhile: placed on the second convoy, which is locked; the family is told to come.
    services.request_place(other, f.bus(second), by=coordinator)
    services.convoy_lock(second, by=coordinator)
    told = _codes(other)

    place.click()
    expect(tab.locator("#convoy-panel .error-box")).to_contain_text(
        f"Convoy {second.name} is locked and the household was told to come"
    )
    assert _codes(other) == told


def test_the_page_of_a_closed_corridors_convoy_offers_no_planning(
    new_page: Any, live_server: Any
) -> None:
    coordinator = UserFactory(role="coordinator")
    convoy, family = _closed(coordinator)

    page = new_page(user=coordinator)
    page.goto(f"{live_server.url}/evacuation/convoys/{convoy.pk}/", timeout=60_000)

    expect(page.locator("#corridor-closed")).to_contain_text("is closed")
    expect(page.locator(f"tr[data-request='{family.pk}']")).to_be_visible()
    for name in ("Allocate", "Lock and notify", "Add vehicle", "Place"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    screenshot(page, "evacuation-convoy-closed")
    assert not Placement.objects.exists()
