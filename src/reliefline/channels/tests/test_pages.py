"""The public report form, the broadcast pages and the template admin."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from reliefline.channels.models import (
    Broadcast,
    BroadcastStatus,
    Contact,
    InboundMessage,
    Medium,
    Notice,
    NoticeTemplate,
)
from reliefline.channels.tests.factories import caller_of
from reliefline.hotline.models import Case
from reliefline.hotline.services import CaseInput, NeedInput, case_open
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Person

pytestmark = pytest.mark.django_db

SUDZHA = "geonames-postal:RU-307800"
GUEVO = "geonames-postal:RU-307815"


@pytest.fixture(autouse=True)
def _fresh_rate_limit(db: None) -> None:
    cache.clear()


def _report(**changes: Any) -> dict[str, Any]:
    data = {
        "message": "Здравствуйте, я в Судже, нужна вода и эвакуация",
        "settlement": "",
        "given_name": "Ирина",
        "family_name": "Верещук",
        "phone": "+79101234567",
        "household_size": "2",
        "consent": "on",
        "website": "",
        "token": "3f1c2b7e9a4d4e0f8b6a5c3d2e1f0a9b",
    }
    data.update(changes)
    return data


# --- /report/ ----------------------------------------------------------------------


def test_anyone_opens_the_report_form(client: Client) -> None:
    response = client.get("/report/")
    assert response.status_code == 200 and b'name="token"' in response.content


def test_a_report_opens_a_web_case_and_shows_its_reference(client: Client, gazetteer: None) -> None:
    response = client.post("/report/", _report())
    assert response.status_code == 200
    case = Case.objects.get()
    assert (case.channel, case.language, case.settlement_id) == ("web", "ru", SUDZHA)
    assert case.household_size == 2
    assert f'<strong id="case-reference">{case.reference}</strong>' in response.content.decode()
    # A typed phone is where to answer, not a contact address a later SMS links by.
    assert caller_of(case).phone == "+79101234567" and not Contact.objects.exists()


def test_a_double_submitted_report_makes_one_case(client: Client, gazetteer: None) -> None:
    first = client.post("/report/", _report())
    again = client.post("/report/", _report())
    assert Case.objects.count() == 1
    reference = f'<strong id="case-reference">{Case.objects.get().reference}</strong>'
    assert reference in first.content.decode() and reference in again.content.decode()


def test_the_honeypot_quietly_drops_a_bot(client: Client) -> None:
    response = client.post("/report/", _report(website="http://spam.example"))
    assert response.status_code == 200 and b"case-reference" in response.content
    assert not Case.objects.exists() and not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent": ""}, "consent"),
        ({"given_name": "", "family_name": "", "phone": ""}, "given_name"),
        ({"phone": "12"}, "phone"),
        ({"message": ""}, "message"),
        ({"message": "вода\x00"}, "message"),
        ({"household_size": "500"}, "household_size"),
    ],
)
def test_a_bad_report_is_422_and_stores_nothing(
    client: Client, changes: dict[str, str], field: str
) -> None:
    response = client.post("/report/", _report(**changes))
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert not Case.objects.exists() and not Person.objects.exists()


def test_reports_are_rate_limited_per_address(client: Client, gazetteer: None) -> None:
    statuses = [client.post("/report/", _report(token=f"token{i}")).status_code for i in range(6)]
    assert statuses == [200, 200, 200, 200, 200, 429]
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/report/", _report(token="other")).status_code == 200


# --- broadcasts --------------------------------------------------------------------


@pytest.fixture
def residents(gazetteer: None) -> dict[str, Case]:
    """Return open cases in Sudzha in three languages, one by Telegram, one in Guevo."""
    cases = {
        "ru": open_case(language="ru", settlement_id=SUDZHA, phone="+79101110001"),
        "uk": open_case(
            language="uk",
            settlement_id=SUDZHA,
            phone="+380501110002",
            given_name="Оксана",
            family_name="Коваленко",
        ),
        "en": open_case(
            language="en", settlement_id=SUDZHA, phone="", given_name="Anna", family_name="Berg"
        ),
        "guevo": open_case(
            language="ru", settlement_id=GUEVO, phone="+79101110004", given_name="Пётр"
        ),
    }
    Contact.objects.create(
        person=caller_of(cases["en"]),
        medium=Medium.TELEGRAM,
        address="777000",
        language="en",
        last_inbound_at=timezone.now(),
    )
    return cases


CORRIDOR = {
    "kind": "corridor_opened",
    "settlements": [SUDZHA],
    "corridor": "Суджа — Суми",
    "window": "сб 08:00–14:00",
}


def test_the_preview_shows_each_language_with_counts_per_channel(
    client_as: Callable[[str], Client], residents: dict[str, Case]
) -> None:
    response = client_as("coordinator").get("/channels/broadcasts/new/", CORRIDOR)
    assert response.status_code == 200
    lines = {line.language: line for line in response.context["preview"]}
    assert lines["ru"].by_medium == {"sms": 1} and lines["uk"].by_medium == {"sms": 1}
    assert lines["en"].by_medium == {"telegram": 1}
    assert lines["uk"].text.startswith("reliefline: гуманітарний коридор Суджа — Суми відкрито")
    assert b"Send to these recipients" in response.content


def test_the_times_a_coordinator_types_say_to_name_the_residents_clock(
    client_as: Callable[[str], Client],
) -> None:
    html = client_as("coordinator").get("/channels/broadcasts/new/").content.decode()
    for name in ("window", "time"):
        assert f'aria-describedby="id_{name}_helptext"' in html
        hint = html.split(f'<p class="hint" id="id_{name}_helptext">', 1)[1].split("</p>", 1)[0]
        assert "Moscow time" in hint


def test_a_broadcast_reaches_the_console_in_each_language(
    client_as: Callable[[str], Client],
    residents: dict[str, Case],
    outbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    coordinator = client_as("coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post("/channels/broadcasts/new/", {**CORRIDOR, "send": "1"})
    broadcast = Broadcast.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{broadcast.pk}/")
    sent = {(o.medium, o.address): o.body for o in outbox}
    assert sent[("sms", "+79101110001")].startswith("reliefline: гуманитарный коридор")
    assert sent[("sms", "+380501110002")].startswith("reliefline: гуманітарний коридор")
    assert sent[("telegram", "777000")].startswith("reliefline: the humanitarian corridor")
    assert len(outbox) == 3  # Guevo is not in the broadcast
    broadcast.refresh_from_db()
    assert (broadcast.recipients, broadcast.status) == (3, BroadcastStatus.DONE)
    page = coordinator.get(f"/channels/broadcasts/{broadcast.pk}/", headers={"HX-Request": "true"})
    assert b"<html" not in page.content and b"finished" in page.content
    assert b"hx-trigger" not in page.content  # nothing left to poll for


def test_a_person_with_two_open_cases_is_written_to_once(
    client_as: Callable[[str], Client], residents: dict[str, Case]
) -> None:
    again = CaseInput(
        channel="phone",
        language="ru",
        person_id=caller_of(residents["ru"]).pk,
        settlement_id=SUDZHA,
        needs=(NeedInput(type="food"),),
    )
    case_open(again, by=None)
    client_as("coordinator").post("/channels/broadcasts/new/", {**CORRIDOR, "send": "1"})
    assert Notice.objects.count() == 3


def test_a_broadcast_missing_a_value_is_refused_naming_it(
    client_as: Callable[[str], Client], residents: dict[str, Case]
) -> None:
    response = client_as("coordinator").post(
        "/channels/broadcasts/new/", {**CORRIDOR, "window": "", "send": "1"}
    )
    assert response.status_code == 422 and "window" in response.context["form"].errors
    assert not Broadcast.objects.exists() and not Notice.objects.exists()


@pytest.mark.parametrize("role", ["operator", "field", "partner", "dpo"])
def test_only_coordinators_broadcast(client_as: Callable[[str], Client], role: str) -> None:
    assert client_as(role).post("/channels/broadcasts/new/", CORRIDOR).status_code == 403


def test_an_unknown_broadcast_is_404(client_as: Callable[[str], Client]) -> None:
    assert client_as("coordinator").get("/channels/broadcasts/999/").status_code == 404


# --- the template admin ------------------------------------------------------------


def test_an_unknown_placeholder_is_refused_in_the_admin(
    client_as: Callable[[str], Client],
) -> None:
    template = NoticeTemplate.objects.get(kind="acknowledgement", language="ru")
    response = client_as("admin").post(
        f"/admin/channels/noticetemplate/{template.pk}/change/",
        {"kind": "acknowledgement", "language": "ru", "body": "Номер {reference} {secret}"},
    )
    assert (
        response.status_code == 200 and "Unknown placeholder {secret}" in response.content.decode()
    )
    template.refresh_from_db()
    assert "{secret}" not in template.body


def test_an_edited_template_is_what_residents_get(client_as: Callable[[str], Client]) -> None:
    template = NoticeTemplate.objects.get(kind="acknowledgement", language="ru")
    response = client_as("admin").post(
        f"/admin/channels/noticetemplate/{template.pk}/change/",
        {"kind": "acknowledgement", "language": "ru", "body": "Принято: {reference}"},
    )
    assert response.status_code == 302
    from reliefline.channels.services import notice_render

    assert notice_render(kind="acknowledgement", language="ru", context={"reference": "RL-7"}) == (
        "ru",
        "Принято: RL-7",
    )
