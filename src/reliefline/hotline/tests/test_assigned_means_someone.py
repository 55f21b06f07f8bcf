""" "Assigned" means someone is assigned, someone who can see the case; and the event
API names the field an event is missing."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import SUDZHA
from reliefline.errors import Conflict, InvalidInput
from reliefline.hotline import services
from reliefline.hotline.models import Case, CaseEvent, Status
from reliefline.hotline.tests.factories import open_case
from reliefline.places.models import Assignment

GUYEVO = "geonames-postal:RU-307815"

pytestmark = pytest.mark.usefixtures("gazetteer")


@pytest.fixture
def operator(user_in: Callable[[str], User]) -> User:
    return user_in("operator")


def triaged(by: User) -> Case:
    return services.case_transition(open_case(settlement_id=SUDZHA), to=Status.TRIAGED, by=by)


def events_post(client: Client, case: Case, body: dict[str, Any]) -> Any:
    return client.post(
        f"/api/v1/cases/{case.reference}/events",
        json.dumps(body),
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )


def field_worker(user_in: Callable[[str], User], *, settlement: str) -> User:
    """Return a field team member who may change cases, assigned to one settlement."""
    user = user_in("field")
    user.user_permissions.add(Permission.objects.get(codename="change_case"))
    Assignment.objects.create(user=user, place_id=settlement)
    return User.objects.get(pk=user.pk)  # without the cached permissions


# ---- "Assigned" only with an assignee ----------------------------------------------


def test_marking_assigned_with_nobody_assigned_is_refused(operator: User) -> None:
    case = triaged(operator)

    with translation.override("en"), pytest.raises(Conflict, match="assign someone") as refused:
        services.case_transition(case, to=Status.ASSIGNED, by=operator)

    assert refused.value.field == "status"
    case.refresh_from_db()
    assert (case.status, case.events.count()) == (Status.TRIAGED, 2)


def test_marking_assigned_again_with_the_assignee_kept_is_allowed(operator: User) -> None:
    case = services.case_assign(triaged(operator), to=operator, by=operator)
    case = services.case_transition(case, to=Status.CANNOT_REACH, by=operator)

    case = services.case_transition(case, to=Status.ASSIGNED, by=operator)

    assert (case.status, case.assignee) == (Status.ASSIGNED, operator)


def test_the_page_offers_no_mark_assigned_with_nobody_assigned(
    client_as: Callable[[str], Client], operator: User
) -> None:
    case = triaged(operator)

    html = client_as("coordinator").get(reverse("hotline:case", args=[case.reference]))

    assert 'data-to="assigned"' not in html.content.decode()
    assert 'data-to="cannot_reach"' in html.content.decode()


def test_the_page_offers_mark_assigned_when_someone_is(
    client_as: Callable[[str], Client], operator: User
) -> None:
    case = services.case_assign(triaged(operator), to=operator, by=operator)
    case = services.case_transition(case, to=Status.CANNOT_REACH, by=operator)

    html = client_as("operator").get(reverse("hotline:case", args=[case.reference]))

    assert 'data-to="assigned"' in html.content.decode()


def test_the_page_refuses_mark_assigned_with_nobody_assigned(
    client_as: Callable[[str], Client], operator: User
) -> None:
    case = triaged(operator)
    client = client_as("operator")
    client.cookies["django_language"] = "en"

    response = client.post(
        reverse("hotline:case_transition", args=[case.reference]),
        {"to": Status.ASSIGNED},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 409
    assert "Nobody is assigned to case" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.TRIAGED


def test_the_api_refuses_status_assigned_with_nobody_assigned(
    api_as: Callable[[str], Client], operator: User
) -> None:
    case = triaged(operator)

    response = events_post(api_as("operator"), case, {"kind": "status", "status": "assigned"})

    assert response.status_code == 409
    body = response.json()
    assert body["field"] == "status"
    assert "assign someone" in body["detail"]
    case.refresh_from_db()
    assert (case.status, case.assignee) == (Status.TRIAGED, None)


# ---- an assignee who can see the case ----------------------------------------------


def test_assigning_a_field_worker_outside_their_settlements_is_refused(
    user_in: Callable[[str], User], operator: User
) -> None:
    case = triaged(operator)
    elsewhere = field_worker(user_in, settlement=GUYEVO)

    with translation.override("en"), pytest.raises(InvalidInput, match="cannot see") as refused:
        services.case_assign(case, to=elsewhere, by=operator)

    assert refused.value.field == "assignee"
    case.refresh_from_db()
    assert (case.status, case.assignee) == (Status.TRIAGED, None)


def test_assigning_a_field_worker_of_the_settlement_is_allowed(
    user_in: Callable[[str], User], operator: User
) -> None:
    there = field_worker(user_in, settlement=SUDZHA)

    case = services.case_assign(triaged(operator), to=there, by=operator)

    assert (case.status, case.assignee) == (Status.ASSIGNED, there)


def test_assigning_someone_who_may_not_work_cases_is_refused(
    user_in: Callable[[str], User], operator: User
) -> None:
    case = triaged(operator)

    with pytest.raises(InvalidInput) as refused:
        services.case_assign(case, to=user_in("partner"), by=operator)

    assert refused.value.field == "assignee"
    assert Case.objects.get(pk=case.pk).assignee is None


def test_the_api_refuses_an_assignee_who_cannot_see_the_case(
    api_as: Callable[[str], Client], user_in: Callable[[str], User], operator: User
) -> None:
    case = triaged(operator)
    elsewhere = field_worker(user_in, settlement=GUYEVO)

    response = events_post(
        api_as("coordinator"), case, {"kind": "assign", "assignee": elsewhere.username}
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith("assignee:")
    assert Case.objects.get(pk=case.pk).assignee is None


# ---- the event API names what is missing -------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "status"}, "status"),
        ({"kind": "call"}, "outcome"),
        ({"kind": "assign"}, "assignee"),
        ({"kind": "assign", "assignee": ""}, "assignee"),
        ({"kind": "assign", "assignee": "  "}, "assignee"),
    ],
)
def test_an_event_missing_its_field_says_it_is_required(
    api_as: Callable[[str], Client], body: dict[str, Any], field: str
) -> None:
    case = open_case()

    response = events_post(api_as("coordinator"), case, body)

    assert response.status_code == 422
    assert response.json()["detail"] == f"{field}: This field is required."
    assert response.json()["field"] == field
    assert CaseEvent.objects.filter(case=case).count() == 1
