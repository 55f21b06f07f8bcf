"""The coordinator's and field team's pages, through Django's test client."""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone, translation

from reliefline.access.models import AuditEntry
from reliefline.channels.models import Notice
from reliefline.evacuation import engine, services
from reliefline.evacuation.models import (
    AllocationRun,
    Corridor,
    CorridorStatus,
    EvacuationRequest,
    ManifestIssue,
    Placement,
    PlacementEvent,
)
from reliefline.evacuation.services import VehicleInput
from reliefline.evacuation.tests import factories as f
from reliefline.evacuation.tests.helpers import corridor_timeline
from reliefline.places.models import Assignment

pytestmark = pytest.mark.usefixtures("gazetteer")

NEXT_YEAR = f.NEXT_YEAR


def test_coordinator_proposes_a_corridor_from_the_list_page(
    signed_in: tuple[Client, User],
) -> None:
    client, _user = signed_in
    response = client.post("/evacuation/corridors/new/", f.corridor_form())
    assert response.status_code == 302
    page = client.get("/evacuation/").content.decode()
    assert "Sudzha → Sumy" in page and "ICRC" in page


def test_corridor_with_route_ending_nowhere_is_refused_with_the_reason(
    signed_in: tuple[Client, User],
) -> None:
    client, _user = signed_in
    response = client.post(
        "/evacuation/corridors/new/",
        {
            "name": "x",
            "direction": "UA",
            "assembly": f.SUDZHA,
            "reception": "nowhere",
            "starts_at": f"{NEXT_YEAR}-08-17T08:00",
            "ends_at": f"{NEXT_YEAR}-08-17T14:00",
            "party_role": "guarantor",
        },
        follow=True,
    )
    assert "Unknown settlement." in response.content.decode()


def test_illegal_status_change_answers_409_and_keeps_the_status(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    corridor = f.corridor(by=user)
    response = client.post(
        f"/evacuation/corridors/{corridor.pk}/status/",
        {"to": "open"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    assert "cannot go from Proposed to Open" in response.content.decode()
    corridor.refresh_from_db()
    assert corridor.status == CorridorStatus.PROPOSED


def test_corridor_timeline_and_refusal_name_statuses_in_the_readers_language(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    corridor = f.corridor(by=user)
    services.corridor_transition(corridor, to="agreed", by=user, note="МКЧХ підтвердив")
    refused = client.post(
        f"/evacuation/corridors/{corridor.pk}/status/",
        {"to": "proposed"},
        headers={"HX-Request": "true"},
    ).content.decode()
    page = client.get(f"/evacuation/corridors/{corridor.pk}/").content.decode()
    with translation.override("uk"):  # a corridor's statuses, as uk translates them
        proposed = str(CorridorStatus.PROPOSED.label)
        agreed = str(CorridorStatus.AGREED.label)
    assert f"{proposed} → <strong>{agreed}</strong> МКЧХ підтвердив" in page
    assert f"зі стану «{agreed}» у стан «{proposed}»" in refused
    assert "<strong>agreed</strong>" not in page


def test_convoy_page_allocates_and_shows_who_is_left_out_and_why(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=1)], by=user)
    f.request(given_name="Первая", by=user)
    f.request(phone="+79101234511", given_name="Вторая", by=user)
    response = client.post(
        f"/evacuation/convoys/{convoy.pk}/allocate/", headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Places went to higher priority or earlier requests." in page
    assert "(proven the best)" in page and "OPTIMAL" not in page  # the solver's status, read
    assert AuditEntry.objects.filter(
        record=f"evacuation.convoy:{convoy.pk}", purpose="convoy allocation page"
    ).exists()


@pytest.mark.parametrize("cut", [False, True])
def test_the_convoy_page_says_when_the_clock_cut_the_allocation_short(
    signed_in: tuple[Client, User], monkeypatch: pytest.MonkeyPatch, cut: bool
) -> None:
    client, user = signed_in
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=4)], by=user)
    f.request(by=user)
    solve = engine.allocate
    # The real engine, its result marked as if a busy server's wall clock ended the search
    # (which no test can cause on purpose: the work limit stops a quiet machine first).
    monkeypatch.setattr(
        engine,
        "allocate",
        lambda *args, **kwargs: replace(solve(*args, **kwargs), stopped_by_clock=cut),
    )
    page = client.post(
        f"/evacuation/convoys/{convoy.pk}/allocate/", headers={"HX-Request": "true"}
    ).content.decode()
    run = AllocationRun.objects.get(convoy=convoy)
    assert run.stopped_by_clock is cut and run.allocated == 1
    assert ('id="run-cut"' in page) is cut
    assert ("too busy to finish the search" in page) is cut
    assert client.get(f"/evacuation/convoys/{convoy.pk}/").content.decode().count(
        'id="run-cut"'
    ) == int(cut)


