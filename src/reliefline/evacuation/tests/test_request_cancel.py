"""Cancelling an open evacuation request, and filing it corrected: page, API, rules."""

import json
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from reliefline.access.models import AuditEntry
from reliefline.errors import Conflict
from reliefline.evacuation import services
from reliefline.evacuation.models import (
    EvacuationRequest,
    Placement,
    PlacementStatus,
    RequestStatus,
)
from reliefline.evacuation.tests import factories as f
from reliefline.evacuation.tests.helpers import timeline

pytestmark = pytest.mark.usefixtures("gazetteer")
API = "/api/v1/evacuation"


def test_the_request_page_shows_the_open_request_and_cancels_it_with_a_reason(
    english: tuple[Client, User],
) -> None:
    client, user = english
    request = f.request(family=[("Мария", "wheelchair", False)], by=user)
    url = f"/evacuation/cases/{request.case.reference}/request/"
    page = client.get(url).content.decode()
    assert f'data-request="{request.pk}"' in page and 'id="new-request"' not in page

    response = client.post(
        f"/evacuation/requests/{request.pk}/cancel/", {"reason": "Мария stays with a neighbour"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{url}?correct={request.pk}"
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    assert f"Evacuation request {request} cancelled: Мария stays with a neighbour" in timeline(
        request
    )
    audit = AuditEntry.objects.get(record=f"evacuation.request:{request.pk}", action="update")
    assert audit.user == user and audit.fields == ["status"]


def test_after_cancelling_the_form_holds_its_answers_and_files_the_corrected_request(
    english: tuple[Client, User],
) -> None:
    client, user = english
    request = f.request(family=[("Мария", "wheelchair", False)], by=user)
    case = request.case
    maria = request.members.get(mobility="wheelchair").person_id
    client.post(f"/evacuation/requests/{request.pk}/cancel/", {"reason": "Wrong mobility"})

    form = client.get(f"/evacuation/cases/{case.reference}/request/?correct={request.pk}")
    page = form.content.decode()
    assert 'id="correcting"' in page and 'id="new-request"' in page
    assert f'name="going_{maria}" aria-label="Goes" id="id_going_{maria}" checked' in page

    response = client.post(
        f"/evacuation/cases/{case.reference}/request/?correct={request.pk}",
        {
            "direction": "UA",
            f"going_{case.caller_id}": "on",
            f"consent_{case.caller_id}": "written",
            f"going_{maria}": "on",
            f"mobility_{maria}": "stretcher",
            f"consent_{maria}": "written",
        },
    )
    assert response.status_code == 302
    corrected = EvacuationRequest.objects.get(case=case, status=RequestStatus.WAITING)
    assert corrected.members.get(person_id=maria).mobility == "stretcher"
    # As old as the case: the household keeps its turn.
    assert corrected.requested_at == request.requested_at


def test_a_cancellation_without_a_reason_is_refused_at_the_field(
    english: tuple[Client, User],
) -> None:
    client, user = english
    request = f.request(by=user)
    response = client.post(f"/evacuation/requests/{request.pk}/cancel/", {"reason": "  "})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode().split('id="cancel-request"')[1]
    request.refresh_from_db()
    assert request.status == RequestStatus.WAITING


def test_cancelling_an_allocated_request_gives_its_seats_back(coordinator: User) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    request = EvacuationRequest.objects.get()
    assert request.status == RequestStatus.ALLOCATED

    services.request_cancel(request, by=coordinator, reason="Left by car")

    assert not Placement.objects.filter(vehicle__convoy=convoy, status="allocated").exists()
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED


def test_a_household_with_seats_on_a_locked_convoy_is_refused_on_the_page(
    english: tuple[Client, User],
) -> None:
    client, user = english
    convoy = f.allocated_convoy(by=user)
    services.convoy_lock(convoy, by=user)
    request = EvacuationRequest.objects.get()

    response = client.post(f"/evacuation/requests/{request.pk}/cancel/", {"reason": "Changed"})

    assert response.status_code == 409
    page = response.content.decode()
    assert f"seats on convoy {convoy.name}, which is locked" in page
    assert ">\nChanged</textarea>" in page
    request.refresh_from_db()
    assert request.status == RequestStatus.ALLOCATED
    assert Placement.objects.filter(status=PlacementStatus.ALLOCATED).count() == 1


def test_a_household_on_the_road_cannot_be_cancelled(coordinator: User) -> None:
    f.allocated_convoy(by=coordinator)
    placement = Placement.objects.get()
    services.placement_mark(placement, to="boarded", by=coordinator)
    request = EvacuationRequest.objects.get()

    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.request_cancel(request, by=coordinator, reason="Changed")

    assert "already boarded" in refused.value.message
    request.refresh_from_db()
    assert request.status == RequestStatus.ALLOCATED


def test_the_api_cancels_a_request_and_says_why_on_thetimeline(
    api_as: Callable[[str], Client],
) -> None:
    request = f.request()
    response = api_as("coordinator").post(
        f"{API}/requests/{request.pk}/cancel",
        {"reason": "Duplicate of a later call"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"]) == (request.pk, "cancelled")
    assert f"Evacuation request {request} cancelled: Duplicate of a later call" in timeline(request)


def test_the_api_refuses_a_locked_convoys_household_with_409_json(
    api_as: Callable[[str], Client], coordinator: User
) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    services.convoy_lock(convoy, by=coordinator)
    request = EvacuationRequest.objects.get()
    response = api_as("coordinator").post(
        f"{API}/requests/{request.pk}/cancel",
        {"reason": "Changed"},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["field"]) == ("conflict", "status")
    assert "locked" in body["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "reason"), ({"reason": "   "}, "reason"), ({"reason": "x" * 501}, "reason")],
)
def test_the_api_refuses_a_cancellation_without_a_reason(
    api_as: Callable[[str], Client], payload: dict[str, str], field: str
) -> None:
    request = f.request()
    response = api_as("coordinator").post(
        f"{API}/requests/{request.pk}/cancel",
        json.dumps(payload),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["field"] == field
    request.refresh_from_db()
    assert request.status == RequestStatus.WAITING


def test_the_api_answers_404_for_an_unknown_request(api_as: Callable[[str], Client]) -> None:
    response = api_as("coordinator").post(
        f"{API}/requests/999999/cancel", {"reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["field"] == "request_id"


def test_a_cancelled_request_cannot_be_cancelled_again(api_as: Callable[[str], Client]) -> None:
    request = f.request()
    client = api_as("coordinator")
    url = f"{API}/requests/{request.pk}/cancel"
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 200
    again = client.post(url, {"reason": "x"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"


@pytest.mark.parametrize("role", ["operator", "field", "partner"])
def test_roles_that_do_not_file_requests_cannot_cancel_them(
    role: str, api_as: Callable[[str], Client], client_as: Callable[[str], Client]
) -> None:
    request = f.request()
    api = api_as(role).post(
        f"{API}/requests/{request.pk}/cancel", {"reason": "x"}, content_type="application/json"
    )
    page = client_as(role).post(f"/evacuation/requests/{request.pk}/cancel/", {"reason": "x"})
    assert (api.status_code, page.status_code) == (403, 403)
    request.refresh_from_db()
    assert request.status == RequestStatus.WAITING


def test_a_cancellation_of_a_request_closed_meanwhile_says_why_on_the_page(
    english: tuple[Client, User],
) -> None:
    client, user = english
    request = f.request(by=user)
    services.request_cancel(request, by=user, reason="From another tab")

    response = client.post(f"/evacuation/requests/{request.pk}/cancel/", {"reason": "Again"})

    assert response.status_code == 409
    assert f"Request {request} is no longer open and cannot be cancelled. Status: Cancelled." in (
        response.content.decode()
    )
