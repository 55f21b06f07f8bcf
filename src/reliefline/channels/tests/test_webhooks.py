"""Captured real-format requests from each sender: cases made, retries absorbed, bad
requests refused with 4xx JSON and nothing stored."""

import copy
import json
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.utils import translation
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from conftest import together
from reliefline.channels.models import (
    Contact,
    InboundMessage,
    KoboMapping,
    Medium,
    Notice,
    NoticeKind,
    NoticeStatus,
)
from reliefline.channels.tests import senders
from reliefline.channels.tests.senders import (
    KOBO_SUBMISSION,
    RAPIDPRO_BODY,
    TELEGRAM_PHOTO,
    TELEGRAM_STICKER,
    TELEGRAM_UPDATE,
    TELEGRAM_VOICE,
    TWILIO_MMS,
    TWILIO_SMS,
    TWILIO_WHATSAPP,
    kobo_post,
    rapidpro_post,
    telegram_post,
    twilio_post,
    variant,
)
from reliefline.hotline.models import Case, CaseEvent, EventKind
from reliefline.people.models import Person

SUDZHA = "geonames-postal:RU-307800"
ATTACHMENTS_NOT_KEPT = "Attachments sent with this message and not kept: %(n)s."
INJECTION = "'; DROP TABLE hotline_case; -- <script>alert(1)</script> {{7*7}} ${jndi:x}"


pytestmark = pytest.mark.usefixtures("senders_on")


def _nothing_stored() -> None:
    assert (Case.objects.count(), InboundMessage.objects.count(), Person.objects.count()) == (
        0,
        0,
        0,
    )


# --- Twilio ------------------------------------------------------------------------


def test_scenario_sms_in_russian_opens_a_case_and_gets_a_russian_acknowledgement(
    client: Client,
) -> None:
    response = twilio_post(client, TWILIO_SMS)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    case = Case.objects.get()
    reply = response.content.decode()
    assert f"Номер обращения {case.reference}." in reply and "<Response><Message>" in reply
    assert (case.channel, case.language, case.settlement_id) == ("sms", "ru", SUDZHA)
    assert sorted(case.needs.values_list("type", "item")) == [
        ("evacuation", ""),
        ("medicine", "инсулин"),  # in the message's language, not the English key
    ]
    assert "elderly_75_plus" in case.vulnerabilities and case.band == "critical"
    assert case.caller is not None and case.caller.phone == "+79101234567"
    assert case.events.get(kind=EventKind.MESSAGE).text == senders.SCENARIO_SMS
    notice = Notice.objects.get()
    assert (notice.kind, notice.language, notice.status) == ("acknowledgement", "ru", "sent")


