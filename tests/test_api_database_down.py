"""The JSON API while its database is down: a 503 JSON answer, never Django's HTML page."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
@pytest.mark.django_db
def test_api_answers_503_json_while_the_database_is_unreachable(
    api_as: Callable[[str], Client], error: type[Exception]
) -> None:
    client = api_as("operator")

    def refuse(*args: Any) -> None:
        raise error("connection refused")

    with connection.execute_wrapper(refuse):
        response = client.post(
            "/api/v1/cases",
            {"channel": "phone", "language": "ru", "caller": {"phone": "+79101234567"}},
            content_type="application/json",
        )

    assert response.status_code == 503
    assert response.json() == {
        "detail": "The database is not answering; try again in a few seconds.",
        "code": "unavailable",
    }
    assert response["Retry-After"] == "5"
