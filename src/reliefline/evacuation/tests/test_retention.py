"""Retention in evacuation: a purged case's household leaves the waiting list, and a
closed case's request gets no seat (qaD #5)."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from reliefline.evacuation import services
from reliefline.evacuation.models import EvacuationRequest, Placement, RequestStatus
from reliefline.evacuation.retention import persons_held
from reliefline.evacuation.services import VehicleInput
from reliefline.evacuation.tests import factories as f
from reliefline.hotline.models import Case, CaseEvent, Status
from reliefline.hotline.retention import cases_purge
from reliefline.hotline.services import case_transition
from reliefline.people.models import Person

pytestmark = pytest.mark.usefixtures("gazetteer")


def _close(request: EvacuationRequest, *, by: User, days_ago: int = 100) -> None:
    case_transition(request.case, to=Status.CLOSED, by=by)
    Case.objects.filter(pk=request.case_id).update(
        closed_at=timezone.now() - dt.timedelta(days=days_ago)
    )


def test_the_purge_cancels_the_purged_cases_request_and_frees_its_seats(
    coordinator: User,
) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    request = EvacuationRequest.objects.get()
    assert request.status == RequestStatus.ALLOCATED
    _close(request, by=coordinator)

    cases_purge(days=90)

    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    assert not Placement.objects.filter(vehicle__convoy=convoy, status="allocated").exists()
    note = CaseEvent.objects.filter(case=request.case).order_by("pk").last()
    assert note is not None and (note.text, note.params) == ("", {})


def test_a_household_with_seats_on_a_locked_convoy_keeps_them_and_the_purge_runs(
    coordinator: User,
) -> None:
    """They were told to come: request_cancel refuses, and so the purge leaves it."""
    convoy = f.allocated_convoy(by=coordinator)
    services.convoy_lock(convoy, by=coordinator)
    request = EvacuationRequest.objects.get()
    _close(request, by=coordinator)

    report = cases_purge(days=90)

    assert report.case_references == [request.case.reference]
    request.refresh_from_db()
    assert request.status == RequestStatus.ALLOCATED


def test_allocation_skips_the_request_of_a_closed_case(coordinator: User) -> None:
    """qaD #5: closing RL-000001 left E-000001 waiting, and allocation seated its people."""
    convoy = f.convoy(vehicles=[VehicleInput("Medical van", seats=4, wheelchair_places=1)])
    closed = f.request(family=[("Мария", "wheelchair", False)], by=coordinator)
    waiting = f.request(phone="+79107654321", given_name="Олена", by=coordinator)
    _close(closed, by=coordinator, days_ago=1)

    services.convoy_allocate(convoy, by=coordinator, time_limit=2)

    assert set(Placement.objects.values_list("member__request", flat=True)) == {waiting.pk}
    closed.refresh_from_db()
    assert closed.status == RequestStatus.WAITING


def test_persons_on_an_open_request_are_held_from_retention(coordinator: User) -> None:
    request = f.request(family=[("Мария", "wheelchair", False)], by=coordinator)
    members = set(request.members.values_list("person_id", flat=True))

    held = persons_held(Person, cutoff=timezone.now())

    assert set(held.values_list("pk", flat=True)) == members
    services.request_cancel(request, by=coordinator, reason="Left by car")
    assert not persons_held(Person, cutoff=timezone.now()).exists()
