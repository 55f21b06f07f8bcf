"""Each drill gets a database of its own, copied from one migrated per session.

SQLite when the run's DATABASE_URL is not PostgreSQL (a file in a temporary
directory), else databases named `<test database>_drill_...` on the same server,
dropped afterwards. reliefline's processes reach them through DATABASE_URL; the
pytest process never opens them through Django.
"""

import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
import pytest
from psycopg import sql

from reliefline.access.crypto import generate_key
from tests.drills.support import ROOT, DrillDb, Env, pg_admin, reliefline, say

SETTLEMENTS = ROOT / "src" / "reliefline" / "places" / "data" / "settlements.csv"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "drill: kills reliefline's processes and checks what they left (tests/drills)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/drills/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.drill)


@dataclass(frozen=True)
class Template:
    db: DrillDb
    field_key: str
    server_url: str  # "" for SQLite


def _suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _pg_create(server_url: str, name: str, *, template: str | None = None) -> None:
    with pg_admin(server_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(statement)


def _pg_drop(server_url: str, name: str) -> None:
    with pg_admin(server_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _pg_url(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def drill_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """Return a database migrated, with the gazetteer imported, to copy for each drill."""
    url = os.environ.get("DATABASE_URL", "")
    directory = tmp_path_factory.mktemp("drill-template")
    key = generate_key()
    if url.startswith("postgres"):
        name = f"{dj_database_url.parse(url)['NAME']}_drill_tpl_{_suffix()}"[:63]
        _pg_create(url, name)
        template = Template(DrillDb(_pg_url(url, name)), key, url)
    else:
        template = Template(DrillDb(f"sqlite:///{directory / 'template.sqlite3'}"), key, "")
    env = Env(template.db, directory, key)
    reliefline(env, "migrate", "--verbosity", "0")
    reliefline(env, "import", "settlements", SETTLEMENTS)
    say(f"template database ready: {template.db.url}")
    yield template
    if template.server_url:
        _pg_drop(template.server_url, dj_database_url.parse(template.db.url)["NAME"])


@pytest.fixture
def drill_databases(
    drill_template: Template, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Env]]:
    """Return a maker of environments, each on a fresh copy of the template database."""
    server = drill_template.server_url
    made: list[str] = []
    test = re.sub(r"\W+", "_", request.node.name.removeprefix("test_")).lower()

    def make(label: str) -> Env:
        directory = tmp_path / label
        directory.mkdir()
        if server:
            name = f"{dj_database_url.parse(server)['NAME']}_drill_{label}_{test}"[:55]
            name += f"_{_suffix()}"
            _pg_create(server, name, template=dj_database_url.parse(drill_template.db.url)["NAME"])
            made.append(name)
            db = DrillDb(_pg_url(server, name))
        else:
            source = drill_template.db.sqlite_path
            with sqlite3.connect(source) as conn:  # fold the WAL into the file first
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copyfile(source, directory / "drill.sqlite3")
            db = DrillDb(f"sqlite:///{directory / 'drill.sqlite3'}")
        say(f"{request.node.name}: {label} database {db.url}")
        return Env(db, directory, drill_template.field_key)

    yield make
    for name in made:
        _pg_drop(server, name)


@pytest.fixture
def drill_env(drill_databases: Callable[[str], Env]) -> Env:
    """Return the environment of a fresh copy of the template database."""
    return drill_databases("main")
