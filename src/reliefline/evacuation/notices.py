"""The notices the evacuation sends to residents, through the channels' notice service.

Kept in one place so that every caller builds the context the templates of
channels.services.PLACEHOLDERS expect; notice_send queues on commit, so a rolled-back
change never tells anyone anything.
"""

from django.contrib.auth.models import User
from django.utils import translation
from django.utils.translation import gettext as _

from reliefline.channels.selectors import notice_route
from reliefline.channels.services import notice_send
from reliefline.evacuation.models import Convoy, Corridor, EvacuationRequest
from reliefline.places.times import resident_time


def allocated_notify(request: EvacuationRequest, *, convoy: Convoy, by: User | None) -> None:
    """Tell the household where and when to come for the convoy.

    Every value is written in the language the notice goes out in (not the
    coordinator's), and the time on the assembly point's clock, named: a family in
    Sudzha told the hotline's Kyiv time comes an hour early in winter
    (reliefline.places.times).
    """
    case = request.case
    if case.caller is None:
        return
    language = notice_route(case.caller).language
    with translation.override(language):
        context = {
            "reference": str(case.reference),
            "assembly_point": convoy.assembly_point.display_name(language),
            "time": resident_time(
                convoy.departure_at, place=convoy.assembly_point, language=language
            ),
            "bring": _("identity documents, medicines, water"),
        }
    notice_send(
        person=case.caller,
        kind="evacuation_allocated",
        context=context,
        case=case,
        by=by,
    )


def rescheduled_notify(request: EvacuationRequest, *, convoy: Convoy, by: User | None) -> None:
    """Tell the household the convoy's new departure, on the assembly point's clock."""
    case = request.case
    if case.caller is None:
        return
    language = notice_route(case.caller).language
    notice_send(
        person=case.caller,
        kind="evacuation_rescheduled",
        context={
            "reference": str(case.reference),
            "assembly_point": convoy.assembly_point.display_name(language),
            "time": resident_time(
                convoy.departure_at, place=convoy.assembly_point, language=language
            ),
        },
        case=case,
        by=by,
    )


def suspended_notify(request: EvacuationRequest, *, corridor: Corridor, by: User | None) -> None:
    """Tell the household that the corridor they were allocated to is suspended."""
    case = request.case
    if case.caller is None:
        return
    notice_send(
        person=case.caller,
        kind="corridor_suspended",
        context={"corridor": corridor.name},
        case=case,
        by=by,
    )


def closed_notify(request: EvacuationRequest, *, corridor: Corridor, by: User | None) -> None:
    """Tell the household the corridor closed before they left: do not go, still waiting."""
    case = request.case
    if case.caller is None:
        return
    notice_send(
        person=case.caller,
        kind="corridor_closed",
        context={"corridor": corridor.name, "reference": str(case.reference)},
        case=case,
        by=by,
    )


def arrival_notify(request: EvacuationRequest, *, place: str, by: User | None) -> None:
    """Tell the household (the one who called) that their evacuation arrived."""
    case = request.case
    if case.caller is None:
        return
    notice_send(
        person=case.caller,
        kind="arrival_confirmed",
        context={"reference": str(case.reference), "place": place},
        case=case,
        by=by,
    )
