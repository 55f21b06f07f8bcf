"""Webhooks of the real senders, each taking its sender's own format unmodified.

Every webhook refuses (403) before reading the body when its secret is unset in the
settings (the channel is off) or the request does not carry it; Twilio's signature
covers the form fields, so its body is parsed first and then checked. Bad bodies get
4xx JSON naming the field, and store nothing.
"""

import base64
import binascii
import hmac
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from twilio.twiml.messaging_response import MessagingResponse  # type: ignore[import-untyped]

from reliefline.channels.errors import Malformed
from reliefline.channels.models import KoboMapping, Medium, Sender
from reliefline.channels.services import (
    ACK_REPLY,
    ACK_SEND,
    EXTERNAL_ID_MAX,
    Inbound,
    message_receive,
    notice_delivery_report,
)
from reliefline.errors import InvalidInput, ReliefError
from reliefline.hotline.models import Channel, NeedType, Vulnerability
from reliefline.people.phones import phone_normalise
from reliefline.text import text_check

BODY_MAX = 128 * 1024
# A count a sender writes (a body's length, a number of photos, of persons) has at most
# this many digits; more is no count, and int() refuses texts of thousands of digits.
COUNT_DIGITS = 18
# The household sizes a case takes (hotline.services.case_open refuses others).
HOUSEHOLD_MIN, HOUSEHOLD_MAX = 1, 50
Handler = Callable[[HttpRequest], HttpResponse]


def _json_error(status: int, detail: str, code: str, field: str | None = None) -> JsonResponse:
    body = {"detail": f"{field}: {detail}" if field else detail, "code": code}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


class Refused(Exception):
    """The request does not come from the sender (403)."""


def _count(text: str) -> int | None:
    """Return the whole number `text` writes in ASCII digits ("4"), else None.

    str.isdigit() alone also takes "²", which int() refuses (a 500), and "٣", which no
    sender writes.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > COUNT_DIGITS:
        return None
    return int(text)


def webhook(secret_setting: str) -> Callable[[Handler], Handler]:
    """Wrap a sender's view: POST only, channel on, body bounded, errors as JSON."""

    def decorate(view: Handler) -> Handler:
        @csrf_exempt
        def wrapped(request: HttpRequest) -> HttpResponse:
            if not getattr(settings, secret_setting):
                return _json_error(403, _("This channel is not configured."), "channel_disabled")
            if request.method != "POST":
                return _json_error(405, _("Only POST is accepted."), "method_not_allowed")
            length = _count(request.META.get("CONTENT_LENGTH") or "0")
            try:
                if length is None or length > BODY_MAX:
                    raise RequestDataTooBig
                return view(request)
            except Refused:
                return _json_error(
                    403, _("The sender's signature or secret is wrong."), "forbidden"
                )
            except RequestDataTooBig:
                return _json_error(413, _("The request body is too large."), "too_large", "body")
            except ReliefError as error:
                return _json_error(error.status, error.message, error.code, error.field)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorate


def _secret_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _body_text(request: HttpRequest) -> str:
    body = request.body
    if len(body) > BODY_MAX:
        raise RequestDataTooBig
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Malformed(_("Not valid UTF-8."), field="body") from error


def _json_body(request: HttpRequest) -> dict[str, Any]:
    text = _body_text(request)
    try:
        data = json.loads(text)
    except ValueError as error:  # JSONDecodeError, or a number of thousands of digits
        raise Malformed(_("Not valid JSON."), field="body") from error
    if not isinstance(data, dict):
        raise Malformed(_("Expected a JSON object."), field="body")
    return data