def test_the_raw_message_is_encrypted_on_the_timeline(client: Client) -> None:
    twilio_post(client, TWILIO_SMS)
    event = CaseEvent.objects.get(kind=EventKind.MESSAGE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM hotline_caseevent WHERE id = %s", [event.pk])
        (stored,) = cursor.fetchone()
    assert "инсулин" not in stored and event.text == senders.SCENARIO_SMS


def test_twilio_retry_of_the_same_message_makes_no_second_case(client: Client) -> None:
    first = twilio_post(client, TWILIO_SMS)
    again = twilio_post(client, TWILIO_SMS)
    assert again.status_code == 200 and again.content == first.content
    assert Case.objects.count() == 1 and CaseEvent.objects.filter(kind="message").count() == 1


def test_a_later_message_joins_the_senders_open_case(client: Client) -> None:
    twilio_post(client, TWILIO_SMS)
    later = variant(TWILIO_SMS, MessageSid="SM00000000000000000000000000000002", Body="Мы ждём")
    response = twilio_post(client, later)
    assert response.status_code == 200
    case = Case.objects.get()
    assert [e.text for e in case.events.filter(kind=EventKind.MESSAGE)] == [
        senders.SCENARIO_SMS,
        "Мы ждём",
    ]


def test_whatsapp_message_opens_a_whatsapp_case_in_ukrainian(client: Client) -> None:
    response = twilio_post(client, TWILIO_WHATSAPP)
    assert response.status_code == 200
    case = Case.objects.get()
    assert (case.channel, case.language) == ("whatsapp", "uk")
    assert "Номер звернення" in response.content.decode()
    contact = Contact.objects.get()
    assert (contact.medium, contact.address) == (Medium.WHATSAPP, "+380501112233")


def test_a_wrong_twilio_signature_is_refused_and_nothing_stored(client: Client) -> None:
    response = twilio_post(client, TWILIO_SMS, token="not-the-token")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    _nothing_stored()


def test_a_missing_twilio_signature_is_refused(client: Client) -> None:
    response = client.post("/channels/twilio/", TWILIO_SMS)
    assert response.status_code == 403
    _nothing_stored()


def test_a_tampered_body_fails_the_signature(client: Client) -> None:
    signature = RequestValidator(senders.TWILIO_TOKEN).compute_signature(
        "http://testserver/channels/twilio/", TWILIO_SMS
    )
    tampered = variant(TWILIO_SMS, Body="другое")
    response = client.post("/channels/twilio/", tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    _nothing_stored()


def test_the_public_url_is_what_twilio_signed(client: Client, settings: Any) -> None:
    settings.RELIEFLINE_PUBLIC_URL = "https://hotline.example.org"
    assert twilio_post(client, TWILIO_SMS).status_code == 403
    signed = "https://hotline.example.org/channels/twilio/"
    assert twilio_post(client, TWILIO_SMS, signed_url=signed).status_code == 200


def test_twilio_unconfigured_is_off(client: Client, settings: Any) -> None:
    settings.RELIEFLINE_TWILIO_AUTH_TOKEN = ""
    response = twilio_post(client, TWILIO_SMS, token="")
    assert response.status_code == 403 and response.json()["code"] == "channel_disabled"
    _nothing_stored()


def _texts(case: Case, language: str = "uk") -> list[str]:
    """Return the case's messages and attachment notes, as a reader in `language` reads them."""
    events = case.events.filter(Q(kind=EventKind.MESSAGE) | Q(msgid=ATTACHMENTS_NOT_KEPT))
    with translation.override(language):
        return [event.display_text for event in events.order_by("at", "pk")]


def test_an_mms_keeps_its_text_and_says_how_many_photos_were_not_kept(client: Client) -> None:
    assert twilio_post(client, TWILIO_MMS).status_code == 200
    case = Case.objects.get()
    assert case.message == TWILIO_MMS["Body"]  # the resident's words alone
    assert _texts(case, "ru") == [
        TWILIO_MMS["Body"],
        "Вложения к этому сообщению, не сохранённые: 2.",
    ]


def test_an_mms_without_text_still_reaches_the_hotline(client: Client) -> None:
    assert twilio_post(client, {**TWILIO_MMS, "Body": "", "NumMedia": "1"}).status_code == 200
    assert _texts(Case.objects.get()) == [
        "(повідомлення без тексту)",
        "Вкладення до цього повідомлення, не збережені: 1.",
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"Body": "помогите\x00"}, "Body"),
        ({"From": INJECTION}, "From"),
        ({"From": "+7"}, "From"),
        ({"Body": ""}, "Body"),
        ({"Body": "в" * 10_001}, "Body"),
        ({"MessageSid": ""}, "MessageSid"),
        ({"NumMedia": "1; DROP"}, "NumMedia"),
    ],
)
def test_bad_twilio_fields_are_422_naming_the_field(
    client: Client, changes: dict[str, str], field: str
) -> None:
    response = twilio_post(client, variant(TWILIO_SMS, **changes))
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field and response.json()["detail"].startswith(field)
    _nothing_stored()


def test_an_injection_string_in_the_text_is_kept_as_text(client: Client) -> None:
    response = twilio_post(client, variant(TWILIO_SMS, Body=INJECTION))
    assert response.status_code == 200
    assert Case.objects.get().events.get(kind="message").text == INJECTION


def test_invalid_utf8_is_400_and_stores_nothing(client: Client) -> None:
    response = client.post(
        "/channels/twilio/",
        b"Body=%D0\xff\xfe&From=%2B79101234567",
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": "c2lnbmF0dXJl"},
    )
    assert response.status_code == 400 and response.json()["field"] == "body"
    _nothing_stored()


def test_a_huge_body_is_413(client: Client) -> None:
    response = twilio_post(client, variant(TWILIO_SMS, Body="а" * 200_000))
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    _nothing_stored()


def test_get_is_405(client: Client) -> None:
    assert client.get("/channels/twilio/").status_code == 405


def test_delivery_report_marks_the_notice_delivered(client: Client) -> None:
    twilio_post(client, TWILIO_SMS)
    Notice.objects.update(provider_id="SMdeadbeef", status=NoticeStatus.SENT)
    report = {
        "MessageSid": "SMdeadbeef",
        "MessageStatus": "delivered",
        "AccountSid": "AC0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "From": "+380931234567",
        "To": "+79101234567",
        "ApiVersion": "2010-04-01",
    }
    response = twilio_post(client, report, path="/channels/twilio/status/")
    assert response.status_code == 204
    assert Notice.objects.get().status == NoticeStatus.DELIVERED
    assert Case.objects.get().events.filter(text__isnull=False).count() >= 3


# --- Telegram ----------------------------------------------------------------------


