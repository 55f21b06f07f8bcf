"""A message with nothing in it opens no case, whichever sender brings it."""

import copy

import pytest
from django.test import Client

from reliefline.channels.models import InboundMessage, Notice
from reliefline.channels.tests.senders import (
    TELEGRAM_PHOTO,
    TELEGRAM_UPDATE,
    TWILIO_SMS,
    telegram_post,
    twilio_post,
    variant,
)
from reliefline.hotline.models import Case
from reliefline.people.models import Person

pytestmark = pytest.mark.usefixtures("senders_on")

BLANKS = ["", "   ", "\n\t "]


def _nothing_stored() -> None:
    assert not Case.objects.exists() and not InboundMessage.objects.exists()
    assert not Person.objects.exists() and not Notice.objects.exists()


@pytest.mark.parametrize("text", BLANKS)
def test_a_blank_telegram_text_is_acknowledged_and_ignored(client: Client, text: str) -> None:
    update = copy.deepcopy(TELEGRAM_UPDATE)
    update["message"]["text"] = text

    response = telegram_post(client, update)

    assert response.status_code == 200 and response.json() == {"ok": True, "ignored": True}
    _nothing_stored()


def test_a_photo_with_a_blank_caption_still_opens_a_case(client: Client) -> None:
    photo = copy.deepcopy(TELEGRAM_PHOTO)
    photo["message"]["caption"] = "  "

    assert telegram_post(client, photo).json() == {"ok": True, "duplicate": False}
    assert Case.objects.count() == 1


@pytest.mark.parametrize("body", BLANKS)
def test_a_blank_twilio_body_without_media_is_422(client: Client, body: str) -> None:
    response = twilio_post(client, variant(TWILIO_SMS, Body=body))

    assert response.status_code == 422
    assert response.json()["detail"] == "Body: The message is empty."
    _nothing_stored()
