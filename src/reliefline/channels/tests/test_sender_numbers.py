"""Numbers and ids in the senders' requests: any text gets an answer naming the field,
never a server error, and a value a case cannot take is refused, not changed."""

import json
from typing import Any

import pytest
from django.test import Client

from reliefline.channels.models import InboundMessage, KoboMapping
from reliefline.channels.tests.senders import (
    KOBO_SUBMISSION,
    RAPIDPRO_BODY,
    TELEGRAM_UPDATE,
    TWILIO_SMS,
    kobo_post,
    rapidpro_post,
    telegram_post,
    twilio_post,
    variant,
)
from reliefline.hotline.models import Case

pytestmark = pytest.mark.usefixtures("senders_on")

SIZE = "household/size"


@pytest.fixture
def client() -> Client:
    """Return a client that answers a server error as one, so a 500 fails the test."""
    return Client(raise_request_exception=False)


def _nothing_stored() -> None:
    assert not Case.objects.exists() and not InboundMessage.objects.exists()


# --- KoboToolbox's household size ----------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("²", "Not a number."),  # str.isdigit() takes it, int() does not
        ("٣", "Not a number."),
        ("4.0", "Not a number."),
        ("9" * 5000, "Not a number."),  # int() refuses numbers of thousands of digits
        ("0", "A household has 1 to 50 persons."),  # a case would read it as unanswered
        ("51", "A household has 1 to 50 persons."),
    ],
)
def test_a_household_size_a_case_cannot_take_is_422_naming_the_kobo_question(
    client: Client, kobo_mapping: KoboMapping, answer: str, problem: str
) -> None:
    response = kobo_post(client, variant(KOBO_SUBMISSION, **{SIZE: answer}))

    assert response.status_code == 422, response.content[:300]
    assert response.json()["field"] == SIZE
    assert response.json()["detail"] == f"{SIZE}: {problem}"
    _nothing_stored()


@pytest.mark.parametrize(("answer", "size"), [("1", 1), ("50", 50), (" 7 ", 7), (12, 12)])
def test_a_household_size_in_range_reaches_the_case(
    client: Client, kobo_mapping: KoboMapping, answer: object, size: int
) -> None:
    assert kobo_post(client, variant(KOBO_SUBMISSION, **{SIZE: answer})).status_code == 201
    assert Case.objects.get().household_size == size


# --- Twilio's counts and the body's length -----------------------------------------------


@pytest.mark.parametrize("media", ["²", "٣", "9" * 5000])
def test_a_num_media_that_is_no_count_is_422(client: Client, media: str) -> None:
    response = twilio_post(client, variant(TWILIO_SMS, NumMedia=media))

    assert response.status_code == 422, response.content[:300]
    assert response.json()["field"] == "NumMedia"
    _nothing_stored()


def test_a_content_length_that_is_no_count_is_refused_as_too_large(client: Client) -> None:
    response = client.post(
        "/channels/telegram/",
        json.dumps(TELEGRAM_UPDATE),
        content_type="application/json",
        CONTENT_LENGTH="²",
    )

    assert response.status_code == 413 and response.json()["field"] == "body"
    _nothing_stored()


def test_a_json_number_of_thousands_of_digits_is_400(client: Client) -> None:
    response = telegram_post(client, '{"update_id": ' + "9" * 5000 + "}")

    assert response.status_code == 400 and response.json()["field"] == "body"
    _nothing_stored()


# --- message ids too long ---------------------------------------------------------------


def test_a_too_long_twilio_message_sid_is_too_long_not_missing(client: Client) -> None:
    response = twilio_post(client, variant(TWILIO_SMS, MessageSid="SM" + "0" * 300))

    assert response.status_code == 422
    assert response.json()["detail"] == "MessageSid: At most 200 characters."
    _nothing_stored()


def test_a_too_long_telegram_update_id_is_too_long_not_missing(client: Client) -> None:
    response = telegram_post(client, variant(TELEGRAM_UPDATE, update_id=10**300))

    assert response.status_code == 422
    assert response.json()["detail"] == "update_id: At most 200 characters."
    _nothing_stored()


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"path": [*RAPIDPRO_BODY["path"], {"uuid": "f" * 300}]}, "path[2].uuid: At most 99 characters."),
        ({"run": {"uuid": "5" * 300}}, "run.uuid: At most 99 characters."),
        ({"path": [{"uuid": "a\x00b"}]}, "path[0].uuid: Contains a character that cannot be stored."),
    ],
)  # fmt: skip
def test_a_bad_rapidpro_uuid_is_422_naming_it(
    client: Client, changes: dict[str, Any], detail: str
) -> None:
    response = rapidpro_post(client, variant(RAPIDPRO_BODY, **changes))

    assert response.status_code == 422
    assert response.json()["detail"] == detail
    _nothing_stored()
