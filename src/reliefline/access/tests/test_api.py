"""/api/v1/audit: the filters refuse what they would otherwise read another way."""

from collections.abc import Callable

import pytest
from django.test import Client

ApiAs = Callable[[str], Client]


@pytest.mark.parametrize(
    "since",
    ["2026-01-01T00:00:00", "2026-01-01", "1700000000"],
    ids=["no offset", "a bare date", "seconds since 1970"],
)
def test_audit_since_without_an_offset_is_422_naming_the_field(api_as: ApiAs, since: str) -> None:
    response = api_as("dpo").get("/api/v1/audit", {"since": since})

    assert response.status_code == 422
    assert response.json()["field"] == "since"


def test_audit_since_with_its_offset_is_read(api_as: ApiAs) -> None:
    response = api_as("dpo").get("/api/v1/audit", {"since": "2026-01-01T00:00:00+02:00"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("name", "value"),
    [("since", "0001-01-01T00:00:00+14:00"), ("until", "9999-12-31T23:59:59-14:00")],
    ids=["before year 1 in UTC", "past year 9999 in UTC"],
)
def test_audit_dates_at_the_ends_of_time_are_422_not_500(
    api_as: ApiAs, name: str, value: str
) -> None:
    response = api_as("dpo").get("/api/v1/audit", {name: value})

    assert response.status_code == 422
    assert response.json()["field"] == name
    assert "1900 to 2999" in response.json()["detail"]


def test_refusals_follow_accept_language(api_as: ApiAs) -> None:
    forbidden = api_as("partner").get("/api/v1/audit", headers={"Accept-Language": "uk"})
    anonymous = Client().get("/api/v1/audit", headers={"Accept-Language": "ru"})
    limit = api_as("dpo").get("/api/v1/audit?limit=0", headers={"Accept-Language": "uk"})

    assert forbidden.status_code == 403 and "role" not in forbidden.json()["detail"]
    assert anonymous.status_code == 401 and "Authentication" not in anonymous.json()["detail"]
    assert limit.status_code == 422 and "number" not in limit.json()["detail"]
