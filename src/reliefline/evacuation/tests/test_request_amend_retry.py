"""An amendment that adds a new member, sent again through the API (a lost answer): the
new person is created once only when the client sends an Idempotency-Key."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from reliefline.evacuation.models import EvacuationRequest
from reliefline.evacuation.tests import factories as f
from reliefline.people.models import Person

pytestmark = pytest.mark.usefixtures("gazetteer")
API = "/api/v1/evacuation"


def _with_a_baby(request: EvacuationRequest) -> dict[str, Any]:
    """Return an amendment giving the request's members as they are, and a new baby."""
    members: list[dict[str, Any]] = [
        {"person_id": m.person_id, "going": m.going, "consent_method": m.consent_method}
        for m in request.members.order_by("pk")
    ]
    baby = {"given_name": "Олег", "family_name": "Верещук", "birth_date": "2026-01-05"}
    members.append({"going": True, "consent_method": "in_person", "new_person": baby})
    return {"members": members, "reason": "A baby was born"}


def _amend_twice(client: Client, request: EvacuationRequest, headers: dict[str, str]) -> None:
    """Send the same amendment twice, as a client whose first answer was lost."""
    body = json.dumps(_with_a_baby(request))
    for _sent in range(2):
        response = client.post(
            f"{API}/requests/{request.pk}/amend",
            body,
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 200, response.content


def test_an_amendment_adding_a_person_sent_twice_adds_them_twice(
    api_as: Callable[[str], Client],
) -> None:
    """What docs/evacuation.md warns of: the retry names a new person again."""
    request = f.request()

    _amend_twice(api_as("coordinator"), request, {})

    assert Person.objects.filter(given_name="Олег").count() == 2


def test_an_amendment_adding_a_person_retried_with_its_key_adds_them_once(
    api_as: Callable[[str], Client],
) -> None:
    request = f.request()

    _amend_twice(api_as("coordinator"), request, {"Idempotency-Key": '"amend-baby-1"'})

    assert Person.objects.filter(given_name="Олег").count() == 1
