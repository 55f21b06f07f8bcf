"""What coordinators and field teams click for aid, in Chromium: receive → plan →
distribute on a phone → the same family, registered again, is refused."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Route, expect

from conftest import SUDZHA
from reliefline.access.idempotency import KEPT, purge
from reliefline.access.models import IdempotentRequest
from reliefline.access.tests.factories import UserFactory
from reliefline.aid.models import (
    Distribution,
    DistributionRule,
    Item,
    ItemKind,
    KitLine,
    Measure,
    Movement,
    MovementKind,
    Standard,
    Warehouse,
)
from reliefline.aid.services import DistributionInput, LineInput, distribution_record
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, family, stocked
from reliefline.people.models import Household
from reliefline.places.models import Assignment, Place
from tests.browser.conftest import lose_first_answer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
BORN = dt.date(1961, 4, 12)
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct horse battery staple"


def _sudzha_ready() -> tuple[int, int]:
    # A transactional test starts from a flushed database: seed what migrations seeded.
    DistributionRule.objects.update_or_create(
        kind=ItemKind.WATER, defaults={"max_per_period": 1, "period_days": 7}
    )
    water_standard, _ = Standard.objects.get_or_create(
        code="water",
        defaults={
            "name": "Water",
            "kind": ItemKind.WATER,
            "measure": Measure.LITRES,
            "per_person_per_day": 15,
        },
    )
    water = ItemFactory(code="WATER-5L", kind=ItemKind.WATER, litres_per_unit=5)
    KitLine.objects.create(standard=water_standard, item=water, share=Decimal("0.2"))
    WarehouseFactory(
        code="SUDZHA-SCHOOL", name="School No. 1", settlement=Place.objects.get(pk=SUDZHA)
    )
    first = family(("Ольга", "Коваленко"), settlement_id=SUDZHA, birth_date=BORN)
    again = family(("Olga", "Kovalenko"), settlement_id=SUDZHA, birth_date=BORN)
    return first.pk, again.pk


def test_receive_plan_distribute_and_refuse_the_re_registered_family(
    new_page, live_server, gazetteer
):
    first, again = _sudzha_ready()
    coordinator = UserFactory(role="coordinator")
    field = UserFactory(role="field")
    Assignment.objects.create(user=field, place_id=SUDZHA)

    desk = new_page(user=coordinator)
    # The first request imports every URLconf and API schema: slow on a busy machine.
    desk.goto(f"{live_server.url}/aid/receive/", timeout=60_000)
    desk.select_option("#id_warehouse", "SUDZHA-SCHOOL")
    desk.select_option("#id_item", "WATER-5L")
    desk.fill("#id_quantity", "200")
    desk.fill("#id_reference", "WB-2024-0812-01")
    desk.click("#receipt-form button[type=submit]")
    expect(desk.locator(".messages")).to_contain_text("Received 200 × WATER-5L at SUDZHA-SCHOOL")

    desk.goto(f"{live_server.url}/aid/plans/")
    desk.fill("#id_settlement_q", "Sudzha")
    desk.click(f"#places-settlement button[data-place-id='{SUDZHA}']")
    desk.fill("#id_starts_on", "2024-08-15")
    desk.fill("#id_days", "7")
    desk.fill("#id_population", "100")
    desk.click("#plan-form button[type=submit]")
    expect(desk).to_have_url(re.compile(r"/aid/plans/\d+/$"))
    # 100 people × 15 l × 20% ÷ 5 l = 60 bottles a day, 420 a week; 200 in stock.
    expect(desk.locator("#plan-table td[data-item='WATER-5L']")).to_have_text("220")
    screenshot(desk, "aid-plan")

    phone = new_page(user=field, **PHONE)
    phone.goto(f"{live_server.url}/aid/field/")
    phone.fill("#id_q", "Коваленко")
    phone.click("form[role=search] button[type=submit]")
    phone.click(f"#households a[href='/aid/field/households/{first}/']")
    phone.select_option("#id_warehouse", "SUDZHA-SCHOOL")
    phone.fill("#id_qty_WATER-5L", "2")
    phone.fill("#id_recipient_name", "Ольга")
    phone.click("#distribution-form button[type=submit]")
    expect(phone.locator(".messages")).to_contain_text("Distribution recorded.")
    expect(phone.locator("#received")).to_contain_text("× 2")
    expect(phone.locator("#entitlements")).to_contain_text("1 of 1 in 7 days")

    phone.goto(f"{live_server.url}/aid/field/?q=Kovalenko")
    phone.click(f"#households a[href='/aid/field/households/{again}/']")
    expect(phone.locator("#duplicates")).to_contain_text(f"H-{first:06d}")
    phone.select_option("#id_warehouse", "SUDZHA-SCHOOL")
    phone.fill("#id_qty_WATER-5L", "2")
    phone.click("#distribution-form button[type=submit]")
    expect(phone.locator("#refused")).to_contain_text("already received 1 distribution")
    screenshot(phone, "aid-field-refused")

    desk.goto(f"{live_server.url}/aid/")
    expect(desk.locator("#stock-table")).to_contain_text("198")


def _before(page, selector: str) -> str:
    return page.locator(selector).first.evaluate(
        "cell => getComputedStyle(cell, '::before').content"
    )


def test_the_ledger_and_stock_name_each_cell_on_a_phone(new_page, live_server, gazetteer):
    # At a phone's width a table row becomes a card whose cells say what they are.
    warehouse = WarehouseFactory(code="SUDZHA-SCHOOL", settlement=Place.objects.get(pk=SUDZHA))
    stocked(warehouse, ItemFactory(code="WATER-5L", kind=ItemKind.WATER), 200)
    phone = new_page(user=UserFactory(role="coordinator"), **PHONE)

    phone.goto(f"{live_server.url}/aid/ledger/", timeout=60_000)
    assert _before(phone, "#ledger-table tbody td.total") == '"Quantity: "'
    assert _before(phone, "#ledger-table tbody td:last-child") == "none"
    phone.goto(f"{live_server.url}/aid/")
    assert _before(phone, "#stock-table tbody td.total") == '"On hand: "'


# Without a connection (aid/outbox.js): distributions kept on the phone, sent later.

WATER = "Drinking water, 5 l bottle"
BISCUITS = "High-energy biscuits"
HOUSEHOLD = re.compile(r".*/aid/field/households/\d+/$")
KEPT_WITHOUT_NAME = (
    "Kept without the name as given: names are not kept on the phone; the confirmation code is."
)


def _household_page(new_page, live_server, *, role: str = "field"):
    """Return the team's phone on the first household's page, its household and user."""
    household, _again = _sudzha_ready()
    warehouse = Warehouse.objects.get(code="SUDZHA-SCHOOL")
    stocked(warehouse, Item.objects.get(code="WATER-5L"), 50)
    biscuits = ItemFactory(
        code="BISCUIT-HE", kind=ItemKind.FOOD, name_en=BISCUITS, litres_per_unit=0
    )
    stocked(warehouse, biscuits, 50)
    team = UserFactory(role=role)
    Assignment.objects.create(user=team, place_id=SUDZHA)
    phone = new_page(user=team, **PHONE)
    # The first request imports every URLconf: slow on a busy machine.
    phone.goto(f"{live_server.url}/aid/field/households/{household}/", timeout=60_000)
    return phone, Household.objects.get(pk=household), team


def _give(phone, *, water: int, biscuits: int = 0, name: str = "", code: str = "") -> None:
    phone.select_option("#id_warehouse", "SUDZHA-SCHOOL")
    phone.fill("#id_qty_WATER-5L", str(water))
    phone.fill("#id_qty_BISCUIT-HE", str(biscuits))
    phone.fill("#id_recipient_name", name)
    phone.fill("#id_confirmation_code", code)
    phone.click("#distribution-form button[type=submit]")


def _kept_offline(new_page, live_server):
    """Return the team's phone, still offline, with 2 bottles of water given and kept."""
    phone, household, team = _household_page(new_page, live_server)
    phone.context.set_offline(True)
    _give(phone, water=2)
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    return phone, household, team


