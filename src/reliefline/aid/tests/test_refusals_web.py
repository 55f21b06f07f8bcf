"""Refusals through the JSON API and the pages: reported, listed by role, settled once."""

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from reliefline.aid.models import Balance, DistributionRefusal, Warehouse
from reliefline.aid.tests.factories import (
    family,
    water_point,
)
from reliefline.people.models import Household

pytestmark = pytest.mark.django_db
As = Callable[[str], Client]
KEY = "0b7e3c1a-5d2f-4e6a-9b8c-7d6e5f4a3b2c"
# Handed out this morning, three hours behind UTC: a time a report may give.
HANDED_OUT = dt.datetime.now(dt.UTC).replace(hour=7, minute=15, second=0, microsecond=0)
if dt.datetime.now(dt.UTC) < HANDED_OUT:
    HANDED_OUT -= dt.timedelta(days=1)


@pytest.fixture
def point() -> Warehouse:
    return water_point()


@pytest.fixture
def household() -> Household:
    return family(("Ольга", "Коваленко"))


def _body(household: Household, **changes: object) -> dict[str, object]:
    return {
        "key": KEY,
        "warehouse": "SUDZHA-1",
        "household_id": household.pk,
        "lines": [{"item": "WATER-5L", "quantity": 2}],
        "handed_out_at": HANDED_OUT.astimezone(dt.timezone(dt.timedelta(hours=3))).isoformat(),
        "reasons": "Only 0 of water left at SUDZHA-1; 2 asked for.",
        **changes,
    }


def _post(client: Client, url: str, body: dict[str, object]):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_api_reports_once_and_lists_the_open_ones(
    api_as: As, point: Warehouse, household: Household
):
    client = api_as("coordinator")
    first = _post(client, "/api/v1/aid/refusals", _body(household))
    again = _post(client, "/api/v1/aid/refusals", _body(household))

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    listed = client.get("/api/v1/aid/refusals?status=open").json()
    assert [(r["reference"], r["lines"]) for r in listed] == [
        (first.json()["reference"], [{"item": "WATER-5L", "quantity": 2}])
    ]
    assert client.get("/api/v1/aid/refusals?status=settled").json() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"handed_out_at": "2024-08-12T10:15"}, "handed_out_at"),
        ({"lines": [{"item": "NOPE", "quantity": 2}]}, "lines[0].item"),
        ({"lines": [{"item": "WATER-5L", "quantity": "2"}]}, "quantity"),
        ({"warehouse": "NOWHERE"}, "warehouse"),
        ({"reasons": ""}, "reasons"),
        ({"key": ""}, "key"),
    ],
)
def test_api_bad_report_names_the_field_and_stores_nothing(
    api_as: As, point: Warehouse, household: Household, changes: dict[str, object], field: str
):
    response = _post(api_as("coordinator"), "/api/v1/aid/refusals", _body(household, **changes))

    assert response.status_code in (400, 422)
    assert field in response.json()["detail"]
    assert not DistributionRefusal.objects.exists()


def test_api_settles_once_then_409(api_as: As, point: Warehouse, household: Household):
    client = api_as("coordinator")
    refusal = _post(client, "/api/v1/aid/refusals", _body(household)).json()
    url = f"/api/v1/aid/refusals/{refusal['id']}/settle"

    settled = _post(client, url, {"how": "written_off"})
    twice = _post(client, url, {"how": "written_off"})

    assert settled.status_code == 200
    assert settled.json()["settlement"] == "written_off" and len(settled.json()["movements"]) == 1
    assert twice.status_code == 409 and "already been settled" in twice.json()["detail"]
    assert Balance.objects.get(warehouse=point).quantity == 98


def test_api_bad_settlement_names_the_field(api_as: As, point: Warehouse, household: Household):
    client = api_as("coordinator")
    refusal = _post(client, "/api/v1/aid/refusals", _body(household)).json()
    response = _post(client, f"/api/v1/aid/refusals/{refusal['id']}/settle", {"how": "lost"})
    assert response.status_code == 422 and "how" in response.json()["detail"]
    assert DistributionRefusal.objects.get().status == "open"


def test_api_field_team_may_not_settle_and_partner_may_not_report(
    api_as: As, point: Warehouse, household: Household
):
    refusal = _post(api_as("coordinator"), "/api/v1/aid/refusals", _body(household)).json()
    settle = _post(
        api_as("field"),
        f"/api/v1/aid/refusals/{refusal['id']}/settle",
        {"how": "not_given", "note": "x"},
    )
    report = _post(api_as("partner"), "/api/v1/aid/refusals", _body(household, key="other"))
    assert (settle.status_code, report.status_code) == (403, 403)
    assert DistributionRefusal.objects.get().status == "open"


