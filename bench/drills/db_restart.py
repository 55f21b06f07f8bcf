"""Drill: the database restarted under load loses no acknowledged write.

Usage (from the repository root; as root it runs PostgreSQL as the postgres user):

    .venv/bin/python bench/drills/db_restart.py [--db postgres|sqlite|both]
                                                [--rate 20] [--clients 4] [--workers 4]

PostgreSQL: a private cluster (initdb and pg_ctl of /usr/lib/postgresql/15/bin, in a
temporary directory, on a free port; fsync and synchronous_commit on, the defaults),
never the machine's shared server. gunicorn serves reliefline against it while
clients post intakes (`POST /api/v1/cases`) at a steady rate; the drill restarts
the cluster with `pg_ctl restart -m fast`, later stops it with `-m immediate` (a
crash: no checkpoint, recovery from the WAL) and starts it again after a few
seconds' outage.

SQLite: gunicorn (master and workers) killed with SIGKILL under the same load and
started again on the same file and port.

Checked, for each: every intake answered 201 is in the database afterwards; no
request hung (each answered or failed within HANG seconds); the answers during the
outage were 5xx with a JSON body; /readyz says 200 again and a new intake gets 201.
With SQLite, the requests that met the restart itself (cut off by the kill, refused
while nothing listened, or queued in the new listener's backlog while its workers
loaded) are counted and shown, not judged. Prints PASS or FAIL per check and exits
1 on any FAIL.
"""

import sys
from pathlib import Path

# The repository root instead of bench/drills/ (see bench/__init__.py).
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[2])

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from bench import intake

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
HANG = 10.0  # seconds: a request without an answer by then counts as hanging
DATABASE = "reliefline_drill_restart"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---- a private PostgreSQL cluster ---------------------------------------------------------


class Cluster:
    """A PostgreSQL cluster of this drill's own, in a temporary directory."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="reliefline-drill-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = intake.free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to postgres
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(PG_BIN / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        # Every start names the log (-l): without it the server would keep this pipe open.
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8")  # fmt: skip
        self.start()

    def restart_fast(self) -> None:
        """Stop (active sessions ended, a checkpoint written) and start again."""
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart"
        )

    def crash(self) -> None:
        """Stop at once, as a crash would: no checkpoint; the start replays the WAL."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def start(self) -> None:
        # Durable as shipped (fsync, synchronous_commit, full_page_writes are the defaults).
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=50"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def destroy(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


# ---- the load ---------------------------------------------------------------------------


@dataclass
class Outcome:
    started: float
    seconds: float
    status: int | None = None  # None: no HTTP answer at all
    json_body: bool = False
    reference: str = ""
    error: str = ""


@dataclass
class Load:
    """Clients posting intakes at a steady total rate until stopped; every outcome kept."""

    port: int
    token: str
    rate: float
    clients: int
    bodies: list[bytes]
    outcomes: list[Outcome] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self.threads = [
            threading.Thread(target=self._client, args=(n,), daemon=True)
            for n in range(self.clients)
        ]
        for thread in self.threads:
            thread.start()

    def halt(self) -> None:
        """Stop the clients and wait for the requests in flight."""
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _client(self, n: int) -> None:
        period = self.clients / self.rate
        next_at = time.monotonic() + n * period / self.clients
        i = n
        while not self.stop.is_set():
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += period
            outcome = post(self.port, self.token, self.bodies[i % len(self.bodies)])
            i += self.clients
            with self.lock:
                self.outcomes.append(outcome)


