"""A guarantor named with a proposed corridor has not agreed yet; it agrees with the corridor."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from reliefline.evacuation import services
from reliefline.evacuation.models import Corridor, CorridorParty
from reliefline.evacuation.tests import factories as f

pytestmark = pytest.mark.usefixtures("gazetteer")
NEXT_YEAR = f.NEXT_YEAR


def _propose(client: Client) -> Corridor:
    response = client.post("/evacuation/corridors/new/", f.corridor_form())
    assert response.status_code == 302
    return Corridor.objects.get()


def _parties(page: str) -> str:
    return page.split('<ul id="corridor-parties"')[1].split("</ul>")[0]


def test_a_guarantor_proposed_on_the_page_has_not_agreed_yet(
    english: tuple[Client, User],
) -> None:
    client, _user = english
    corridor = _propose(client)

    assert CorridorParty.objects.get(corridor=corridor).agreed_at is None
    parties = _parties(client.get(f"/evacuation/corridors/{corridor.pk}/").content.decode())
    assert "ICRC" in parties and "not yet agreed" in parties


def test_the_guarantor_agrees_when_the_corridor_is_agreed(english: tuple[Client, User]) -> None:
    client, _user = english
    corridor = _propose(client)

    changed = client.post(
        f"/evacuation/corridors/{corridor.pk}/status/",
        {"to": "agreed", "note": "ICRC confirmed"},
        headers={"HX-Request": "true"},
    )

    # The status answer redraws the parties out of band: agreed, at the status change.
    agreed_at = timezone.localtime(corridor.events.get(to_status="agreed").at)
    for page in (
        changed.content.decode(),
        client.get(f"/evacuation/corridors/{corridor.pk}/").content.decode(),
    ):
        parties = _parties(page)
        assert f"agreed {agreed_at:%Y-%m-%d %H:%M}" in parties
        assert "not yet agreed" not in parties
    assert 'id="corridor-parties" hx-swap-oob="true"' in changed.content.decode()
    # And stored, as the API reads it: the party's agreed time is the corridor's.
    stored = CorridorParty.objects.get(corridor=corridor).agreed_at
    assert stored is not None and abs(stored - agreed_at) < dt.timedelta(seconds=5)


def test_a_party_agreed_earlier_keeps_its_own_time(signed_in: tuple[Client, User]) -> None:
    _client, user = signed_in
    corridor = f.corridor(by=user)
    earlier = timezone.now() - dt.timedelta(days=2)
    CorridorParty.objects.create(corridor=corridor, name="UNHCR", role="party", agreed_at=earlier)

    services.corridor_transition(corridor, to="agreed", by=user)

    assert CorridorParty.objects.get(name="UNHCR").agreed_at == earlier


def test_the_api_records_no_agreement_unless_it_is_given(
    api_as: Callable[[str], Client],
) -> None:
    start = timezone.now() + dt.timedelta(days=1)
    body = {
        "name": "Sudzha → Kursk",
        "direction": "RU",
        "stops": [
            {"kind": "assembly", "place_id": f.SUDZHA},
            {"kind": "reception", "place_id": f.KURSK},
        ],
        "windows": [
            {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=6)).isoformat()}
        ],
        "parties": [
            {"name": "ICRC", "role": "guarantor"},
            {"name": "UNHCR", "role": "party", "agreed_at": "2025-01-05T10:00:00+03:00"},
        ],
    }
    response = api_as("coordinator").post(
        "/api/v1/evacuation/corridors", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    agreed = {p["name"]: p["agreed_at"] for p in response.json()["parties"]}
    assert agreed["ICRC"] is None
    assert agreed["UNHCR"] is not None
