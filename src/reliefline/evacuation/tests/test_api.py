"""The /api/v1/evacuation endpoints: roles, validation, audit, and the whole flow."""

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from reliefline.access.models import AuditEntry
from reliefline.access.tests.factories import token_for
from reliefline.channels.models import Notice
from reliefline.evacuation import services
from reliefline.evacuation.models import (
    AllocationRun,
    Corridor,
    EvacuationRequest,
    ManifestIssue,
    Placement,
)
from reliefline.evacuation.tests import factories as f
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.places.models import Assignment

pytestmark = pytest.mark.usefixtures("gazetteer")
API = "/api/v1/evacuation"


def corridor_body(**overrides: Any) -> dict[str, Any]:
    start = timezone.now() + dt.timedelta(days=1)
    body: dict[str, Any] = {
        "name": "Sudzha → Kursk",
        "direction": "RU",
        "stops": [
            {"kind": "assembly", "place_id": f.SUDZHA},
            {"kind": "reception", "place_id": f.KURSK},
        ],
        "windows": [
            {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=6)).isoformat()}
        ],
        "parties": [{"name": "ICRC", "role": "guarantor"}],
    }
    body.update(overrides)
    return body


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, body, content_type="application/json")


def test_plan_allocate_manifest_board_arrive_through_the_api(
    api_as: Callable[[str], Client], user_in: Callable[[str], Any]
) -> None:
    coordinator = api_as("coordinator")
    corridor = post(coordinator, "/corridors", corridor_body())
    assert corridor.status_code == 201, corridor.json()
    cid = corridor.json()["id"]
    window = corridor.json()["windows"][0]
    convoy = post(
        coordinator,
        f"/corridors/{cid}/convoys",
        {
            "window_id": window["id"],
            "name": "Convoy 1",
            "departure_at": (
                dt.datetime.fromisoformat(window["starts_at"]) + dt.timedelta(hours=1)
            ).isoformat(),
            "assembly_point": f.SUDZHA,
        },
    )
    assert convoy.status_code == 201, convoy.json()
    vid = convoy.json()["id"]
    bus = post(
        coordinator,
        f"/convoys/{vid}/vehicles",
        {"label": "Bus 1", "seats": 40, "wheelchair_places": 1},
    )
    assert bus.status_code == 201
    case = open_case(needs=(NeedInput(type="evacuation"),), settlement_id=f.SUDZHA)
    made = post(
        coordinator,
        "/requests",
        {
            "case": case.reference,
            "direction": "RU",
            "members": [
                {"going": True, "consent_method": "written", "person_id": case.caller_id},
                {
                    "going": True,
                    "consent_method": "written",
                    "mobility": "wheelchair",
                    "new_person": {
                        "given_name": "Мария",
                        "family_name": "Верещук",
                        "birth_date": "1942-05-01",
                    },
                },
            ],
        },
    )
    assert made.status_code == 201, made.json()
    run = post(coordinator, f"/convoys/{vid}/allocations", {"time_limit": 2})
    assert run.status_code == 201 and run.json()["allocated"] == 2
    assert run.json()["stopped_by_clock"] is False  # two people: proven optimal, never cut
    manifest = post(
        coordinator,
        f"/vehicles/{bus.json()['id']}/manifests",
        {"kind": "checkpoint", "language": "ru", "recipient": "Checkpoint"},
    )
    assert manifest.status_code == 201
    assert manifest.json()["columns"] == ["name", "birth_year", "seat", "vehicle"]
    assert ManifestIssue.objects.count() == 1
    detail = coordinator.get(f"{API}/convoys/{vid}").json()
    codes = [p["code"] for p in detail["vehicles"][0]["placements"]]
    field_team = user_in("field")
    Assignment.objects.create(user=field_team, place_id=f.SUDZHA)
    field = Client(headers={"Authorization": f"Bearer {token_for(field_team)}"})
    for code in codes:
        assert post(field, "/boarding", {"code": code, "status": "boarded"}).status_code == 200
    for code in codes:
        assert (
            post(field, "/boarding", {"code": code, "status": "arrived"}).json()["status"]
            == "arrived"
        )
    assert EvacuationRequest.objects.get().status == "evacuated"


