"""The whole operation in Chromium, every story of the scenario across roles, as users click it.

One test, because the stories follow each other: the SMS of story 1 becomes the case
the coordinator triages, the household that leaves on the corridor, the case the
partner sees without names, and the person whose audit trail the DPO reads.
Only machines use the machines' doors: the SMS arrives through the Twilio webhook
(signed, in Twilio's own form format); everyone else clicks in the pages.

Each step saves a screenshot to test-artifacts/screenshots/tour-NN-*.png. With
RELIEFLINE_TOUR_DIR=docs/tour the key steps are also saved there, viewport-sized,
for docs/tour.md:

    RELIEFLINE_TOUR_DIR=docs/tour .venv/bin/pytest -p no:cacheprovider tests/browser/test_end_to_end.py
"""

import datetime as dt
import importlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from conftest import SUDZHA
from reliefline.access.services import user_create
from reliefline.aid import demo as aid_demo
from reliefline.aid.tests.factories import family
from reliefline.channels.models import Notice
from reliefline.channels.tests.factories import outbox  # noqa: F401 - a fixture
from reliefline.channels.tests.senders import TWILIO_SMS, TWILIO_TOKEN
from reliefline.evacuation.models import EvacuationRequest
from reliefline.evacuation.services import MemberInput, request_create
from reliefline.hotline.demo import demo_users_ensure
from reliefline.hotline.models import Case
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.partners import demo as partners_demo
from reliefline.people.models import Person
from reliefline.people.services import PersonInput
from reliefline.places.models import Assignment
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

SUMY = "geonames:692194"
GUYEVO = "geonames-postal:RU-307815"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}
# The shared 2-core test machine can be slow: the first page imports every URLconf,
# the first allocation loads OR-Tools.
PATIENCE = 60_000
# The people of the stories: no page a partner sees may show any of these.
PERSONAL = (
    *("Кузнецова", "Kuznetsova", "Наталья", "Валентина", "Петренко", "Ирина", "Дарья"),
    *("Мальцев", "Maltsev", "Serhii", "Сергей", "Анна", "Бондаренко", "Олег", "Мельник"),
)
PHONES = ("+79101234567", "910 123", "9101234567", "+79100000", "+38067", "0000012")
TOUR_DIR = os.environ.get("RELIEFLINE_TOUR_DIR", "")


@pytest.fixture(autouse=True)
def _patient_expect() -> Iterator[None]:
    """Let every expectation wait as long as the pages may take on a busy machine."""
    expect.set_options(timeout=PATIENCE)
    yield
    expect.set_options(timeout=None)  # back to Playwright's default for other modules


def _shot(page: Page, name: str, *, key: bool = False) -> None:
    """Save the step's screenshot; a key step also goes to the tour, viewport-sized."""
    screenshot(page, name)
    if key and TOUR_DIR:
        Path(TOUR_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(TOUR_DIR) / f"{name}.png"))


def _scroll(page: Page, selector: str, block: str) -> None:
    """Scroll the element to the viewport's start or end, so a key screenshot shows it."""
    page.locator(selector).evaluate(f"el => el.scrollIntoView({{block: '{block}'}})")


def _patient(page: Page) -> Page:
    page.set_default_timeout(PATIENCE)
    page.set_default_navigation_timeout(PATIENCE)
    return page


def _seed() -> dict[str, User]:
    """Load what exists before the stories start: users, stock, partners, other callers."""
    # A transactional test may start on a flushed database: seed what migrations seeded.
    importlib.import_module("reliefline.aid.migrations.0003_sphere_standards").seed(apps, None)
    demo_users_ensure()  # operator, coordinator, field (Sudzha), partner, dpo, admin
    user_create("operator2", role="operator", password="x" * 12, validate=False)
    user_create("field-sumy", role="field", password="x" * 12, validate=False)
    users = {u.username: u for u in User.objects.all()}
    Assignment.objects.create(user=users["field-sumy"], place_id=SUMY)
    aid_demo.demo_load()  # Sudzha's warehouse, stock received, kits, plan; field → Sudzha
    partners_demo.demo_load()  # the ICRC, its sharing agreement, 3W, the 74/41 claims
    # The morning's other callers, all less urgent than story 1.
    open_case(
        phone="+79100000011",
        given_name="Олег",
        family_name="Бондаренко",
        needs=[NeedInput(type="water")],
        settlement_id=GUYEVO,
        household_size=5,
    )
    open_case(
        phone="+380670000012",
        given_name="Оксана",
        family_name="Мельник",
        language="uk",
        needs=[NeedInput(type="food"), NeedInput(type="information")],
        settlement_id=SUDZHA,
    )
    # A family of Sudzha already waiting for a seat toward Ukraine.
    waiting = open_case(
        phone="+79100000013",
        given_name="Ирина",
        family_name="Петренко",
        needs=[NeedInput(type="evacuation")],
        settlement_id=SUDZHA,
        household_size=2,
    )
    request_create(
        waiting,
        direction="UA",
        members=[
            MemberInput(going=True, consent_method="verbal", person_id=waiting.caller_id),
            MemberInput(
                going=True,
                consent_method="verbal",
                new_person=PersonInput(given_name="Дарья", family_name="Петренко"),
            ),
        ],
        by=users["coordinator"],
    )
    # The same Sudzha family registered twice, in Cyrillic and in Latin letters.
    born = dt.date(1979, 6, 2)
    family(("Сергей", "Мальцев"), ("Анна", "Мальцева"), settlement_id=SUDZHA, birth_date=born)
    family(("Serhii", "Maltsev"), settlement_id=SUDZHA, birth_date=born)
    return users


