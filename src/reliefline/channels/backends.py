"""Where outbound notices go: the log or a file (demo, tests), or the real senders.

RELIEFLINE_NOTIFY_BACKEND picks one: `console` (default: a line in the log without the
text), `file` or `live` (Twilio for SMS and WhatsApp, the Telegram Bot API for Telegram).
"""

import json
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

TELEGRAM_API = "https://api.telegram.org"
TIMEOUT = 10.0

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The sender refused or could not be reached; `transient` errors are retried."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class Backend(Protocol):
    def send(self, *, medium: str, address: str, body: str) -> str:
        """Send the text; return the sender's id of the message, or raise DeliveryError."""
        ...


@dataclass(frozen=True)
class Outgoing:
    medium: str
    address: str
    body: str


# What the console backend sent in this process, newest last (tests read it): the last
# OUTBOX_KEPT only, as a worker left on the console backend runs for months and the
# texts and addresses are personal data.
outbox: list[Outgoing] = []
OUTBOX_KEPT = 100


def _masked(address: str) -> str:
    return "…" + address[-3:] if len(address) > 3 else "…"


class ConsoleBackend:
    """Log that a notice was handed over, never its text, and keep it in `outbox`; sends nothing.

    A notice's text says what a person is about to do or receive (a medicine, an
    assembly point and its hour, a case's reference) and is encrypted at rest; the log
    is neither encrypted nor audited, and this is the default backend in production
    too. The line names the id the notice keeps (Notice.provider_id), the medium, the
    address's last three characters and the text's length, enough to follow a notice;
    its text stays, encrypted, with the notice (and on its case's timeline).
    """

    def send(self, *, medium: str, address: str, body: str) -> str:
        message_id = f"console-{uuid.uuid4().hex[:16]}"
        outbox.append(Outgoing(medium=medium, address=address, body=body))
        del outbox[:-OUTBOX_KEPT]
        log.info(
            "notice %s by %s to %s, %s characters, not sent (console backend)",
            message_id,
            medium,
            _masked(address),
            len(body),
        )
        return message_id


class FileBackend:
    """Append each notice as a JSON line to RELIEFLINE_NOTIFY_FILE (a stand-in gateway)."""

    def send(self, *, medium: str, address: str, body: str) -> str:
        message_id = f"file-{uuid.uuid4().hex[:16]}"
        line = {
            "id": message_id,
            "at": timezone.now().isoformat(),
            "medium": medium,
            "to": address,
            "body": body,
        }
        with Path(settings.RELIEFLINE_NOTIFY_FILE).open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return message_id


def _status_callback() -> str | None:
    base = settings.RELIEFLINE_PUBLIC_URL
    return f"{base}/channels/twilio/status/" if base else None


class LiveBackend:
    """Twilio's Messages API for SMS and WhatsApp, the Telegram Bot API for Telegram."""

    def send(self, *, medium: str, address: str, body: str) -> str:
        if medium == "telegram":
            return self._telegram(address, body)
        return self._twilio(medium, address, body)

    def _twilio(self, medium: str, address: str, body: str) -> str:
        sid, token = settings.RELIEFLINE_TWILIO_ACCOUNT_SID, settings.RELIEFLINE_TWILIO_AUTH_TOKEN
        sender = settings.RELIEFLINE_TWILIO_FROM
        if not (sid and token and sender):
            raise DeliveryError("Twilio is not configured", transient=False)
        # The Twilio and httpx clients are imported where they send: every web worker
        # imports this module, and only task workers with the live backend need them.
        from twilio.base.exceptions import (  # type: ignore[import-untyped]
            TwilioException,
            TwilioRestException,
        )
        from twilio.rest import Client  # type: ignore[import-untyped]

        prefix = "whatsapp:" if medium == "whatsapp" else ""
        try:
            message = Client(sid, token).messages.create(
                to=prefix + address,
                from_=prefix + sender,
                body=body,
                status_callback=_status_callback(),
            )
        except TwilioRestException as error:
            # 429 and 5xx pass; anything else (a bad number, a blocked sender) will not.
            transient = error.status == 429 or error.status >= 500
            raise DeliveryError(
                f"Twilio {error.status} {error.code}", transient=transient
            ) from error
        except TwilioException as error:  # the connection itself failed
            raise DeliveryError(
                f"Twilio unreachable: {type(error).__name__}", transient=True
            ) from error
        return str(message.sid)

    def _telegram(self, chat_id: str, body: str) -> str:
        token = settings.RELIEFLINE_TELEGRAM_BOT_TOKEN
        if not token:
            raise DeliveryError("Telegram is not configured", transient=False)
        import httpx

        try:
            response = httpx.post(
                f"{TELEGRAM_API}/bot{token}/sendMessage",
                json={"chat_id": chat_id, "text": body},
                timeout=TIMEOUT,
            )
        except httpx.HTTPError as error:
            raise DeliveryError(
                f"Telegram unreachable: {type(error).__name__}", transient=True
            ) from error
        if response.status_code != 200:
            transient = response.status_code == 429 or response.status_code >= 500
            raise DeliveryError(f"Telegram {response.status_code}", transient=transient)
        try:
            return str(response.json()["result"]["message_id"])
        except (ValueError, KeyError, TypeError) as error:
            raise DeliveryError(
                "Telegram answered without a message id", transient=False
            ) from error


BACKENDS: dict[str, type[Backend]] = {
    "console": ConsoleBackend,
    "file": FileBackend,
    "live": LiveBackend,
}


def backend_get() -> Backend:
    """Return the backend RELIEFLINE_NOTIFY_BACKEND names."""
    name = settings.RELIEFLINE_NOTIFY_BACKEND
    if name not in BACKENDS:
        raise ImproperlyConfigured(
            f"RELIEFLINE_NOTIFY_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}."
        )
    return BACKENDS[name]()
