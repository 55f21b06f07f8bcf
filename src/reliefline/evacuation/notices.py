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

# A module, not its functions: the selectors import the services, which import this one.
from reliefline.evacuation import selectors
from reliefline.evacuation.models import Convoy, Corridor, EvacuationRequest, StopKind
from reliefline.places.times import resident_time


def _language(request: EvacuationRequest) -> str | None:
    """Return the language the household's notices go out in; None without a caller."""
    caller = request.case.caller
    return None if caller is None else notice_route(caller).language


def _tell(
    request: EvacuationRequest, *, kind: str, context: dict[str, str], by: User | None
) -> None:
    """Send the household's caller, who speaks for it, a notice on its case."""
    case = request.case
    if case.caller is not None:
        notice_send(person=case.caller, kind=kind, context=context, case=case, by=by)


def _departure(request: EvacuationRequest, convoy: Convoy, language: str) -> dict[str, str]:
    """Return where and when to come, in `language`, the time on the assembly point's clock."""
    return {
        "reference": str(request.case.reference),
        "assembly_point": convoy.assembly_point.display_name(language),
        "time": resident_time(convoy.departure_at, place=convoy.assembly_point, language=language),
    }


def allocated_notify(request: EvacuationRequest, *, convoy: Convoy, by: User | None) -> None:
    """Tell the household where and when to come for the convoy.

    Every value is written in the language the notice goes out in (not the
    coordinator's), and the time on the assembly point's clock, named: a family in
    Sudzha told the hotline's Kyiv time comes an hour early in winter
    (reliefline.places.times).
    """
    language = _language(request)
    if language is None:
        return
    with translation.override(language):
        bring = _("identity documents, medicines, water")
    context = {**_departure(request, convoy, language), "bring": bring}
    _tell(request, kind="evacuation_allocated", context=context, by=by)


def rescheduled_notify(request: EvacuationRequest, *, convoy: Convoy, by: User | None) -> None:
    """Tell the household the convoy's new departure, on the assembly point's clock."""
    language = _language(request)
    if language is not None:
        context = _departure(request, convoy, language)
        _tell(request, kind="evacuation_rescheduled", context=context, by=by)


def suspended_notify(request: EvacuationRequest, *, corridor: Corridor, by: User | None) -> None:
    """Tell the household that the corridor they were allocated to is suspended."""
    language = _language(request)
    if language is not None:
        context = {"corridor": selectors.corridor_route(corridor, language)}
        _tell(request, kind="corridor_suspended", context=context, by=by)


def reopened_notify(
    request: EvacuationRequest, *, corridor: Corridor, convoy: Convoy, by: User | None
) -> None:
    """Tell the household, never told a time yet, that the corridor is open again."""
    language = _language(request)
    if language is not None:
        window = resident_time(
            convoy.window.starts_at,
            place=convoy.assembly_point,
            language=language,
            until=convoy.window.ends_at,
        )
        context = {"corridor": selectors.corridor_route(corridor, language), "window": window}
        _tell(request, kind="corridor_opened", context=context, by=by)


def closed_notify(request: EvacuationRequest, *, corridor: Corridor, by: User | None) -> None:
    """Tell the household the corridor closed before they left: do not go, still waiting."""
    language = _language(request)
    if language is not None:
        context = {
            "corridor": selectors.corridor_route(corridor, language),
            "reference": str(request.case.reference),
        }
        _tell(request, kind="corridor_closed", context=context, by=by)


def arrival_notify(request: EvacuationRequest, *, corridor: Corridor, by: User | None) -> None:
    """Tell the household (the one who called) that their evacuation arrived, naming the
    reception point in the language the notice goes out in."""
    language = _language(request)
    if language is None:
        return
    stops = corridor.stops.filter(kind=StopKind.RECEPTION).select_related("place")
    place = ", ".join(s.place.display_name(language) for s in stops) or selectors.corridor_route(
        corridor, language
    )
    context = {"reference": str(request.case.reference), "place": place}
    _tell(request, kind="arrival_confirmed", context=context, by=by)
