"""Plans nobody could travel by are refused, naming the field, and store nothing."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from reliefline.errors import InvalidInput
from reliefline.evacuation import services
from reliefline.evacuation.models import Convoy, Corridor, CorridorWindow
from reliefline.evacuation.services import CorridorInput, StopInput, WindowInput
from reliefline.evacuation.tests import factories as f

pytestmark = pytest.mark.usefixtures("gazetteer")
API = "/api/v1/evacuation"
PAST = dt.datetime(2020, 1, 1, 8, 0, tzinfo=dt.UTC)


def _input(
    *, starts_at: dt.datetime | None = None, reception: str = f.SUMY, hours: int = 2
) -> CorridorInput:
    start = starts_at or timezone.now() + dt.timedelta(days=1)
    return CorridorInput(
        name="Sudzha → ?",
        direction="UA",
        stops=(StopInput("assembly", f.SUDZHA), StopInput("reception", reception)),
        windows=(WindowInput(start, start + dt.timedelta(hours=hours)),),
    )


def test_a_window_entirely_in_the_past_is_refused_one_under_way_is_not(coordinator: User) -> None:
    with pytest.raises(InvalidInput, match="already ended") as refused:
        services.corridor_create(_input(starts_at=PAST), by=coordinator)
    assert refused.value.field == "windows[0].ends_at"
    assert not Corridor.objects.exists()
    started = timezone.now() - dt.timedelta(hours=1)
    corridor = services.corridor_create(_input(starts_at=started), by=coordinator)
    assert corridor.windows.count() == 1


def test_a_window_added_in_the_past_is_refused(coordinator: User) -> None:
    corridor = f.corridor(by=coordinator)
    with pytest.raises(InvalidInput, match="already ended"):
        services.corridor_window_add(
            corridor, WindowInput(PAST, PAST + dt.timedelta(hours=2)), by=coordinator
        )
    assert corridor.windows.count() == 1


def test_a_route_from_sudzha_to_sudzha_is_refused(coordinator: User) -> None:
    with pytest.raises(InvalidInput, match="already on the route") as refused:
        services.corridor_create(_input(reception=f.SUDZHA), by=coordinator)
    assert refused.value.field == "stops[1].place_id"
    assert not Corridor.objects.exists()


def _window_started_long_ago(coordinator: User) -> CorridorWindow:
    """Return the window of a corridor, moved to have opened a day ago (still open)."""
    corridor = f.corridor(by=coordinator)
    now = timezone.now()
    CorridorWindow.objects.filter(corridor=corridor).update(
        starts_at=now - dt.timedelta(days=1), ends_at=now + dt.timedelta(hours=2)
    )
    return corridor.windows.get()


def test_a_convoy_departing_in_the_past_is_refused(coordinator: User) -> None:
    window = _window_started_long_ago(coordinator)
    with pytest.raises(InvalidInput, match="already passed") as refused:
        services.convoy_create(
            window,
            name="Yesterday",
            departure_at=timezone.now() - dt.timedelta(hours=3),
            assembly_point_id=f.SUDZHA,
            by=coordinator,
        )
    assert refused.value.field == "departure_at"
    assert not Convoy.objects.exists()


def _page_client(coordinator: User) -> Client:
    client = Client()
    client.force_login(coordinator)
    return client


def test_the_page_refuses_a_past_window_with_422_at_the_field(coordinator: User) -> None:
    response = _page_client(coordinator).post(
        "/evacuation/corridors/new/",
        {
            "name": "Sudzha → Sumy",
            "direction": "UA",
            "assembly": f.SUDZHA,
            "reception": f.SUMY,
            "starts_at": "2020-01-01T08:00",
            "ends_at": "2020-01-01T10:00",
            "party_role": "guarantor",
        },
    )
    assert response.status_code == 422
    assert not Corridor.objects.exists()
    page = response.content.decode()
    assert "The window has already ended" in page
    assert "ends_at:" not in page and "windows[0]" not in page


def test_the_page_refuses_sudzha_to_sudzha_at_the_reception_point(coordinator: User) -> None:
    response = _page_client(coordinator).post(
        "/evacuation/corridors/new/",
        {
            "name": "Sudzha → Sudzha",
            "direction": "UA",
            "assembly": f.SUDZHA,
            "reception": f.SUDZHA,
            "starts_at": f"{timezone.now().year + 1}-08-17T08:00",
            "ends_at": f"{timezone.now().year + 1}-08-17T14:00",
            "party_role": "guarantor",
        },
    )
    assert response.status_code == 422
    assert not Corridor.objects.exists()
    page = response.content.decode()
    assert page.index("already on the route") > page.index('id="picker-reception"')


def test_the_page_refuses_a_convoy_departing_in_the_past(coordinator: User) -> None:
    window = _window_started_long_ago(coordinator)
    past = timezone.localtime(timezone.now() - dt.timedelta(hours=3))
    response = _page_client(coordinator).post(
        f"/evacuation/corridors/{window.corridor_id}/convoys/",
        {
            "window": window.pk,
            "name": "Yesterday",
            "departure_at": past.strftime("%Y-%m-%dT%H:%M"),
            "assembly_point": f.SUDZHA,
        },
    )
    assert response.status_code == 422
    assert "The departure has already passed." in response.content.decode()
    assert not Convoy.objects.exists()


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, body, content_type="application/json")


def _body(**overrides: Any) -> dict[str, Any]:
    start = timezone.now() + dt.timedelta(days=1)
    body: dict[str, Any] = {
        "name": "Sudzha → Sumy",
        "direction": "UA",
        "stops": [
            {"kind": "assembly", "place_id": f.SUDZHA},
            {"kind": "reception", "place_id": f.SUMY},
        ],
        "windows": [
            {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=6)).isoformat()}
        ],
        "parties": [],
    }
    body.update(overrides)
    return body


def test_the_api_refuses_a_past_window_and_a_route_to_its_start(
    api_as: Callable[[str], Client],
) -> None:
    client = api_as("coordinator")
    past = _post(
        client,
        "/corridors",
        _body(
            windows=[{"starts_at": "2020-01-01T08:00+03:00", "ends_at": "2020-01-01T10:00+03:00"}]
        ),
    )
    circle = _post(
        client,
        "/corridors",
        _body(
            stops=[
                {"kind": "assembly", "place_id": f.SUDZHA},
                {"kind": "reception", "place_id": f.SUDZHA},
            ]
        ),
    )
    assert (past.status_code, past.json()["field"]) == (422, "windows[0].ends_at")
    assert (circle.status_code, circle.json()["field"]) == (422, "stops[1].place_id")
    assert not Corridor.objects.exists()


def test_the_api_refuses_a_convoy_departing_in_the_past(
    api_as: Callable[[str], Client], user_in: Callable[[str], User]
) -> None:
    window = _window_started_long_ago(user_in("coordinator"))
    response = _post(
        api_as("coordinator"),
        f"/corridors/{window.corridor_id}/convoys",
        {
            "window_id": window.pk,
            "name": "Yesterday",
            "departure_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
            "assembly_point": f.SUDZHA,
        },
    )
    assert (response.status_code, response.json()["field"]) == (422, "departure_at")
    assert not Convoy.objects.exists()
