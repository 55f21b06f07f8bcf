"""Amending an open evacuation request in place: who goes or stays, how they travel, the
side; its seats, its audit entry and timeline; the page, the API and what they refuse."""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from reliefline.access.models import AuditEntry
from reliefline.errors import Conflict, InvalidInput
from reliefline.evacuation import services
from reliefline.evacuation.models import (
    Convoy,
    EvacuationRequest,
    Placement,
    PlacementStatus,
    RequestMember,
    RequestStatus,
)
from reliefline.evacuation.services import MemberInput
from reliefline.evacuation.tests import factories as f
from reliefline.evacuation.tests.helpers import request_page, row, said_in, timeline
from reliefline.hotline.models import CaseEvent
from reliefline.people.models import Person

pytestmark = pytest.mark.usefixtures("gazetteer")
API = "/api/v1/evacuation"
PHONE = {"width": 390, "height": 844}


def _seated(user: User, *, wheelchair_places: int = 0) -> tuple[Convoy, EvacuationRequest, int]:
    """Return a bus not yet locked holding the allocated request of Ирина and Мария
    (walking), the request, and Мария's person id."""
    convoy = f.allocated_convoy(
        by=user, family=[("Мария", "walking", False)], wheelchair_places=wheelchair_places
    )
    request = EvacuationRequest.objects.get()
    assert request.status == RequestStatus.ALLOCATED
    return convoy, request, _maria(request)


def _with_maria(
    by: User | None = None, *, mobility: str = "walking", medic: bool = False
) -> tuple[EvacuationRequest, int]:
    """Return a waiting request of Ирина and Мария (with `mobility`, needing a medic if
    `medic`), and Мария's person id."""
    request = f.request(family=[("Мария", mobility, medic)], by=by)
    return request, _maria(request)


def _caller(request: EvacuationRequest) -> int:
    assert request.case.caller_id is not None
    return request.case.caller_id


def _maria(request: EvacuationRequest) -> int:
    return request.members.exclude(person_id=_caller(request)).get().person_id


def _members(
    request: EvacuationRequest, changes: Mapping[int, Mapping[str, Any]] | None = None
) -> list[MemberInput]:
    """Return the request's members as recorded, with `changes` by person id."""
    changes = changes or {}
    return [
        replace(MemberInput.of(m), **changes.get(m.person_id, {}))
        for m in request.members.order_by("pk")
    ]


def _member(request: EvacuationRequest, person_id: int) -> RequestMember:
    return RequestMember.objects.get(request=request, person_id=person_id)


def _held(request: EvacuationRequest) -> list[Placement]:
    return list(Placement.objects.filter(member__request=request, status=PlacementStatus.ALLOCATED))


def _amended_entries(request: EvacuationRequest) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            record=f"evacuation.request:{request.pk}", purpose="evacuation request amended"
        )
    )


# ---- the service ------------------------------------------------------------------


def test_a_member_who_no_longer_goes_loses_the_place_and_the_household_waits_again(
    coordinator: User,
) -> None:
    _convoy, request, maria = _seated(coordinator)
    turn = request.requested_at

    amended = services.request_amend(
        request,
        members=_members(request, {maria: {"going": False, "consent_method": "verbal"}}),
        by=coordinator,
        reason="Мария stays with her sister",
    )

    assert amended.changed and len(amended.released) == 2
    assert _held(request) == []
    request.refresh_from_db()
    assert (request.status, request.requested_at) == (RequestStatus.WAITING, turn)
    assert EvacuationRequest.objects.count() == 1
    member = _member(request, maria)
    assert (member.going, member.consent_method, member.consent_by) == (
        False,
        "verbal",
        coordinator,
    )
    said = timeline(request)
    assert (
        f"Evacuation request {request} amended: Мария Петренко now stays. "
        "Reason: Мария stays with her sister"
    ) in said
    assert (
        f"The places of request {request} on convoy Convoy Sudzha → Sumy were given back for "
        "the amendment: it waits to be seated again."
    ) in said
    [entry] = _amended_entries(request)
    assert (entry.action, entry.user) == ("update", coordinator)
    assert (entry.person_ids, entry.fields) == ([maria], ["members", "status"])


