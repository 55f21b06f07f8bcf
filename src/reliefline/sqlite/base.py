"""Django's SQLite backend; a write transaction first takes a lock file's lock.

Every transaction begins with `BEGIN IMMEDIATE` (settings.py), so SQLite lets one
writer in at a time. A writer that finds the database locked is put to sleep by
SQLite's busy handler for 1, 2, 5 … then 25, 50 and 100 ms at a time, and the
database stays idle while it sleeps. Here a writer first takes an exclusive `flock`
on `<database>-writer`, trying again every half millisecond, and releases it at commit
or rollback, so the next writer begins almost as soon as the last one ends. Under
gunicorn's four workers this halved the 99th percentile of intake at 10 clients
(285 to 133-144 ms) and cut it at 50 (640 to 370-444 ms) on 2 cores
(bench/intake.py, docs/benchmarks.md).

The lock only orders our own writers: SQLite's locking still guarantees correctness,
and a process that does not take the lock (the sqlite3 shell, an older release) waits
in SQLite's busy handler as before. The kernel releases the lock of a process that
dies. A writer that cannot take it within the connection's timeout, or cannot open
the lock file at all, begins anyway and leaves the waiting to SQLite, so nothing can
wait forever on this lock or fail for want of it.
"""

import fcntl
import logging
import os
import time
from typing import Any

from django.db.backends.sqlite3 import base

POLL_SECONDS = 0.0005
log = logging.getLogger(__name__)


class DatabaseWrapper(base.DatabaseWrapper):
    """SQLite with writers queued on `<database>-writer` (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_fd: int | None = None
        self._writer_pid = 0
        self._writer_held = False
        self._writer_unavailable = False  # the lock file could not be opened: not again

    def _writer_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None  # nothing to share with another process
        return f"{name}-writer"

    def _writer_acquire(self) -> None:
        path = self._writer_path()
        if path is None or self._writer_unavailable:
            return
        if self._writer_fd is None or self._writer_pid != os.getpid():
            # A descriptor inherited through fork shares its lock with the parent.
            try:
                self._writer_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o660)
            except OSError as error:
                # Say, created by another system user with a stricter umask: writes go on
                # without the queue, in SQLite's busy handler, rather than fail.
                log.warning("Writers do not queue: cannot open %s (%s).", path, error)
                self._writer_unavailable = True  # until this connection closes
                return
            self._writer_pid = os.getpid()
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        while True:
            try:
                fcntl.flock(self._writer_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return  # SQLite's own busy timeout decides from here
                time.sleep(POLL_SECONDS)
            else:
                self._writer_held = True
                return

    def _writer_release(self) -> None:
        fd, held = self._writer_fd, self._writer_held
        self._writer_held = False
        # A forked child must not release the lock it shares with its parent.
        if held and fd is not None and self._writer_pid == os.getpid():
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self) -> None:
        self._writer_acquire()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # not in the stubs
        except BaseException:
            self._writer_release()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # not in the stubs
        finally:
            self._writer_release()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # not in the stubs
        finally:
            self._writer_release()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # not in the stubs
        finally:
            self._writer_release()
            if self._writer_fd is not None and self._writer_pid == os.getpid():
                os.close(self._writer_fd)
            self._writer_fd = None
            self._writer_unavailable = False  # the next connection tries the file again