def test_telegram_message_opens_a_ukrainian_case_and_queues_an_answer(
    client: Client, outbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = telegram_post(client, TELEGRAM_UPDATE)
    assert response.status_code == 200 and response.json() == {"ok": True, "duplicate": False}
    case = Case.objects.get()
    assert (case.channel, case.language, case.settlement_id) == ("telegram", "uk", SUDZHA)
    assert {"water", "medicine"} <= set(case.needs.values_list("type", flat=True))
    assert case.caller is not None and case.caller.given_name == "Оксана"
    assert [(o.medium, o.address) for o in outbox] == [("telegram", "5011223344")]
    assert f"Номер звернення {case.reference}" in outbox[0].body


def test_telegram_retry_makes_no_second_case(client: Client) -> None:
    telegram_post(client, TELEGRAM_UPDATE)
    again = telegram_post(client, TELEGRAM_UPDATE)
    assert again.json() == {"ok": True, "duplicate": True}
    assert Case.objects.count() == 1 and Notice.objects.count() == 1


def test_a_later_telegram_message_from_the_same_chat_joins_the_case(client: Client) -> None:
    telegram_post(client, TELEGRAM_UPDATE)
    later = variant(TELEGRAM_UPDATE, update_id=905423200)
    later["message"]["text"] = "Ми ще чекаємо"
    telegram_post(client, later)
    assert Case.objects.count() == 1
    assert Case.objects.get().events.filter(kind="message").count() == 2


def test_a_sticker_is_acknowledged_and_ignored(client: Client) -> None:
    response = telegram_post(client, TELEGRAM_STICKER)
    assert response.status_code == 200 and response.json()["ignored"] is True
    _nothing_stored()


def test_a_voice_message_opens_a_case_that_says_one_was_sent(client: Client) -> None:
    response = telegram_post(client, TELEGRAM_VOICE)
    assert response.status_code == 200 and response.json()["duplicate"] is False
    case = Case.objects.get()
    assert (case.channel, case.language, case.message) == ("telegram", "uk", "")
    assert _texts(case) == [
        "(повідомлення без тексту)",
        "Вкладення до цього повідомлення, не збережені: 1.",
    ]


def test_a_photo_caption_is_the_message(client: Client) -> None:
    telegram_post(client, TELEGRAM_PHOTO)
    case = Case.objects.get()
    assert case.message == TELEGRAM_PHOTO["message"]["caption"]
    assert case.language == "ru" and "water" in set(case.needs.values_list("type", flat=True))
    assert _texts(case, "en") == [
        TELEGRAM_PHOTO["message"]["caption"],
        "Attachments sent with this message and not kept: 1.",
    ]


def test_a_wrong_telegram_secret_is_refused(client: Client) -> None:
    assert telegram_post(client, TELEGRAM_UPDATE, secret="guess").status_code == 403
    assert telegram_post(client, TELEGRAM_UPDATE, secret="").status_code == 403
    _nothing_stored()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"{not json", 400, "body"),
        (b"\xff\xfe{}", 400, "body"),
        (b"[1, 2]", 400, "body"),
        (json.dumps(variant(TELEGRAM_UPDATE, update_id="1 OR 1=1")), 422, "update_id"),
        (json.dumps({"message": TELEGRAM_UPDATE["message"]}), 422, "update_id"),
        (json.dumps(variant(TELEGRAM_UPDATE, message={"text": "x", "chat": {}})), 422,
         "message.chat.id"),
        ('{"update_id": 1, "message": {"text": "\\u0000", "chat": {"id": 1}}}', 422,
         "message.text"),
        ('{"update_id": 1, "message": {"text": "\\ud800", "chat": {"id": 1}}}', 422,
         "message.text"),
    ],
)  # fmt: skip
def test_hostile_telegram_bodies_are_4xx_naming_the_field(
    client: Client, body: Any, status: int, field: str
) -> None:
    response = telegram_post(client, body)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    _nothing_stored()


# --- RapidPro ----------------------------------------------------------------------


def test_rapidpro_default_body_opens_a_case_and_answers_for_the_flow(client: Client) -> None:
    response = rapidpro_post(client, RAPIDPRO_BODY)
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    body = response.json()
    assert body["reference"] == case.reference and body["language"] == "ru"
    assert body["reply"].startswith("reliefline: мы получили ваше сообщение.")
    assert {"water", "evacuation"} <= set(case.needs.values_list("type", flat=True))
    assert case.caller is not None and case.caller.family_name == "Петренко"
    assert InboundMessage.objects.get().external_id == (
        "5e6f7a8b-9c0d-4e1f-2a3b-4c5d6e7f8a9b:f4a5b6c7-d8e9-4f0a-1b2c-3d4e5f6a7b8c"
    )


