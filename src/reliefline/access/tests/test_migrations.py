"""Migrations are complete and reversible, on the database the suite runs against."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.db import connection

APPS_TOP_DOWN = (
    "partners",
    "aid",
    "evacuation",
    "channels",
    "hotline",
    "people",
    "places",
    "access",
)


def _run(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603 - fixed argv of our own console script
        [sys.executable, "-m", "reliefline", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _postgres(sql: str) -> None:
    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=config["HOST"], user=config["USER"], dbname="postgres", autocommit=True
    ) as db:
        db.execute(sql)


@pytest.fixture
def scratch_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Return an environment pointing at an empty database of the suite's kind."""
    env = {**os.environ, "RELIEFLINE_DATA_DIR": str(tmp_path)}
    if connection.vendor != "postgresql":
        env.pop("DATABASE_URL", None)
        yield env
        return
    name = f"reliefline_migrations_{os.getpid()}"
    _postgres(f'DROP DATABASE IF EXISTS "{name}"')
    _postgres(f'CREATE DATABASE "{name}"')
    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    env["DATABASE_URL"] = f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{name}"
    yield env
    _postgres(f'DROP DATABASE IF EXISTS "{name}"')


def test_models_and_migrations_agree(scratch_env: dict[str, str]) -> None:
    _run("makemigrations", "--check", "--dry-run", env=scratch_env)


def test_every_migration_reverses_and_reapplies(scratch_env: dict[str, str]) -> None:
    _run("migrate", "--noinput", env=scratch_env)
    for app in APPS_TOP_DOWN:
        _run("migrate", app, "zero", "--noinput", env=scratch_env)
    _run("migrate", "--noinput", env=scratch_env)
    assert "[ ]" not in _run("showmigrations", *APPS_TOP_DOWN, env=scratch_env)
