"""A corridor notice names the route from the gazetteer, in the household's language.

The corridor's name is free text a coordinator typed, in one language: a Ukrainian
household sent "Суджа → Сумы, суббота" reads Russian in the middle of its own SMS.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from reliefline.channels.models import InboundMessage, Notice
from reliefline.evacuation import services
from reliefline.evacuation.models import Convoy, Corridor, EvacuationRequest, Placement
from reliefline.evacuation.services import (
    CorridorInput,
    MemberInput,
    StopInput,
    VehicleInput,
    WindowInput,
)
from reliefline.evacuation.tests import factories as f
from reliefline.hotline.models import Case
from reliefline.places.times import resident_time

pytestmark = pytest.mark.usefixtures("gazetteer")

GUYEVO = "geonames-postal:RU-307815"  # Гуево, no Ukrainian name in the gazetteer
TYPED_NAME = "Суджа → Сумы, суббота"  # Russian, typed by a coordinator
# Each household's language, its phone, and the route as the gazetteer names it there.
HOUSEHOLDS = {
    "uk": ("+79101234561", "Суджа → Суми"),
    "ru": ("+79101234562", "Суджа → Сумы"),
    "en": ("+79101234563", "Sudzha → Sumy"),
}


def _household(language: str, *, by: User) -> EvacuationRequest:
    """Return the request of a one-person household whose caller writes in `language`."""
    phone, _route = HOUSEHOLDS[language]
    case = f.open_case(
        phone=phone,
        given_name=f"Ирина-{language}",
        needs=(f.NeedInput(type="evacuation"),),
        settlement_id=f.SUDZHA,
        language=language,
        by=by,
    )
    going = MemberInput(
        going=True, consent_method="written", person_id=case.caller_id, mobility="walking"
    )
    return services.request_create(case, direction="UA", members=[going], by=by)


def _open_with_households(coordinator: User) -> tuple[Corridor, Convoy]:
    """Return an open corridor named in Russian and its convoy, allocated to three
    households writing in Ukrainian, Russian and English."""
    corridor = f.corridor(by=coordinator, name=TYPED_NAME)
    for status in ("agreed", "open"):
        services.corridor_transition(corridor, to=status, by=coordinator)
    convoy = f.convoy(corridor, vehicles=[VehicleInput("Bus", seats=3)], by=coordinator)
    for language in HOUSEHOLDS:
        _household(language, by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    return corridor, convoy


def _bodies(kind: str) -> dict[str, str]:
    """Return the text of each notice of `kind`, by the language it went out in."""
    notices = Notice.objects.filter(kind=kind)
    assert len(notices) == len(HOUSEHOLDS)
    return {notice.language: notice.body for notice in notices}


def _assert_named_by_route(kind: str) -> None:
    for language, body in _bodies(kind).items():
        assert HOUSEHOLDS[language][1] in body, body
        assert "суббота" not in body, body


def test_suspension_names_the_route_in_each_households_language(coordinator: User) -> None:
    corridor, convoy = _open_with_households(coordinator)
    services.convoy_lock(convoy, by=coordinator)

    services.corridor_transition(corridor, to="suspended", by=coordinator)

    _assert_named_by_route("corridor_suspended")


def test_reopening_names_the_route_in_each_households_language(coordinator: User) -> None:
    # Not locked: told to wait at the suspension, told it is open again at the reopening.
    corridor, convoy = _open_with_households(coordinator)
    services.corridor_transition(corridor, to="suspended", by=coordinator)

    services.corridor_transition(corridor, to="open", by=coordinator)

    _assert_named_by_route("corridor_opened")
    # The window as before: on the assembly point's clock, in the household's language.
    for language, body in _bodies("corridor_opened").items():
        window = resident_time(
            convoy.window.starts_at,
            place=convoy.assembly_point,
            language=language,
            until=convoy.window.ends_at,
        )
        assert window in body, body


def test_closing_names_the_route_in_each_households_language(coordinator: User) -> None:
    corridor, convoy = _open_with_households(coordinator)
    services.convoy_lock(convoy, by=coordinator)

    services.corridor_transition(corridor, to="closed", by=coordinator)

    _assert_named_by_route("corridor_closed")


def test_a_route_of_two_assembly_points_names_both(coordinator: User) -> None:
    start = timezone.now() + dt.timedelta(days=1)
    corridor = services.corridor_create(
        CorridorInput(
            name="Ночной",
            direction="UA",
            stops=(
                StopInput("assembly", f.SUDZHA),
                StopInput("assembly", GUYEVO),
                StopInput("reception", f.SUMY),
            ),
            windows=(WindowInput(start, start + dt.timedelta(hours=6)),),
            parties=(),
        ),
        by=coordinator,
    )
    services.corridor_transition(corridor, to="agreed", by=coordinator)
    convoy = f.convoy(corridor, vehicles=[VehicleInput("Bus", seats=1)], by=coordinator)
    _household("en", by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    services.convoy_lock(convoy, by=coordinator)

    services.corridor_transition(corridor, to="suspended", by=coordinator)

    assert (
        "corridor Sudzha, Guyevo → Sumy is suspended"
        in Notice.objects.get(kind="corridor_suspended").body
    )


def test_the_arrival_names_the_reception_point_in_each_households_language(
    coordinator: User,
) -> None:
    _corridor, convoy = _open_with_households(coordinator)
    services.convoy_lock(convoy, by=coordinator)
    # The cases were taken in Russian; each caller then wrote in their own language,
    # which is what their notices go out in (channels.selectors.routes_for).
    for case in Case.objects.all():
        InboundMessage.objects.create(
            sender="twilio",
            external_id=f"SM{case.pk}",
            case=case,
            person=case.caller,
            language=case.language,
        )
    Case.objects.update(language="ru")
    for placement in Placement.objects.all():
        services.placement_mark(placement, to="boarded", by=coordinator)
        services.placement_mark(placement, to="arrived", by=coordinator)

    reception = {"uk": "Суми", "ru": "Сумы", "en": "Sumy"}
    for language, body in _bodies("arrival_confirmed").items():
        assert reception[language] in body, body
