"""Shared fixtures: users in each role, clients signed in as them, the gazetteer."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from reliefline.access.tests.factories import UserFactory, token_for
from reliefline.places.services import BUNDLED_SETTLEMENTS, places_import_csv

ROLES = ("operator", "coordinator", "field", "partner", "dpo", "admin")
SUDZHA = "geonames-postal:RU-307800"


@pytest.fixture(autouse=True)
def _plain_http(settings: Any) -> None:
    """Let the test client speak plain HTTP; production redirects to HTTPS (tested apart)."""
    settings.SECURE_SSL_REDIRECT = False
    # The hashed-name storage needs `collectstatic` first (`reliefline serve` runs it);
    # tests read the files where they are.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Assertions read English; the i18n tests ask for uk and ru explicitly.
    settings.LANGUAGE_CODE = "en"
    # Second factor and login throttling have their own tests (access/tests/test_login.py).
    settings.REQUIRE_2FA = False
    settings.AXES_ENABLED = False
    # Argon2 costs ~0.7 s per password by design; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user_in(db: None) -> Callable[[str], User]:
    def make(role: str) -> User:
        return UserFactory(role=role)

    return make


@pytest.fixture
def client_as(user_in: Callable[[str], User]) -> Callable[[str], Client]:
    """Return a test client signed in as a new user in the role."""

    def make(role: str) -> Client:
        client = Client()
        client.force_login(user_in(role))
        return client

    return make


@pytest.fixture
def api_as(user_in: Callable[[str], User]) -> Callable[[str], Client]:
    """Return a test client that sends a bearer token of a new user in the role."""

    def make(role: str) -> Client:
        return Client(headers={"Authorization": f"Bearer {token_for(user_in(role))}"})

    return make


@pytest.fixture
def gazetteer(db: None) -> None:
    places_import_csv(BUNDLED_SETTLEMENTS)