def test_rapidpro_attachments_are_counted_not_kept(client: Client) -> None:
    body = copy.deepcopy(RAPIDPRO_BODY)
    body["input"]["attachments"] = [
        "image/jpeg:https://rapidpro.example.org/media/attachments/1/2/3/photo.jpg"
    ]
    assert rapidpro_post(client, body).status_code == 201
    assert _texts(Case.objects.get(), "en") == [
        RAPIDPRO_BODY["input"]["text"],
        "Attachments sent with this message and not kept: 1.",
    ]


def test_rapidpro_retry_answers_the_same_and_stores_once(client: Client) -> None:
    first = rapidpro_post(client, RAPIDPRO_BODY).json()
    again = rapidpro_post(client, RAPIDPRO_BODY)
    assert again.status_code == 200 and again.json()["reference"] == first["reference"]
    assert again.json()["reply"] == first["reply"] and Case.objects.count() == 1


def test_a_later_step_of_the_same_run_joins_the_case(client: Client) -> None:
    rapidpro_post(client, RAPIDPRO_BODY)
    later = variant(RAPIDPRO_BODY, path=[*RAPIDPRO_BODY["path"], {"uuid": "aa-bb"}])
    assert rapidpro_post(client, later).status_code == 201
    assert Case.objects.count() == 1 and InboundMessage.objects.count() == 2


@pytest.mark.parametrize("token", ["wrong", ""])
def test_a_wrong_rapidpro_token_is_refused(client: Client, token: str) -> None:
    assert rapidpro_post(client, RAPIDPRO_BODY, token=token).status_code == 403
    _nothing_stored()


def test_a_bearer_header_is_not_a_rapidpro_token(client: Client) -> None:
    response = client.post(
        "/channels/rapidpro/",
        json.dumps(RAPIDPRO_BODY),
        content_type="application/json",
        headers={"Authorization": f"Bearer {senders.RAPIDPRO_SECRET}"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"run": {}}, "run.uuid"),
        ({"run": {"uuid": 5}}, "run.uuid"),
        ({"contact": {"urn": "tel:not-a-number"}}, "contact.urn"),
        ({"input": {"text": ["list"]}}, "input.text"),
    ],
)
def test_bad_rapidpro_fields_are_422(client: Client, changes: dict[str, Any], field: str) -> None:
    response = rapidpro_post(client, variant(RAPIDPRO_BODY, **changes))
    assert response.status_code == 422 and response.json()["field"] == field
    _nothing_stored()


# --- KoboToolbox -------------------------------------------------------------------


def test_kobo_submission_opens_a_mapped_case(client: Client, kobo_mapping: KoboMapping) -> None:
    response = kobo_post(client, KOBO_SUBMISSION)
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert case.channel == "kobo" and case.household_size == 4
    assert case.settlement is not None and case.settlement.name_ru == "Гуево"
    assert {"water", "food"} <= set(case.needs.values_list("type", flat=True))
    assert case.vulnerabilities == ["bedridden"]
    assert kobo_post(client, KOBO_SUBMISSION).status_code == 200
    assert Case.objects.count() == 1


def test_kobo_wrong_password_is_refused(client: Client, kobo_mapping: KoboMapping) -> None:
    assert kobo_post(client, KOBO_SUBMISSION, password="wrong").status_code == 403
    response = client.post(
        "/channels/kobo/",
        json.dumps(KOBO_SUBMISSION),
        content_type="application/json",
        headers={"Authorization": "Basic !!!not-base64"},
    )
    assert response.status_code == 403
    _nothing_stored()


def test_an_unmapped_kobo_form_is_422(client: Client) -> None:
    response = kobo_post(client, KOBO_SUBMISSION)
    assert response.status_code == 422 and response.json()["field"] == "_xform_id_string"
    _nothing_stored()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"needs/needs_list": "water jetpack"}, "needs/needs_list"),
        ({"household/size": "four"}, "household/size"),
        ({"household/phone": INJECTION}, "household/phone"),
        ({"household/respondent_given": {"$ne": 1}}, "household/respondent_given"),
        ({"_uuid": None}, "_uuid"),
    ],
)
def test_bad_kobo_answers_are_422(
    client: Client, kobo_mapping: KoboMapping, changes: dict[str, Any], field: str
) -> None:
    response = kobo_post(client, variant(KOBO_SUBMISSION, **changes))
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    _nothing_stored()


# --- Concurrency -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_make_one_case(gazetteer: None) -> None:
    """Two deliveries of the same message at once: the unique constraint lets one win."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers, so deliveries cannot overlap there")
    statuses = together(lambda _: twilio_post(Client(), TWILIO_SMS).status_code, 3)
    assert statuses == [200, 200, 200]
    assert Case.objects.count() == 1 and InboundMessage.objects.count() == 1
    assert Notice.objects.filter(kind=NoticeKind.ACKNOWLEDGEMENT).count() == 1
