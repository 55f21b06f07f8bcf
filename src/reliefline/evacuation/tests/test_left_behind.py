"""A household that arrives in part: those left behind wait again, on the same case."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from reliefline.channels.models import Notice
from reliefline.evacuation import services
from reliefline.evacuation.models import (
    EvacuationRequest,
    Placement,
    RequestStatus,
)
from reliefline.evacuation.services import VehicleInput
from reliefline.evacuation.tests import factories as f

pytestmark = pytest.mark.usefixtures("gazetteer")


def _family_on_the_bus(coordinator: User) -> tuple[EvacuationRequest, Placement, Placement]:
    """Return the request of Ирина (walking) and her mother Мария (wheelchair), placed."""
    convoy = f.convoy(by=coordinator)  # Bus 1: two seats and a wheelchair place
    family = f.request(family=[("Мария", "wheelchair", False)], by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    services.convoy_lock(convoy, by=coordinator)
    placements = Placement.objects.filter(member__request=family).order_by("member_id")
    caller, mother = placements
    return family, caller, mother


def _notes(family: EvacuationRequest) -> list[str]:
    with translation.override("en"):
        return [event.display_text for event in family.case.events.filter(kind="note")]


def test_a_no_show_left_behind_waits_again_on_a_new_request_of_the_case(
    coordinator: User,
) -> None:
    family, caller, mother = _family_on_the_bus(coordinator)
    services.placement_mark(mother, to="no_show", by=coordinator)
    services.placement_mark(caller, to="boarded", by=coordinator)

    services.placement_mark(caller, to="arrived", by=coordinator)

    family.refresh_from_db()
    assert family.status == RequestStatus.EVACUATED  # the part that travelled
    again = EvacuationRequest.objects.get(case=family.case, status=RequestStatus.WAITING)
    (member,) = again.members.all()
    was = mother.member
    assert (member.person_id, member.going, member.mobility) == (
        mother.person_id,
        True,
        "wheelchair",
    )
    assert (member.consent_method, member.consent_at, member.consent_by) == (
        was.consent_method,
        was.consent_at,
        was.consent_by,
    )
    assert (again.direction, again.requested_at) == (family.direction, family.requested_at)
    # Someone is still to be evacuated: the need stays open.
    assert family.case.needs.get(type="evacuation").fulfilled_at is None
    assert any(
        "Left behind, waiting again for a seat: Мария Петренко" in note and str(again) in note
        for note in _notes(family)
    )
    # The caller arrived: told so.
    assert Notice.objects.filter(kind="arrival_confirmed", person=family.case.caller).count() == 1


def test_a_no_show_marked_after_the_others_arrived_is_not_forgotten(coordinator: User) -> None:
    family, caller, mother = _family_on_the_bus(coordinator)
    services.placement_mark(caller, to="boarded", by=coordinator)
    services.placement_mark(caller, to="arrived", by=coordinator)
    assert not Notice.objects.filter(kind="arrival_confirmed").exists()  # Мария may still come

    services.placement_mark(mother, to="no_show", by=coordinator)

    family.refresh_from_db()
    assert family.status == RequestStatus.EVACUATED
    again = EvacuationRequest.objects.get(case=family.case, status=RequestStatus.WAITING)
    assert [m.person_id for m in again.members.all()] == [mother.person_id]
    assert Notice.objects.filter(kind="arrival_confirmed").count() == 1


def test_a_caller_left_behind_is_not_told_of_an_arrival(coordinator: User) -> None:
    family, caller, mother = _family_on_the_bus(coordinator)
    services.placement_mark(caller, to="no_show", by=coordinator)
    services.placement_mark(mother, to="boarded", by=coordinator)

    services.placement_mark(mother, to="arrived", by=coordinator)

    assert not Notice.objects.filter(kind="arrival_confirmed").exists()
    again = EvacuationRequest.objects.get(case=family.case, status=RequestStatus.WAITING)
    assert [m.person_id for m in again.members.all()] == [caller.person_id]
    assert any("The caller was left behind" in note for note in _notes(family))


def test_those_left_without_a_seat_by_a_closing_wait_again_once_the_others_arrive(
    coordinator: User,
) -> None:
    family, caller, mother = _family_on_the_bus(coordinator)
    services.placement_mark(caller, to="boarded", by=coordinator)
    corridor = caller.vehicle.convoy.window.corridor
    services.corridor_transition(corridor, to="closed", by=coordinator)  # Мария loses her place

    services.placement_mark(caller, to="arrived", by=coordinator)

    family.refresh_from_db()
    assert family.status == RequestStatus.EVACUATED
    again = EvacuationRequest.objects.get(case=family.case, status=RequestStatus.WAITING)
    assert [(m.person_id, m.mobility) for m in again.members.all()] == [
        (mother.person_id, "wheelchair")
    ]
    assert family.case.needs.get(type="evacuation").fulfilled_at is None


def test_the_convoy_page_lists_those_left_behind_as_waiting(coordinator: User) -> None:
    family, caller, mother = _family_on_the_bus(coordinator)
    services.placement_mark(mother, to="no_show", by=coordinator)
    services.placement_mark(caller, to="boarded", by=coordinator)
    services.placement_mark(caller, to="arrived", by=coordinator)
    again = EvacuationRequest.objects.get(case=family.case, status=RequestStatus.WAITING)
    later = f.convoy(
        f.corridor(by=coordinator, name="Sudzha → Sumy, later"),
        vehicles=[VehicleInput("Van", seats=1, wheelchair_places=1)],
        by=coordinator,
    )
    client = Client()
    client.force_login(coordinator)

    page = client.get(f"/evacuation/convoys/{later.pk}/").content.decode()

    assert f'data-request="{again.pk}"' in page
    assert f'data-request="{family.pk}"' not in page
    # And the allocation seats her, in a wheelchair place.
    services.convoy_allocate(later, by=coordinator, time_limit=2)
    assert Placement.objects.get(member__request=again, status="allocated").kind == "wheelchair"
