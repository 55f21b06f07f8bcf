"""Seats never move silently: off a locked convoy, onto a closed corridor, to someone who
already holds a place, or off a convoy other than the one whose page was used."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from reliefline.channels.models import Notice
from reliefline.errors import InvalidInput
from reliefline.evacuation import services
from reliefline.evacuation.errors import CorridorClosed, HardConstraint, NotOnConvoy
from reliefline.evacuation.models import (
    Convoy,
    EvacuationRequest,
    Placement,
    PlacementEvent,
    RequestMember,
    RequestStatus,
    Vehicle,
)
from reliefline.evacuation.services import MemberInput, VehicleInput
from reliefline.evacuation.services.seats import LEFT_OUT_ELSEWHERE
from reliefline.evacuation.tests import factories as f
from reliefline.evacuation.tests.helpers import row
from reliefline.people.models import Person

pytestmark = pytest.mark.usefixtures("gazetteer")
API = "/api/v1/evacuation"
HTMX = {"HX-Request": "true"}


def _codes(request: EvacuationRequest) -> list[tuple[int, str, str]]:
    """Return the places the request holds: (vehicle, code, status), by code."""
    held = Placement.objects.filter(member__request=request, status__in=("allocated", "boarded"))
    return sorted(held.values_list("vehicle_id", "code", "status"), key=lambda p: p[1])


def _two_convoys(by: User) -> tuple[Convoy, Convoy, EvacuationRequest]:
    """Return a locked convoy with a household on it (told to come), and another convoy of
    the same corridor with room for it."""
    corridor = f.corridor(by=by)
    locked = f.convoy(corridor, vehicles=[VehicleInput("Bus", seats=3)], by=by)
    family = f.request(family=[("Мария", "walking", False)], by=by)
    services.convoy_allocate(locked, by=by, time_limit=2)
    services.convoy_lock(locked, by=by)
    other = services.convoy_create(
        corridor.windows.get(),
        name="Second",
        departure_at=locked.departure_at,
        assembly_point_id=f.SUDZHA,
        by=by,
    )
    services.vehicle_add(other, VehicleInput("Van", seats=3), by=by)
    return locked, other, family


def _closed(by: User) -> tuple[Convoy, EvacuationRequest]:
    """Return a convoy of a closed corridor, and a household waiting for its side."""
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=3)], by=by)
    services.corridor_transition(convoy.window.corridor, to="closed", by=by)
    return convoy, f.request(by=by)


# ---- 1. A household on a locked convoy stays where it was told to come -----------------


def test_placing_a_household_of_a_locked_convoy_elsewhere_is_refused_and_keeps_its_places(
    coordinator: User,
) -> None:
    locked, other, family = _two_convoys(coordinator)
    before = _codes(family)
    told = Notice.objects.count()

    with pytest.raises(HardConstraint, match=f"Convoy {locked.name} is locked") as caught:
        services.request_place(family, f.bus(other), by=coordinator)

    assert caught.value.field == "request"
    assert _codes(family) == before
    assert Notice.objects.count() == told


def test_placing_a_household_again_in_its_own_vehicle_keeps_its_codes_and_tells_nobody(
    coordinator: User,
) -> None:
    locked, _other, family = _two_convoys(coordinator)
    before = _codes(family)
    told, events = Notice.objects.count(), PlacementEvent.objects.count()

    placed = services.request_place(family, f.bus(locked), by=coordinator)

    # The codes printed on a manifest still board them; no second "you have a seat".
    assert sorted((p.vehicle_id, p.code, p.status) for p in placed) == before
    assert _codes(family) == before
    assert (Notice.objects.count(), PlacementEvent.objects.count()) == (told, events)


def test_the_api_refuses_to_move_a_household_off_a_locked_convoy(
    coordinator: User, api_as: Callable[[str], Client]
) -> None:
    _locked, other, family = _two_convoys(coordinator)
    before = _codes(family)

    answer = api_as("coordinator").post(
        f"{API}/convoys/{other.pk}/placements",
        {"request_id": family.pk, "vehicle_id": f.bus(other).pk},
        content_type="application/json",
    )

    assert answer.status_code == 409, answer.json()
    assert answer.json()["field"] == "request"
    assert "is locked and the household was told to come" in answer.json()["detail"]
    assert _codes(family) == before


def test_a_stale_tab_placing_a_household_told_to_come_elsewhere_is_refused_on_the_page(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    locked, other, family = _two_convoys(user)
    before = _codes(family)

    answer = client.post(
        f"/evacuation/convoys/{other.pk}/place/",
        {"request": family.pk, "vehicle": f.bus(other).pk},
        headers=HTMX,
    )

    assert answer.status_code == 409
    assert f"Convoy {locked.name} is locked" in answer.content.decode()
    assert _codes(family) == before


# ---- 2. A closed corridor takes nothing more and tells nobody to come ------------------


def test_a_closed_corridor_takes_no_placement(coordinator: User) -> None:
    convoy, family = _closed(coordinator)
    with pytest.raises(CorridorClosed, match="is closed") as caught:
        services.request_place(family, f.bus(convoy), by=coordinator)
    assert caught.value.status == 409
    assert not Placement.objects.filter(member__request=family).exists()


def test_a_closed_corridors_convoy_is_not_locked_and_nobody_is_told_to_come(
    coordinator: User,
) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    services.corridor_transition(convoy.window.corridor, to="closed", by=coordinator)
    with pytest.raises(CorridorClosed):
        services.convoy_lock(convoy, by=coordinator)
    convoy.refresh_from_db()
    assert convoy.locked_at is None
    assert not Notice.objects.filter(kind="evacuation_allocated").exists()


def test_a_closed_corridor_takes_no_new_convoy_or_vehicle(coordinator: User) -> None:
    convoy, _family = _closed(coordinator)
    with pytest.raises(CorridorClosed):
        services.convoy_create(
            convoy.window,
            name="Late",
            departure_at=convoy.departure_at,
            assembly_point_id=f.SUDZHA,
            by=coordinator,
        )
    with pytest.raises(CorridorClosed):
        services.vehicle_add(convoy, VehicleInput("Van", seats=2), by=coordinator)
    assert Convoy.objects.count() == 1
    assert Vehicle.objects.count() == 1


@pytest.mark.parametrize("what", ["placements", "lock", "convoys", "vehicles"])
def test_the_api_refuses_every_planning_write_on_a_closed_corridor(
    what: str, coordinator: User, api_as: Callable[[str], Client]
) -> None:
    convoy, family = _closed(coordinator)
    bodies: dict[str, tuple[str, dict[str, Any]]] = {
        "placements": (
            f"/convoys/{convoy.pk}/placements",
            {"request_id": family.pk, "vehicle_id": f.bus(convoy).pk},
        ),
        "lock": (f"/convoys/{convoy.pk}/lock", {}),
        "convoys": (
            f"/corridors/{convoy.window.corridor_id}/convoys",
            {
                "window_id": convoy.window_id,
                "name": "Late",
                "departure_at": convoy.departure_at.isoformat(),
                "assembly_point": f.SUDZHA,
            },
        ),
        "vehicles": (f"/convoys/{convoy.pk}/vehicles", {"label": "Van", "seats": 2}),
    }
    path, body = bodies[what]

    answer = api_as("coordinator").post(API + path, body, content_type="application/json")

    assert answer.status_code == 409, answer.json()
    assert answer.json()["code"] == "corridor_closed"
    assert "is closed: it takes no more convoys, vehicles or places" in answer.json()["detail"]
    assert (Convoy.objects.count(), Vehicle.objects.count()) == (1, 1)
    assert not Placement.objects.exists()
    assert Convoy.objects.get().locked_at is None
    assert not Notice.objects.filter(kind="evacuation_allocated").exists()


def test_the_convoy_page_of_a_closed_corridor_offers_no_place_lock_or_vehicle(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy, _family = _closed(user)

    page = client.get(f"/evacuation/convoys/{convoy.pk}/").content.decode()

    assert 'id="corridor-closed"' in page and "is closed: it takes no more" in page
    for action in ("place", "lock", "vehicles", "allocate"):
        assert f"/evacuation/convoys/{convoy.pk}/{action}/" not in page, action
    assert "Place by hand" not in page and "Add a vehicle" not in page
    # The waiting household is still listed.
    assert "Nobody is waiting for this side." not in page
    corridor = convoy.window.corridor
    corridor_page = client.get(f"/evacuation/corridors/{corridor.pk}/").content.decode()
    assert 'id="plan-convoy"' not in corridor_page


def test_locking_on_a_suspended_corridor_says_the_households_are_told_at_its_reopening(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.allocated_convoy(by=user)
    corridor = convoy.window.corridor
    for status in ("agreed", "open", "suspended"):
        services.corridor_transition(corridor, to=status, by=user)
    page = client.get(f"/evacuation/convoys/{convoy.pk}/").content.decode()
    assert "Lock the allocation? The corridor is suspended" in page
    # Allocating it would be refused: the button is not offered.
    assert f"/evacuation/convoys/{convoy.pk}/allocate/" not in page

    answer = client.post(f"/evacuation/convoys/{convoy.pk}/lock/", follow=True)

    said = answer.content.decode()
    assert "Allocation locked. The corridor is suspended" in said
    assert "households are being told" not in said
    assert not Notice.objects.filter(kind="evacuation_allocated").exists()


# ---- 3. Someone who holds a place goes on no other request --------------------------


def _caller_arrived(
    by: User, *, family: tuple[tuple[str, str, bool], ...] = ()
) -> EvacuationRequest:
    """Return a request whose caller boarded and arrived; the rest of `family` not yet."""
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=3)], by=by)
    request = f.request(family=family, by=by)
    services.convoy_allocate(convoy, by=by, time_limit=2)
    services.convoy_lock(convoy, by=by)
    caller = Placement.objects.get(member__request=request, person=request.case.caller)
    services.placement_mark(caller, to="boarded", by=by)
    services.placement_mark(caller, to="arrived", by=by)
    request.refresh_from_db()
    return request


def _caller(request: EvacuationRequest) -> Person:
    caller = request.case.caller
    assert caller is not None
    return caller


def _going(person_id: int) -> MemberInput:
    return MemberInput(going=True, consent_method="written", person_id=person_id)


def test_a_new_request_naming_someone_already_evacuated_is_refused_at_that_member(
    coordinator: User,
) -> None:
    evacuated = _caller_arrived(coordinator)
    assert evacuated.status == RequestStatus.EVACUATED
    caller = _caller(evacuated)

    with pytest.raises(InvalidInput, match="has already been evacuated: arrived") as caught:
        services.request_create(
            evacuated.case, direction="RU", members=[_going(caller.pk)], by=coordinator
        )

    assert caught.value.field == "members[0].person_id"
    assert EvacuationRequest.objects.count() == 1


def test_the_api_refuses_a_request_naming_someone_already_evacuated_and_stores_nothing(
    coordinator: User, api_as: Callable[[str], Client]
) -> None:
    evacuated = _caller_arrived(coordinator)
    member = {"going": True, "consent_method": "written", "mobility": "walking"}

    answer = api_as("coordinator").post(
        f"{API}/requests",
        {
            "case": evacuated.case.reference,
            "direction": "RU",
            "members": [{**member, "person_id": evacuated.case.caller_id}],
        },
        content_type="application/json",
    )

    assert answer.status_code == 422, answer.json()
    assert answer.json()["field"] == "members[0].person_id"
    assert "has already been evacuated" in answer.json()["detail"]
    assert EvacuationRequest.objects.count() == 1


def test_amending_a_follow_up_to_take_along_someone_evacuated_is_refused_at_that_member(
    coordinator: User,
) -> None:
    # The caller arrived; Мария did not come: she gets a request of her own.
    first = _caller_arrived(coordinator, family=(("Мария", "walking", False),))
    maria = Placement.objects.get(member__request=first, status="allocated")
    services.placement_mark(maria, to="no_show", by=coordinator)
    follow_up = EvacuationRequest.objects.get(status=RequestStatus.WAITING)
    caller = _caller(first)
    members = [_going(maria.person_id), _going(caller.pk)]

    with pytest.raises(
        InvalidInput, match=f"{caller.full_name} has already been evacuated"
    ) as caught:
        services.request_amend(follow_up, members=members, by=coordinator)

    assert caught.value.field == "members[1].person_id"
    assert list(follow_up.members.values_list("person_id", flat=True)) == [maria.person_id]


def _with_someone_placed_elsewhere(by: User) -> tuple[EvacuationRequest, EvacuationRequest]:
    """Return a request placed on a convoy, and a waiting one toward Russia that also takes
    its caller along, recorded before such a member was refused (as the demo's was)."""
    placed = f.request(by=by)
    services.convoy_allocate(f.convoy(vehicles=[VehicleInput("Bus", seats=3)]), by=by, time_limit=2)
    waiting = f.request(direction="RU", phone="+79101234598", given_name="Олег", by=by)
    caller = _caller(placed)
    RequestMember.objects.create(
        request=waiting,
        person=caller,
        going=True,
        consent_method="written",
        consent_at=placed.created_at,
    )
    return placed, waiting


def test_allocation_leaves_out_only_the_household_of_someone_placed_elsewhere(
    coordinator: User,
) -> None:
    _placed, blocked = _with_someone_placed_elsewhere(coordinator)
    other = f.request(direction="RU", phone="+79101234597", given_name="Анна", by=coordinator)
    # Two seats: the engine would give both to the larger household, left without any.
    to_russia = f.convoy(f.corridor(direction="RU"), vehicles=[VehicleInput("Bus", seats=2)])

    run = services.convoy_allocate(to_russia, by=coordinator, time_limit=2)

    assert run.left_out == {str(blocked.pk): LEFT_OUT_ELSEWHERE}
    assert run.allocated == 1
    other.refresh_from_db()
    blocked.refresh_from_db()
    assert (other.status, blocked.status) == (RequestStatus.ALLOCATED, RequestStatus.WAITING)


def test_a_household_whose_places_cannot_be_written_is_left_out_and_the_run_goes_on(
    coordinator: User,
) -> None:
    # A request waiting while it still holds a place on another convoy (as a coordinator
    # placing it elsewhere at the same moment leaves it): seating it would give one person
    # two places, which the database refuses (placement_person_once).
    placed = f.request(direction="RU", by=coordinator)
    first = f.convoy(f.corridor(direction="RU"), vehicles=[VehicleInput("Bus", seats=3)])
    services.convoy_allocate(first, by=coordinator, time_limit=2)
    EvacuationRequest.objects.filter(pk=placed.pk).update(status=RequestStatus.WAITING)
    other = f.request(direction="RU", phone="+79101234597", given_name="Анна", by=coordinator)
    second = f.convoy(f.corridor(direction="RU"), vehicles=[VehicleInput("Bus", seats=5)])

    run = services.convoy_allocate(second, by=coordinator, time_limit=2)

    assert run.left_out == {str(placed.pk): LEFT_OUT_ELSEWHERE}
    assert run.allocated == 1
    assert Placement.objects.filter(member__request=other, vehicle__convoy=second).count() == 1


def test_the_convoy_page_says_why_the_household_of_someone_placed_elsewhere_is_left_out(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    _placed, blocked = _with_someone_placed_elsewhere(user)
    to_russia = f.convoy(f.corridor(direction="RU"), vehicles=[VehicleInput("Bus", seats=5)])

    page = client.post(f"/evacuation/convoys/{to_russia.pk}/allocate/", headers=HTMX)

    assert page.status_code == 200
    left_out = page.content.decode().split(f'data-request="{blocked.pk}"')[1].split("</tr>")[0]
    assert "holds a place or goes with another request" in left_out


def test_placing_by_hand_a_household_of_someone_placed_elsewhere_says_who(
    coordinator: User,
) -> None:
    placed, blocked = _with_someone_placed_elsewhere(coordinator)
    to_russia = f.convoy(f.corridor(direction="RU"), vehicles=[VehicleInput("Bus", seats=5)])
    name = _caller(placed).full_name

    with pytest.raises(HardConstraint, match=f"{name} already has a place on convoy"):
        services.request_place(blocked, f.bus(to_russia), by=coordinator)

    assert not Placement.objects.filter(member__request=blocked).exists()


def test_correcting_a_cancelled_request_does_not_tick_someone_evacuated_since(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    first = f.request(family=[("Мария", "walking", False)], by=user)
    caller, maria = (m.person_id for m in first.members.order_by("pk"))
    services.request_cancel(first, by=user, reason="wrong side")
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=3)], by=user)
    again = services.request_create(first.case, direction="UA", members=[_going(caller)], by=user)
    services.convoy_allocate(convoy, by=user, time_limit=2)
    placement = Placement.objects.get(member__request=again)
    services.placement_mark(placement, to="boarded", by=user)
    services.placement_mark(placement, to="arrived", by=user)

    answer = client.get(f"/evacuation/cases/{first.case.reference}/request/", {"correct": first.pk})

    page = answer.content.decode()
    assert _ticked(page, maria) and not _ticked(page, caller)