def test_corridor_with_naive_window_names_the_field(api_as: Callable[[str], Client]) -> None:
    body = corridor_body(windows=[{"starts_at": "2024-08-17T08:00", "ends_at": "2024-08-17T14:00"}])
    response = post(api_as("coordinator"), "/corridors", body)
    assert response.status_code == 422
    assert response.json()["field"].startswith("windows[0].starts_at")
    assert not Corridor.objects.exists()


def test_corridor_with_bad_route_names_the_stop(api_as: Callable[[str], Client]) -> None:
    body = corridor_body(
        stops=[
            {"kind": "assembly", "place_id": "nowhere"},
            {"kind": "reception", "place_id": f.KURSK},
        ]
    )
    response = post(api_as("coordinator"), "/corridors", body)
    assert response.status_code == 422
    assert response.json()["detail"] == "stops[0].place_id: Unknown settlement."


def test_request_with_refusal_but_nobody_going_is_refused(api_as: Callable[[str], Client]) -> None:
    case = open_case(needs=(NeedInput(type="evacuation"),))
    response = post(
        api_as("coordinator"),
        "/requests",
        {
            "case": case.reference,
            "direction": "UA",
            "members": [{"going": False, "consent_method": "verbal", "person_id": case.caller_id}],
        },
    )
    assert response.status_code == 422 and response.json()["field"] == "members"
    assert not EvacuationRequest.objects.exists()


def _going(case) -> list[dict[str, Any]]:
    return [{"going": True, "consent_method": "verbal", "person_id": case.caller_id}]


def test_a_request_for_an_unknown_case_is_404_naming_the_case_field(
    api_as: Callable[[str], Client],
) -> None:
    case = open_case(needs=(NeedInput(type="evacuation"),))
    body = {"case": "RL-999999", "direction": "UA", "members": _going(case)}
    response = post(api_as("coordinator"), "/requests", body)
    assert response.status_code == 404 and response.json()["field"] == "case"
    assert not EvacuationRequest.objects.exists()


def test_a_case_reference_typed_in_lower_case_with_spaces_is_found(
    api_as: Callable[[str], Client],
) -> None:
    case = open_case(needs=(NeedInput(type="evacuation"),))
    reference = str(case.reference)
    typed = f" {reference.lower()} "
    body = {"case": typed, "direction": "UA", "members": _going(case)}
    response = post(api_as("coordinator"), "/requests", body)
    assert response.status_code == 201, response.json()
    assert EvacuationRequest.objects.get().case == case
    assert api_as("operator").get(f"/api/v1/cases/{reference.lower()}").status_code == 200


def test_field_team_may_not_plan(api_as: Callable[[str], Client]) -> None:
    assert post(api_as("field"), "/corridors", corridor_body()).status_code == 403
    assert not Corridor.objects.exists()


@pytest.mark.parametrize("role", ["partner", "operator", "dpo"])
def test_roles_outside_the_evacuation_see_nothing(
    role: str, api_as: Callable[[str], Client]
) -> None:
    f.corridor()
    client = api_as(role)
    assert client.get(f"{API}/corridors").status_code == 403
    assert client.get(f"{API}/requests").status_code == 403


def test_field_team_sees_corridors_but_not_requests(api_as: Callable[[str], Client]) -> None:
    f.corridor()
    client = api_as("field")
    assert len(client.get(f"{API}/corridors").json()) == 1
    assert client.get(f"{API}/requests").status_code == 403


def test_reading_requests_is_audited(api_as: Callable[[str], Client]) -> None:
    request = f.request()
    rows = api_as("coordinator").get(f"{API}/requests").json()
    assert [r["id"] for r in rows] == [request.pk]
    entry = AuditEntry.objects.get(record="evacuation.requests")
    assert entry.person_ids == [request.case.caller_id]


