"""A code typed on a Russian keyboard, offline, still finds its passenger's row, in Chromium.

The server reads "ев7kq2m9xa" as "EV-7KQ2-M9XA" (evacuation.selectors.code_normalise);
the phone's outbox must read it the same way, or the row would not say that its mark
is kept on the phone.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.test_evacuation import _check_in_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
TO_CYRILLIC = str.maketrans("ABEKMHOPCTXY", "АВЕКМНОРСТХУ")


def test_a_code_typed_in_cyrillic_without_dashes_offline_is_kept_on_its_row(
    new_page, live_server, gazetteer
):
    phone, placement = _check_in_page(live_server, new_page)
    row = phone.locator(f"#p-{placement.code}")
    typed = "ЕВ" + placement.code[3:].replace("-", "").translate(TO_CYRILLIC).lower()
    phone.context.set_offline(True)

    phone.fill("#id_code", typed)
    phone.keyboard.press("Enter")

    expect(row.locator(".outbox-kept")).to_contain_text("kept on this phone")
    phone.context.set_offline(False)
    expect(row.locator(".state")).to_have_text("Boarded")
    placement.refresh_from_db()
    assert placement.status == "boarded"