def _path(data: Any, path: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
    """Return data[a][b]... for path "a.b", checked to be of `kind`; None when optional."""
    value = data
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        if required:
            raise InvalidInput(_("This field is required."), field=path)
        return None
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InvalidInput(_("Wrong type."), field=path)
    if isinstance(value, str):
        text_check(value, field=path)
    return value


def _reply_url(request: HttpRequest) -> str:
    """Return the URL Twilio signed: the public base when set, else the request's own."""
    base = settings.RELIEFLINE_PUBLIC_URL
    return f"{base}{request.get_full_path()}" if base else request.build_absolute_uri()


def _twilio_verified(request: HttpRequest) -> None:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        raise Refused
    _body_text(request)  # a body that is not UTF-8 is refused before it is parsed
    validator = RequestValidator(settings.RELIEFLINE_TWILIO_AUTH_TOKEN)
    if not validator.validate(_reply_url(request), request.POST, signature):
        raise Refused


def _twiml(text: str) -> HttpResponse:
    response = MessagingResponse()
    if text:
        response.message(text)
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


@webhook("RELIEFLINE_TWILIO_AUTH_TOKEN")
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """Take an inbound SMS or WhatsApp message; answer with TwiML in the sender's language."""
    _twilio_verified(request)
    form = request.POST
    sid = form.get("MessageSid", "")
    sender = form.get("From", "")
    whatsapp = sender.startswith("whatsapp:")
    phone = sender.removeprefix("whatsapp:")
    text_check(phone, field="From")
    if not phone_normalise(phone):
        raise InvalidInput(_("Not a phone number."), field="From")
    body = form.get("Body", "")
    media = _count(form.get("NumMedia", "0"))
    if media is None:
        raise InvalidInput(_("Not a number."), field="NumMedia")
    if not body.strip() and not media:
        raise InvalidInput(_("The message is empty."), field="Body")
    receipt = message_receive(
        Inbound(
            sender=Sender.TWILIO,
            external_id=sid,
            channel=Channel.WHATSAPP if whatsapp else Channel.SMS,
            text=body,
            medium=Medium.WHATSAPP if whatsapp else Medium.SMS,
            address=phone_normalise(phone) or phone,
            phone=phone,
            given_name=form.get("ProfileName", "")[:100] if whatsapp else "",
            attachments=media,
            acknowledge=ACK_REPLY,
            fields={
                "external_id": "MessageSid",
                "text": "Body",
                "phone": "From",
                "address": "From",
                "given_name": "ProfileName",
            },
        )
    )
    return _twiml(receipt.reply)


@webhook("RELIEFLINE_TWILIO_AUTH_TOKEN")
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Record Twilio's delivery report (StatusCallback) of a notice reliefline sent."""
    _twilio_verified(request)
    form = request.POST
    for name in ("MessageSid", "MessageStatus", "ErrorCode"):
        text_check(form.get(name, ""), field=name)
    notice_delivery_report(
        provider_id=form.get("MessageSid", "")[:64],
        status=form.get("MessageStatus", "")[:32],
        error_code=form.get("ErrorCode", "")[:16],
    )
    return HttpResponse(status=204)


# What a Telegram message carries instead of, or beside, its text (one per message: an
# album comes as one message per photo; an animation also sets `document`).
TELEGRAM_MEDIA = ("photo", "voice", "video", "video_note", "audio", "document")


def _telegram_ignored() -> JsonResponse:
    # Edits, stickers, joins, blank texts: acknowledged so Telegram stops retrying them.
    return JsonResponse({"ok": True, "ignored": True})


@webhook("RELIEFLINE_TELEGRAM_SECRET")
def telegram_update(request: HttpRequest) -> HttpResponse:
    """Take a Telegram Bot API Update; messages become cases, the rest is ignored.

    A photo, voice message, video or file becomes its caption, and a note on the case
    that one was sent: the file itself stays with Telegram.
    """
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not _secret_matches(given, settings.RELIEFLINE_TELEGRAM_SECRET):
        raise Refused
    update = _json_body(request)
    update_id = _path(update, "update_id", int)
    message = _path(update, "message", dict, required=False)
    attached = message is not None and any(kind in message for kind in TELEGRAM_MEDIA)
    if message is None or ("text" not in message and not attached):
        return _telegram_ignored()
    text_field = "message.text" if "text" in message else "message.caption"
    text = _path(update, text_field, str, required=not attached) or ""
    if not text.strip() and not attached:
        # Nothing an operator could act on, as Twilio's empty Body (which is refused).
        return _telegram_ignored()
    chat_id = _path(update, "message.chat.id", int)
    first = _path(update, "message.from.first_name", str, required=False) or ""
    last = _path(update, "message.from.last_name", str, required=False) or ""
    hint = _path(update, "message.from.language_code", str, required=False) or ""
    receipt = message_receive(
        Inbound(
            sender=Sender.TELEGRAM,
            external_id=str(update_id),
            channel=Channel.TELEGRAM,
            text=text,
            medium=Medium.TELEGRAM,
            address=str(chat_id),
            given_name=first[:100],
            family_name=last[:100],
            language_hint=hint[:2].lower(),
            acknowledge=ACK_SEND,
            attachments=int(attached),
            fields={
                "external_id": "update_id",
                "text": text_field,
                "given_name": "message.from.first_name",
                "family_name": "message.from.last_name",
            },
        )
    )
    return JsonResponse({"ok": True, "duplicate": receipt.duplicate})


# RapidPro's contact languages are ISO 639-3.
RAPIDPRO_LANGUAGES = {"ukr": "uk", "rus": "ru", "eng": "en"}
URN_MEDIA = {"tel": Medium.SMS, "whatsapp": Medium.WHATSAPP, "telegram": Medium.TELEGRAM}
# The message id is "<run uuid>:<step uuid>"; each is 36 characters as RapidPro makes them.
RAPIDPRO_UUID_MAX = (EXTERNAL_ID_MAX - 1) // 2


def _urn(urn: str) -> tuple[str, str, str]:
    """Return (medium, address, phone) of a RapidPro URN such as tel:+79101234567."""
    scheme, _sep, path = urn.partition(":")
    path = path.split("#", 1)[0]  # "telegram:1234#name"
    medium = URN_MEDIA.get(scheme, "")
    if medium in (Medium.SMS, Medium.WHATSAPP):
        phone = phone_normalise(path if path.startswith("+") else f"+{path}") or ""
        if not phone:
            raise InvalidInput(_("Not a phone number."), field="contact.urn")
        return medium, phone, phone
    return medium, path if medium else "", ""


def _uuid_bounded(uuid: str, *, field: str) -> str:
    """Return a RapidPro uuid short enough that run and step together make a message id."""
    if len(uuid) > RAPIDPRO_UUID_MAX:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": RAPIDPRO_UUID_MAX}, field=field)
    return text_check(uuid, field=field)


@webhook("RELIEFLINE_RAPIDPRO_SECRET")
def rapidpro_webhook(request: HttpRequest) -> HttpResponse:
    """Take RapidPro's default Call Webhook body; answer JSON a flow can relay (@webhook)."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Token" or not _secret_matches(token, settings.RELIEFLINE_RAPIDPRO_SECRET):
        raise Refused
    data = _json_body(request)
    run_uuid = _uuid_bounded(_path(data, "run.uuid", str), field="run.uuid")
    path = _path(data, "path", list, required=False) or []
    step = path[-1] if path and isinstance(path[-1], dict) else {}
    step_uuid = step.get("uuid", "") if isinstance(step.get("uuid", ""), str) else ""
    _uuid_bounded(step_uuid, field=f"path[{len(path) - 1}].uuid")
    text = _path(data, "input.text", str, required=False) or ""
    urn = _path(data, "contact.urn", str, required=False) or ""
    medium, address, phone = _urn(urn)
    name = (_path(data, "contact.name", str, required=False) or "").split()
    language = _path(data, "contact.language", str, required=False) or ""
    attachments = _path(data, "input.attachments", list, required=False) or []
    receipt = message_receive(
        Inbound(
            sender=Sender.RAPIDPRO,
            external_id=f"{run_uuid}:{step_uuid}",
            channel=Channel.RAPIDPRO,
            text=text,
            medium=medium,
            address=address,
            phone=phone,
            given_name=" ".join(name[:1])[:100],
            family_name=" ".join(name[1:])[:100],
            language_hint=RAPIDPRO_LANGUAGES.get(language, ""),
            acknowledge=ACK_REPLY,
            attachments=len(attachments),
            fields={
                "external_id": "run.uuid",
                "text": "input.text",
                "phone": "contact.urn",
                "address": "contact.urn",
                "given_name": "contact.name",
                "family_name": "contact.name",
            },
        )
    )
    return JsonResponse(
        {
            "reference": receipt.case.reference,
            "language": receipt.language,
            "reply": receipt.reply,
            "duplicate": receipt.duplicate,
        },
        status=200 if receipt.duplicate else 201,
        json_dumps_params={"ensure_ascii": False},
    )


def _kobo_password(request: HttpRequest) -> str:
    scheme, _sep, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


def _kobo_answer(data: dict[str, Any], path: str) -> str:
    if not path:
        return ""
    value = data.get(path)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInput(_("Wrong type."), field=path)
    return text_check(str(value), field=path).strip()


def _kobo_choices(data: dict[str, Any], path: str, allowed: list[str]) -> list[str]:
    chosen = _kobo_answer(data, path).split()
    for value in chosen:
        if value not in allowed:
            raise InvalidInput(_("Unknown value %(value)s.") % {"value": value[:40]}, field=path)
    return chosen


def kobo_household_size(answer: str, *, field: str) -> int | None:
    """Return the household size a Kobo answer gives, None when unanswered.

    Raise InvalidInput naming the question for anything but a whole number of
    persons a case takes: "0" too, which a case would read as unanswered.
    """
    if not answer:
        return None
    size = _count(answer)
    if size is None:
        raise InvalidInput(_("Not a number."), field=field)
    if not HOUSEHOLD_MIN <= size <= HOUSEHOLD_MAX:
        raise InvalidInput(_("A household has 1 to 50 persons."), field=field)
    return size


@webhook("RELIEFLINE_KOBO_SECRET")
def kobo_submission(request: HttpRequest) -> HttpResponse:
    """Take a KoboToolbox REST Service submission, mapped by its form's KoboMapping."""
    if not _secret_matches(_kobo_password(request), settings.RELIEFLINE_KOBO_SECRET):
        raise Refused
    data = _json_body(request)
    submission = _path(data, "_uuid", str)
    form_id = _path(data, "_xform_id_string", str)
    mapping = KoboMapping.objects.filter(form_id=form_id).first()
    if mapping is None:
        raise InvalidInput(
            _("No field mapping is configured for this form (see the admin)."),
            field="_xform_id_string",
        )
    size = kobo_household_size(
        _kobo_answer(data, mapping.household_size), field=mapping.household_size
    )
    language = _kobo_answer(data, mapping.language).lower()
    receipt = message_receive(
        Inbound(
            sender=Sender.KOBO,
            external_id=submission,
            channel=Channel.KOBO,
            text=_kobo_answer(data, mapping.message),
            phone=_kobo_answer(data, mapping.phone),
            given_name=_kobo_answer(data, mapping.given_name)[:100],
            family_name=_kobo_answer(data, mapping.family_name)[:100],
            language=language,
            settlement=_kobo_answer(data, mapping.settlement)[:120],
            household_size=size,
            needs=_kobo_choices(data, mapping.needs, NeedType.values),
            vulnerabilities=_kobo_choices(data, mapping.vulnerabilities, Vulnerability.values),
            fields={
                "external_id": "_uuid",
                "text": mapping.message,
                "phone": mapping.phone,
                "given_name": mapping.given_name,
                "family_name": mapping.family_name,
                "language": mapping.language,
                "settlement": mapping.settlement,
            },
        )
    )
    return JsonResponse(
        {"reference": receipt.case.reference, "duplicate": receipt.duplicate},
        status=200 if receipt.duplicate else 201,
    )
