"""Benchmark: cross-script identity matching on a synthetic registry in PostgreSQL.

Usage (from the repository root):

    .venv/bin/python bench/identity.py [--persons 100000] [--queries 2000] [--http]

It fills the database `reliefline_bench_identity_<persons>` with a seeded synthetic
registry (reliefline.people.synthetic: Russian and Ukrainian names, households
sharing a phone), once; later runs with the same size reuse it. The field key is kept
in var/bench-identity.key so that the reused rows stay readable. Then it asks
`--queries` re-typed queries (other script, romanisations, wrong keyboard layout,
typos, swapped or slipped birth dates, 8-prefix and slipped phones, missing
patronymic; 10% of them people who are not registered) through
people.selectors.person_match in process and reports:

- top-1 accuracy and recall@5 on the queries of registered people;
- false automatic links: a `match` that is the wrong person, or any `match` for
  someone not registered, over all queries;
- p50/p95/p99 latency of person_match in process, and with --http of
  GET /api/v1/people/match under gunicorn (2 workers, bearer token, one client).

Splink is not compared yet (issue 5 asks for it as a baseline; left for later).
"""

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
KEY_FILE = ROOT / "var" / "bench-identity.key"
USERNAME = "bench-identity"


def percentiles(timings: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(timings, n=100)
    return {"p50": statistics.median(timings), "p95": cuts[94], "p99": cuts[98]}


def environment(persons: int) -> dict[str, str]:
    if not KEY_FILE.exists():
        from reliefline.access.crypto import generate_key

        KEY_FILE.parent.mkdir(exist_ok=True)
        KEY_FILE.write_text(generate_key())
    env = {k: v for k, v in os.environ.items() if k != "RELIEFLINE_DEBUG"}
    env.update(
        DJANGO_SETTINGS_MODULE="reliefline.settings",
        DATABASE_URL=f"{PG_SERVER}/reliefline_bench_identity_{persons}",
        RELIEFLINE_FIELD_KEYS=KEY_FILE.read_text().strip(),
        RELIEFLINE_SECRET_KEY="bench-identity-" + "x" * 40,
        RELIEFLINE_INSECURE_HTTP="1",
        RELIEFLINE_LOG_LEVEL="WARNING",
    )
    return env


def reliefline(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [BIN / "reliefline", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"reliefline {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


# ---- in the worker process (Django set up on the bench database) ----------------------


def same_registry(people: list[Any], stored: dict[str | None, int]) -> bool:
    """Return whether the stored rows are this generator's registry (spot check of 50)."""
    from reliefline.people.models import Person

    for person in people[:: max(len(people) // 50, 1)]:
        row = Person.objects.filter(pk=stored.get(f"synthetic-{person.key}", 0)).first()
        if row is None or (row.family_name, row.birth_date) != (
            person.family[person.form],
            person.birth_date,
        ):
            return False
    return True


def worker(persons: int, count: int, out: Path) -> None:
    import django

    django.setup()
    from reliefline.people.models import Person, PersonKey
    from reliefline.people.selectors import MatchQuery, person_match
    from reliefline.people.synthetic import (
        SyntheticQuery,
        evaluate,
        queries,
        registry,
        registry_load,
    )

    people = registry(persons)
    stored = dict(
        Person.objects.filter(external_id__startswith="synthetic-").values_list("external_id", "pk")
    )
    load_seconds = None
    if len(stored) != persons or not same_registry(people, stored):
        print(f"loading {persons} persons ...", file=sys.stderr)
        PersonKey.objects.all().delete()
        Person.objects.all().delete()
        started = time.perf_counter()
        ids = registry_load(people)
        load_seconds = time.perf_counter() - started
    else:
        ids = {int(str(ext).removeprefix("synthetic-")): pk for ext, pk in stored.items()}
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_person; ANALYZE people_personkey;")

    asked = queries(people, count)
    timings: list[float] = []

    def match(question: SyntheticQuery) -> list[tuple[int, str]]:
        query = MatchQuery(
            given_name=question.given_name,
            family_name=question.family_name,
            patronymic=question.patronymic,
            birth_date=question.birth_date,
            phone=question.phone,
        )
        started = time.perf_counter()
        found = person_match(query, limit=5)
        timings.append((time.perf_counter() - started) * 1000)
        return [(c.person.pk, c.decision.value) for c in found]

    match(asked[0])  # warm the caches
    timings.clear()
    quality = evaluate(asked, ids, match)
    result = {
        "persons": persons,
        "queries": count,
        "load_seconds": load_seconds,
        "top1": quality.top1_rate,
        "recall5": quality.recall5_rate,
        "false_links": quality.false_link_rate,
        "false_link_count": quality.false_links,
        "auto_links": quality.auto_links,
        "in_process_ms": percentiles(timings),
        "http_queries": [
            {
                "given_name": q.given_name,
                "family_name": q.family_name,
                "patronymic": q.patronymic,
                "birth_date": q.birth_date.isoformat() if q.birth_date else "",
                "phone": q.phone,
            }
            for q in asked
        ],
    }
    out.write_text(json.dumps(result))


# ---- in the parent process ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure_http(env: dict[str, str], params: list[dict[str, str]]) -> dict[str, float]:
    """Return latency percentiles of GET /api/v1/people/match under gunicorn."""
    with contextlib.suppress(RuntimeError):  # the user is left from an earlier run
        reliefline(env, "adduser", USERNAME, "--role", "operator", "--password", "x" * 20)
    token = reliefline(env, "token", USERNAME).strip().splitlines()[-1]
    port = free_port()
    proc = subprocess.Popen(
        [
            BIN / "gunicorn",
            "reliefline.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--no-control-socket",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        conn = HTTPConnection("127.0.0.1", port)
        headers = {"Authorization": f"Bearer {token}"}
        timings = []
        for n, query in enumerate(params):
            url = "/api/v1/people/match?" + urllib.parse.urlencode(query)
            started = time.perf_counter()
            conn.request("GET", url, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}")
            if n >= 20:  # the first requests warm each worker's caches
                timings.append((time.perf_counter() - started) * 1000)
        return percentiles(timings)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.persons, args.queries, args.worker)
        return 0
    env = environment(args.persons)
    subprocess.run([BIN / "python", ROOT / "scripts" / "ensure_database.py"], env=env, check=True)
    reliefline(env, "migrate", "--verbosity", "0")
    out = ROOT / "var" / f"bench-identity-{args.persons}.json"
    subprocess.run(
        [
            BIN / "python",
            __file__,
            "--persons",
            str(args.persons),
            "--queries",
            str(args.queries),
            "--worker",
            str(out),
        ],
        env=env,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.read_text())
    http = measure_http(env, result.pop("http_queries")) if args.http else None
    ms = result["in_process_ms"]
    print(f"identity matching, {result['persons']:,} persons, {result['queries']:,} queries")
    if result["load_seconds"]:
        print(f"  load + index: {result['load_seconds']:.0f} s")
    print(f"  top-1 {result['top1']:.2%}   recall@5 {result['recall5']:.2%}")
    print(
        f"  false automatic links {result['false_links']:.2%} "
        f"({result['false_link_count']}; {result['auto_links']} queries auto-linked)"
    )
    print(
        f"  person_match in process: p50 {ms['p50']:.1f} ms, p95 {ms['p95']:.1f}, p99 {ms['p99']:.1f}"
    )
    if http:
        print(
            f"  GET /api/v1/people/match (gunicorn, 2 workers): p50 {http['p50']:.1f} ms, "
            f"p95 {http['p95']:.1f}, p99 {http['p99']:.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
