"""Requests in each sender's real wire format, as captured from their documentation.

Field sets follow what each sender posts: Twilio's inbound message webhook
(form-encoded, signed with X-Twilio-Signature), Telegram's Update object, RapidPro's
default Call Webhook body, a KoboToolbox REST Service submission.
"""

import base64
import copy
import json
from typing import Any
from urllib.parse import urlencode

from django.test import Client
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

TWILIO_TOKEN = "twilio-test-auth-token"
TELEGRAM_SECRET = "telegram-test-secret"
RAPIDPRO_SECRET = "rapidpro-test-secret"
KOBO_SECRET = "kobo-test-secret"

# Story 1 of the scenario: a woman in Sudzha writes by SMS in Russian.
SCENARIO_SMS = (
    "Здравствуйте. Я из Суджи. Моей маме 82 года, ей срочно нужен инсулин. "
    "Мы обе хотим уехать, мама плохо ходит."
)

TWILIO_SMS: dict[str, str] = {
    "ToCountry": "UA",
    "ToState": "",
    "SmsMessageSid": "SM5d1c7a9f0b3e4c2d8a6f1e0b9c8d7a61",
    "NumMedia": "0",
    "ToCity": "",
    "FromZip": "",
    "SmsSid": "SM5d1c7a9f0b3e4c2d8a6f1e0b9c8d7a61",
    "FromState": "",
    "SmsStatus": "received",
    "FromCity": "",
    "Body": SCENARIO_SMS,
    "FromCountry": "RU",
    "To": "+380931234567",
    "MessagingServiceSid": "MG2f7e1b9a8c3d4e5f6a7b8c9d0e1f2a3b",
    "ToZip": "",
    "NumSegments": "2",
    "MessageSid": "SM5d1c7a9f0b3e4c2d8a6f1e0b9c8d7a61",
    "AccountSid": "AC0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "From": "+79101234567",
    "ApiVersion": "2010-04-01",
}

TWILIO_WHATSAPP: dict[str, str] = {
    "SmsMessageSid": "SM8e2a4b6c8d0f1a3b5c7d9e1f3a5b7c9d",
    "NumMedia": "0",
    "ProfileName": "Оксана",
    "MessageType": "text",
    "SmsSid": "SM8e2a4b6c8d0f1a3b5c7d9e1f3a5b7c9d",
    "WaId": "380501112233",
    "SmsStatus": "received",
    "Body": "Доброго дня, у Суджі немає води, потрібна евакуація",
    "To": "whatsapp:+14155238886",
    "NumSegments": "1",
    "ReferralNumMedia": "0",
    "MessageSid": "SM8e2a4b6c8d0f1a3b5c7d9e1f3a5b7c9d",
    "AccountSid": "AC0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "From": "whatsapp:+380501112233",
    "ApiVersion": "2010-04-01",
}

TELEGRAM_UPDATE: dict[str, Any] = {
    "update_id": 905423117,
    "message": {
        "message_id": 42,
        "from": {
            "id": 5011223344,
            "is_bot": False,
            "first_name": "Оксана",
            "last_name": "Коваленко",
            "username": "oksana_k",
            "language_code": "uk",
        },
        "chat": {
            "id": 5011223344,
            "first_name": "Оксана",
            "last_name": "Коваленко",
            "username": "oksana_k",
            "type": "private",
        },
        "date": 1723633200,
        "text": "Допоможіть, будь ласка: ми в Суджі, потрібна вода і ліки для мами.",
    },
}

# An MMS as Twilio posts it: the photo is at MediaUrl0, on Twilio's servers.
TWILIO_MMS: dict[str, str] = {
    **TWILIO_SMS,
    "SmsMessageSid": "MM7c2e9a1b3d5f4e6a8b0c2d4e6f8a0b2c",
    "SmsSid": "MM7c2e9a1b3d5f4e6a8b0c2d4e6f8a0b2c",
    "MessageSid": "MM7c2e9a1b3d5f4e6a8b0c2d4e6f8a0b2c",
    "NumMedia": "2",
    "NumSegments": "1",
    "Body": "Вот так выглядит наш дом после обстрела",
    "MediaContentType0": "image/jpeg",
    "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    "/Messages/MM7c2e9a1b3d5f4e6a8b0c2d4e6f8a0b2c/Media/ME1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d",
    "MediaContentType1": "image/jpeg",
    "MediaUrl1": "https://api.twilio.com/2010-04-01/Accounts/AC0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    "/Messages/MM7c2e9a1b3d5f4e6a8b0c2d4e6f8a0b2c/Media/ME6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a",
}

# A voice message with no text, and a photo with a caption, as the Bot API sends them.
TELEGRAM_VOICE: dict[str, Any] = {
    "update_id": 905423119,
    "message": {
        "message_id": 44,
        "from": {
            "id": 5022334455,
            "is_bot": False,
            "first_name": "Микола",
            "language_code": "uk",
        },
        "chat": {"id": 5022334455, "first_name": "Микола", "type": "private"},
        "date": 1723633320,
        "voice": {
            "duration": 7,
            "mime_type": "audio/ogg",
            "file_id": "AwACAgIAAxkBAAIBZ2a8c3Vv0i",
            "file_unique_id": "AgADfU8AAk",
            "file_size": 28413,
        },
    },
}

