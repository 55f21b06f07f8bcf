"""Real processes, real databases and a stand-in SMS gateway for the fault drills.

Nothing here imports reliefline's models: the drills drive reliefline only as an
operator would, through its commands and its HTTP API, and look at the database
directly (raw SQL) while it runs. Django work that needs the ORM runs in a child
process, `python -m tests.drills.scenario` (see that module).
"""

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import dj_database_url
import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
T = TypeVar("T")


STARTED = time.monotonic()


def say(message: str) -> None:
    """Print one line of the drill's narrative (pytest shows it with -s or on failure)."""
    print(f"[drill {time.monotonic() - STARTED:6.1f} s] {message}", flush=True)


# The drills the suite leaves out unless asked (docs/drills.md): each takes a minute.
heavy = pytest.mark.skipif(
    os.environ.get("RELIEFLINE_DRILLS") != "all",
    reason="a heavy drill: run with RELIEFLINE_DRILLS=all (docs/drills.md)",
)


def wait_for(check: Callable[[], T], *, what: str, timeout: float = 30.0) -> T:
    """Return check()'s first truthy value, polled every 20 ms; fail naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


# ---- databases -------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillDb:
    """One drill's own database: a SQLite file, or a PostgreSQL database on the test server."""

    url: str

    @property
    def postgres(self) -> bool:
        return self.url.startswith("postgres")

    @property
    def sqlite_path(self) -> Path:
        return Path(dj_database_url.parse(self.url)["NAME"])

    def probe(self) -> "Probe":
        return Probe(self)


def pg_admin(url: str) -> psycopg.Connection[Any]:
    """Return an autocommit connection to the `postgres` database of the URL's server."""
    return psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True)


class Probe:
    """A raw connection to the drill's database, outside reliefline, to watch and to block it.

    Queries are written with %s placeholders for both databases.
    """

    def __init__(self, db: DrillDb) -> None:
        self.db = db
        if db.postgres:
            self.conn: Any = psycopg.connect(db.url, autocommit=True)
        else:
            self.conn = sqlite3.connect(db.sqlite_path, timeout=20, isolation_level=None)

    def _sql(self, sql: str) -> str:
        return sql if self.db.postgres else sql.replace("%s", "?")

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(self._sql(sql), params).fetchall())

    def value(self, sql: str, *params: Any) -> Any:
        row = self.conn.execute(self._sql(sql), params).fetchone()
        return row[0] if row else None

    @contextlib.contextmanager
    def holding_row(self, table: str, pk: int) -> Iterator[None]:
        """Hold a write lock that keeps reliefline from writing the row until the block ends.

        PostgreSQL: SELECT ... FOR UPDATE on the row. SQLite: the database's one write
        lock (BEGIN IMMEDIATE), which holds every writer.
        """
        if self.db.postgres:
            self.conn.execute("BEGIN")
            self.conn.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [pk])  # noqa: S608
        else:
            self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            self.conn.execute("ROLLBACK")

    def writer_busy(self) -> bool:
        """Return whether some other connection has a write transaction open right now."""
        if self.db.postgres:
            return bool(
                self.value(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                )
            )
        try:
            self.conn.execute("PRAGMA busy_timeout = 0")
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                return True
            raise
        finally:
            self.conn.execute("PRAGMA busy_timeout = 20000")
        self.conn.execute("ROLLBACK")
        return False

    def close(self) -> None:
        self.conn.close()


# ---- processes -------------------------------------------------------------------------


@dataclass
class Env:
    """The environment every process of one drill shares: database, keys, data directory."""

    db: DrillDb
    data_dir: Path
    field_key: str
    extra: dict[str, str] = field(default_factory=dict)

    def vars(self, **more: str) -> dict[str, str]:
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("RELIEFLINE_") and k != "DATABASE_URL"
        }
        return {
            **base,
            "DJANGO_SETTINGS_MODULE": "reliefline.settings",
            "DATABASE_URL": self.db.url,
            "RELIEFLINE_DATA_DIR": str(self.data_dir),
            "RELIEFLINE_FIELD_KEYS": self.field_key,
            "RELIEFLINE_SECRET_KEY": "drill-" + self.field_key,
            "RELIEFLINE_INSECURE_HTTP": "1",
            "RELIEFLINE_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            **self.extra,
            **more,
        }


