"""What a request's members may say, created or amended, by the service and the API: every
key known at every level, a person chosen or named (not both), a new member's name."""

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone, translation

from reliefline.access.models import AuditEntry
from reliefline.errors import InvalidInput
from reliefline.evacuation import services
from reliefline.evacuation.models import Corridor, EvacuationRequest, RequestStatus
from reliefline.evacuation.services import MemberInput
from reliefline.evacuation.tests import factories as f
from reliefline.people.models import Person
from reliefline.people.services import PersonInput

pytestmark = pytest.mark.usefixtures("gazetteer")
API = "/api/v1/evacuation"
TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def _cancelled() -> EvacuationRequest:
    """Return a cancelled request of Ирина and Мария: its case may have a new one."""
    request = f.request(family=[("Мария", "walking", False)])
    return services.request_cancel(request, by=None)


def _caller(request: EvacuationRequest) -> int:
    assert request.case.caller_id is not None
    return request.case.caller_id


def _going(person_id: int) -> MemberInput:
    return MemberInput(going=True, consent_method="written", person_id=person_id)


def _both(request: EvacuationRequest) -> MemberInput:
    return MemberInput(
        going=True,
        consent_method="written",
        person_id=_caller(request),
        new_person=PersonInput(given_name="Олег", family_name="Петренко"),
    )


# ---- the service ------------------------------------------------------------------


def test_a_member_both_chosen_and_named_is_refused_on_creation(coordinator: User) -> None:
    cancelled = _cancelled()
    persons = Person.objects.count()

    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.request_create(
            cancelled.case, direction="UA", members=[_both(cancelled)], by=coordinator
        )

    assert (refused.value.field, refused.value.message) == (
        "members[0]",
        "Choose a person or name a new one, not both.",
    )
    assert Person.objects.count() == persons
    assert not EvacuationRequest.objects.filter(status=RequestStatus.WAITING).exists()


def test_a_member_both_chosen_and_named_is_refused_on_amendment(coordinator: User) -> None:
    request = f.request(by=coordinator)
    persons = Person.objects.count()

    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.request_amend(request, members=[_both(request)], by=coordinator)

    assert (refused.value.field, refused.value.message) == (
        "members[0]",
        "Choose a person or name a new one, not both.",
    )
    assert Person.objects.count() == persons
    assert list(request.members.values_list("person_id", flat=True)) == [_caller(request)]


@pytest.mark.parametrize(
    ("person", "field", "message"),
    [
        (PersonInput(), "members[1].new_person", "Give the new member's name."),
        (
            PersonInput(given_name="Олег", birth_date=timezone.localdate() + dt.timedelta(days=2)),
            "members[1].new_person.birth_date",
            "The birth date is impossible.",
        ),
    ],
)
def test_a_new_member_is_refused_in_their_own_words_at_their_field(
    coordinator: User, person: PersonInput, field: str, message: str
) -> None:
    request = f.request(by=coordinator)
    baby = MemberInput(going=True, consent_method="written", new_person=person)

    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.request_amend(request, members=[_going(_caller(request)), baby], by=coordinator)

    assert (refused.value.field, refused.value.message) == (field, message)
    assert request.members.count() == 1


# ---- the API ------------------------------------------------------------------------


def _post(client: Client, path: str, body: object) -> Any:
    return client.post(
        API + path,
        json.dumps(body),
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )


def _new(**person: object) -> dict[str, object]:
    return {"going": True, "consent_method": "written", "new_person": person}


# Each: what the second member says, where the refusal is and what it says.
MEMBERS_REFUSED = [
    (
        lambda caller: {**_new(given_name="Олег"), "mobilty": "wheelchair"},
        "members[1].mobilty",
        "Unknown field.",
    ),
    (
        lambda caller: _new(given_name="Олег", phone="+79991234567"),
        "members[1].new_person.phone",
        "Unknown field.",
    ),
    (
        lambda caller: {**_new(given_name="Олег"), "person_id": caller},
        "members[1]",
        "Choose a person or name a new one, not both.",
    ),
    (lambda caller: _new(), "members[1].new_person", "Give the new member's name."),
    (
        lambda caller: _new(given_name="Олег", birth_date=TOMORROW),
        "members[1].new_person.birth_date",
        "The birth date is impossible.",
    ),
    # The member's consent is refused at the member's field, not the new person's.
    (
        lambda caller: {
            **_new(given_name="Олег"),
            "going": False,
            "consent_method": "not_obtained",
        },
        "members[1].consent_method",
        "Consent is the legal basis, so record how it was given.",
    ),
]