def _ticked(page: str, person_id: int) -> bool:
    """Return whether the person's Goes box of the request form is ticked."""
    found = re.search(rf'<input[^>]*name="going_{person_id}"[^>]*>', row(page, person_id))
    assert found, f"no Goes box of person {person_id}"
    return " checked" in found.group(0)


# ---- 4. Remove household acts on the convoy whose page was used ---------------------


def test_removing_a_household_from_a_convoy_it_is_not_on_is_refused_as_a_stale_page(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    corridor = f.corridor(by=user)
    stale = f.convoy(corridor, vehicles=[VehicleInput("Bus", seats=3)], by=user)
    family = f.request(by=user)
    services.convoy_allocate(stale, by=user, time_limit=2)
    now_on = services.convoy_create(
        corridor.windows.get(),
        name="Second",
        departure_at=stale.departure_at,
        assembly_point_id=f.SUDZHA,
        by=user,
    )
    services.vehicle_add(now_on, VehicleInput("Van", seats=3), by=user)
    services.request_place(family, f.bus(now_on), by=user)
    before = _codes(family)

    answer = client.post(
        f"/evacuation/convoys/{stale.pk}/unplace/", {"request": family.pk}, headers=HTMX
    )

    assert answer.status_code == 409
    said = answer.content.decode()
    assert f"holds no place on convoy {stale.name} any more" in said
    assert "back on the waiting list" not in said
    assert _codes(family) == before


def test_removing_a_household_back_on_the_waiting_list_from_a_stale_page_is_refused(
    coordinator: User,
) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    family = EvacuationRequest.objects.get()
    services.request_unplace(family, convoy=convoy, by=coordinator)
    with pytest.raises(NotOnConvoy):
        services.request_unplace(family, convoy=convoy, by=coordinator)