def _answer_posts(phone, status: int, body: str) -> None:
    """Answer the household page's POSTs with `status`; its GETs go through."""

    def handle(route: Route) -> None:
        if route.request.method == "POST":
            route.fulfill(status=status, body=body)
        else:
            route.continue_()

    phone.route(HOUSEHOLD, handle)


def _kept(phone) -> list[dict]:
    return phone.evaluate("JSON.parse(localStorage.getItem('reliefline.distributions') || '[]')")


def _given(household: Household) -> list[tuple[str, int]]:
    """Return (item, quantity) of every stock movement to the household, in item order."""
    return list(
        Movement.objects.filter(kind=MovementKind.DISTRIBUTION, distribution__household=household)
        .order_by("item__code")
        .values_list("item__code", "quantity")
    )


def test_a_distribution_given_offline_is_kept_without_the_name_and_recorded_once_back(
    new_page, live_server, gazetteer
):
    """No signal at the school: the team hands out the goods, the phone keeps the record."""
    phone, household, team = _household_page(new_page, live_server)
    key = phone.input_value("#distribution-form [name=idempotency_key]")
    phone.context.set_offline(True)

    _give(phone, water=2, biscuits=1, name="Ольга Коваленко", code="4821")

    outbox = phone.locator("#outbox")
    expect(outbox.locator(".outbox-count")).to_contain_text("Not sent yet, kept on this phone: 1")
    expect(outbox.locator(".outbox-waiting li")).to_have_text(
        re.compile(rf"^{household} · {BISCUITS} × 1, {WATER} × 2 · \d+:\d\d")
    )
    expect(outbox.locator(".outbox-sent li.kept")).to_have_text(KEPT_WITHOUT_NAME)
    # Ready for the next household, with a key of its own.
    expect(phone.locator("#id_qty_WATER-5L")).to_have_value("0")
    expect(phone.locator("#id_recipient_name")).to_have_value("")
    expect(phone.locator("#id_confirmation_code")).to_have_value("")
    expect(phone.locator("#id_warehouse")).to_have_value("SUDZHA-SCHOOL")
    new_key = phone.input_value("#distribution-form [name=idempotency_key]")
    assert new_key not in ("", key)
    [kept] = _kept(phone)
    assert set(kept) == {"action", "fields", "key", "label", "at", "user"}
    assert kept["key"] == key
    assert kept["user"] == team.username
    assert dict(kept["fields"])["recipient_name"] == ""
    assert dict(kept["fields"])["confirmation_code"] == "4821"
    stored = phone.evaluate("JSON.stringify(localStorage)")
    assert "Ольга" not in stored and "Коваленко" not in stored
    screenshot(phone, "aid-offline-kept")
    assert not Distribution.objects.exists()

    phone.context.set_offline(False)

    expect(outbox.locator(".outbox-sent li.done")).to_have_text(
        re.compile(rf"^Recorded from this phone: {household} · {BISCUITS} × 1, {WATER} × 2\.$"),
        timeout=20_000,
    )
    expect(outbox.locator(".outbox-waiting li")).to_have_count(0)
    expect(phone.locator("#received")).to_contain_text("× 2")  # this household's page, updated
    assert _kept(phone) == []
    distribution = Distribution.objects.get()
    assert distribution.household == household
    assert distribution.by == team
    assert distribution.confirmation_code == "4821"
    assert distribution.recipient_name == ""
    lines = distribution.lines.order_by("item__code").values_list("item__code", "quantity")
    assert list(lines) == [("BISCUIT-HE", 1), ("WATER-5L", 2)]
    assert _given(household) == [("BISCUIT-HE", -1), ("WATER-5L", -2)]


