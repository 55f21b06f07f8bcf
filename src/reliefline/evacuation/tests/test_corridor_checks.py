"""What a corridor's proposal is checked for beyond its form: a direction toward its
reception point's country, and parties that agreed already, not in years to come."""

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from reliefline.errors import InvalidInput
from reliefline.evacuation import services
from reliefline.evacuation.models import Corridor
from reliefline.evacuation.services import CorridorInput, PartyInput, StopInput, WindowInput
from reliefline.evacuation.services.corridors import AGREED_SKEW
from reliefline.evacuation.tests import factories as f
from reliefline.evacuation.tests.test_api import corridor_body
from reliefline.evacuation.tests.test_forms import field_of

pytestmark = pytest.mark.usefixtures("gazetteer")
API = "/api/v1/evacuation"


def _propose(client: Client, body: dict[str, Any]) -> Any:
    return client.post(
        f"{API}/corridors",
        json.dumps(body),
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )


# ---- the direction ------------------------------------------------------------------


def test_a_corridor_toward_russia_ending_in_sumy_is_refused_at_its_direction(
    coordinator: User,
) -> None:
    start = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(InvalidInput, match="choose “Toward Ukraine”") as caught:
        services.corridor_create(
            CorridorInput(
                name="Sudzha → Sumy",
                direction="RU",
                stops=(StopInput("assembly", f.SUDZHA), StopInput("reception", f.SUMY)),
                windows=(WindowInput(start, start + dt.timedelta(hours=6)),),
            ),
            by=coordinator,
        )

    assert caught.value.field == "direction"
    assert "Sumy" in caught.value.message
    assert not Corridor.objects.exists()


def test_the_api_refuses_a_direction_away_from_the_reception_point(
    api_as: Callable[[str], Client],
) -> None:
    response = _propose(api_as("coordinator"), corridor_body(direction="UA"))

    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "direction"
    assert body["detail"].startswith("direction: The reception point Kursk is not on that side")
    assert not Corridor.objects.exists()


def test_the_page_refuses_a_direction_away_from_the_reception_point_at_its_field(
    english: tuple[Client, User],
) -> None:
    client, _user = english

    response = client.post("/evacuation/corridors/new/", f.corridor_form(direction="RU"))

    assert response.status_code == 422
    assert "choose “Toward Ukraine”" in field_of(response.content.decode(), "id_direction")
    assert not Corridor.objects.exists()


def test_a_corridor_toward_its_reception_points_country_is_proposed(
    api_as: Callable[[str], Client],
) -> None:
    response = _propose(api_as("coordinator"), corridor_body())

    assert response.status_code == 201, response.content
    assert Corridor.objects.get().direction == "RU"


# ---- a party's agreement ------------------------------------------------------------


def test_the_api_refuses_an_agreement_dated_years_ahead(api_as: Callable[[str], Client]) -> None:
    parties = [{"name": "ICRC", "role": "guarantor", "agreed_at": "2030-01-01T10:00:00+03:00"}]

    response = _propose(api_as("coordinator"), corridor_body(parties=parties))

    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "parties[0].agreed_at"
    assert "in the future" in body["detail"]
    assert not Corridor.objects.exists()


def test_an_agreement_a_moment_ahead_of_the_servers_clock_is_a_clock_skew(
    coordinator: User,
) -> None:
    """A sender's clock a minute fast is not an agreement still to come."""
    agreed_at = timezone.now() + dt.timedelta(minutes=1)

    created = services.corridor_create(
        CorridorInput(
            name="Sudzha → Sumy",
            direction="UA",
            stops=(StopInput("assembly", f.SUDZHA), StopInput("reception", f.SUMY)),
            parties=(PartyInput("ICRC", agreed_at=agreed_at),),
        ),
        by=coordinator,
    )

    assert created.parties.get().agreed_at == agreed_at


def test_an_agreement_beyond_the_clock_skew_is_refused(coordinator: User) -> None:
    agreed_at = timezone.now() + AGREED_SKEW + dt.timedelta(minutes=1)

    with pytest.raises(InvalidInput, match="in the future") as caught:
        services.corridor_create(
            CorridorInput(
                name="Sudzha → Sumy",
                direction="UA",
                stops=(StopInput("assembly", f.SUDZHA), StopInput("reception", f.SUMY)),
                parties=(PartyInput("UNHCR"), PartyInput("ICRC", agreed_at=agreed_at)),
            ),
            by=coordinator,
        )

    assert caught.value.field == "parties[1].agreed_at"


# ---- the admin ----------------------------------------------------------------------


def test_the_admin_cannot_turn_a_corridor_round_or_add_one_without_its_route(
    client_as: Callable[[str], Client],
) -> None:
    corridor = f.corridor(direction="RU")
    admin = client_as("admin")
    page = admin.get(f"/admin/evacuation/corridor/{corridor.pk}/change/")
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))

    saved = admin.post(
        f"/admin/evacuation/corridor/{corridor.pk}/change/",
        {**form, "name": "Sudzha → Kursk (ICRC)", "direction": "UA"},
    )

    assert saved.status_code == 302

    corridor.refresh_from_db()
    assert (corridor.name, corridor.direction) == ("Sudzha → Kursk (ICRC)", "RU")
    assert admin.get("/admin/evacuation/corridor/add/").status_code == 403
