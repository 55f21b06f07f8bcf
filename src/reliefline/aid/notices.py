"""Telling a household about its aid distribution, through the channels app.

`reliefline.channels.services.notice_send` is looked up when called, so the aid app
works (without notices) wherever the channels app does not provide it. It runs
inside the distribution's transaction and queues the sending on commit, so a refused
or rolled-back distribution never sends a message.
"""

import importlib
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.utils import formats, timezone

from reliefline.aid.models import Distribution, Item


def _notice_send() -> Any:
    try:
        module = importlib.import_module("reliefline.channels.services")
    except ImportError:
        return None
    return getattr(module, "notice_send", None)


def distribution_notify(
    distribution: Distribution, *, lines: Sequence[tuple[Item, int]], by: User | None
) -> bool:
    """Return whether a notice about the distribution was handed to the channels app.

    The person told is the one who received it, else the household's first member.
    """
    send = _notice_send()
    if send is None:
        return False
    person = distribution.person or distribution.household.members.order_by("pk").first()
    if person is None or person.purged_at is not None:
        return False
    language = person.preferred_language
    context = {
        "items": ", ".join(
            f"{item.display_name(language)} × {quantity}" for item, quantity in lines
        ),
        "place": distribution.warehouse.settlement.display_name(language),
        "time": formats.date_format(timezone.localtime(distribution.at), "SHORT_DATETIME_FORMAT"),
    }
    case = distribution.household.cases.order_by("-created_at").first()
    send(person=person, kind="aid_distribution", context=context, case=case, by=by)
    return True