def _sms_arrives(page: Page, base: str) -> str:
    """Post the captured Twilio SMS, signed as Twilio signs it; return the TwiML answer."""
    url = f"{base}/channels/twilio/"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, TWILIO_SMS)
    response = page.request.post(
        url,
        data=urlencode(TWILIO_SMS),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )
    assert response.status == 200, response.text()
    return response.text()


def _saturday(hour: int, minute: int = 0) -> str:
    """Return next Saturday at the hour, as a datetime-local input takes it."""
    today = timezone.localdate()
    days = (5 - today.weekday()) % 7 or 7
    return f"{today + dt.timedelta(days=days):%Y-%m-%d}T{hour:02d}:{minute:02d}"


def _pick(page: Page, field: str, name: str, place_id: str) -> None:
    page.fill(f"#id_{field}_q", name)
    page.click(f"#places-{field} button[data-place-id='{place_id}']")
    expect(page.locator(f"#picker-{field} input[name={field}]")).to_have_value(place_id)


def _fits(page: Page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]} px wide on a {widths[1]} px screen"


def test_the_scenario_end_to_end(new_page, live_server, gazetteer, settings, outbox):  # noqa: F811
    settings.RELIEFLINE_TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.RELIEFLINE_PUBLIC_URL = ""
    users = _seed()
    base = live_server.url

    # --- Story 1: a Russian SMS about insulin and evacuation tops the queue. ---------
    answer = _sms_arrives(_patient(new_page()), base)
    found = re.search(r"Номер обращения (RL-\d{6})\.", answer)
    assert found is not None, answer
    reference = found.group(1)
    case = Case.objects.get(reference=reference)
    assert (case.channel, case.language, case.settlement_id) == ("sms", "ru", SUDZHA)

    desk = _patient(new_page(user=users["operator"], **DESK))
    desk.goto(f"{base}/hotline/")
    top = desk.locator("#queue-table tbody tr").first
    expect(top).to_have_attribute("data-reference", reference)
    expect(top.locator(".badge")).to_contain_text("Critical")
    expect(top).to_contain_text("Medicine (инсулин)")  # as the SMS writes it
    _shot(desk, "tour-01-queue", key=True)

    top.get_by_role("link", name=reference).click()
    expect(desk.locator("li[data-reason='critical:insulin']")).to_be_visible()
    expect(desk.locator("blockquote.message-text")).to_contain_text("нужен инсулин")
    # The operator calls back, and writes down who the household is.
    desk.select_option("#id_outcome", "reached")
    desk.fill(
        "form[action$='/calls/'] [name=note]", "Перезвонила: мама на коляске, уехать хотят обе."
    )
    desk.get_by_role("button", name="Log call").click()
    expect(desk.locator(".timeline")).to_contain_text("мама на коляске")
    desk.fill("#id_caller-given_name", "Наталья")
    desk.fill("#id_caller-patronymic", "Сергеевна")
    desk.fill("#id_caller-family_name", "Кузнецова")
    desk.fill("#id_caller-birth_date", "1968-11-23")
    desk.get_by_role("button", name="Save name").click()
    expect(desk.locator(".messages")).to_contain_text("Caller's name recorded.")
    desk.locator("summary", has_text="Add a household member").click()
    desk.fill("#id_member-given_name", "Валентина")
    desk.fill("#id_member-patronymic", "Петровна")
    desk.fill("#id_member-family_name", "Кузнецова")
    desk.fill("#id_member-birth_date", "1942-03-08")
    desk.get_by_role("button", name="Add member").click()
    expect(desk.locator("#household-members li")).to_have_count(2)
    _shot(desk, "tour-02-sms-case", key=True)
    natalya = Person.objects.get(pk=case.caller_id)
    valentina = Person.objects.get(household=case.household_id, given_name="Валентина")

    # --- Story 2: next day she calls; typed in Latin letters, she is recognised. ----
    night = _patient(new_page(user=users["operator2"], **DESK))
    night.goto(f"{base}/hotline/new/")
    night.locator("#id_given_name").press_sequentially("Natalya")
    night.locator("#id_family_name").press_sequentially("Kuznetsova")
    night.fill("#id_birth_date", "1968-11-23")  # she calls from a neighbour's phone
    candidate = night.locator(f"#caller-matches li.candidate:has(#person_{natalya.pk})")
    expect(candidate).to_contain_text("Наталья Сергеевна Кузнецова")
    expect(candidate.locator(".reasons")).not_to_be_empty()
    expect(night.locator(f"#caller-matches li[data-reference='{reference}']")).to_be_visible()
    _shot(night, "tour-03-latin-match", key=True)
    night.wait_for_load_state("networkidle")
    candidate.locator("input[type=radio]").check()
    night.select_option("#id_channel", "phone")
    night.select_option("#id_language", "ru")
    night.check("#id_needs_information")
    night.fill("#id_message", "Спрашивает, когда автобус. Инсулина на два дня.")
    night.click("#new-case button[type=submit]")
    expect(night).to_have_url(re.compile(r"/hotline/cases/RL-\d{6}/$"))
    expect(night.locator("#household-members li")).to_have_count(2)
    second = Case.objects.order_by("-pk").first()
    assert second is not None and second.pk != case.pk
    assert (second.caller_id, second.household_id) == (natalya.pk, case.household_id)

    # --- Story 3: the coordinator triages and assigns. --------------------------------
    coordinator = _patient(new_page(user=users["coordinator"], **DESK))
    coordinator.goto(f"{base}/hotline/?band=critical")
    coordinator.get_by_role("link", name=reference).click()
    coordinator.click("button[data-to=triaged]")
    expect(coordinator.locator("#case-status")).to_have_attribute("data-status", "triaged")
    coordinator.locator("summary", has_text="Assign").click()
    coordinator.select_option("#id_to", "operator")
    coordinator.locator("#case-activity").get_by_role("button", name="Assign", exact=True).click()
    expect(coordinator.locator("#case-status")).to_have_attribute("data-status", "assigned")
    _shot(coordinator, "tour-04-triage")

    # --- Story 4: the corridor Sudzha → Sumy, guaranteed by the ICRC. -----------------
    coordinator.goto(f"{base}/evacuation/")
    coordinator.fill("#id_name", "Sudzha → Sumy")
    coordinator.select_option("#id_direction", "UA")
    _pick(coordinator, "assembly", "Sudzha", SUDZHA)
    _pick(coordinator, "reception", "Sumy", SUMY)
    coordinator.fill("#id_starts_at", _saturday(8))
    coordinator.fill("#id_ends_at", _saturday(14))
    coordinator.fill("#id_guarantor", "International Committee of the Red Cross (ICRC)")
    coordinator.select_option("#id_party_role", "guarantor")
    coordinator.get_by_role("button", name="Propose").click()
    expect(coordinator.locator(".messages")).to_contain_text("Corridor proposed.")
    coordinator.get_by_role("link", name="Sudzha → Sumy").click()
    for status, note in (("agreed", "ICRC confirmed the guarantees"), ("open", "Opened")):
        coordinator.select_option("#id_to", status)
        coordinator.fill("#corridor-status #id_note", note)
        coordinator.get_by_role("button", name="Change status").click()
        expect(coordinator.locator("#corridor-status .timeline")).to_contain_text(note)
    coordinator.fill("#id_convoy_name", "Convoy 1")
    coordinator.fill("#id_departure_at", _saturday(8, 30))
    coordinator.get_by_role("button", name="Plan convoy").click()
    expect(coordinator.locator(".messages")).to_contain_text("Convoy planned.")
    _scroll(coordinator, "#corridor-status", "end")
    _shot(coordinator, "tour-05-corridor", key=True)

    coordinator.get_by_role("link", name="Convoy 1").first.click()
    for label, seats, wheelchairs, stretchers, medic in (
        ("Bus 1", "30", "1", "0", False),
        ("Bus 2", "30", "0", "0", False),
        ("Medical van", "2", "0", "1", True),
    ):
        coordinator.fill("#id_label", label)
        coordinator.fill("#id_seats", seats)
        coordinator.fill("#id_wheelchair_places", wheelchairs)
        coordinator.fill("#id_stretcher_places", stretchers)
        coordinator.set_checked("#id_has_medic", medic)
        coordinator.get_by_role("button", name="Add vehicle").click()
        expect(coordinator.locator(f"[data-vehicle='{label}']")).to_be_visible()
    convoy_url = coordinator.url

    # The household's request: each person consents; the mother travels in her wheelchair.
    coordinator.goto(f"{base}/evacuation/")
    coordinator.locator("#awaiting").get_by_role("link", name=reference).click()
    coordinator.check("input[name=direction][value=UA]")
    for person, mobility in ((natalya, "walking"), (valentina, "wheelchair")):
        coordinator.check(f"input[name=going_{person.pk}]")
        coordinator.select_option(f"select[name=mobility_{person.pk}]", mobility)
        coordinator.select_option(f"select[name=consent_{person.pk}]", "verbal")
    _shot(coordinator, "tour-06-request")
    coordinator.get_by_role("button", name="Record request").click()
    expect(coordinator.locator(".messages")).to_contain_text("Evacuation request recorded.")

    coordinator.goto(convoy_url)
    coordinator.click("#allocate")
    expect(coordinator.locator("#run-summary")).to_contain_text("4 people placed")
    bus = coordinator.locator("[data-vehicle='Bus 1']")
    expect(bus.locator("tr", has_text="Валентина")).to_contain_text("Wheelchair place 1")
    expect(bus).to_contain_text("Наталья Сергеевна Кузнецова")  # the family stays together
    coordinator.once("dialog", lambda dialog: dialog.accept())
    coordinator.click("#lock")
    expect(coordinator.locator("#convoy-panel")).to_contain_text("Locked")
    _shot(coordinator, "tour-07-allocation", key=True)

    for kind, recipient in (("internal", "Convoy leader"), ("checkpoint", "Checkpoint, ICRC")):
        coordinator.goto(convoy_url)
        bus.get_by_role("link", name="Manifest").click()
        coordinator.select_option("#id_kind", kind)
        coordinator.fill("#id_recipient", recipient)
        coordinator.select_option("#id_format", "html")
        coordinator.click("#issue")
        expect(coordinator.locator(".manifest-table")).to_contain_text("Кузнецова")
    headers = coordinator.locator(".manifest-table thead th").all_inner_texts()
    assert headers == ["#", "Name", "Birth year", "Place", "Vehicle"]
    expect(coordinator.locator("main")).not_to_contain_text("+7910")
    _shot(coordinator, "tour-08-checkpoint-manifest", key=True)

    # Boarding at the assembly point, on the field team's phone.
    board = _patient(new_page(user=users["field"], **PHONE))
    board.goto(f"{base}/evacuation/")
    board.get_by_role("link", name="Sudzha → Sumy").click()
    board.get_by_role("link", name="Check-in").click()
    board.fill("#id_q", "Кузнецова")
    board.click("form.field-search button[type=submit]")
    passengers = board.locator(".passenger")
    expect(passengers).to_have_count(2)
    for i in range(2):
        passengers.nth(i).locator("button[value=boarded]").click()
        expect(passengers.nth(i).locator(".state")).to_have_text("Boarded")
    _fits(board)
    _shot(board, "tour-09-boarding-phone", key=True)

    # Arrival at the reception point in Sumy: that team works in Ukrainian.
    arrive = _patient(new_page(user=users["field-sumy"], **PHONE))
    arrive.goto(f"{base}/evacuation/")
    arrive.click("button[name=language][value=uk]")
    expect(arrive.locator("html")).to_have_attribute("lang", "uk")
    arrive.locator("a", has_text="Sudzha → Sumy").click()
    arrive.locator("a[href$='/field/']").click()
    arrive.fill("#id_q", "Кузнецова")
    arrive.click("form.field-search button[type=submit]")
    passengers = arrive.locator(".passenger")
    expect(passengers).to_have_count(2)
    for i in range(2):
        passengers.nth(i).locator("button[value=arrived]").click()
        expect(passengers.nth(i)).to_have_class(re.compile("status-arrived"))
    _fits(arrive)
    _shot(arrive, "tour-10-arrival-uk", key=True)

    # The family's confirmation, in Russian, by SMS to the number she wrote from.
    notice = Notice.objects.get(kind="arrival_confirmed", case=case)
    assert (notice.language, notice.status) == ("ru", "sent")
    assert notice.body == (
        f"reliefline: ваше прибытие в пункт Сумы зарегистрировано (обращение {reference})."
    )
    assert [(o.medium, o.address) for o in outbox if o.body == notice.body] == [
        ("sms", TWILIO_SMS["From"])
    ]
    assert EvacuationRequest.objects.get(case=case).status == "evacuated"
    desk.goto(f"{base}/hotline/cases/{reference}/")
    expect(desk.locator(".timeline")).to_contain_text("ваше прибытие в пункт Сумы")
    _shot(desk, "tour-11-confirmation-ru")

    # --- Story 5: aid in Sudzha; the family registered twice is refused. -------------
    aid = _patient(new_page(user=users["field"], **PHONE))
    aid.goto(f"{base}/aid/field/")
    aid.fill("#id_q", "Мальцев")
    aid.click("form[role=search] button[type=submit]")
    aid.locator("#households a", has_text="Сергей Мальцев").click()
    aid.select_option("#id_warehouse", "SUDZHA-SCHOOL")
    for code, quantity in (("WATER-5L", "8"), ("CANNED-MEAT", "8"), ("BISCUITS", "4")):
        aid.fill(f"#id_qty_{code}", quantity)
    aid.fill("#id_recipient_name", "Сергей Мальцев")
    aid.click("#distribution-form button[type=submit]")
    expect(aid.locator(".messages")).to_contain_text("Distribution recorded.")
    expect(aid.locator("#received")).to_contain_text("× 8")

    aid.goto(f"{base}/aid/field/?q=Maltsev")
    aid.locator("#households a", has_text="Serhii Maltsev").click()
    expect(aid.locator("#duplicates")).to_contain_text("The same family is also registered as")
    aid.select_option("#id_warehouse", "SUDZHA-SCHOOL")
    aid.fill("#id_qty_WATER-5L", "8")
    aid.fill("#id_qty_CANNED-MEAT", "8")
    aid.click("#distribution-form button[type=submit]")
    expect(aid.locator("#refused")).to_contain_text("Refused: double-dipping rule.")
    _fits(aid)
    _scroll(aid, ".field-page h1", "start")
    _shot(aid, "tour-12-aid-refused", key=True)

    coordinator.goto(f"{base}/aid/")
    stock = coordinator.locator("#stock-table")
    expect(stock.locator("tr", has_text="WATER-5L")).to_contain_text(re.compile(r"2\D?992"))
    _shot(coordinator, "tour-13-stock")

    # --- Story 6: the partner sees counts, never names or phone numbers. -------------
    partner = _patient(new_page(user=users["partner"], **DESK))
    partner.goto(f"{base}/partners/")
    shared = partner.locator("table.shared-cases")
    expect(shared).to_contain_text(reference)
    expect(shared.locator("tr", has_text=reference)).to_contain_text("2 persons")
    main = partner.locator("main").inner_text()
    assert [word for word in PERSONAL + PHONES if word in main] == []
    _shot(partner, "tour-14-partner", key=True)
    for link in ("3w.csv", "needs.csv"):
        with partner.expect_download() as download:
            partner.click(f"a[href='/api/v1/exports/{link}']")
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert text.splitlines()[1].startswith("#"), f"{link} has no HXL hashtag row"
        assert [word for word in PERSONAL + PHONES if word in text] == [], link

    # --- Story 7: the DPO sees who read the family's data. ----------------------------
    dpo = _patient(new_page(user=users["dpo"], **DESK))
    dpo.goto(f"{base}/hotline/cases/{reference}/")
    dpo.locator(f"#household-members li[data-person='{valentina.pk}']").get_by_role(
        "link", name="Access log"
    ).click()
    expect(dpo.locator("#id_person")).to_have_value(str(valentina.pk))
    log = dpo.locator("#audit-table table.audit")
    for username, purpose in (
        ("operator", "case page"),
        ("coordinator", "convoy allocation page"),
        ("field", "field check-in"),
        ("field-sumy", "field check-in"),
    ):
        expect(log.locator("tr", has_text=purpose).filter(has_text=username).first).to_be_visible()
    expect(dpo.locator("#audit-table")).to_contain_text("Hash chain intact")
    _shot(dpo, "tour-15-audit", key=True)