def test_a_distribution_whose_answer_was_lost_is_kept_and_recorded_once(
    new_page, live_server, gazetteer
):
    """The server recorded it, the answer never came: the resend gets the first answer."""
    phone, household, _team = _household_page(new_page, live_server)
    lost = lose_first_answer(phone, HOUSEHOLD)

    _give(phone, water=2, code="4821")

    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    expect(phone.locator("#id_qty_WATER-5L")).to_have_value("0")
    assert lost == [302]  # recorded on the server, unknown to the phone
    with phone.expect_response(lambda r: r.request.method == "POST") as resent:
        phone.evaluate("window.dispatchEvent(new Event('online'))")  # the connection is back

    assert resent.value.headers.get("idempotent-replayed") == "true"
    expect(phone.locator("#outbox .outbox-sent li.done")).to_contain_text(
        "Recorded from this phone"
    )
    assert _kept(phone) == []
    assert Distribution.objects.count() == 1
    assert _given(household) == [("WATER-5L", -2)]


def test_a_distribution_kept_for_days_after_a_lost_answer_is_not_recorded_twice(
    new_page, live_server, gazetteer
):
    """Days without signal: the server dropped the answer, but remembers the key."""
    phone, household, _team = _household_page(new_page, live_server)
    lose_first_answer(phone, HOUSEHOLD)
    _give(phone, water=2, code="4821")
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    IdempotentRequest.objects.update(created_at=timezone.now() - KEPT - dt.timedelta(days=3))
    purge()

    phone.evaluate("window.dispatchEvent(new Event('online'))")

    expect(phone.locator("#outbox .outbox-sent li.done")).to_contain_text(
        "Recorded from this phone"
    )
    assert _kept(phone) == []
    assert Distribution.objects.count() == 1
    assert _given(household) == [("WATER-5L", -2)]


