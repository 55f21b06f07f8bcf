"""State for channel tests, built through the services as a sender or operator would."""

from collections.abc import Iterator

import pytest

from reliefline.channels import backends
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