def post(port: int, token: str, body: bytes) -> Outcome:
    """Return what one intake got: its status and reference, or the failure."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG + 5)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    outcome = Outcome(started, 0.0)
    try:
        conn.request("POST", "/api/v1/cases", body=body, headers=headers)
        response = conn.getresponse()
        content = response.read()
        outcome.status = response.status
        with contextlib.suppress(ValueError):
            parsed = json.loads(content)
            outcome.json_body = isinstance(parsed, dict)
            if response.status == 201:
                outcome.reference = str(parsed["reference"])
        if not outcome.json_body:
            outcome.error = content[:120].decode(errors="replace")
    except (OSError, http.client.HTTPException) as error:
        outcome.error = type(error).__name__
    finally:
        conn.close()
    outcome.seconds = time.monotonic() - started
    return outcome


def ready(port: int) -> bool:
    with contextlib.suppress(OSError, http.client.HTTPException):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/readyz")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    return False


def recovery(port: int, since: float, token: str, body: bytes, limit: float = 60.0) -> float | None:
    """Return seconds from `since` until /readyz is 200 and an intake gets 201, else None."""
    while time.monotonic() - since < limit:
        if ready(port) and post(port, token, body).status == 201:
            return time.monotonic() - since
        time.sleep(0.1)
    return None


# ---- the verdicts -----------------------------------------------------------------------


@dataclass
class Report:
    name: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, what: str, ok: bool, detail: str) -> None:
        self.checks.append((what, ok, detail))
        say(f"{'PASS' if ok else 'FAIL'} {self.name}: {what}: {detail}")

    @property
    def passed(self) -> bool:
        return all(ok for _what, ok, _detail in self.checks)


def judge(
    report: Report,
    outcomes: list[Outcome],
    stored: Callable[[list[str]], set[str]],
    recovered: list[tuple[str, float | None]],
    *,
    down: tuple[float, float] | None = None,
) -> None:
    """Judge the run; `down` is when no server listened (SQLite: kill to new start).

    A request that overlapped `down` is only counted: it was cut off by the kill,
    refused, or waited in the new listener's backlog while its workers loaded.
    """
    acknowledged = [o.reference for o in outcomes if o.status == 201]
    lost = set(acknowledged) - stored(acknowledged)
    report.check(
        "acknowledged writes kept",
        not lost and bool(acknowledged),
        f"{len(acknowledged)} intakes answered 201, {len(lost)} of them missing afterwards",
    )
    cut = [o for o in outcomes if down and o.started < down[1] and o.started + o.seconds > down[0]]
    served = [o for o in outcomes if o not in cut]
    if down:
        kinds = Counter(str(o.status) if o.status else o.error for o in cut)
        slowest = max((o.seconds for o in cut), default=0.0)
        say(f"{len(cut)} requests met the restart ({dict(kinds)}; longest {slowest:.1f} s)")
    slowest = max((o.seconds for o in served), default=0.0)
    report.check(
        "no request hung",
        slowest < HANG,
        f"{len(served)} requests, slowest answered or failed in {slowest:.2f} s (limit {HANG:g} s)",
    )
    failed = [o for o in served if o.status != 201]
    kinds = Counter(
        f"{o.status} {'JSON' if o.json_body else 'not JSON'}" if o.status else o.error
        for o in failed
    )
    bad = [o for o in failed if not (o.status and o.status >= 500 and o.json_body)]
    report.check(
        "failed answers are 5xx JSON",
        not bad and (bool(failed) or bool(cut)),
        f"{len(failed)} failed ({dict(kinds)}); expected only 5xx with a JSON body"
        + (f"; first other: {bad[0].status} {bad[0].error!r}" if bad else ""),
    )
    for event, seconds in recovered:
        report.check(
            f"recovered after {event}",
            seconds is not None,
            f"/readyz 200 and a new intake 201 after {seconds:.1f} s"
            if seconds is not None
            else "not within 60 s",
        )


def drill_postgres(args: argparse.Namespace, bodies: list[bytes]) -> Report:
    report = Report("postgres")
    with contextlib.ExitStack() as cleanup:
        cluster = Cluster()
        cleanup.callback(cluster.destroy)
        cluster.create()
        say(f"private PostgreSQL 15 cluster on port {cluster.port} in {cluster.root}")
        env, data_dir, token = intake.prepare("postgres", pg_url=cluster.url)
        cleanup.callback(shutil.rmtree, data_dir, ignore_errors=True)
        port, server = intake.gunicorn_start(env, args.workers, data_dir / "gunicorn.log")
        cleanup.callback(intake.gunicorn_stop, server)
        load = Load(port, token, args.rate, args.clients, bodies)
        cleanup.callback(load.halt)
        load.start()
        say(f"gunicorn ({args.workers} workers) on port {port}; {args.rate:g} intakes/s")
        time.sleep(args.steady)
        recovered = []
        say("pg_ctl restart -m fast")
        since = time.monotonic()
        cluster.restart_fast()
        recovered.append(("restart -m fast", recovery(port, since, token, bodies[0])))
        time.sleep(args.steady)
        say(f"pg_ctl stop -m immediate; {args.outage:g} s down; pg_ctl start")
        since = time.monotonic()
        cluster.crash()
        time.sleep(args.outage)
        cluster.start()
        recovered.append(("stop -m immediate and start", recovery(port, since, token, bodies[0])))
        time.sleep(args.steady)
        load.halt()

        def stored(references: list[str]) -> set[str]:
            with psycopg.connect(cluster.url) as conn:
                rows = conn.execute(
                    "SELECT reference FROM hotline_case WHERE reference = ANY(%s)", [references]
                )
                return {r[0] for r in rows}

        judge(report, load.outcomes, stored, recovered)
    return report


def drill_sqlite(args: argparse.Namespace, bodies: list[bytes]) -> Report:
    report = Report("sqlite")
    with contextlib.ExitStack() as cleanup:
        env, data_dir, token = intake.prepare("sqlite")
        cleanup.callback(shutil.rmtree, data_dir, ignore_errors=True)
        log = data_dir / "gunicorn.log"
        port, first = intake.gunicorn_start(env, args.workers, log)
        load = Load(port, token, args.rate, args.clients, bodies)
        cleanup.callback(load.halt)
        load.start()
        say(f"SQLite in {data_dir}; gunicorn ({args.workers} workers) on port {port}")
        time.sleep(args.steady)
        since = time.monotonic()
        killed = gunicorn_kill(first)
        say(f"SIGKILL gunicorn's master and {killed} workers; {args.outage:g} s down; start again")
        time.sleep(args.outage)
        port, second = intake.gunicorn_start(env, args.workers, log, port=port)
        down = (since, time.monotonic())
        cleanup.callback(intake.gunicorn_stop, second)
        recovered = [("SIGKILL of gunicorn, new start", recovery(port, since, token, bodies[0]))]
        time.sleep(args.steady)
        load.halt()

        def stored(references: list[str]) -> set[str]:
            with contextlib.closing(sqlite3.connect(data_dir / "bench.sqlite3")) as conn:
                found = {r[0] for r in conn.execute("SELECT reference FROM hotline_case")}
                check = conn.execute("PRAGMA integrity_check").fetchone()[0]
            report.check("database file intact", check == "ok", f"PRAGMA integrity_check: {check}")
            return found & set(references)

        judge(report, load.outcomes, stored, recovered, down=down)
    return report


def gunicorn_kill(master: subprocess.Popen[bytes]) -> int:
    """SIGKILL gunicorn's master and its workers at once; return how many workers."""
    tasks = Path(f"/proc/{master.pid}/task")
    workers = [int(p) for task in tasks.iterdir() for p in (task / "children").read_text().split()]
    for pid in [master.pid, *workers]:
        os.kill(pid, signal.SIGKILL)
    master.wait()
    return len(workers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rate", type=float, default=20.0, help="intakes per second, in all")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--steady", type=float, default=6.0, help="seconds of load between events")
    parser.add_argument("--outage", type=float, default=3.0, help="seconds the database is down")
    args = parser.parse_args()
    # A `kill` or `timeout` still stops the private cluster and gunicorn (the finally blocks).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    bodies = intake.payloads(2000, intake.place_ids())
    reports = []
    for db in ["postgres", "sqlite"] if args.db == "both" else [args.db]:
        reports.append(
            drill_postgres(args, bodies) if db == "postgres" else drill_sqlite(args, bodies)
        )
    print("\nsummary")
    for report in reports:
        for what, ok, detail in report.checks:
            print(f"  {'PASS' if ok else 'FAIL'}  {report.name:<8} {what}: {detail}")
    passed = all(r.passed for r in reports)
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
