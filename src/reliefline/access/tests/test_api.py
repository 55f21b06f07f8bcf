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