def test_unknown_passenger_code_is_404(api_as: Callable[[str], Client]) -> None:
    response = post(api_as("field"), "/boarding", {"code": "EV-NONE-NONE", "status": "boarded"})
    assert response.status_code == 404 and response.json()["field"] == "code"


def test_allocation_time_limit_out_of_range_is_422(api_as: Callable[[str], Client]) -> None:
    convoy = f.convoy()
    response = post(api_as("coordinator"), f"/convoys/{convoy.pk}/allocations", {"time_limit": 0})
    assert response.status_code == 422 and response.json()["field"] == "time_limit"


@pytest.mark.parametrize("body", [None, [1, 2, 3], "x"])
def test_allocation_body_that_is_not_an_object_is_422_and_runs_nothing(
    api_as: Callable[[str], Client], body: Any
) -> None:
    convoy = f.convoy()
    response = api_as("coordinator").post(
        f"{API}/convoys/{convoy.pk}/allocations", json.dumps(body), "application/json"
    )
    assert response.status_code == 422 and response.json()["field"] == "body"
    assert not AllocationRun.objects.exists()


@pytest.mark.parametrize("time_limit", [True, "5"])
def test_allocation_time_limit_that_is_not_a_number_is_422(
    api_as: Callable[[str], Client], time_limit: object
) -> None:
    convoy = f.convoy()
    response = post(
        api_as("coordinator"), f"/convoys/{convoy.pk}/allocations", {"time_limit": time_limit}
    )
    assert response.status_code == 422 and response.json()["field"] == "time_limit"
    assert not AllocationRun.objects.exists()


@pytest.mark.parametrize("starts_at", [123, "123", 1.5e9])
def test_corridor_window_given_as_a_number_is_422_naming_the_field(
    api_as: Callable[[str], Client], starts_at: object
) -> None:
    window = {"starts_at": starts_at, "ends_at": "2099-08-17T14:00:00+03:00"}
    response = post(api_as("coordinator"), "/corridors", corridor_body(windows=[window]))
    assert response.status_code == 422
    assert response.json()["field"] == "windows[0].starts_at"
    assert not Corridor.objects.exists()


def test_requests_in_an_unknown_status_are_422_naming_the_status(
    api_as: Callable[[str], Client],
) -> None:
    f.request()
    response = api_as("coordinator").get(f"{API}/requests", {"status": "bogus"})
    assert response.status_code == 422 and response.json()["field"] == "status"
    assert not AuditEntry.objects.filter(record="evacuation.requests").exists()


def test_placing_an_unknown_request_is_404_naming_the_body_field(
    api_as: Callable[[str], Client],
) -> None:
    convoy = f.convoy()
    body = {"request_id": 999_999_999, "vehicle_id": f.bus(convoy).pk}
    response = post(api_as("coordinator"), f"/convoys/{convoy.pk}/placements", body)
    assert response.status_code == 404
    assert response.json()["field"] == "request_id"
    assert response.json()["detail"] == "request_id: No evacuation request 999999999."
    assert not Placement.objects.exists()


def test_an_unknown_convoy_is_404_in_a_whole_sentence(api_as: Callable[[str], Client]) -> None:
    response = api_as("coordinator").get(f"{API}/convoys/999999")
    assert response.status_code == 404
    assert response.json()["detail"] == "convoy: No convoy 999999."