TELEGRAM_PHOTO: dict[str, Any] = {
    "update_id": 905423120,
    "message": {
        "message_id": 45,
        "from": {"id": 5033445566, "is_bot": False, "first_name": "Ірина", "language_code": "ru"},
        "chat": {"id": 5033445566, "first_name": "Ірина", "type": "private"},
        "date": 1723633380,
        "photo": [
            {
                "file_id": "AgACAgIAAxkBAAIBaGa8c4Ab",
                "file_unique_id": "AQADhMExG-s",
                "file_size": 1342,
                "width": 90,
                "height": 67,
            },
            {
                "file_id": "AgACAgIAAxkBAAIBaGa8c4Ac",
                "file_unique_id": "AQADhMExG-x",
                "file_size": 71520,
                "width": 1280,
                "height": 960,
            },
        ],
        "caption": "Нет воды уже неделю, вот очередь к колодцу",
    },
}

TELEGRAM_STICKER: dict[str, Any] = {
    "update_id": 905423118,
    "message": {
        "message_id": 43,
        "from": {"id": 5011223344, "is_bot": False, "first_name": "Оксана"},
        "chat": {"id": 5011223344, "first_name": "Оксана", "type": "private"},
        "date": 1723633260,
        "sticker": {"file_id": "CAACAgIAAxkBAAE", "width": 512, "height": 512},
    },
}

RAPIDPRO_BODY: dict[str, Any] = {
    "contact": {
        "uuid": "0f6a2b1c-3d4e-4f50-8a9b-1c2d3e4f5a6b",
        "name": "Ирина Петренко",
        "urn": "tel:+79107654321",
    },
    "flow": {"uuid": "b7cf0d83-f1c9-411c-96fd-c511a4cfa86d", "name": "Hotline intake"},
    "path": [
        {
            "uuid": "c3b1d2a4-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "node_uuid": "d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6",
            "arrived_on": "2024-08-14T09:12:03.123456Z",
            "exit_uuid": "e2f3a4b5-c6d7-4e8f-90a1-b2c3d4e5f6a7",
        },
        {
            "uuid": "f4a5b6c7-d8e9-4f0a-1b2c-3d4e5f6a7b8c",
            "node_uuid": "a7b8c9d0-e1f2-4a3b-4c5d-6e7f8a9b0c1d",
            "arrived_on": "2024-08-14T09:12:41.654321Z",
            "exit_uuid": "",
        },
    ],
    "results": {
        "request": {
            "name": "Request",
            "value": "Нужна вода и эвакуация, нас трое",
            "category": "Has Text",
            "node_uuid": "d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6",
            "input": "Нужна вода и эвакуация, нас трое",
            "created_on": "2024-08-14T09:12:41.654321Z",
        }
    },
    "run": {"uuid": "5e6f7a8b-9c0d-4e1f-2a3b-4c5d6e7f8a9b", "created_on": "2024-08-14T09:11:58Z"},
    "input": {
        "attachments": [],
        "channel": {"uuid": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d", "name": "Hotline SMS"},
        "created_on": "2024-08-14T09:12:41.5Z",
        "text": "Нужна вода и эвакуация, нас трое",
        "type": "msg",
        "urn": {"display": "+7 910 765-43-21", "path": "+79107654321", "scheme": "tel"},
        "uuid": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    },
    "channel": {"uuid": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d", "name": "Hotline SMS"},
}

KOBO_FORM = "aZx7Hq3LmN9pRt2VwY5kBc"
KOBO_SUBMISSION: dict[str, Any] = {
    "_id": 318842117,
    "formhub/uuid": "6c1f0e2d3b4a59687f6e5d4c3b2a1908",
    "start": "2024-08-15T10:02:11.000+03:00",
    "end": "2024-08-15T10:05:40.000+03:00",
    "household/respondent_given": "Мария",
    "household/respondent_family": "Сидоренко",
    "household/phone": "+79105550011",
    "household/size": "4",
    "location/settlement": "Гуево",
    "needs/needs_list": "water food",
    "needs/vulnerable": "bedridden",
    "needs/details": "Бабушка лежачая, нужна вода",
    "__version__": "vQ7mR2sT9uW4xY6zA8bC",
    "meta/instanceID": "uuid:2a4c6e8f-0b1d-4f3a-5c7e-9a1b3d5f7a9c",
    "_xform_id_string": KOBO_FORM,
    "_uuid": "2a4c6e8f-0b1d-4f3a-5c7e-9a1b3d5f7a9c",
    "_attachments": [],
    "_status": "submitted_via_web",
    "_geolocation": [None, None],
    "_submission_time": "2024-08-15T07:05:42",
    "_tags": [],
    "_notes": [],
    "_submitted_by": "field_team_sudzha",
}


def twilio_post(
    client: Client,
    params: dict[str, str],
    *,
    path: str = "/channels/twilio/",
    signed_url: str | None = None,
    token: str = TWILIO_TOKEN,
) -> Any:
    """Return the response to a form post signed as Twilio signs it."""
    url = signed_url or f"http://testserver{path}"
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(
        path,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )


def _json_post(client: Client, path: str, body: Any, headers: dict[str, str]) -> Any:
    payload = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(path, payload, content_type="application/json", headers=headers)


def telegram_post(client: Client, update: Any, *, secret: str = TELEGRAM_SECRET) -> Any:
    return _json_post(
        client, "/channels/telegram/", update, {"X-Telegram-Bot-Api-Secret-Token": secret}
    )


def rapidpro_post(client: Client, body: Any, *, token: str = RAPIDPRO_SECRET) -> Any:
    return _json_post(client, "/channels/rapidpro/", body, {"Authorization": f"Token {token}"})


def kobo_post(client: Client, body: Any, *, password: str = KOBO_SECRET) -> Any:
    credentials = base64.b64encode(f"kobo:{password}".encode()).decode()
    return _json_post(client, "/channels/kobo/", body, {"Authorization": f"Basic {credentials}"})


def variant(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Return a deep copy of a captured request with some top-level fields changed."""
    copied = copy.deepcopy(base)
    copied.update(changes)
    return copied
