"""Benchmark: the open-needs HXL export with 1,000,000 cases in PostgreSQL.

Usage (from the repository root):

    .venv/bin/python bench/exports.py [--cases 1000000] [--rebuild] [--reps 3]

It fills the database `reliefline_bench_exports` once (later runs reuse it;
`--rebuild` recreates it): one case and one need are made through the ORM, so every
column has the value the application gives it, then cloned in SQL from
`generate_series` (about 70% of cases open, 1-2 needs each, settlements skewed toward
Sudzha, households of 1-5).

Each measurement runs in a fresh child process, so its peak resident memory
(ru_maxrss) is its own and not the filler's:

- floor: Python, Django and the app loaded, nothing run (memory baseline);
- sql: the export's GROUP BY alone, through a plain cursor (time baseline);
- csv: GET /api/v1/exports/needs.csv as a partner through Django's test client,
  every streamed chunk read; the figure against the targets: under 10 s, and under
  200 MB of memory added to the floor (a loaded worker already holds about 210 MB,
  most of it other apps' libraries);
- xlsx: GET /api/v1/exports/needs.xlsx, the same way;
- csv+index: csv again after adding a partial index on open needs' (case, type),
  which the hotline app does not have yet: what that index would give. The index is
  dropped again at the end, so the next run measures the application as it is.

Prints one JSON line per measurement and a verdict. Machines are shared: read the
figures beside their baselines.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Replace the script's own folder first: bench/queue.py would shadow the standard `queue`.
sys.path[0] = str(ROOT / "src")

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "reliefline_bench_exports"
TARGET_SECONDS = 10.0
TARGET_MB = 200.0
SUDZHA = "geonames-postal:RU-307800"
NEED_TYPES = ["medicine", "water", "food", "evacuation", "shelter", "medical_care"]
OPEN = ["new", "triaged", "assigned", "in_progress", "cannot_reach"]
WHAT_IF_INDEX = "bench_need_open_case_type"


def ensure_database(*, drop: bool) -> None:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        if drop:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB))
            )
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB)))


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "reliefline.settings"
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{DB}"
    os.environ.setdefault("RELIEFLINE_FIELD_KEYS", "bench-exports-key-0123456789abcdef0123456789")
    os.environ.setdefault("RELIEFLINE_LOG_LEVEL", "CRITICAL")
    os.environ["RELIEFLINE_INSECURE_HTTP"] = "1"
    os.environ["RELIEFLINE_DATA_DIR"] = tempfile.mkdtemp(prefix="reliefline-bench-exports-")
    os.environ.pop("RELIEFLINE_DEBUG", None)
    import django

    django.setup()


def filled_cases() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_exports_meta')")
        if cur.fetchone()[0] is None:
            return 0
        cur.execute("SELECT cases FROM bench_exports_meta")
        row = cur.fetchone()
        return int(row[0]) if row else 0


def _columns(model: Any, *, skip: set[str]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if f.column not in skip]


def fill(cases: int) -> None:
    """Migrate, load the gazetteer, and clone one ORM-made case and need `cases` times."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from reliefline.hotline.models import Case, Need
    from reliefline.places.models import Place
    from reliefline.places.services import BUNDLED_SETTLEMENTS, places_import_csv

    call_command("migrate", verbosity=0)
    places_import_csv(BUNDLED_SETTLEMENTS)
    places = sorted(Place.objects.values_list("id", flat=True), key=lambda p: p != SUDZHA)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "TRUNCATE hotline_need, hotline_caseevent, hotline_case RESTART IDENTITY CASCADE"
        )
        template = Case.objects.create(
            channel="phone", language="ru", due_at=timezone.now(), settlement_id=SUDZHA
        )
        need = Need.objects.create(case=template, type="water")
        case_cols = _columns(
            Case, skip={"id", "reference", "settlement_id", "status", "household_size"}
        )
        need_cols = _columns(Need, skip={"id", "case_id", "type"})
        cur.execute("SELECT setseed(0.42)")
        cur.execute(
            f"""
            INSERT INTO hotline_case (reference, settlement_id, status, household_size,
                                      {", ".join(case_cols)})
            SELECT 'RL-B' || g,
                   (%(places)s::text[])[1 + floor(power(random(), 3) * %(nplaces)s)::int],
                   CASE WHEN random() < 0.7
                        THEN (%(open)s::text[])[1 + mod(g, 5)] ELSE 'closed' END,
                   1 + mod(g, 5),
                   {", ".join(f"t.{c}" for c in case_cols)}
            FROM generate_series(1, %(n)s) AS g, hotline_case t WHERE t.id = %(template)s
            """,
            {
                "places": places,
                "nplaces": len(places),
                "open": OPEN,
                "n": cases,
                "template": template.pk,
            },
        )
        cur.execute(
            f"""
            INSERT INTO hotline_need (case_id, type, {", ".join(need_cols)})
            SELECT c.id, (%(types)s::text[])[1 + mod(c.id * k, %(ntypes)s)],
                   {", ".join(f"t.{col}" for col in need_cols)}
            FROM hotline_case c
            CROSS JOIN generate_series(1, 2) AS k
            JOIN hotline_need t ON t.id = %(template)s
            WHERE c.id <> %(case)s AND (k = 1 OR mod(c.id, 2) = 0)
            """,
            {
                "types": NEED_TYPES,
                "ntypes": len(NEED_TYPES),
                "template": need.pk,
                "case": template.pk,
            },
        )
        template.delete()
        cur.execute("CREATE TABLE IF NOT EXISTS bench_exports_meta (cases integer)")
        cur.execute("DELETE FROM bench_exports_meta")
        cur.execute("INSERT INTO bench_exports_meta VALUES (%s)", [cases])
    with connection.cursor() as cur:
        cur.execute("ANALYZE hotline_case")
        cur.execute("ANALYZE hotline_need")
    print(f"filled {cases:,} cases in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _partner_client() -> Any:
    from django.contrib.auth.models import Group, User
    from django.test import Client

    user, _ = User.objects.get_or_create(username="bench-partner")
    user.groups.add(Group.objects.get(name="partner"))
    client = Client()
    client.force_login(user)
    return client


def measure(kind: str) -> dict[str, Any]:
    """Run one measurement in this (child) process and return its figures."""
    setup_django()
    from django.db import connection
    from django.urls import get_resolver

    from reliefline.partners.selectors import needs_by_settlement

    # Every measurement, the floor too, starts with the whole URLconf (every app's API,
    # OR-Tools included) imported: a served worker has it loaded before any request.
    get_resolver().url_patterns  # noqa: B018
    result: dict[str, Any] = {"kind": kind}
    if kind == "sql":
        started = time.perf_counter()
        result["rows"] = sum(1 for _ in needs_by_settlement())
        result["seconds"] = round(time.perf_counter() - started, 2)
    elif kind in ("csv", "xlsx"):
        client = _partner_client()
        started = time.perf_counter()
        response = client.get(f"/api/v1/exports/needs.{kind}")
        size = 0
        lines = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n") if kind == "csv" else 0
        result["seconds"] = round(time.perf_counter() - started, 2)
        result["status"] = response.status_code
        result["bytes"] = size
        if kind == "csv":
            result["rows"] = lines - 2
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM hotline_case")
        result["cases"] = cur.fetchone()[0]
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def what_if_index(*, create: bool) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        if create:
            cur.execute(
                f"CREATE INDEX IF NOT EXISTS {WHAT_IF_INDEX} ON hotline_need (case_id, type)"
                " WHERE fulfilled_at IS NULL"
            )
            cur.execute("VACUUM ANALYZE hotline_need")
        else:
            cur.execute(f"DROP INDEX IF EXISTS {WHAT_IF_INDEX}")


def child(kind: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", kind], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--measure", choices=["floor", "sql", "csv", "xlsx"])
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    ensure_database(drop=args.rebuild)
    setup_django()
    if filled_cases() != args.cases:
        fill(args.cases)
    results: dict[str, list[dict[str, Any]]] = {}
    for kind in ("floor", "sql", "csv", "xlsx", "csv+index"):
        if kind == "csv+index":
            what_if_index(create=True)
        for _ in range(args.reps if kind != "floor" else 1):
            figure = child(kind.split("+")[0])
            figure["kind"] = kind
            results.setdefault(kind, []).append(figure)
            print(json.dumps(figure), flush=True)
    what_if_index(create=False)
    csv_runs = results["csv"]
    worst_seconds = max(r["seconds"] for r in csv_runs)
    worst_mb = max(r["peak_rss_mb"] for r in csv_runs)
    floor_mb = results["floor"][0]["peak_rss_mb"]
    # The target is the export's memory: what the request adds to a loaded worker.
    ok = worst_seconds < TARGET_SECONDS and worst_mb - floor_mb < TARGET_MB
    print(
        json.dumps(
            {
                "verdict": "PASS" if ok else "FAIL",
                "csv_worst_seconds": worst_seconds,
                "csv_worst_peak_rss_mb": worst_mb,
                "floor_peak_rss_mb": floor_mb,
                "csv_added_mb": round(worst_mb - floor_mb, 1),
                "sql_best_seconds": min(r["seconds"] for r in results["sql"]),
                "csv_with_index_worst_seconds": max(r["seconds"] for r in results["csv+index"]),
                "targets": {"seconds": TARGET_SECONDS, "peak_rss_mb": TARGET_MB},
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