def _refused_422(response: Any, field: str, message: str) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert (body["field"], body["detail"]) == (field, f"{field}: {message}")


@pytest.mark.parametrize(("member", "field", "message"), MEMBERS_REFUSED)
def test_the_api_refuses_a_bad_member_of_a_new_request_and_stores_nothing(
    api_as: Callable[[str], Client], member: Callable[[int], object], field: str, message: str
) -> None:
    cancelled = _cancelled()
    caller = _caller(cancelled)
    persons = Person.objects.count()
    body = {
        "case": cancelled.case.reference,
        "direction": "UA",
        "members": [
            {"going": True, "consent_method": "written", "person_id": caller},
            member(caller),
        ],
    }

    response = _post(api_as("coordinator"), "/requests", body)

    _refused_422(response, field, message)
    assert Person.objects.count() == persons
    assert EvacuationRequest.objects.get().pk == cancelled.pk


@pytest.mark.parametrize(("member", "field", "message"), MEMBERS_REFUSED)
def test_the_api_refuses_a_bad_member_of_an_amendment_and_stores_nothing(
    api_as: Callable[[str], Client], member: Callable[[int], object], field: str, message: str
) -> None:
    request = f.request()
    caller = _caller(request)
    persons = Person.objects.count()
    body = {
        "members": [
            {"going": True, "consent_method": "written", "person_id": caller},
            member(caller),
        ]
    }

    response = _post(api_as("coordinator"), f"/requests/{request.pk}/amend", body)

    _refused_422(response, field, message)
    assert Person.objects.count() == persons
    assert request.members.get().mobility == "walking"
    assert not AuditEntry.objects.filter(purpose="evacuation request amended").exists()


def test_the_api_refuses_an_unknown_key_of_a_new_request(api_as: Callable[[str], Client]) -> None:
    cancelled = _cancelled()
    body = {
        "case": cancelled.case.reference,
        "direction": "UA",
        "priority": 99,
        "members": [{"going": True, "consent_method": "written", "person_id": _caller(cancelled)}],
    }

    response = _post(api_as("coordinator"), "/requests", body)

    _refused_422(response, "priority", "Unknown field.")
    assert EvacuationRequest.objects.get().pk == cancelled.pk


def _corridor(**changes: dict[str, object]) -> dict[str, object]:
    """Return a corridor as the API takes it, `changes` added to its parts by name."""
    start = timezone.now() + dt.timedelta(days=1)
    return {
        "name": "Sudzha → Kursk",
        "direction": "RU",
        "stops": [
            {"kind": "assembly", "place_id": f.SUDZHA, **changes.get("stop", {})},
            {"kind": "reception", "place_id": f.KURSK},
        ],
        "windows": [
            {
                "starts_at": start.isoformat(),
                "ends_at": (start + dt.timedelta(hours=6)).isoformat(),
                **changes.get("window", {}),
            }
        ],
        "parties": [{"name": "ICRC", "role": "guarantor", **changes.get("party", {})}],
        **changes.get("corridor", {}),
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stop": {"place": f.KURSK}}, "stops[0].place"),
        ({"window": {"ends": "2030-01-01T00:00+03:00"}}, "windows[0].ends"),
        ({"party": {"agreed": "2030-01-01T00:00+03:00"}}, "parties[0].agreed"),
        ({"corridor": {"status": "open"}}, "status"),
    ],
)
def test_the_api_refuses_an_unknown_key_of_a_corridor_at_every_level(
    api_as: Callable[[str], Client], changes: dict[str, dict[str, object]], field: str
) -> None:
    response = _post(api_as("coordinator"), "/corridors", _corridor(**changes))

    _refused_422(response, field, "Unknown field.")
    assert not Corridor.objects.exists()


def test_the_api_still_takes_a_corridor_with_every_key_known(
    api_as: Callable[[str], Client],
) -> None:
    response = _post(api_as("coordinator"), "/corridors", _corridor())
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_new_member_speaks_the_cases_language(coordinator: User, language: str) -> None:
    cancelled = _cancelled()
    cancelled.case.language = language
    cancelled.case.save(update_fields=["language"])
    named = MemberInput(
        going=True,
        consent_method="written",
        new_person=PersonInput(given_name="Олег", family_name="Петренко"),
    )

    services.request_create(cancelled.case, direction="UA", members=[named], by=coordinator)

    assert Person.objects.get(given_name="Олег").preferred_language == language