def test_a_new_mobility_gives_the_places_back_and_the_next_allocation_seats_it(
    coordinator: User,
) -> None:
    convoy, request, maria = _seated(coordinator, wheelchair_places=1)

    services.request_amend(
        request, members=_members(request, {maria: {"mobility": "wheelchair"}}), by=coordinator
    )

    assert _held(request) == []
    assert (
        f"Evacuation request {request} amended: mobility of Мария Петренко: Walking → Wheelchair."
        in timeline(request)
    )
    assert _amended_entries(request)[0].fields == ["mobility", "status"]
    services.convoy_allocate(convoy, by=coordinator)
    placement = Placement.objects.get(person_id=maria, status=PlacementStatus.ALLOCATED)
    assert placement.kind == "wheelchair"


def test_a_new_baby_is_added_to_the_household_and_goes(coordinator: User) -> None:
    request = f.request(by=coordinator)
    baby = MemberInput(
        going=True,
        consent_method="in_person",
        new_person=f.PersonInput(given_name="Олег", family_name="Верещук"),
    )

    services.request_amend(request, members=[*_members(request), baby], by=coordinator)

    person = Person.objects.get(given_name="Олег")
    assert person.household_id == request.household_id
    assert _member(request, person.pk).going
    assert f"Evacuation request {request} amended: Олег Верещук added, goes: Walking." in (
        timeline(request)
    )


def test_the_side_changes_and_the_request_keeps_its_number_and_turn(coordinator: User) -> None:
    request = f.request(by=coordinator)
    turn = request.requested_at

    amended = services.request_amend(request, direction="RU", by=coordinator)

    assert amended.request.pk == request.pk
    request.refresh_from_db()
    assert (request.direction, request.requested_at) == ("RU", turn)
    assert (
        f"Evacuation request {request} amended: side: Toward Ukraine → Toward Russia."
        in timeline(request)
    )
    entry = _amended_entries(request)[0]
    assert (entry.fields, entry.person_ids) == (["direction"], [_caller(request)])


def test_a_medic_needed_is_recorded(coordinator: User) -> None:
    request, maria = _with_maria(coordinator, mobility="stretcher")

    services.request_amend(
        request, members=_members(request, {maria: {"needs_medic": True}}), by=coordinator
    )

    assert _member(request, maria).needs_medic
    assert f"Evacuation request {request} amended: Мария Петренко needs a medic." in (
        timeline(request)
    )


def test_a_member_left_out_stays_on_the_request_not_going(coordinator: User) -> None:
    request, maria = _with_maria(coordinator)
    caller_only = [m for m in _members(request) if m.person_id != maria]

    services.request_amend(request, members=caller_only, by=coordinator)

    member = _member(request, maria)
    assert not member.going and member.consent_method == "written"
    assert f"Evacuation request {request} amended: Мария Петренко now stays." in timeline(request)


def test_a_consent_recorded_another_way_keeps_the_places(coordinator: User) -> None:
    _convoy, request, _maria_id = _seated(coordinator)
    caller = _caller(request)

    amended = services.request_amend(
        request,
        members=_members(request, {caller: {"consent_method": "in_person"}}),
        by=coordinator,
    )

    assert amended.changed and amended.released == ()
    assert len(_held(request)) == 2
    request.refresh_from_db()
    assert request.status == RequestStatus.ALLOCATED
    assert _member(request, caller).consent_method == "in_person"
    assert any("consent of Ирина Верещук recorded again: In person" in t for t in timeline(request))


def _nothing_written(request: EvacuationRequest, events: int) -> None:
    assert _amended_entries(request) == []
    assert CaseEvent.objects.filter(case=request.case).count() == events


def test_seats_on_a_locked_convoy_are_refused_and_nothing_changes(coordinator: User) -> None:
    convoy, request, maria = _seated(coordinator)
    services.convoy_lock(convoy, by=coordinator)
    events = CaseEvent.objects.filter(case=request.case).count()

    with translation.override("en"), pytest.raises(Conflict, match="which is locked") as refused:
        services.request_amend(
            request, members=_members(request, {maria: {"going": False}}), by=coordinator
        )

    assert "Mark them no-show at the assembly point first" in refused.value.message
    assert refused.value.status == 409
    assert _member(request, maria).going and len(_held(request)) == 2
    _nothing_written(request, events)