def test_api_unknown_refusal_is_404(api_as: As):
    response = _post(
        api_as("coordinator"), f"/api/v1/aid/refusals/{2**70}/settle", {"how": "written_off"}
    )
    assert response.status_code == 404


def _form(household: Household, **changes: str) -> dict[str, str]:
    return {
        "key": KEY,
        "warehouse": "SUDZHA-1",
        "household": str(household.pk),
        "qty_WATER-5L": "2",
        "confirmation_code": "4821",
        "handed_out_at": HANDED_OUT.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "reasons": "Water: already received 1 distribution in 7 days.",
        **changes,
    }


def test_the_phones_report_is_stored_once_and_answers_its_address(
    client_as: As, point: Warehouse, household: Household
):
    client = client_as("coordinator")
    first = client.post("/aid/refusals/report/", _form(household))
    again = client.post("/aid/refusals/report/", _form(household))

    assert (first.status_code, again.status_code) == (201, 200)
    refusal = DistributionRefusal.objects.get()
    assert first.json()["url"] == f"/aid/refusals/#refusal-{refusal.pk}"
    assert refusal.confirmation_code == "4821" and refusal.handed_out_at.hour == 7


def test_a_bad_report_from_the_phone_is_422_json_naming_the_field(
    client_as: As, point: Warehouse, household: Household
):
    response = client_as("coordinator").post(
        "/aid/refusals/report/", _form(household, handed_out_at="yesterday")
    )
    assert response.status_code == 422
    assert response.json()["field"] == "handed_out_at"
    assert not DistributionRefusal.objects.exists()


def test_coordinator_page_lists_and_settles_with_htmx(
    client_as: As, point: Warehouse, household: Household
):
    client = client_as("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post("/aid/refusals/report/", _form(household))
    refusal = DistributionRefusal.objects.get()

    page = client.get("/aid/refusals/").content.decode()
    assert f'id="refusal-{refusal.pk}"' in page and "already received 1 distribution" in page
    assert 'value="written_off"' in page and 'href="/aid/refusals/"' in page  # the nav
    answer = client.post(
        f"/aid/refusals/{refusal.pk}/settle/",
        {"how": "written_off"},
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 200
    assert "Written off as a loss" in answer.content.decode()
    assert Balance.objects.get(warehouse=point).quantity == 98
    settled = client.get("/aid/refusals/?status=settled").content.decode()
    assert f'id="refusal-{refusal.pk}"' in settled
    assert f'id="refusal-{refusal.pk}"' not in client.get("/aid/refusals/").content.decode()


def test_not_given_without_a_note_shows_the_error_at_the_note(
    client_as: As, point: Warehouse, household: Household
):
    client = client_as("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post("/aid/refusals/report/", _form(household))
    refusal = DistributionRefusal.objects.get()

    answer = client.post(f"/aid/refusals/{refusal.pk}/settle/", {"how": "not_given"})

    assert answer.status_code == 422
    assert answer.context["row"]["form"].errors["note"] == ["This field is required."]
    assert DistributionRefusal.objects.get().status == "open"


def test_field_team_sees_its_own_refusals_only_and_cannot_settle(
    client_as: As, user_in, point: Warehouse, household: Household
):
    client_as("coordinator").post("/aid/refusals/report/", _form(household))
    refusal = DistributionRefusal.objects.get()
    field = client_as("field")

    page = field.get("/aid/refusals/")

    assert page.status_code == 200 and f'id="refusal-{refusal.pk}"' not in page.content.decode()
    assert (
        field.post(f"/aid/refusals/{refusal.pk}/settle/", {"how": "written_off"}).status_code == 403
    )
    assert client_as("partner").get("/aid/refusals/").status_code == 403


def test_a_report_answers_its_time_in_utc_first_and_again(
    api_as: As, point: Warehouse, household: Household
):
    """The first answer and a retry's show the one instant the same way (UTC, as stored)."""
    client = api_as("coordinator")
    first = _post(client, "/api/v1/aid/refusals", _body(household))
    again = _post(client, "/api/v1/aid/refusals", _body(household))

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["handed_out_at"] == again.json()["handed_out_at"]
    assert first.json()["handed_out_at"] == HANDED_OUT.strftime("%Y-%m-%dT07:15:00Z")
