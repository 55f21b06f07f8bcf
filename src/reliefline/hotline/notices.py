"""Telling a caller when the hotline will call back, through the channels app.

Looked up when called (reliefline.notices), as the aid app does: the hotline never
imports the channels app above it. The notice is queued in the callback's
transaction, so a refused or rolled-back callback never sends a message.
"""

from django.contrib.auth.models import User

from reliefline.hotline.models import Case, Channel
from reliefline.notices import notice_language, notice_try
from reliefline.places.times import resident_time

# The channels a case came by whose residents already get our messages there.
WRITTEN = frozenset(
    {Channel.SMS, Channel.WHATSAPP, Channel.TELEGRAM, Channel.WEB, Channel.RAPIDPRO}
)


def callback_notify_default(case: Case) -> bool:
    """Return whether the callback form offers to tell the caller, ticked.

    A resident who wrote to us already gets our answers there; one who called may not
    want a message on their phone, where others may read it: the operator asks.
    """
    return case.channel in WRITTEN


def callback_notify(case: Case, *, by: User | None) -> bool:
    """Return whether the caller was told of the case's callback (its time, their clock).

    A notice the channels app refuses (no template left, a purged caller) never
    stops the callback: it is logged, without personal data, and the callback stands.
    """
    caller = case.caller
    if caller is None or caller.purged_at is not None or not case.callback_at:
        return False
    language = notice_language(caller, otherwise=case.language)
    context = {
        "reference": str(case.reference),
        "time": resident_time(case.callback_at, place=case.settlement, language=language),
    }
    return notice_try(
        what=f"case {case.reference}",
        person=caller,
        kind="callback_scheduled",
        context=context,
        case=case,
        by=by,
    )