def test_an_unknown_vehicle_is_404_in_the_readers_language(
    api_as: Callable[[str], Client],
) -> None:
    response = api_as("coordinator").post(
        f"{API}/vehicles/999999/manifests",
        {"kind": "checkpoint", "language": "en", "recipient": "ICRC"},
        content_type="application/json",
        headers={"Accept-Language": "uk"},
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "vehicle: Транспортного засобу 999999 немає."
    assert not ManifestIssue.objects.exists()


def test_schema_lists_the_evacuation_endpoints(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/corridors",
        "/convoys/{convoy_id}/allocations",
        "/vehicles/{vehicle_id}/manifests",
        "/boarding",
        "/requests",
    ):
        assert f"{API}{path}" in paths


def _manifest_by_api(user: Any, **body: str) -> Any:
    """Return the answer to issuing an allocated bus's manifest through the API as `user`."""
    convoy = f.allocated_convoy(by=user)
    client = Client(headers={"Authorization": f"Bearer {token_for(user)}"})
    body = {"kind": "checkpoint", "language": "en", "recipient": "ICRC", **body}
    return post(client, f"/vehicles/{f.bus(convoy).pk}/manifests", body)


def test_manifest_as_pdf_through_the_api_is_a_recorded_pdf_file(
    user_in: Callable[[str], Any],
) -> None:
    user = user_in("coordinator")
    response = _manifest_by_api(user, kind="internal", language="ru", format="pdf")
    assert response.status_code == 201 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    issue = ManifestIssue.objects.get()
    assert (issue.format, issue.kind, issue.issued_by) == ("pdf", "internal", user)
    assert AuditEntry.objects.filter(record=f"evacuation.manifest:{issue.pk}").exists()


def test_manifest_as_csv_through_the_api_has_the_checkpoint_columns(
    user_in: Callable[[str], Any],
) -> None:
    response = _manifest_by_api(user_in("coordinator"), format="csv")
    assert response.status_code == 201 and response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[0] == "Name,Birth year,Place,Vehicle"


def test_manifest_in_an_unknown_format_is_422_naming_the_field_and_stores_nothing(
    user_in: Callable[[str], Any],
) -> None:
    response = _manifest_by_api(user_in("coordinator"), format="docx")
    assert response.status_code == 422 and response.json()["field"] == "format"
    assert not ManifestIssue.objects.exists()


def test_schema_documents_the_manifest_files() -> None:
    from reliefline.api import api

    operation = api.get_openapi_schema()["paths"][f"{API}/vehicles/{{vehicle_id}}/manifests"]
    created = operation["post"]["responses"][201]["content"]
    assert set(created) == {"application/json", "text/csv", "application/pdf"}


def test_a_convoys_departure_is_moved_through_the_api_and_bad_times_are_refused(
    api_as: Callable[[str], Client], user_in: Callable[[str], Any]
) -> None:
    by = user_in("coordinator")
    convoy = f.allocated_convoy(by=by)
    services.convoy_lock(convoy, by=by)
    coordinator = api_as("coordinator")
    before = convoy.departure_at
    moved = (before + dt.timedelta(minutes=45)).replace(second=0, microsecond=0)

    for body, field in [
        ({}, "departure_at"),
        ({"departure_at": "2026-11-28T09:00"}, "departure_at"),  # no offset: which clock?
        ({"departure_at": "tomorrow"}, "departure_at"),
        ({"departure_at": (before + dt.timedelta(days=3)).isoformat()}, "departure_at"),
    ]:
        refused = post(coordinator, f"/convoys/{convoy.pk}/departure", body)
        assert refused.status_code == 422, refused.json()
        assert field in refused.json()["detail"]
    assert api_as("field").post(
        f"{API}/convoys/{convoy.pk}/departure",
        {"departure_at": moved.isoformat()},
        content_type="application/json",
    ).status_code in (401, 403)
    convoy.refresh_from_db()
    assert convoy.departure_at == before
    assert not Notice.objects.filter(kind="evacuation_rescheduled").exists()

    answer = post(
        coordinator, f"/convoys/{convoy.pk}/departure", {"departure_at": moved.isoformat()}
    )

    assert answer.status_code == 200, answer.json()
    assert dt.datetime.fromisoformat(answer.json()["departure_at"]) == moved
    assert Notice.objects.filter(kind="evacuation_rescheduled").count() == 1
