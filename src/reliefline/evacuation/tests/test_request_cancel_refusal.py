"""The request page says why a request cannot be cancelled before a reason is typed
(QA C #13), in the service's own words (requests.request_cancel_refusal); the refusal of a
closed request names its status as a label (QA C #12); the places held are headed for
every kind of place, and the lock is said in words that wrap on a phone (QA C #10, #12)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from reliefline.errors import Conflict
from reliefline.evacuation import services
from reliefline.evacuation.models import EvacuationRequest, Placement
from reliefline.evacuation.services.requests import request_cancel_refusal
from reliefline.evacuation.tests import factories as f
from reliefline.evacuation.tests.helpers import request_page, said_in

pytestmark = pytest.mark.usefixtures("gazetteer")


def test_a_household_with_seats_on_a_locked_convoy_is_told_why_instead_of_a_form(
    english: tuple[Client, User],
) -> None:
    client, user = english
    convoy = f.allocated_convoy(by=user)
    request = EvacuationRequest.objects.get()
    # Allocated, not locked: its seats can be given back, and the form is there.
    before = request_page(client, request)
    assert 'id="cancel-request"' in before and 'id="cannot-cancel"' not in before
    services.convoy_lock(convoy, by=user)

    page = request_page(client, request)

    assert 'id="cancel-request"' not in page and 'name="reason"' not in page
    said = said_in(page, "cannot-cancel")
    assert f"seats on convoy {convoy.name}, which is locked" in said
    assert "Mark them no-show at the assembly point first, then cancel." in said


def test_a_household_on_the_road_is_told_why_and_what_to_do_instead_of_a_form(
    english: tuple[Client, User],
) -> None:
    client, user = english
    convoy = f.allocated_convoy(by=user)
    services.convoy_lock(convoy, by=user)
    services.placement_mark(Placement.objects.get(), to="boarded", by=user)

    page = request_page(client, EvacuationRequest.objects.get())

    assert 'id="cancel-request"' not in page
    said = said_in(page, "cannot-cancel")
    assert "already boarded" in said and "no-show" in said and "new request" in said


def test_the_page_and_the_service_give_the_same_refusal(coordinator: User) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    request = EvacuationRequest.objects.get()
    assert request_cancel_refusal(request) is None
    services.convoy_lock(convoy, by=coordinator)

    with translation.override("en"):
        refusal = request_cancel_refusal(request)
        with pytest.raises(Conflict) as raised:
            services.request_cancel(request, by=coordinator, reason="Changed")

    assert refusal is not None
    assert (raised.value.message, raised.value.field) == (refusal.message, refusal.field)


def test_a_closed_requests_refusal_gives_its_status_as_a_label_not_inside_the_sentence(
    coordinator: User,
) -> None:
    request = f.request(by=coordinator)
    services.request_cancel(request, by=coordinator, reason="Duplicate")

    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.request_cancel(request, by=coordinator, reason="Again")

    message = refused.value.message
    assert message == (
        f"Request {request} is no longer open and cannot be cancelled. Status: Cancelled."
    )
    assert "(Cancelled)" not in message


def test_the_places_held_are_headed_for_every_kind_and_the_lock_wraps(
    english: tuple[Client, User],
) -> None:
    client, user = english
    convoy = f.convoy(by=user)
    request = f.request(family=[("Мария", "wheelchair", False)], by=user)
    services.convoy_allocate(convoy, by=user, time_limit=2)
    services.convoy_lock(convoy, by=user)

    page = request_page(client, request)

    places = page.split("<h3>Places on convoys</h3>")[1].split("</ul>")[0]
    assert "Wheelchair place 1" in places and "<h3>Seats</h3>" not in page
    # A badge is one line that never breaks: on a 390 px phone it ran past the card.
    assert "locked: the household was told to come" in places
    assert "badge" not in places
