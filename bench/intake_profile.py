"""Where an intake's time goes, in process: the companion of bench/intake.py.

Usage (from the repository root):

    .venv/bin/python bench/intake_profile.py [--db sqlite|postgres] [--requests 1000]
                                             [--profile]

It prepares a fresh database as bench/intake.py does, then serves the same three
requests through Django's test client in this process, without gunicorn or sockets:
`GET /healthz` (the baseline), `GET /api/v1/places?q=…` (a token and one query) and
`POST /api/v1/cases` with the benchmark's bodies. For each it prints the mean time
per request and, for intake, the time spent running SQL (measured around every
statement with `connection.execute_wrapper`) and the number of statements, and how
long its write transaction lasts from its first statement to the end of its commit,
and how long of it the audit chain's head row is held. One intake at a time holds
each (SQLite lets one writer in; the head row is locked until the commit), so they
bound intakes per second whatever the number of workers or cores. With
--profile it runs the intakes again under cProfile and prints the time spent in each
library, so that the ORM's share (`django.db.models`) can be read off.

It has no target: bench/intake.py holds the targets; this says where to look.
"""

import sys
from pathlib import Path

# The repository root instead of bench/ (see bench/__init__.py).
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import cProfile
import os
import pstats
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench import intake


def mean_ms(work: Callable[[int], None], count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        work(i)
    return (time.perf_counter() - started) / count * 1000


def library(filename: str) -> str:
    """Return who owns a profiled function: a library, reliefline, or Python itself."""
    if "site-packages/" in filename:
        parts = filename.split("site-packages/", 1)[1].split("/")
        return "/".join(parts[:3]) if parts[0] == "django" else parts[0]
    if "/src/reliefline/" in filename:
        return "reliefline/" + filename.split("/src/reliefline/", 1)[1].split("/")[0]
    if filename.startswith(("~", "<")):
        return "built-in (C)"
    return "python stdlib"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=1000, help="per endpoint")
    parser.add_argument("--profile", action="store_true", help="time by library (cProfile)")
    args = parser.parse_args()

    env, _data_dir, token = intake.prepare(args.db)
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client(headers={"Authorization": f"Bearer {token}"})
    count = args.requests
    # Enough distinct bodies for the warm-up, the timed run and the profiled run.
    bodies = intake.payloads(3 * count + 200, intake.place_ids())
    taken = iter(range(len(bodies)))

    def post(_i: int) -> None:
        response = client.post(
            "/api/v1/cases", data=bodies[next(taken)], content_type="application/json"
        )
        if response.status_code != 201:
            raise SystemExit(f"intake answered {response.status_code}: {response.content!r}")

    def places(i: int) -> None:
        query = intake.PLACE_QUERIES[i % len(intake.PLACE_QUERIES)]
        if client.get(f"/api/v1/places?q={query}").status_code != 200:
            raise SystemExit("the settlement search failed")

    def healthz(_i: int) -> None:
        if client.get("/healthz").status_code != 200:
            raise SystemExit("/healthz failed")

    for warm in (post, places, healthz):
        for i in range(100):
            warm(i)
    print(f"{args.db}, in process (Django's test client), {count} requests each")
    print(f"  GET /healthz         {mean_ms(healthz, count):7.3f} ms")
    print(f"  GET /api/v1/places   {mean_ms(places, count):7.3f} ms")

    sql = {"seconds": 0.0, "statements": 0}
    # The write transaction, from its first statement (BEGIN IMMEDIATE on SQLite) to the
    # end of its commit: on SQLite the database's write lock is held that long, so
    # intakes commit at most 1 / that many times a second. On both databases the audit
    # chain's head row is held from its read (SELECT … FOR UPDATE on PostgreSQL) to the
    # commit: every write that logs queues on it (access.audit).
    held: dict[str, Any] = {"since": None, "head": None, "hook": False}
    spans = {"transaction": 0.0, "head": 0.0, "count": 0}

    def committed() -> None:
        ended = time.perf_counter()
        spans["transaction"] += ended - held["since"]
        spans["head"] += ended - (held["head"] or ended)
        spans["count"] += 1
        held.update(since=None, head=None)

    def timed(execute: Any, statement: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        if statement.startswith("BEGIN") or (
            connection.in_atomic_block and held["since"] is None  # psycopg: no BEGIN seen
        ):
            held["since"] = started
        if statement.startswith("SELECT") and "access_audithead" in statement:
            held["head"] = started
        try:
            return execute(statement, params, many, context)
        finally:
            sql["seconds"] += time.perf_counter() - started
            sql["statements"] += 1
            if connection.in_atomic_block and held["since"] is not None and not held["hook"]:
                held["hook"] = True
                connection.on_commit(committed)

    def post_held(i: int) -> None:
        held["hook"] = False
        post(i)

    with connection.execute_wrapper(timed):
        total = mean_ms(post_held, count)
    print(
        f"  POST /api/v1/cases   {total:7.3f} ms, of which running SQL "
        f"{sql['seconds'] / count * 1000:.3f} ms in {sql['statements'] / count:.1f} statements"
        " (commit not counted)"
    )
    if spans["count"]:
        transaction = spans["transaction"] / spans["count"] * 1000
        head = spans["head"] / spans["count"] * 1000
        serial = transaction if args.db == "sqlite" else head
        print(
            f"  its write transaction {transaction:.3f} ms to its commit's end, the audit head"
            f" held {head:.3f} ms of it ({spans['count']} of {count}): one at a time, so at"
            f" most {1000 / serial:.0f} intakes/s"
            + (" (SQLite: one writer)" if args.db == "sqlite" else " (the audit head's lock)")
        )

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(count):
            post(i)
        profiler.disable()
        own: dict[str, float] = defaultdict(float)
        stats: Any = pstats.Stats(profiler)
        for (filename, _line, _name), (
            _cc,
            _nc,
            own_seconds,
            _cum,
            _callers,
        ) in stats.stats.items():
            own[library(filename)] += own_seconds
        whole = sum(own.values())
        print("\n  intake under cProfile (slower than above): own time by library")
        for name, seconds in sorted(own.items(), key=lambda item: -item[1])[:15]:
            print(f"  {seconds / count * 1000:7.3f} ms  {seconds / whole:6.1%}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
