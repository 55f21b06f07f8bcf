"""The coordinator's forms after a refusal: what was typed stays, the reason is at its field."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from reliefline.evacuation import services
from reliefline.evacuation.models import Convoy, Corridor, Vehicle
from reliefline.evacuation.tests import factories as f

pytestmark = pytest.mark.usefixtures("gazetteer")
NEXT_YEAR = f.NEXT_YEAR


def field_of(page: str, input_id: str) -> str:
    """Return the HTML of the form field (label, input, its errors) holding `input_id`."""
    for chunk in page.split('<div class="field')[1:]:
        if f'id="{input_id}"' in chunk:
            return chunk
    raise AssertionError(f"no field {input_id}")


def test_a_refused_corridor_comes_back_as_typed_with_the_reason_at_the_window(
    signed_in: tuple[Client, User],
) -> None:
    client, _user = signed_in
    response = client.post(
        "/evacuation/corridors/new/",
        {
            "name": "Sudzha → Sumy",
            "direction": "UA",
            "assembly": f.SUDZHA,
            "reception": f.SUMY,
            "starts_at": f"{NEXT_YEAR}-08-17T14:00",
            "ends_at": f"{NEXT_YEAR}-08-17T08:00",
            "guarantor": "ICRC",
            "party_role": "guarantor",
        },
    )
    assert response.status_code == 422
    assert not Corridor.objects.exists()
    page = response.content.decode()
    assert 'value="Sudzha → Sumy"' in page and 'value="ICRC"' in page
    assert f'value="{NEXT_YEAR}-08-17T14:00"' in page
    assert f'data-place-id="{f.SUDZHA}"' in page and f'data-place-id="{f.SUMY}"' in page
    ends = field_of(page, "id_ends_at")
    assert "Window closes" in ends and "A window ends after it starts." in ends
    assert "ends_at:" not in page and "windows[0]" not in page


def test_a_form_error_is_shown_at_its_field_by_its_label(
    signed_in: tuple[Client, User],
) -> None:
    client, _user = signed_in
    response = client.post(
        "/evacuation/corridors/new/",
        {"name": "", "direction": "UA", "assembly": f.SUDZHA, "party_role": "guarantor"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "This field is required." in field_of(page, "id_name")
    assert "name: This field is required." not in page


def test_a_refused_convoy_comes_back_as_typed(signed_in: tuple[Client, User]) -> None:
    client, user = signed_in
    corridor = f.corridor(by=user)
    window = corridor.windows.get()
    late = timezone.localtime(window.ends_at + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/evacuation/corridors/{corridor.pk}/convoys/",
        {
            "window": window.pk,
            "name": "Evening bus",
            "departure_at": late,
            "assembly_point": f.SUDZHA,
        },
    )
    assert response.status_code == 422
    assert not Convoy.objects.exists()
    page = response.content.decode()
    assert 'value="Evening bus"' in page and f'value="{late}"' in page
    departure = field_of(page, "id_departure_at")
    assert "Departure" in departure and "outside the corridor&#x27;s window" in departure
    assert "departure_at:" not in page


@pytest.mark.parametrize("htmx", [True, False])
def test_a_refused_vehicle_comes_back_as_typed_with_the_reason_at_its_field(
    signed_in: tuple[Client, User], htmx: bool
) -> None:
    client, user = signed_in
    convoy = f.convoy(vehicles=[], by=user)
    response = client.post(
        f"/evacuation/convoys/{convoy.pk}/vehicles/",
        {"label": "Bus 7", "seats": 0, "wheelchair_places": 0, "stretcher_places": 0},
        headers={"HX-Request": "true"} if htmx else {},
    )
    assert response.status_code == 422
    assert not Vehicle.objects.exists()
    page = response.content.decode()
    assert 'value="Bus 7"' in page
    seats = field_of(page, "id_seats")
    assert "Seats" in seats and "A vehicle needs at least one place." in seats
    assert "seats:" not in page


def test_a_vehicle_without_a_name_is_refused_at_its_field(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.convoy(vehicles=[], by=user)
    response = client.post(
        f"/evacuation/convoys/{convoy.pk}/vehicles/",
        {"label": "", "seats": 30, "wheelchair_places": 0, "stretcher_places": 0},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "This field is required." in field_of(page, "id_label")
    assert 'value="30"' in page
    assert "label: This field is required." not in page


def test_a_refused_move_of_the_departure_comes_back_open_with_the_reason(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.allocated_convoy(by=user)
    late = timezone.localtime(convoy.window.ends_at + dt.timedelta(hours=1))
    response = client.post(
        f"/evacuation/convoys/{convoy.pk}/departure/",
        {"departure_at": late.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert '<details class="card reschedule" id="reschedule" open>' in page
    assert "outside the corridor&#x27;s window" in field_of(page, "id_departure_at")
    assert "departure_at:" not in page


def test_an_open_corridor_reads_as_one_corridor_in_ukrainian(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    corridor = f.corridor(by=user)
    for status in ("agreed", "open", "suspended"):
        services.corridor_transition(corridor, to=status, by=user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"

    page = client.get(f"/evacuation/corridors/{corridor.pk}/").content.decode()
    listed = client.get("/evacuation/").content.decode()

    # "Відкриті" is the plural of a filter of open cases, not a corridor's status.
    assert "Відкриті" not in page and "Відкриті" not in listed


def test_the_first_timeline_entry_says_proposed_once(signed_in: tuple[Client, User]) -> None:
    client, user = signed_in
    corridor = f.corridor(by=user)

    page = client.get(f"/evacuation/corridors/{corridor.pk}/").content.decode()

    timeline = page[page.index('<ol class="timeline">') :]
    first = timeline[: timeline.index("</li>")]
    assert first.count("Proposed") == 1