def test_manual_change_breaking_a_hard_constraint_is_refused_on_the_page(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=1)], by=user)
    family = f.request(family=[("Мария", "walking", False)], by=user)
    response = client.post(
        f"/evacuation/convoys/{convoy.pk}/place/",
        {"request": family.pk, "vehicle": f.bus(convoy).pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    assert "Not enough free seats for the whole household" in response.content.decode()
    assert not Placement.objects.exists()


def _field_team_in_sudzha(user_in: Callable[[str], User]) -> Client:
    """Return a client of a field team assigned to Sudzha, where the corridor assembles."""
    field = user_in("field")
    Assignment.objects.create(user=field, place_id=f.SUDZHA)
    client = Client()
    client.force_login(field)
    return client


def test_field_team_boards_by_manifest_code_on_the_phone_page(
    client_as: Callable[[str], Client], user_in: Callable[[str], User]
) -> None:
    coordinator = user_in("coordinator")
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=3)], by=coordinator)
    family = f.request(by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    placement = Placement.objects.get(member__request=family)
    field = _field_team_in_sudzha(user_in)
    found = field.get(f"/evacuation/convoys/{convoy.pk}/field/", {"q": placement.code})
    assert "Верещук" in found.content.decode()
    # At the assembly point, the departure on Sudzha's clock, named.
    moscow = convoy.departure_at.astimezone(ZoneInfo("Europe/Moscow")).strftime("%d.%m.%Y %H:%M")
    assert moscow in found.content.decode()
    marked = field.post(
        f"/evacuation/passengers/{placement.code}/mark/",
        {"to": "boarded"},
        headers={"HX-Request": "true"},
    )
    assert marked.status_code == 200 and "status-boarded" in marked.content.decode()
    again = field.post(
        f"/evacuation/passengers/{placement.code}/mark/",
        {"to": "no_show"},
        headers={"HX-Request": "true"},
    )
    assert again.status_code == 409


def test_a_boarding_sent_again_over_a_bad_connection_is_boarded_once(
    user_in: Callable[[str], User],
) -> None:
    """The phone never got the answer and the team taps again: the same answer, once."""
    coordinator = user_in("coordinator")
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=3)], by=coordinator)
    family = f.request(by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    placement = Placement.objects.filter(member__request=family).first()
    assert placement is not None
    field = _field_team_in_sudzha(user_in)
    page = field.get(f"/evacuation/convoys/{convoy.pk}/field/", {"q": placement.code})
    key = re.search(
        rf'id="p-{placement.code}".*?name="idempotency_key" value="([^"]+)"',
        page.content.decode(),
        re.S,
    )
    assert key is not None
    url = f"/evacuation/passengers/{placement.code}/mark/"
    body = urlencode({"idempotency_key": key.group(1), "to": "boarded"})
    form = "application/x-www-form-urlencoded"

    first = field.post(url, body, content_type=form, headers={"HX-Request": "true"})
    again = field.post(url, body, content_type=form, headers={"HX-Request": "true"})

    assert first.status_code == again.status_code == 200
    assert again.content == first.content  # "boarded", not "cannot mark boarded twice"
    assert PlacementEvent.objects.filter(placement=placement, kind="boarded").count() == 1


def test_reconciliation_flags_boarded_but_not_arrived(
    client_as: Callable[[str], Client], user_in: Callable[[str], User]
) -> None:
    coordinator = user_in("coordinator")
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=3)], by=coordinator)
    family = f.request(by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    services.placement_mark(
        Placement.objects.get(member__request=family), to="boarded", by=coordinator
    )
    page = (
        _field_team_in_sudzha(user_in)
        .get(f"/evacuation/convoys/{convoy.pk}/reconciliation/")
        .content.decode()
    )
    assert "1 person boarded but has not arrived." in page


def test_a_field_team_elsewhere_gets_404_for_the_convoy_and_its_passengers(
    client_as: Callable[[str], Client], user_in: Callable[[str], User]
) -> None:
    coordinator = user_in("coordinator")
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=3)], by=coordinator)
    family = f.request(by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    placement = Placement.objects.get(member__request=family)
    elsewhere = client_as("field")  # assigned to no settlement on this corridor

    assert elsewhere.get(f"/evacuation/convoys/{convoy.pk}/field/").status_code == 404
    assert elsewhere.get(f"/evacuation/convoys/{convoy.pk}/reconciliation/").status_code == 404
    marked = elsewhere.post(f"/evacuation/passengers/{placement.code}/mark/", {"to": "boarded"})
    assert marked.status_code == 404
    assert Placement.objects.get(pk=placement.pk).status == placement.status


def test_checkpoint_manifest_page_shows_four_columns_only(signed_in: tuple[Client, User]) -> None:
    client, user = signed_in
    convoy = f.allocated_convoy(by=user)
    response = client.post(
        f"/evacuation/vehicles/{f.bus(convoy).pk}/manifest/",
        {"kind": "checkpoint", "language": "en", "recipient": "Checkpoint", "format": "csv"},
    )
    assert response["Content-Type"].startswith("text/csv")
    header, row = response.content.decode().splitlines()
    assert header == "Name,Birth year,Place,Vehicle"
    assert row.startswith("Ирина Верещук,,Place 1,Bus")


@pytest.mark.parametrize("role", ["operator", "partner", "dpo"])
def test_roles_without_evacuation_work_get_403(
    role: str, client_as: Callable[[str], Client]
) -> None:
    assert client_as(role).get("/evacuation/").status_code == 403


def test_field_team_cannot_allocate(client_as: Callable[[str], Client]) -> None:
    convoy = f.convoy()
    assert client_as("field").post(f"/evacuation/convoys/{convoy.pk}/allocate/").status_code == 403


def test_unknown_convoy_is_404(signed_in: tuple[Client, User]) -> None:
    client, _user = signed_in
    assert client.get("/evacuation/convoys/999999/").status_code == 404


def test_coordinator_records_a_request_with_a_refusal_from_the_worklist(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    case = f.open_case(
        needs=(f.NeedInput(type="evacuation"),), household_size=2, settlement_id=f.SUDZHA, by=user
    )
    assert case.household is not None and case.caller_id is not None
    relative = f.person_create(
        f.PersonInput(given_name="Валентина", family_name="Соколова"), household=case.household
    )
    listing = client.get("/evacuation/").content.decode()
    assert f"/evacuation/cases/{case.reference}/request/" in listing
    response = client.post(
        f"/evacuation/cases/{case.reference}/request/",
        {
            "direction": "RU",
            f"going_{case.caller_id}": "on",
            f"consent_{case.caller_id}": "written",
            f"mobility_{case.caller_id}": "walking",
            f"refuses_{relative.pk}": "on",
            f"consent_{relative.pk}": "verbal",
        },
    )
    assert response.status_code == 302
    request = EvacuationRequest.objects.get(case=case)
    assert {(m.person_id, m.going) for m in request.members.all()} == {
        (case.caller_id, True),
        (relative.pk, False),
    }


def test_request_without_consent_is_refused_on_the_page(signed_in: tuple[Client, User]) -> None:
    client, user = signed_in
    case = f.open_case(needs=(f.NeedInput(type="evacuation"),), by=user)
    response = client.post(
        f"/evacuation/cases/{case.reference}/request/",
        {
            "direction": "UA",
            f"going_{case.caller_id}": "on",
            f"consent_{case.caller_id}": "not_obtained",
        },
    )
    assert response.status_code == 422
    assert "Record how the person consented to leave." in response.content.decode()
    assert not EvacuationRequest.objects.exists()


def test_internal_manifest_page_has_a_qr_code_per_passenger_checkpoint_none(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.allocated_convoy(by=user)
    url = f"/evacuation/vehicles/{f.bus(convoy).pk}/manifest/"
    form = {"language": "en", "recipient": "Convoy lead", "format": "html"}

    internal = client.post(url, {**form, "kind": "internal"}, follow=True).content.decode()
    checkpoint = client.post(url, {**form, "kind": "checkpoint"}, follow=True).content.decode()

    code = Placement.objects.get().code
    assert internal.count('<svg width="') == 1
    assert f"<title>{code}</title>" in internal
    assert "<svg" not in checkpoint.split('<table class="evac-table')[1].split("</table>")[0]
    assert code not in checkpoint
    # The departure on the assembly point's clock (Sudzha: Moscow time), named.
    moscow = convoy.departure_at.astimezone(ZoneInfo("Europe/Moscow")).strftime("%d.%m.%Y %H:%M")
    assert f"{moscow} (Moscow time)" in checkpoint


def test_manifest_page_gives_the_checkpoint_manifest_as_a_pdf_file(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.allocated_convoy(by=user)
    response = client.post(
        f"/evacuation/vehicles/{f.bus(convoy).pk}/manifest/",
        {"kind": "checkpoint", "language": "uk", "recipient": "ICRC", "format": "pdf"},
    )
    issue = ManifestIssue.objects.get()
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="manifest-checkpoint-{issue.vehicle_id}-{issue.pk}.pdf"'
    )
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF-")
    assert (issue.format, issue.recipient, issue.issued_by) == ("pdf", "ICRC", user)


def test_field_team_marks_a_typed_or_scanned_code_boarded(
    user_in: Callable[[str], User],
) -> None:
    convoy = f.allocated_convoy(by=user_in("coordinator"))
    placement = Placement.objects.get()
    response = _field_team_in_sudzha(user_in).post(
        f"/evacuation/convoys/{convoy.pk}/field/mark/",
        # As pasted or typed: case and spaces around do not count.
        {"code": f"  {placement.code.lower()} ", "to": "boarded"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "status-boarded" in response.content.decode()
    assert Placement.objects.get().status == "boarded"


def test_code_of_no_passenger_of_the_convoy_is_422_naming_the_field(
    user_in: Callable[[str], User],
) -> None:
    coordinator = user_in("coordinator")
    convoy = f.allocated_convoy(by=coordinator)
    other = f.convoy(f.corridor(by=coordinator, name="Sudzha → Sumy 2"), by=coordinator)
    response = _field_team_in_sudzha(user_in).post(
        f"/evacuation/convoys/{other.pk}/field/mark/",
        {"code": Placement.objects.get(vehicle__convoy=convoy).code, "to": "boarded"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "No passenger of this convoy has the code" in response.content.decode()
    assert Placement.objects.get().status == "allocated"


def test_code_form_without_javascript_marks_and_shows_the_passenger(
    user_in: Callable[[str], User],
) -> None:
    convoy = f.allocated_convoy(by=user_in("coordinator"))
    code = Placement.objects.get().code
    response = _field_team_in_sudzha(user_in).post(
        f"/evacuation/convoys/{convoy.pk}/field/mark/", {"code": code, "to": "boarded"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/evacuation/convoys/{convoy.pk}/field/?q={code}&to=boarded"
    assert Placement.objects.get().status == "boarded"


def test_a_coordinator_plans_on_kyiv_time_and_sees_sudzhas_clock_beside_it(
    signed_in: tuple[Client, User],
) -> None:
    # In November Sudzha (Moscow time) is an hour ahead of the hotline (Kyiv time): the
    # departure typed is on the clock the form names, and the family's is beside it.
    client, _user = signed_in
    form = client.get("/evacuation/").content.decode()
    assert "Window opens (Kyiv time)" in form
    client.post(
        "/evacuation/corridors/new/",
        {
            "name": "Sudzha → Sumy, winter",
            "direction": "UA",
            "assembly": f.SUDZHA,
            "reception": f.SUMY,
            "starts_at": f"{NEXT_YEAR}-11-28T08:00",
            "ends_at": f"{NEXT_YEAR}-11-28T14:00",
            "party_role": "guarantor",
        },
    )
    listed = client.get("/evacuation/").content.decode()
    assert f"{NEXT_YEAR}-11-28 08:00–14:00 (Kyiv time; 09:00–15:00 Moscow time)" in listed
    corridor = Corridor.objects.get(name="Sudzha → Sumy, winter")
    page = client.get(f"/evacuation/corridors/{corridor.pk}/").content.decode()
    assert "Departure (Kyiv time)" in page
    planned = client.post(
        f"/evacuation/corridors/{corridor.pk}/convoys/",
        {
            "window": corridor.windows.get().pk,
            "name": "Morning bus",
            "departure_at": f"{NEXT_YEAR}-11-28T09:00",
            "assembly_point": f.SUDZHA,
        },
    )
    assert planned.status_code == 302
    convoy = corridor.windows.get().convoys.get()
    assert convoy.departure_at.astimezone(ZoneInfo("UTC")).hour == 7
    shown = f"{NEXT_YEAR}-11-28 09:00 (Kyiv time; 10:00 Moscow time)"
    assert shown in client.get(f"/evacuation/corridors/{corridor.pk}/").content.decode()
    assert shown in client.get(f"/evacuation/convoys/{convoy.pk}/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    in_russian = client.get(f"/evacuation/convoys/{convoy.pk}/").content.decode()
    assert "09:00 (по киевскому времени; 10:00 по московскому времени)" in in_russian


def test_a_coordinator_moves_a_locked_convoys_departure_and_the_families_are_told(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.allocated_convoy(by=user)
    page = client.get(f"/evacuation/convoys/{convoy.pk}/").content.decode()
    assert "households are told when the convoy is locked" in page
    earlier = timezone.localtime(convoy.departure_at - dt.timedelta(minutes=30))
    unlocked = client.post(
        f"/evacuation/convoys/{convoy.pk}/departure/",
        {"departure_at": earlier.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    assert "Departure moved. Nobody has been told a time yet" in unlocked.content.decode()
    assert not Notice.objects.exists()
    convoy.refresh_from_db()
    # Locked from the panel (htmx): the hint above it says who a move now tells.
    locked = client.post(f"/evacuation/convoys/{convoy.pk}/lock/", headers={"HX-Request": "true"})
    hint = re.search(
        r'<p class="muted" id="reschedule-hint" hx-swap-oob="true">(.*?)</p>',
        locked.content.decode(),
        re.S,
    )
    assert hint is not None and "1 household with a seat is told the new time" in hint.group(1)
    convoy.refresh_from_db()
    services.manifest_issue(
        convoy.vehicles.get(),
        kind="checkpoint",
        language="ru",
        recipient="КПП Суджа",
        format="pdf",
        by=user,
    )
    page = client.get(f"/evacuation/convoys/{convoy.pk}/").content.decode()
    assert "New departure (Kyiv time)" in page
    assert "1 household with a seat is told the new time" in page
    moved = timezone.localtime(convoy.departure_at + dt.timedelta(hours=1))

    refused = client.post(
        f"/evacuation/convoys/{convoy.pk}/departure/", {"departure_at": "not a time"}, follow=True
    )
    assert "departure_at" in refused.content.decode()
    answer = client.post(
        f"/evacuation/convoys/{convoy.pk}/departure/",
        {"departure_at": moved.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )

    shown = answer.content.decode()
    assert "1 household with a seat is being told the new time" in shown
    # The checkpoint's copy holds the old time: the page says to hand it out again.
    outdated = "show the old departure; hand them out again to: КПП Суджа."
    assert outdated in shown
    assert any(outdated in note for note in corridor_timeline(convoy.window.corridor))
    convoy.refresh_from_db()
    assert convoy.departure_at == moved.replace(second=0, microsecond=0)
    assert Notice.objects.filter(kind="evacuation_rescheduled").count() == 1


def test_a_move_while_the_corridor_is_suspended_says_the_reopening_tells_them(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.allocated_convoy(by=user)
    corridor = convoy.window.corridor
    for status in ("agreed", "open"):
        services.corridor_transition(corridor, to=status, by=user)
    services.convoy_lock(convoy, by=user)
    services.corridor_transition(corridor, to="suspended", by=user)
    page = client.get(f"/evacuation/convoys/{convoy.pk}/").content.decode()
    assert "told their seat and time when it reopens" in page

    moved = timezone.localtime(convoy.departure_at + dt.timedelta(minutes=30))
    answer = client.post(
        f"/evacuation/convoys/{convoy.pk}/departure/",
        {"departure_at": moved.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )

    assert "Departure moved. The corridor is suspended" in answer.content.decode()
    assert not Notice.objects.filter(kind="evacuation_rescheduled").exists()
    # Closed, nothing can move: the form is gone.
    services.corridor_transition(corridor, to="closed", by=user)
    closed = client.get(f"/evacuation/convoys/{convoy.pk}/").content.decode()
    assert 'id="reschedule"' not in closed