def test_a_lost_answer_to_a_distribution_with_a_name_is_recorded_once_with_it(
    new_page, live_server, gazetteer
):
    """The copy kept without the name is not the request the server recorded: the key
    is refused for it, which says that the first was recorded."""
    phone, household, _team = _household_page(new_page, live_server)
    lost = lose_first_answer(phone, HOUSEHOLD)

    _give(phone, water=2, name="Ольга Коваленко")

    expect(phone.locator("#outbox .outbox-sent li.kept")).to_have_text(KEPT_WITHOUT_NAME)
    assert lost == [302]
    phone.evaluate("window.dispatchEvent(new Event('online'))")

    expect(phone.locator("#outbox .outbox-sent li.done")).to_contain_text(
        f"Recorded from this phone: {household} · {WATER} × 2."
    )
    assert _kept(phone) == []
    assert Distribution.objects.get().recipient_name == "Ольга Коваленко"  # as first sent
    assert _given(household) == [("WATER-5L", -2)]


def _given_meanwhile_by_another_team(household) -> None:
    """Another team gives the household its week's water (1 in 7 days) meanwhile."""
    other_team = UserFactory(role="field")
    Assignment.objects.create(user=other_team, place_id=SUDZHA)
    distribution_record(
        DistributionInput(
            warehouse="SUDZHA-SCHOOL", household_id=household.pk, lines=[LineInput("WATER-5L", 1)]
        ),
        by=other_team,
    )


def test_a_kept_distribution_refused_for_double_dipping_says_why_and_leaves_the_send_queue(
    new_page, live_server, gazetteer
):
    """Another team gave the household its week's water meanwhile."""
    phone, household, _team = _kept_offline(new_page, live_server)
    _given_meanwhile_by_another_team(household)

    phone.context.set_offline(False)

    refused = phone.locator("#outbox .outbox-sent li.error")
    expect(refused).to_contain_text(f"Not recorded: {household} · {WATER} × 2.", timeout=20_000)
    expect(refused).to_contain_text("already received 1 distribution")
    expect(refused).to_contain_text("a coordinator must settle it")
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(0)
    expect(phone.locator("#entitlements")).to_contain_text("1 of 1 in 7 days")
    assert _kept(phone) == []
    assert _given(household) == [("WATER-5L", -1)]  # the other team's only


