"""The persons' lookup index comes back after an import killed while it was dropped.

A first import drops the index and builds it at its end; these tests play the kill
by dropping the index themselves. They run outside a test transaction, as the
command and the worker do (PostgreSQL builds no index with checks pending).
"""

import datetime as dt
import threading
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reliefline.access.models import Operation, OperationStatus
from reliefline.people.importing import (
    KEY_INDEX,
    KEY_INDEX_LOCK,
    key_index_create,
    key_index_present,
    people_import_csv,
)
from reliefline.people.operations import IMPORT, key_index_repair
from reliefline.people.tests.test_import import IRYNA, write_csv

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _index_restored() -> Iterator[None]:
    """A transactional test's flush keeps the schema: leave the index as found."""
    yield
    key_index_create()


def _kill_mid_import() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {KEY_INDEX}")


def _import_running(*, silent_for: dt.timedelta) -> Operation:
    operation = Operation.objects.create(kind=IMPORT.name, status=OperationStatus.RUNNING)
    Operation.objects.filter(pk=operation.pk).update(updated_at=timezone.now() - silent_for)
    return operation


def test_first_import_after_one_killed_before_its_rows_builds_the_index(
    gazetteer: None, tmp_path: Path
) -> None:
    _kill_mid_import()  # nothing committed yet: the keys table is still empty

    people_import_csv(write_csv(tmp_path / "people.csv", [IRYNA]), jobs=1)

    assert key_index_present()


def test_scheduler_rebuilds_the_index_a_killed_import_left_dropped(
    gazetteer: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people_import_csv(write_csv(tmp_path / "people.csv", [IRYNA]), jobs=1)
    _kill_mid_import()
    _import_running(silent_for=dt.timedelta(minutes=6))  # the killed import's row

    call_command("scheduler", "--once")
    assert "enqueued key_index_repair_task" in capsys.readouterr().out
    call_command("db_worker", "--batch", "--no-startup-delay")

    assert key_index_present()


def test_repair_leaves_the_index_to_an_import_under_way(gazetteer: None) -> None:
    _kill_mid_import()
    _import_running(silent_for=dt.timedelta(seconds=10))

    assert key_index_repair() is False
    assert not key_index_present()


def test_repair_does_nothing_when_the_index_is_there(gazetteer: None) -> None:
    assert key_index_repair() is False
    assert key_index_present()


def test_building_the_index_twice_is_harmless(gazetteer: None) -> None:
    """The import that dropped it and the scheduler's repair may both get there."""
    _kill_mid_import()
    key_index_create()
    key_index_create()
    assert key_index_present()


def test_reindex_people_builds_a_dropped_index(gazetteer: None) -> None:
    _kill_mid_import()
    call_command("reindex-people", stdout=StringIO(), stderr=StringIO())
    assert key_index_present()


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent index builds: PostgreSQL"
)


def _kill_mid_concurrent_build() -> None:
    """What a concurrent build killed after its catalog entry leaves: an invalid index."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = to_regclass(%s)",
            [KEY_INDEX],
        )


@postgres_only
def test_repair_builds_without_holding_intakes_writes() -> None:
    """A plain build would hold every write to the keys, so every intake, meanwhile."""
    _kill_mid_import()

    with CaptureQueriesContext(connection) as statements:
        assert key_index_repair() is True

    builds = [q["sql"] for q in statements.captured_queries if "CREATE INDEX" in q["sql"]]
    assert len(builds) == 1
    assert builds[0].startswith(f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{KEY_INDEX}"')
    assert key_index_present()


@postgres_only
def test_an_invalid_index_a_killed_concurrent_build_left_counts_as_missing() -> None:
    _kill_mid_concurrent_build()
    assert not key_index_present()  # the planner would never use it

    assert key_index_repair() is True

    assert key_index_present()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = %s", [KEY_INDEX])
        assert cursor.fetchone()[0] == 1


@postgres_only
def test_a_builder_waits_for_another_under_way_instead_of_dropping_its_index() -> None:
    """An invalid index may be another builder's, still building: the lock tells."""
    _kill_mid_concurrent_build()  # as the other builder's index looks while it builds
    other = connections.create_connection("default")
    built: list[str] = []

    def build() -> None:
        try:
            with CaptureQueriesContext(connection) as statements:
                key_index_create(concurrently=True)
            built.extend(q["sql"] for q in statements if "INDEX" in q["sql"])
        finally:
            connection.close()

    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [KEY_INDEX_LOCK])
        builder = threading.Thread(target=build)
        builder.start()
        builder.join(timeout=1)
        assert builder.is_alive()  # waiting for the other builder
        with other.cursor() as cursor:  # the other builder's index is done
            cursor.execute(
                "UPDATE pg_index SET indisvalid = true WHERE indexrelid = to_regclass(%s)",
                [KEY_INDEX],
            )
            cursor.execute("SELECT pg_advisory_unlock(%s)", [KEY_INDEX_LOCK])
        builder.join(timeout=10)
        assert not builder.is_alive()
    finally:
        other.close()
    assert built == []  # neither dropped nor built again
    assert key_index_present()
