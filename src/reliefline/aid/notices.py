"""Telling a household about its aid distribution, through the channels app.

`reliefline.channels.services.notice_send` is looked up when called
(reliefline.notices), so the aid app works (without notices) wherever the channels
app does not provide it. It runs inside the distribution's transaction and queues
the sending on commit, so a refused or rolled-back distribution never sends a
message.
"""

from collections.abc import Sequence

from django.contrib.auth.models import User

from reliefline.aid.models import Distribution, Item
from reliefline.notices import notice_language, notice_try
from reliefline.places.times import resident_time


def distribution_notify(
    distribution: Distribution, *, lines: Sequence[tuple[Item, int]], by: User | None
) -> bool:
    """Return whether a notice about the distribution was handed to the channels app.

    The person told is the one who received it, else the household's first member.
    A notice the channels app refuses (no template for the kind, say) never stops
    the aid: it is logged, without personal data, and the distribution stands.
    """
    person = distribution.person or distribution.household.members.order_by("pk").first()
    if person is None or person.purged_at is not None:
        return False
    case = distribution.household.cases.order_by("-created_at").first()
    language = notice_language(
        person, otherwise=case.language if case is not None else person.preferred_language
    )
    context = {
        "items": ", ".join(
            f"{item.display_name(language)} × {quantity}" for item, quantity in lines
        ),
        "place": distribution.warehouse.settlement.display_name(language),
        "time": resident_time(
            distribution.at, place=distribution.warehouse.settlement, language=language
        ),
    }
    return notice_try(
        what=f"aid distribution {distribution.pk}",
        person=person,
        kind="aid_distribution",
        context=context,
        case=case,
        by=by,
    )
