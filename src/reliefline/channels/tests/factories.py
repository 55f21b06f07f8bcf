"""State for channel tests, built through the services as a sender or operator would."""

from collections.abc import Iterator

import pytest

from reliefline.channels import backends
from reliefline.channels.models import KoboMapping
from reliefline.channels.tests import senders
from reliefline.hotline.models import Case
from reliefline.people.models import Person

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def outbox(settings: object) -> Iterator[list[backends.Outgoing]]:
    """Run tasks at once and return what the console backend sent, empty at the start."""
    settings.TASKS = IMMEDIATE  # type: ignore[attr-defined]
    settings.RELIEFLINE_NOTIFY_BACKEND = "console"  # type: ignore[attr-defined]
    backends.outbox.clear()
    yield backends.outbox
    backends.outbox.clear()


@pytest.fixture
def senders_on(settings: object, gazetteer: None) -> None:
    """Turn every sender's channel on with the secrets the captured requests carry."""
    settings.RELIEFLINE_TWILIO_AUTH_TOKEN = senders.TWILIO_TOKEN  # type: ignore[attr-defined]
    settings.RELIEFLINE_TELEGRAM_SECRET = senders.TELEGRAM_SECRET  # type: ignore[attr-defined]
    settings.RELIEFLINE_RAPIDPRO_SECRET = senders.RAPIDPRO_SECRET  # type: ignore[attr-defined]
    settings.RELIEFLINE_KOBO_SECRET = senders.KOBO_SECRET  # type: ignore[attr-defined]
    settings.RELIEFLINE_PUBLIC_URL = ""  # type: ignore[attr-defined]


@pytest.fixture
def kobo_mapping(db: None) -> KoboMapping:
    """Return the mapping of the captured Kobo form's questions to case fields."""
    return KoboMapping.objects.create(
        form_id=senders.KOBO_FORM,
        name="Sudzha household assessment",
        phone="household/phone",
        given_name="household/respondent_given",
        family_name="household/respondent_family",
        settlement="location/settlement",
        household_size="household/size",
        message="needs/details",
        needs="needs/needs_list",
        vulnerabilities="needs/vulnerable",
    )


class FlakyBackend:
    """A sender that fails `failures` times (transiently unless told), then accepts."""

    failures = 0
    transient = True
    calls = 0

    def send(self, *, medium: str, address: str, body: str) -> str:
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.failures:
            raise backends.DeliveryError("gateway 503", transient=FlakyBackend.transient)
        return f"flaky-{FlakyBackend.calls}"


def caller_of(case: Case) -> Person:
    """Return the case's caller (every case a channel opens has one)."""
    assert case.caller is not None
    return case.caller