def test_kept_distributions_survive_closing_the_page_and_go_from_the_search_page(
    new_page, live_server, gazetteer
):
    phone, household, _team = _kept_offline(new_page, live_server)
    context = phone.context
    # Sends keep failing (routed before the connection is back: its 'online' event
    # would send the distribution at once).
    context.route(HOUSEHOLD, lambda route: route.abort("internetdisconnected"))
    context.set_offline(False)
    phone.close()

    search = context.new_page()
    search.goto(f"{live_server.url}/aid/field/")
    expect(search.locator("#outbox .outbox-waiting li")).to_have_text(
        re.compile(rf"^{household} · {WATER} × 2 · ")
    )
    context.unroute(HOUSEHOLD)
    search.evaluate("window.dispatchEvent(new Event('online'))")

    expect(search.locator("#outbox .outbox-sent li.done")).to_contain_text(
        f"Recorded from this phone: {household}"
    )
    assert _given(household) == [("WATER-5L", -2)]


def test_a_kept_distribution_waits_while_the_session_has_ended(new_page, live_server, gazetteer):
    """Signed out meanwhile (the shift's 12 hours): kept, and sent once signed in again."""
    phone, household, team = _kept_offline(new_page, live_server)
    phone.context.clear_cookies(name="sessionid")  # the CSRF cookie lives on

    phone.context.set_offline(False)

    expect(phone.locator("#outbox .outbox-problem")).to_have_text(
        "They cannot be sent until you sign in again or reload this page.", timeout=20_000
    )
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(1)
    assert len(_kept(phone)) == 1
    assert not Distribution.objects.exists()

    phone.goto(f"{live_server.url}/accounts/login/?next=/aid/field/")
    phone.fill("#id_username", team.username)
    phone.fill("#id_password", PASSWORD)
    phone.click("form[action='/accounts/login/'] button[type=submit]")

    expect(phone.locator("#outbox .outbox-sent li.done")).to_contain_text(
        f"Recorded from this phone: {household}"
    )
    assert _given(household) == [("WATER-5L", -2)]


def test_a_distribution_the_phone_cannot_keep_stays_in_the_form_and_says_so(
    new_page, live_server, gazetteer
):
    """Private browsing or a full phone: never empty a form nobody kept."""
    phone, _household, _team = _household_page(new_page, live_server)
    phone.add_init_script(
        "Storage.prototype.setItem = function () { throw new DOMException('full', "
        "'QuotaExceededError'); };"
    )
    phone.reload()
    key = phone.input_value("#distribution-form [name=idempotency_key]")
    phone.context.set_offline(True)

    _give(phone, water=2, name="Ольга Коваленко", code="4821")

    expect(phone.locator("#outbox .outbox-problem")).to_contain_text("cannot keep it")
    expect(phone.locator("#outbox .outbox-problem")).to_contain_text(
        "record it once the connection is back"
    )
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(0)
    expect(phone.locator("#id_qty_WATER-5L")).to_have_value("2")
    expect(phone.locator("#id_recipient_name")).to_have_value("Ольга Коваленко")
    expect(phone.locator("#id_confirmation_code")).to_have_value("4821")
    assert phone.input_value("#distribution-form [name=idempotency_key]") == key


def test_a_kept_distribution_answered_with_a_server_error_stays_and_is_sent_again(
    new_page, live_server, gazetteer
):
    """It left the form and the goods were handed out: a failing server loses nothing."""
    phone, household, _team = _kept_offline(new_page, live_server)
    _answer_posts(phone, 500, "boom")

    phone.context.set_offline(False)

    expect(phone.locator("#outbox .outbox-waiting li")).to_contain_text(
        "the server failed; it is sent again", timeout=20_000
    )
    assert len(_kept(phone)) == 1
    phone.unroute(HOUSEHOLD)
    phone.evaluate("window.dispatchEvent(new Event('online'))")

    expect(phone.locator("#outbox .outbox-sent li.done")).to_contain_text(
        "Recorded from this phone"
    )
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(0)
    assert _given(household) == [("WATER-5L", -2)]