def test_a_household_on_the_road_cannot_be_amended(coordinator: User) -> None:
    _convoy, request, maria = _seated(coordinator)
    services.placement_mark(Placement.objects.get(person_id=maria), to="boarded", by=coordinator)

    with translation.override("en"), pytest.raises(Conflict, match="already boarded"):
        services.request_amend(request, direction="RU", by=coordinator)

    request.refresh_from_db()
    assert request.direction == "UA"


def test_a_cancelled_request_cannot_be_amended(coordinator: User) -> None:
    request = f.request(by=coordinator)
    services.request_cancel(request, by=coordinator, reason="Left by car")

    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.request_amend(request, direction="RU", by=coordinator)

    assert refused.value.message == (
        f"Request {request} is no longer open and cannot be amended. Status: Cancelled."
    )


def test_an_amendment_that_changes_nothing_writes_nothing(coordinator: User) -> None:
    _convoy, request, _maria_id = _seated(coordinator)
    events = CaseEvent.objects.filter(case=request.case).count()

    amended = services.request_amend(
        request, direction="UA", members=_members(request), by=coordinator, reason="Checked"
    )

    assert not amended.changed
    assert len(_held(request)) == 2
    _nothing_written(request, events)


def test_bad_input_stores_nothing(coordinator: User) -> None:
    request = f.request(by=coordinator)
    events = CaseEvent.objects.filter(case=request.case).count()
    persons = Person.objects.count()
    baby = MemberInput(
        going=True, consent_method="written", new_person=f.PersonInput(given_name="Олег")
    )
    without_consent = _members(request, {_caller(request): {"consent_method": "not_obtained"}})

    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.request_amend(request, members=[baby, *without_consent], by=coordinator)

    assert (refused.value.field, refused.value.status) == ("members[1].consent_method", 422)
    assert Person.objects.count() == persons
    assert _member(request, _caller(request)).consent_method == "written"
    _nothing_written(request, events)


def test_the_timeline_says_the_mobility_in_the_readers_language(coordinator: User) -> None:
    request, maria = _with_maria(coordinator)

    services.request_amend(
        request, members=_members(request, {maria: {"mobility": "wheelchair"}}), by=coordinator
    )

    with translation.override("uk"):
        walking, wheelchair = "Ходить самостійно", "Крісло колісне"
    said = timeline(request, language="uk")
    assert any(f"{walking} → {wheelchair}" in text for text in said)


# ---- the API ------------------------------------------------------------------------


def _amend(client: Client, request_id: int, payload: object) -> Any:
    return client.post(
        f"{API}/requests/{request_id}/amend",
        json.dumps(payload),
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )


def _as_json(request: EvacuationRequest, **changes: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the request's members as the API takes them, with `changes` by person id."""
    return [
        {
            "person_id": m.person_id,
            "going": m.going,
            "consent_method": m.consent_method,
            "mobility": m.mobility,
            "needs_medic": m.needs_medic,
            **changes.get(str(m.person_id), {}),
        }
        for m in request.members.order_by("pk")
    ]


def test_the_api_amends_a_mobility_and_the_request_keeps_its_id(
    api_as: Callable[[str], Client],
) -> None:
    request, maria = _with_maria()

    response = _amend(
        api_as("coordinator"),
        request.pk,
        {"members": _as_json(request, **{str(maria): {"mobility": "stretcher"}}), "reason": "Fell"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["direction"]) == (request.pk, "waiting", "UA")
    assert {m["person_id"]: m["mobility"] for m in body["members"]}[maria] == "stretcher"
    assert any(t.endswith("Reason: Fell") for t in timeline(request))


def test_the_api_changes_only_the_side_when_only_the_side_is_given(
    api_as: Callable[[str], Client],
) -> None:
    request = f.request(family=[("Мария", "wheelchair", True)])

    response = _amend(api_as("coordinator"), request.pk, {"direction": "RU"})

    assert response.status_code == 200, response.content
    assert response.json()["direction"] == "RU"
    assert _members(request) == _members(EvacuationRequest.objects.get())
    assert RequestMember.objects.get(request=request, mobility="wheelchair").needs_medic


def _going(person_id: int, **given: object) -> dict[str, object]:
    return {"going": True, "consent_method": "verbal", "person_id": person_id, **given}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (lambda caller: {"direction": "PL"}, "direction"),
        (lambda caller: {"members": "everyone"}, "members"),
        (lambda caller: {"members": []}, "members"),
        (lambda caller: {"members": [_going(999999)]}, "members[0].person_id"),
        (
            lambda caller: {"members": [_going(caller, consent_method="not_obtained")]},
            "members[0].consent_method",
        ),
        (lambda caller: {"members": [_going(caller, going="yes")]}, "members[0].going"),
        (lambda caller: {"members": [_going(caller, mobility="crutches")]}, "members[0].mobility"),
        (lambda caller: {"reason": "x" * 501}, "reason"),
        (lambda caller: {"status": "evacuated"}, "status"),
    ],
)
def test_the_api_refuses_bad_input_naming_the_field_and_stores_nothing(
    api_as: Callable[[str], Client], payload: Callable[[int], dict[str, object]], field: str
) -> None:
    request = f.request()
    before = _members(request)

    response = _amend(api_as("coordinator"), request.pk, payload(_caller(request)))

    assert response.status_code == 422, response.content
    body = response.json()
    assert body["field"] == field and body["detail"].startswith(f"{field}: ")
    assert _members(EvacuationRequest.objects.get()) == before
    assert EvacuationRequest.objects.get().direction == "UA"
    assert _amended_entries(request) == []


def test_the_api_answers_404_for_an_unknown_request(api_as: Callable[[str], Client]) -> None:
    response = _amend(api_as("coordinator"), 999999, {"direction": "RU"})
    assert response.status_code == 404
    assert response.json()["field"] == "request_id"


def test_the_api_refuses_a_locked_convoys_household_with_409_json(
    api_as: Callable[[str], Client], coordinator: User
) -> None:
    convoy, request, _maria_id = _seated(coordinator)
    services.convoy_lock(convoy, by=coordinator)

    response = _amend(api_as("coordinator"), request.pk, {"direction": "RU"})

    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["field"]) == ("conflict", "status")
    assert "locked" in body["detail"] and "no-show" in body["detail"]
    assert EvacuationRequest.objects.get().direction == "UA"


@pytest.mark.parametrize("role", ["operator", "field", "partner"])
def test_roles_that_do_not_file_requests_cannot_amend_them(
    role: str, api_as: Callable[[str], Client], client_as: Callable[[str], Client]
) -> None:
    request = f.request()
    api = _amend(api_as(role), request.pk, {"direction": "RU"})
    page = _post(client_as(role), request, direction="RU")
    assert (api.status_code, page.status_code) == (403, 403)
    assert EvacuationRequest.objects.get().direction == "UA"


# ---- the page -----------------------------------------------------------------------


def _amend_form(page: str) -> str:
    return page.split('id="amend-request"')[1].split("</form>")[0]


def _post(client: Client, request: EvacuationRequest, **changes: str) -> Any:
    """Return the answer to the amendment form sent with `changes` typed over it."""
    return client.post(f"/evacuation/requests/{request.pk}/amend/", _form_data(request, **changes))


def _form_data(request: EvacuationRequest, **changes: str) -> dict[str, str]:
    """Return what the amendment form sends as it comes filled in, `changes` typed over it."""
    data = {"direction": request.direction, "reason": ""}
    for m in request.members.all():
        pk = m.person_id
        data[f"{'going' if m.going else 'refuses'}_{pk}"] = "on"
        data[f"mobility_{pk}"] = m.mobility
        data[f"consent_{pk}"] = m.consent_method
        if m.needs_medic:
            data[f"medic_{pk}"] = "on"
    return {**data, **changes}


def test_the_request_page_offers_the_amendment_filled_in_with_the_request(
    english: tuple[Client, User],
) -> None:
    client, user = english
    request, maria = _with_maria(user, mobility="wheelchair", medic=True)

    form = _amend_form(request_page(client, request))

    maria_row = row(form, maria)
    assert re.search(rf'name="going_{maria}"[^>]*checked', maria_row)
    assert re.search(rf'name="medic_{maria}"[^>]*checked', maria_row)
    assert '<option value="wheelchair" selected>' in maria_row
    assert '<option value="written" selected>' in maria_row
    assert re.search(r'name="direction" value="UA"[^>]*checked', form)
    # Ids of its own: the cancel form beside it has a reason too.
    assert 'id="amend_reason"' in form


