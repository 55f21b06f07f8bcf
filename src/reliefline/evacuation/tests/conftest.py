"""Fixtures shared by the evacuation tests."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client


@pytest.fixture
def coordinator(user_in: Callable[[str], User]) -> User:
    return user_in("coordinator")


@pytest.fixture
def signed_in(coordinator: User) -> tuple[Client, User]:
    """Return a test client logged in as a coordinator, and that coordinator."""
    client = Client()
    client.force_login(coordinator)
    return client, coordinator


@pytest.fixture
def english(signed_in: tuple[Client, User]) -> tuple[Client, User]:
    """Return the coordinator's client with the English language cookie, and the coordinator."""
    client, user = signed_in
    client.cookies["django_language"] = "en"
    return client, user
