"""Writers queue on `<database>-writer`: each starts when the last one ends, never both.

The backend is used on a file database of its own here, so these tests run beside
either database the suite is configured with.
"""

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db.utils import ConnectionHandler

from reliefline.sqlite.base import DatabaseWrapper

pytestmark = pytest.mark.usefixtures("db")  # lets connections open under pytest-django


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[ConnectionHandler]:
    """Return connections to a fresh file database with one table, opened as settings.py does."""
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "reliefline.sqlite",
                "NAME": str(tmp_path / "db.sqlite3"),
                "OPTIONS": {
                    "timeout": 5,
                    "transaction_mode": "IMMEDIATE",
                    "init_command": "PRAGMA journal_mode=WAL;",
                },
            }
        }
    )
    with handler["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE calls (n INTEGER)")
    yield handler
    handler.close_all()


def _open(databases: ConnectionHandler) -> DatabaseWrapper:
    db = databases.create_connection("default")
    assert isinstance(db, DatabaseWrapper)
    return db


@contextmanager
def _transaction(db: DatabaseWrapper) -> Iterator[None]:
    """Begin and commit (or roll back) the way transaction.atomic does on its connection."""
    db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    else:
        db.commit()
    finally:
        db.set_autocommit(True)


def _locked_by_someone(db: DatabaseWrapper) -> bool:
    fd = os.open(f"{db.settings_dict['NAME']}-writer", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _insert(db: DatabaseWrapper, n: int) -> None:
    with db.cursor() as cursor:
        cursor.execute("INSERT INTO calls VALUES (%s)", [n])


def test_a_second_writer_begins_only_once_the_first_has_committed(
    databases: ConnectionHandler,
) -> None:
    # BEGIN DEFERRED takes no SQLite lock: only the lock file keeps the second writer out.
    databases.settings["default"]["OPTIONS"]["transaction_mode"] = "DEFERRED"
    first_in = threading.Event()
    events: list[str] = []

    def first() -> None:
        db = _open(databases)
        with _transaction(db):
            _insert(db, 1)
            first_in.set()
            time.sleep(0.3)
            events.append("first commits")
        db.close()

    def second() -> None:
        db = _open(databases)
        first_in.wait(timeout=10)
        with _transaction(db):
            events.append("second began")
            _insert(db, 2)
        db.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert events == ["first commits", "second began"]
    with databases["default"].cursor() as cursor:
        cursor.execute("SELECT n FROM calls ORDER BY rowid")
        assert [n for (n,) in cursor.fetchall()] == [1, 2]


def test_the_lock_is_held_for_the_transaction_and_freed_by_commit(
    databases: ConnectionHandler,
) -> None:
    db = _open(databases)
    with _transaction(db):
        _insert(db, 1)
        assert _locked_by_someone(db)
    assert not _locked_by_someone(db)
    db.close()


def test_a_rollback_frees_the_lock_and_keeps_nothing(databases: ConnectionHandler) -> None:
    db = _open(databases)
    with pytest.raises(ValueError), _transaction(db):
        _insert(db, 1)
        raise ValueError("refused")
    assert not _locked_by_someone(db)
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM calls")
        assert cursor.fetchone() == (0,)
    db.close()


def test_closing_a_connection_in_a_transaction_frees_the_lock(
    databases: ConnectionHandler,
) -> None:
    db = _open(databases)
    db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    _insert(db, 1)
    assert _locked_by_someone(db)
    db.close()
    assert not _locked_by_someone(db)


def test_a_writer_kept_waiting_past_the_timeout_leaves_it_to_sqlite(
    databases: ConnectionHandler,
) -> None:
    # Someone holds the lock file but not the database (a stuck process of ours, say):
    # the writer waits its timeout, then begins; SQLite's own locking still guards it.
    db = _open(databases)
    db.settings_dict["OPTIONS"] = {**db.settings_dict["OPTIONS"], "timeout": 0.2}
    fd = os.open(f"{db.settings_dict['NAME']}-writer", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        with _transaction(db):
            _insert(db, 1)
        assert 0.2 <= time.monotonic() - started < 5
    finally:
        os.close(fd)
    db.close()


def test_a_database_in_memory_has_no_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = ConnectionHandler({"default": {"ENGINE": "reliefline.sqlite", "NAME": ":memory:"}})
    db = handler["default"]
    assert isinstance(db, DatabaseWrapper)
    monkeypatch.chdir(tmp_path)
    with _transaction(db), db.cursor() as cursor:
        cursor.execute("CREATE TABLE calls (n INTEGER)")
    assert list(tmp_path.iterdir()) == []
    handler.close_all()


def test_a_forked_child_does_not_release_its_parents_lock(databases: ConnectionHandler) -> None:
    db = _open(databases)
    with _transaction(db):
        _insert(db, 1)
        pid = os.fork()
        if pid == 0:  # the child: what closing its copy of the connection would do
            db._writer_release()
            os._exit(0)
        os.waitpid(pid, 0)
        assert _locked_by_someone(db)
    assert not _locked_by_someone(db)
    db.close()


def test_a_lock_file_that_cannot_be_opened_leaves_writes_to_sqlite(
    databases: ConnectionHandler, caplog: pytest.LogCaptureFixture
) -> None:
    # Another system user's lock file, or a directory in its place: writes still work.
    db = _open(databases)
    os.mkdir(f"{db.settings_dict['NAME']}-writer")
    for n in (1, 2):
        with _transaction(db):
            _insert(db, n)
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM calls")
        assert cursor.fetchone() == (2,)
    assert caplog.text.count("Writers do not queue") == 1  # once per connection, not per write
    db.close()
