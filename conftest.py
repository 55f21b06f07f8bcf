"""Shared fixtures: users in each role, clients signed in as them, the gazetteer; and
the helpers of the concurrency tests (threads released together)."""

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
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


# ---- concurrency tests ------------------------------------------------------------


def threads_database(tmp_path: Path) -> str | None:
    """Return a file copy of SQLite's test database for threads, or None on PostgreSQL.

    Each thread has its own connection, as each gunicorn worker has, and the test runs
    outside a test transaction (transactional_db) so they see each other's commits.
    SQLite's test database lives in shared-cache memory, where a second writer fails
    at once instead of waiting; on a file copy in WAL mode with the busy timeout, the
    threads work as reliefline runs on SQLite.
    """
    if connection.vendor != "sqlite" or "mode=memory" not in str(connection.settings_dict["NAME"]):
        return None
    path = tmp_path / "threads.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    # In WAL mode before the threads connect, as a migrated database is: threads that
    # switch it together at their first query can fail with "database is locked".
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    return str(path)


def together(work: Callable[[int], Any], n: int, *, database: str | None = None) -> list[Any]:
    """Return what work(i) returned or raised in each of n threads released at once.

    `database`: threads_database()'s copy to work on instead of the test database.
    """
    results: list[Any] = [None] * n
    gate = threading.Barrier(n)

    def run(i: int) -> None:
        db = connections["default"]
        if database is not None:
            db.settings_dict = {**db.settings_dict, "NAME": database}
        try:
            gate.wait()
            results[i] = work(i)
        except Exception as exc:  # the outcome under test, collected per thread
            results[i] = exc
        finally:
            db.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