def test_a_distribution_answered_with_a_server_error_is_said_at_the_form(
    new_page, live_server, gazetteer
):
    """An answer came: the team is there, the form holds it, and sending again is safe."""
    phone, household, _team = _household_page(new_page, live_server)
    _answer_posts(phone, 502, "bad gateway")

    _give(phone, water=2, name="Ольга Коваленко")

    expect(phone.locator("#distribution-form .write-failed")).to_contain_text(
        "The server could not record this."
    )
    expect(phone.locator("#id_qty_WATER-5L")).to_have_value("2")
    expect(phone.locator("#id_recipient_name")).to_have_value("Ольга Коваленко")
    assert _kept(phone) == []
    phone.unroute(HOUSEHOLD)
    phone.click("#distribution-form button[type=submit]")

    expect(phone.locator(".messages")).to_contain_text("Distribution recorded.")
    expect(phone.locator("#distribution-form .write-failed")).to_have_count(0)
    assert Distribution.objects.get().recipient_name == "Ольга Коваленко"
    assert _given(household) == [("WATER-5L", -2)]


def test_a_coordinators_justification_is_not_kept_on_the_phone(new_page, live_server, gazetteer):
    """It tells of the household's circumstances, which the server keeps encrypted."""
    phone, _household, _team = _household_page(new_page, live_server, role="coordinator")
    phone.context.set_offline(True)
    phone.fill("#id_override_reason", "Мать с тремя детьми, у младшего диабет.")

    _give(phone, water=2)

    expect(phone.locator("#outbox .outbox-sent li.kept")).to_contain_text(
        "Kept without the override justification"
    )
    expect(phone.locator("#id_override_reason")).to_have_value("")
    [kept] = _kept(phone)
    assert dict(kept["fields"])["override_reason"] == ""
    assert "диабет" not in phone.evaluate("JSON.stringify(localStorage)")


def test_a_distribution_sent_after_the_session_ended_is_back_in_its_form(
    new_page, live_server, gazetteer
):
    """Online, the end of the session goes as for every form (app.js): to the sign-in
    page, then the form is back, filled, and nothing is kept on the phone."""
    phone, household, team = _household_page(new_page, live_server)
    phone.context.clear_cookies(name="sessionid")  # the CSRF cookie lives on

    _give(phone, water=2, name="Ольга Коваленко")

    expect(phone).to_have_url(re.compile(r"/accounts/login/\?next=/aid/field/households/\d+/$"))
    expect(phone.locator(".draft-kept")).to_contain_text("What you were sending was not recorded")
    assert _kept(phone) == []
    phone.fill("#id_username", team.username)
    phone.fill("#id_password", PASSWORD)
    phone.click("form[action='/accounts/login/'] button[type=submit]")

    expect(phone.locator("#distribution-form .draft-restored")).to_be_visible()
    expect(phone.locator("#id_recipient_name")).to_have_value("Ольга Коваленко")
    phone.click("#distribution-form button[type=submit]")
    expect(phone.locator(".messages")).to_contain_text("Distribution recorded.")
    assert _given(household) == [("WATER-5L", -2)]


def test_the_note_kept_without_the_name_goes_once_its_distribution_is_sent(
    new_page, live_server, gazetteer
):
    """It says what the kept copy lacks: once nothing kept lacks it, it has nothing to say."""
    phone, household, _team = _household_page(new_page, live_server)
    phone.context.set_offline(True)
    _give(phone, water=2, name="Ольга Коваленко")
    note = phone.locator("#outbox .outbox-sent li.kept")
    expect(note).to_have_text(KEPT_WITHOUT_NAME)
    _give(phone, water=0, biscuits=1)  # the next one, with no name to leave out
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(2)
    expect(note).to_have_count(1)
    _answer_posts(phone, 500, "boom")

    phone.context.set_offline(False)

    expect(phone.locator("#outbox .outbox-waiting li").first).to_contain_text(
        "the server failed; it is sent again", timeout=20_000
    )
    expect(note).to_have_text(KEPT_WITHOUT_NAME)  # still kept so
    phone.unroute(HOUSEHOLD)
    phone.evaluate("window.dispatchEvent(new Event('online'))")

    expect(phone.locator("#outbox .outbox-sent li.done")).to_have_count(2)
    expect(phone.locator("#outbox .outbox-waiting li")).to_have_count(0)
    expect(note).to_have_count(0)
    assert _kept(phone) == []
    assert _given(household) == [("BISCUIT-HE", -1), ("WATER-5L", -2)]