def test_the_page_amends_a_mobility_and_shows_the_request_amended(
    english: tuple[Client, User],
) -> None:
    client, user = english
    request, maria = _with_maria(user)
    url = f"/evacuation/cases/{request.case.reference}/request/"

    response = _post(
        client, request, **{f"mobility_{maria}": "stretcher", "reason": "Fell on the stairs"}
    )

    assert (response.status_code, response["Location"]) == (302, url)
    page = client.get(url).content.decode()
    assert f"Request {request} amended." in page
    assert "Stretcher" in row(page, maria)
    assert _member(request, maria).mobility == "stretcher"
    assert any(t.endswith("Reason: Fell on the stairs") for t in timeline(request))


def test_the_page_says_when_there_was_nothing_to_amend(english: tuple[Client, User]) -> None:
    client, user = english
    request, _maria_id = _with_maria(user)

    response = _post(client, request, reason="Checked with the family")

    assert response.status_code == 302
    assert f"Nothing to amend: request {request} already says so." in request_page(client, request)
    assert _amended_entries(request) == []


def test_the_page_says_which_places_were_given_back(english: tuple[Client, User]) -> None:
    client, user = english
    _convoy, request, maria = _seated(user)

    _post(client, request, **{f"refuses_{maria}": "on", f"going_{maria}": ""})

    page = request_page(client, request)
    assert "Its places on convoy Convoy Sudzha → Sumy were given back" in page
    assert _held(request) == []


def test_a_member_ticked_going_and_refusing_is_refused_at_their_row_of_the_amendment(
    english: tuple[Client, User],
) -> None:
    client, user = english
    request, maria = _with_maria(user)

    response = _post(
        client, request, **{f"refuses_{maria}": "on", f"mobility_{maria}": "wheelchair"}
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert '<details class="action" id="amend" open>' in page
    maria_row = row(_amend_form(page), maria)
    assert "Tick either Goes or Refuses for this person, not both." in maria_row
    assert '<option value="wheelchair" selected>' in maria_row
    assert _member(request, maria).mobility == "walking"


def test_a_refusal_of_the_service_is_shown_at_the_members_row(
    english: tuple[Client, User],
) -> None:
    client, user = english
    request, maria = _with_maria(user)

    response = _post(client, request, **{f"consent_{maria}": "not_obtained"})

    assert response.status_code == 422
    form = _amend_form(response.content.decode())
    assert "Record how the person consented to leave." in row(form, maria)
    assert "members[" not in form
    assert _member(request, maria).consent_method == "written"


@pytest.mark.parametrize(
    ("on_the_road", "said"),
    [
        (False, "which is locked: they were told to come. Mark them no-show"),
        (True, "Someone of the household has already boarded: the request cannot be amended."),
    ],
)
def test_a_household_told_to_come_is_told_why_instead_of_the_amendment(
    english: tuple[Client, User], on_the_road: bool, said: str
) -> None:
    client, user = english
    convoy, request, maria = _seated(user)
    services.convoy_lock(convoy, by=user)
    if on_the_road:
        services.placement_mark(Placement.objects.get(person_id=maria), to="boarded", by=user)

    page = request_page(client, request)

    assert 'id="amend-request"' not in page
    assert said in said_in(page, "cannot-amend")


def test_an_amendment_of_a_request_closed_meanwhile_says_why_on_the_page(
    english: tuple[Client, User],
) -> None:
    client, user = english
    request = f.request(by=user)
    data = _form_data(request, direction="RU")
    services.request_cancel(request, by=user, reason="From another tab")

    response = client.post(f"/evacuation/requests/{request.pk}/amend/", data)

    assert response.status_code == 409
    assert f"Request {request} is no longer open and cannot be amended. Status: Cancelled." in (
        response.content.decode()
    )
    assert EvacuationRequest.objects.get().direction == "UA"