def run(env: Env, *argv: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command to its end in the drill's environment; fail showing its stderr."""
    done = subprocess.run(  # noqa: S603 - our own commands, argv from the drills
        [str(a) for a in argv], env=env.vars(), cwd=ROOT, capture_output=True, text=True
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{argv[:3]} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done


def reliefline(env: Env, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(env, BIN / "reliefline", *args, check=check)


def scenario(env: Env, command: str, **arguments: Any) -> Any:
    """Return what `python -m tests.drills.scenario COMMAND` prints as its last line (JSON)."""
    done = run(env, sys.executable, "-m", "tests.drills.scenario", command, json.dumps(arguments))
    return json.loads(done.stdout.strip().splitlines()[-1])


def spawn(env: Env, *argv: str | Path, log: Path, **more: str) -> subprocess.Popen[bytes]:
    """Return a started process whose output goes to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own commands, argv from the drills
            [str(a) for a in argv],
            env=env.vars(**more),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def sigkill(proc: subprocess.Popen[bytes] | int) -> None:
    """Send SIGKILL (no handler runs, no `finally`, no atexit) and reap a child of ours."""
    pid = proc if isinstance(proc, int) else proc.pid
    os.kill(pid, signal.SIGKILL)
    if not isinstance(proc, int):
        proc.wait(timeout=10)


def children(pid: int) -> list[int]:
    """Return the pids of the process's children (gunicorn's workers, say)."""
    found: list[int] = []
    with contextlib.suppress(FileNotFoundError):
        for task in (Path("/proc") / str(pid) / "task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    """Return whether the pid runs (a zombie, killed but not reaped, counts as gone)."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


# write(2)'s number on x86-64 and on arm64, for kernels that hide wchan.
WRITE_SYSCALLS = {"x86_64": "1", "aarch64": "64"}


def blocked_writing_pipe(pid: int) -> bool:
    """Return whether the process sleeps in write(2) (on the full pipe: nothing else blocks)."""
    proc = Path("/proc") / str(pid)
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if "pipe_write" in (proc / "wchan").read_text():
            return True
        number = (proc / "syscall").read_text().split()[0]
        return number == WRITE_SYSCALLS.get(os.uname().machine)
    return False


# ---- the stand-in gateway ----------------------------------------------------------------


class Gateway:
    """The far end of the `file` notice backend: a named pipe that the drill reads.

    A line counts as delivered once the drill has read it from the pipe. `close()`
    fills the pipe so that the worker's next send blocks inside write(2): the notice
    is claimed and the message not yet handed over. Writes of under 4 KiB to a pipe
    are atomic, so the padding and the notices never interleave.
    """

    PAD = b"\0"

    def __init__(self, path: Path) -> None:
        self.path = path
        os.mkfifo(path)
        self._read = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        # Held open so the worker's open() never blocks and reads never see EOF.
        self._write = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        self._partial = b""
        self.delivered: list[dict[str, Any]] = []
        self.closed = False

    def pump(self) -> int:
        """Read what the worker has sent (unless closed); return how many are delivered."""
        if not self.closed:
            while True:
                try:
                    chunk = os.read(self._read, 1 << 16)
                except BlockingIOError:
                    break
                if not chunk:
                    break
                self._partial += chunk.replace(self.PAD, b"")
            *lines, self._partial = self._partial.split(b"\n")
            self.delivered += [json.loads(line) for line in lines if line]
        return len(self.delivered)

    def close(self) -> None:
        """Stop reading and fill the pipe: every further send blocks until open()."""
        self.pump()
        self.closed = True
        for size in (4096, 1):  # whole pages, then byte by byte to the last one
            with contextlib.suppress(BlockingIOError):
                while True:
                    os.write(self._write, self.PAD * size)

    def open(self) -> None:
        self.closed = False
        self.pump()

    def shut(self) -> None:
        os.close(self._read)
        os.close(self._write)
