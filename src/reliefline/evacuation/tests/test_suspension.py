"""Who a suspension tells not to go, and who its reopening or a closing tells again."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from reliefline.channels.models import Notice
from reliefline.evacuation import services
from reliefline.evacuation.models import Convoy, EvacuationRequest, Placement
from reliefline.evacuation.services import VehicleInput
from reliefline.evacuation.tests import factories as f

pytestmark = pytest.mark.usefixtures("gazetteer")


def _agreed_with_two_convoys(
    coordinator: User,
) -> tuple[Convoy, EvacuationRequest, EvacuationRequest]:
    """Return an agreed corridor's locked convoy, its household (told a time) and the
    household of an unlocked convoy of the same corridor (told nothing yet)."""
    corridor = f.corridor(by=coordinator)
    services.corridor_transition(corridor, to="agreed", by=coordinator)
    locked = f.convoy(corridor, vehicles=[VehicleInput("Bus", seats=1)], by=coordinator)
    told = f.request(by=coordinator)
    services.convoy_allocate(locked, by=coordinator, time_limit=2)
    services.convoy_lock(locked, by=coordinator)
    window = corridor.windows.get()
    unlocked = services.convoy_create(
        window,
        name="Second",
        departure_at=locked.departure_at,
        assembly_point_id=f.SUDZHA,
        by=coordinator,
    )
    services.vehicle_add(unlocked, VehicleInput("Van", seats=1), by=coordinator)
    untold = f.request(phone="+79101234588", given_name="Олег", by=coordinator)
    services.convoy_allocate(unlocked, by=coordinator, time_limit=2)
    return locked, told, untold


def _allocated_then_suspended(coordinator: User) -> tuple[Convoy, EvacuationRequest]:
    """Return an agreed corridor's convoy, allocated but not locked, and its household,
    after the corridor was suspended: nobody has been told a time."""
    corridor = f.corridor(by=coordinator)
    services.corridor_transition(corridor, to="agreed", by=coordinator)
    convoy = f.convoy(corridor, vehicles=[VehicleInput("Bus", seats=2)], by=coordinator)
    family = f.request(by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    services.corridor_transition(corridor, to="suspended", by=coordinator)
    return convoy, family


def _told(kind: str) -> list[int | None]:
    return list(Notice.objects.filter(kind=kind).values_list("person_id", flat=True))


def test_suspending_an_agreed_corridor_tells_the_households_told_a_time(
    coordinator: User,
) -> None:
    convoy, told, _untold = _agreed_with_two_convoys(coordinator)

    services.corridor_transition(convoy.window.corridor, to="suspended", by=coordinator)

    assert _told("corridor_suspended") == [told.case.caller_id]


def test_opening_after_a_suspension_before_it_ever_opened_tells_only_those_told_not_to_go(
    coordinator: User,
) -> None:
    convoy, told, _untold = _agreed_with_two_convoys(coordinator)
    corridor = convoy.window.corridor
    services.corridor_transition(corridor, to="suspended", by=coordinator)

    services.corridor_transition(corridor, to="open", by=coordinator)

    # Their seat and time again (at the lock, and now); the other household was told
    # nothing at the suspension and hears of its seat when its convoy locks.
    assert _told("evacuation_allocated") == [told.case.caller_id] * 2
    assert _told("corridor_opened") == []


def test_closing_a_corridor_suspended_before_it_opened_tells_only_those_told_a_time(
    coordinator: User,
) -> None:
    convoy, told, untold = _agreed_with_two_convoys(coordinator)
    corridor = convoy.window.corridor
    services.corridor_transition(corridor, to="suspended", by=coordinator)

    services.corridor_transition(corridor, to="closed", by=coordinator)

    assert _told("corridor_closed") == [told.case.caller_id]
    untold.refresh_from_db()
    assert untold.status == "waiting"  # back on the list all the same


def test_suspending_an_open_corridor_does_not_tell_passengers_already_on_the_road(
    coordinator: User,
) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    corridor = convoy.window.corridor
    for status in ("agreed", "open"):
        services.corridor_transition(corridor, to=status, by=coordinator)
    services.convoy_lock(convoy, by=coordinator)
    services.placement_mark(Placement.objects.get(), to="boarded", by=coordinator)

    services.corridor_transition(corridor, to="suspended", by=coordinator)

    assert _told("corridor_suspended") == []


def test_the_corridor_page_says_who_a_suspension_tells(coordinator: User) -> None:
    corridor = f.corridor(by=coordinator)
    client = Client()
    client.force_login(coordinator)

    page = client.get(f"/evacuation/corridors/{corridor.pk}/").content.decode()

    assert "tells the households with a seat on a locked convoy not to go" in page
    assert "Suspending an open corridor notifies" not in page


def test_a_convoy_locked_while_suspended_tells_its_households_at_the_reopening(
    coordinator: User,
) -> None:
    """Told a time during the pause, a family would walk to a corridor on hold."""
    convoy, family = _allocated_then_suspended(coordinator)
    corridor = convoy.window.corridor

    services.convoy_lock(convoy, by=coordinator)
    late = f.request(phone="+79101234599", given_name="Олег", by=coordinator)
    vehicle = convoy.vehicles.get()
    services.request_place(late, vehicle, by=coordinator)

    assert _told("evacuation_allocated") == []
    services.corridor_transition(corridor, to="open", by=coordinator)
    assert set(_told("evacuation_allocated")) == {family.case.caller_id, late.case.caller_id}


def test_closing_tells_nobody_of_a_convoy_locked_during_a_suspension_before_opening(
    coordinator: User,
) -> None:
    """Never told a time (the lock waited for the reopening), so nothing to cancel."""
    convoy, family = _allocated_then_suspended(coordinator)
    corridor = convoy.window.corridor
    services.convoy_lock(convoy, by=coordinator)

    services.corridor_transition(corridor, to="closed", by=coordinator)

    assert _told("corridor_closed") == []
    family.refresh_from_db()
    assert family.status == "waiting"  # back on the list all the same
