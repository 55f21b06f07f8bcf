"""Benchmark: the operator queue's first page with 1,000,000 cases in PostgreSQL.

Usage (from the repository root):

    .venv/bin/python bench/queue.py [--cases 1000000] [--reps 200] [--rebuild]

It fills the database `reliefline_bench_queue` with fictitious cases (households,
callers, needs) in raw SQL from `generate_series`, once: later runs migrate and
reuse it (`--rebuild` recreates it, in about 3 minutes; prefer it when a new data
migration would walk the million rows in Python). A second database, `reliefline_bench_queue_small`,
gets 1,000 cases built the same way on every run; it is the baseline measured in
the same run. Both are ANALYZEd, then each queue variant is built exactly as the
app builds it (`hotline.selectors.case_queue` + `case_page(size=25)`) and run
`--reps` times on each database: p50/p95 latency and the number of SQL queries.
The number of queries must not grow with the table; the time should not either.

With `--explain`, the plan (EXPLAIN ANALYZE) of every variant on the big database
is printed, to find a missing index. Exit status is non-zero only with --strict
and a missed target. Machines are shared: read figures beside their baseline.
"""

import sys
from pathlib import Path

# This file is named like the standard library's `queue`. Run as a script, bench/
# heads sys.path and would shadow `queue` for every library that imports it
# (logging.handlers does), so it leaves the path first.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import dj_database_url
import psycopg
from psycopg import sql

PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
BIG_DB = "reliefline_bench_queue"
SMALL_DB = "reliefline_bench_queue_small"
SMALL_CASES = 1_000
PAGE = 25
TARGET_P95_MS = 150.0
SUDZHA = "geonames-postal:RU-307800"
# Cursor pages compared with the first one: rows already read before the page (on the
# small database, at most half the matching rows).
DEPTHS = (1_000, 100_000)

# (given, patronymic, family) as callers type them, in Russian and Ukrainian.
NAMES = [
    ("Ольга", "Ивановна", "Коваленко"),
    ("Ольга", "Іванівна", "Коваленко"),
    ("Нина", "Петровна", "Бондаренко"),
    ("Ніна", "Петрівна", "Бондаренко"),
    ("Татьяна", "Сергеевна", "Шевченко"),
    ("Тетяна", "Сергіївна", "Шевченко"),
    ("Сергей", "Николаевич", "Ткаченко"),
    ("Сергій", "Миколайович", "Ткаченко"),
    ("Валентина", "Алексеевна", "Кравченко"),
    ("Анна", "Викторовна", "Мельник"),
    ("Ганна", "Вікторівна", "Мельник"),
    ("Иван", "Павлович", "Лысенко"),
    ("Іван", "Павлович", "Лисенко"),
    ("Людмила", "Григорьевна", "Руденко"),
    ("Александр", "Владимирович", "Савченко"),
    ("Олександр", "Володимирович", "Савченко"),
]
PHONES = [f"+7910555{n:04d}" for n in range(8)] + [f"+38067555{n:04d}" for n in range(8)]
MESSAGES = [
    "Маме 82 года, нужен инсулин, запасов нет. Хотим выехать вдвоём.",
    "Нет воды третий день, в доме двое детей.",
    "Бабуся лежача, потрібна евакуація з ношами.",
    "Закончились лекарства от давления, аптека закрыта.",
    "Шукаю брата, не виходить на зв'язок з 6 серпня.",
    "Нужна информация о коридоре на Суджу.",
    "",
    "",
]
NEED_TYPES = [
    "evacuation",
    "water",
    "food",
    "medicine",
    "medical_care",
    "shelter",
    "tracing",
    "information",
    "protection",
]
VULNERABILITIES = [
    "[]",
    "[]",
    '["elderly_75_plus"]',
    '["child_under_5"]',
    '["chronic_illness", "elderly_75_plus"]',
    '["bedridden"]',
    '["pregnant"]',
    '["wheelchair", "disability"]',
]
CHANNELS = ["phone", "phone", "phone", "sms", "whatsapp", "telegram", "web", "walk_in"]


def db_url(name: str) -> str:
    return f"{PG_SERVER}/{name}"


def admin_connection() -> psycopg.Connection[Any]:
    return psycopg.connect(db_url("postgres"), autocommit=True)


def ensure_database(name: str, *, drop: bool) -> None:
    """Create the database (dropping it first when asked)."""
    with admin_connection() as conn:
        if drop:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def stored_key(name: str) -> tuple[str | None, int]:
    """Return the field key the database was filled under and its case count, if any."""
    with psycopg.connect(db_url(name)) as conn:
        exists = conn.execute("SELECT to_regclass('bench_queue_meta')").fetchone()
        if not exists or exists[0] is None:
            return None, 0
        row = conn.execute("SELECT key, cases FROM bench_queue_meta").fetchone()
        return (row[0], row[1]) if row else (None, 0)


def setup_django(field_key: str) -> None:
    """Configure reliefline on the big database, with the small one as a second alias."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "reliefline.settings"
    os.environ["DATABASE_URL"] = db_url(BIG_DB)
    os.environ["RELIEFLINE_FIELD_KEYS"] = field_key
    os.environ.setdefault("RELIEFLINE_LOG_LEVEL", "CRITICAL")
    os.environ["RELIEFLINE_DATA_DIR"] = tempfile.mkdtemp(prefix="reliefline-bench-queue-")
    os.environ.pop("RELIEFLINE_DEBUG", None)
    # The HTTP figure is of the page, not of signing in: the test client's session has
    # no second factor, which the operator role otherwise requires.
    os.environ["RELIEFLINE_REQUIRE_2FA"] = "0"
    import django
    from django.conf import settings

    settings.DATABASES["small"] = dj_database_url.parse(db_url(SMALL_DB))
    django.setup()


def fill(alias: str, cases: int, field_key: str) -> None:
    """Migrate, load the gazetteer and insert `cases` cases with their people and needs."""
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connections, transaction

    from reliefline.access.crypto import encrypt
    from reliefline.places.models import Place
    from reliefline.places.services import BUNDLED_SETTLEMENTS, places_import_csv
    from reliefline.translit import skeleton

    if alias == "default":
        call_command("migrate", verbosity=0)
    else:
        # In its own process, where this database is the default one: a data migration
        # that forgets `schema_editor.connection.alias` would otherwise read and write
        # the million-case database instead.
        env = {**os.environ, "DATABASE_URL": db_url(SMALL_DB)}
        subprocess.run(
            [sys.executable, "-m", "reliefline", "migrate", "-v", "0"], env=env, check=True
        )
    if alias == "default":
        places_import_csv(BUNDLED_SETTLEMENTS)
    else:
        Place.objects.using(alias).bulk_create(list(Place.objects.all()), ignore_conflicts=True)
    operator, _ = User.objects.db_manager(alias).get_or_create(username="bench-operator")
    group = Group.objects.using(alias).filter(name="operator").first()
    if group is not None:
        operator.groups.add(group)

    # Sudzha first: the settlement index below is skewed toward the head of the list.
    places = sorted(
        Place.objects.using(alias).values_list("id", flat=True), key=lambda p: p != SUDZHA
    )
    params: dict[str, Any] = {
        "n": cases,
        "places": places,
        "nplaces": len(places),
        "given": [n[0] for n in NAMES],
        "patronymic": [n[1] for n in NAMES],
        "family": [n[2] for n in NAMES],
        "name_key": [skeleton(f"{n[2]} {n[0]}") for n in NAMES],
        "nnames": len(NAMES),
        # A few values sealed under the run's key, reused: encryption is not measured.
        "phones": [encrypt(p) for p in PHONES],
        "nphones": len(PHONES),
        "messages": [encrypt(m) if m else "" for m in MESSAGES],
        "nmessages": len(MESSAGES),
        "needs": NEED_TYPES,
        "nneeds": len(NEED_TYPES),
        "vulns": VULNERABILITIES,
        "nvulns": len(VULNERABILITIES),
        "channels": CHANNELS,
        "nchannels": len(CHANNELS),
        "operator": operator.pk,
        "key": field_key,
    }
    extra = other_columns(alias, params)
    started = time.perf_counter()
    with transaction.atomic(using=alias), connections[alias].cursor() as cur:
        # A bulk load: foreign keys are right by construction, so their triggers are
        # skipped (needs a superuser), and secondary indexes are built once at the end.
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = ANY(%s)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [list(FILLED_TABLES)],
        )
        indexes = cur.fetchall()
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        for statement in FILL_SQL:
            cur.execute(statement.format(**extra), params)
        for _name, definition in indexes:
            cur.execute(definition)
    print(f"  filled {alias}: {cases:,} cases in {time.perf_counter() - started:.0f} s")


def other_columns(alias: str, params: dict[str, Any]) -> dict[str, str]:
    """Return SQL fragments that give every column FILL_SQL does not name its model default.

    Other work adds columns (consent, retention...) while the benchmark stays the
    same; each gets its field's default, as a new row made by the ORM would.
    """
    from django.apps import apps
    from django.db import connections

    connection = connections[alias]
    extra: dict[str, str] = {}
    for table, model in [
        ("people_household", "people.Household"),
        ("people_person", "people.Person"),
        ("hotline_case", "hotline.Case"),
        ("hotline_need", "hotline.Need"),
    ]:
        statement = next(s for s in FILL_SQL if f"INSERT INTO {table} " in s)
        listed = statement.split("(", 1)[1].split("{", 1)[0]
        named = {c.strip() for c in listed.split(",")}
        cols, vals = [], []
        for field in apps.get_model(model)._meta.concrete_fields:
            if field.column in named or field.primary_key:
                continue
            name = f"x_{table}_{field.column}"
            params[name] = field.get_db_prep_save(field.get_default(), connection)
            cols.append(f", {field.column}")
            vals.append(f", %({name})s")
        extra[f"{table}_cols"] = "".join(cols)
        extra[f"{table}_vals"] = "".join(vals)
    return extra


FILLED_TABLES = ("people_household", "people_person", "hotline_case", "hotline_need")

# Run in one transaction. Statuses: about 30% open; older cases are mostly closed.
# Priority skews low (power 2.5), so about 12% of cases are critical.
FILL_SQL = [
    "TRUNCATE hotline_need, hotline_caseevent, hotline_case, people_person, people_household"
    " RESTART IDENTITY CASCADE",
    "SELECT setseed(0.42)",
    """
    CREATE TEMP TABLE bench_rows ON COMMIT DROP AS
    SELECT g,
           now() - power(random(), 1.5) * interval '120 days' AS created_at,
           (%(places)s::text[])[1 + floor(power(random(), 3) * %(nplaces)s)::int] AS place,
           random() AS r_status,
           floor(power(random(), 2.5) * 101)::int AS priority,
           random() AS r_lang
    FROM generate_series(1, %(n)s) AS g
    """,
    """
    ALTER TABLE bench_rows ADD COLUMN status text, ADD COLUMN band text
    """,
    """
    UPDATE bench_rows SET
      band = CASE WHEN priority >= 70 THEN 'critical' WHEN priority >= 45 THEN 'high'
                  WHEN priority >= 20 THEN 'medium' ELSE 'low' END,
      status = CASE
        WHEN created_at < now() - interval '14 days' AND r_status < 0.85
          THEN CASE WHEN r_status < 0.25 THEN 'resolved' ELSE 'closed' END
        WHEN r_status < 0.10 THEN 'resolved'
        WHEN r_status < 0.20 THEN 'closed'
        WHEN r_status < 0.55 THEN 'new'
        WHEN r_status < 0.70 THEN 'triaged'
        WHEN r_status < 0.82 THEN 'assigned'
        WHEN r_status < 0.94 THEN 'in_progress'
        ELSE 'cannot_reach' END
    """,
    """
    INSERT INTO people_household (id, settlement_id, size, created_at{people_household_cols})
    SELECT g, place, 1 + mod(g, 5), created_at{people_household_vals} FROM bench_rows
    """,
    """
    INSERT INTO people_person (id, household_id, given_name, family_name, patronymic,
        birth_date, phone, phone_index, preferred_language, name_key, created_at
        {people_person_cols})
    SELECT g, g,
           (%(given)s::text[])[1 + mod(g, %(nnames)s)],
           (%(family)s::text[])[1 + mod(g, %(nnames)s)],
           (%(patronymic)s::text[])[1 + mod(g, %(nnames)s)],
           date '1940-01-01' + mod(g * 37, 25000),
           (%(phones)s::text[])[1 + mod(g, %(nphones)s)],
           encode(sha256(('bench-phone-' || g)::bytea), 'hex'),
           CASE WHEN r_lang < 0.6 THEN 'ru' WHEN r_lang < 0.95 THEN 'uk' ELSE 'en' END,
           (%(name_key)s::text[])[1 + mod(g, %(nnames)s)],
           created_at{people_person_vals}
    FROM bench_rows
    """,
    """
    INSERT INTO hotline_case (id, reference, channel, language, caller_id, household_id,
        household_size, settlement_id, vulnerabilities, message, status, assignee_id,
        priority, band, priority_reasons, due_at, callback_at, created_by_id, created_at,
        updated_at{hotline_case_cols})
    SELECT g, 'RL-' || lpad(g::text, greatest(6, length(g::text)), '0'),
           (%(channels)s::text[])[1 + mod(g, %(nchannels)s)],
           CASE WHEN r_lang < 0.6 THEN 'ru' WHEN r_lang < 0.95 THEN 'uk' ELSE 'en' END,
           g, g, 1 + mod(g, 5), place,
           ((%(vulns)s::text[])[1 + mod(g, %(nvulns)s)])::jsonb,
           (%(messages)s::text[])[1 + mod(g, %(nmessages)s)],
           status,
           CASE WHEN status IN ('assigned', 'in_progress') THEN %(operator)s END,
           priority, band,
           jsonb_build_array(jsonb_build_object('code', 'waiting', 'points', mod(priority, 10))),
           created_at + CASE band WHEN 'critical' THEN interval '1 hour'
                                  WHEN 'high' THEN interval '4 hours'
                                  WHEN 'medium' THEN interval '24 hours'
                                  ELSE interval '72 hours' END,
           -- One case in a hundred had a callback promised six hours after it came in.
           CASE WHEN mod(g, 100) = 7 THEN created_at + interval '6 hours' END,
           NULL, created_at, created_at{hotline_case_vals}
    FROM bench_rows
    """,
    """
    INSERT INTO hotline_need (case_id, type, item, quantity, note, fulfilled_at
        {hotline_need_cols})
    SELECT g, (%(needs)s::text[])[1 + mod(g * 7 + k, %(nneeds)s)],
           CASE WHEN mod(g * 7 + k, %(nneeds)s) = 3 AND mod(g, 4) = 0 THEN 'insulin' ELSE '' END,
           NULL, '', NULL{hotline_need_vals}
    FROM bench_rows, generate_series(0, mod(g, 2)) AS k
    """,
    "SELECT setval(pg_get_serial_sequence('people_household', 'id'), %(n)s)",
    "SELECT setval(pg_get_serial_sequence('people_person', 'id'), %(n)s)",
    "SELECT setval(pg_get_serial_sequence('hotline_case', 'id'), %(n)s)",
    "DROP TABLE IF EXISTS bench_queue_meta",
    "CREATE TABLE bench_queue_meta (key text NOT NULL, cases bigint NOT NULL)",
    "INSERT INTO bench_queue_meta VALUES (%(key)s, %(n)s)",
]


@dataclass(frozen=True)
class Variant:
    label: str
    filters: dict[str, Any]
    depth: int = 0


VARIANTS = [
    Variant("open (default)", {}),
    *(Variant(f"open, cursor {depth:,} rows deep", {}, depth=depth) for depth in DEPTHS),
    Variant("settlement=Sudzha", {"settlement": SUDZHA}),
    Variant("status=new", {"status": "new"}),
    Variant("band=critical", {"band": "critical"}),
    Variant("overdue", {"overdue": True}),
    Variant("callbacks due", {"callback_due": True}),
    Variant("need=medicine", {"need": "medicine"}),
    Variant("language=uk, no assignee", {"language": "uk", "assignee": "none"}),
]


@dataclass(frozen=True)
class Result:
    p50: float
    p95: float
    queries: int
    rows: int


def deep_cursor(alias: str, filters: Any, depth: int) -> str:
    """Return the cursor a reader holds after `depth` rows (fewer on a small table)."""
    from reliefline.hotline.selectors import case_page, case_queue

    cases = case_queue(filters).using(alias)
    depth = min(depth, cases.count() // 2)
    _rows, cursor = case_page(cases, size=depth)
    return cursor or ""


def measure(alias: str, variant: Variant, reps: int) -> Result:
    """Return the latency percentiles and query count of one queue page."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from reliefline.hotline.selectors import QueueFilters, case_page, case_queue

    filters = QueueFilters(**variant.filters)
    cursor = deep_cursor(alias, filters, variant.depth) if variant.depth else ""

    def page() -> int:
        rows, _next = case_page(case_queue(filters).using(alias), cursor=cursor, size=PAGE)
        for case in rows:  # what the queue row shows; select_related must cover it
            _ = (case.settlement, case.caller, case.assignee, case.reference)
        return len(rows)

    with CaptureQueriesContext(connections[alias]) as captured:
        rows = page()
    queries = len(captured.captured_queries)
    for _ in range(5):
        page()
    timings = []
    for _ in range(reps):
        started = time.perf_counter()
        page()
        timings.append((time.perf_counter() - started) * 1000)
    # quantiles() needs two points; `--reps 1` (a fill for bench/load.py) has one.
    p95 = statistics.quantiles(timings, n=20)[18] if len(timings) > 1 else timings[0]
    return Result(statistics.median(timings), p95, queries, rows)


def explain(variant: Variant) -> None:
    """Print the plan of every query of the page on the big database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reliefline.hotline.selectors import QueueFilters, case_page, case_queue

    filters = QueueFilters(**variant.filters)
    cursor = deep_cursor("default", filters, variant.depth) if variant.depth else ""

    with CaptureQueriesContext(connection) as captured:
        case_page(case_queue(filters), cursor=cursor, size=PAGE)
    with connection.cursor() as cur:
        for query in captured.captured_queries:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print(f"\n--- {variant.label}\n" + "\n".join(r[0] for r in cur.fetchall()))


def measure_http(reps: int) -> Result | None:
    """Return the figures of GET /hotline/ (the queue page) on the big database, if it exists."""
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("hotline:queue")
    except NoReverseMatch:
        return None
    # As Django's test runner does: otherwise a request may reconnect in mid-measure.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # The page renders {% static %} through the manifest, as in production.
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="bench-operator"))

    def get() -> None:
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")

    with CaptureQueriesContext(connection) as captured:
        get()
    queries = len(captured.captured_queries)  # read now: each request resets the log
    timings = []
    for _ in range(reps):
        started = time.perf_counter()
        get()
        timings.append((time.perf_counter() - started) * 1000)
    # quantiles() needs two points; `--reps 1` (a fill for bench/load.py) has one.
    p95 = statistics.quantiles(timings, n=20)[18] if len(timings) > 1 else timings[0]
    return Result(statistics.median(timings), p95, queries, PAGE)


def count_label(n: int) -> str:
    return f"{n / 1_000_000:g}M" if n >= 1_000_000 else f"{n / 1000:g}k"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true", help="recreate the big database")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE plans")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    from reliefline.access.crypto import generate_key

    ensure_database(BIG_DB, drop=args.rebuild)
    ensure_database(SMALL_DB, drop=True)
    key, stored_cases = stored_key(BIG_DB)
    key = key or generate_key()
    setup_django(key)

    print(f"queue benchmark: {args.cases:,} cases vs {SMALL_CASES:,}, {args.reps} reps each")
    if stored_cases != args.cases:
        fill("default", args.cases, key)
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"  reusing {BIG_DB} ({stored_cases:,} cases); --rebuild to recreate")
    fill("small", SMALL_CASES, key)

    from django.db import connections

    for alias in ("default", "small"):
        with connections[alias].cursor() as cur:
            cur.execute("ANALYZE")

    big_label, small_label = count_label(args.cases), count_label(SMALL_CASES)
    print(
        f"\n{'variant':<34}{small_label + ' p50':>9}{small_label + ' p95':>9}{small_label + ' q':>6}"
        f"{big_label + ' p50':>11}{big_label + ' p95':>11}{big_label + ' q':>8}  verdict"
    )
    failed = False
    for variant in VARIANTS:
        small = measure("small", variant, args.reps)
        big = measure("default", variant, args.reps)
        ok_time = big.p95 < TARGET_P95_MS
        ok_queries = big.queries == small.queries
        failed |= not (ok_time and ok_queries)
        verdict = f"{'PASS' if ok_time else 'FAIL'} p95, {'PASS' if ok_queries else 'FAIL'} queries"
        print(
            f"{variant.label:<34}{small.p50:>8.1f}ms{small.p95:>7.1f}ms{small.queries:>5}"
            f"{big.p50:>9.1f}ms{big.p95:>9.1f}ms{big.queries:>8}  {verdict}"
        )
    try:
        http = measure_http(max(20, args.reps // 4))
    except RuntimeError as exc:  # the page is optional here; its own tests own its bugs
        failed = True
        print(f"{'GET /hotline/ (HTTP, test client)':<34}FAIL {exc}")
        http = None
    if http is not None:
        ok = http.p95 < TARGET_P95_MS
        failed |= not ok
        print(
            f"{'GET /hotline/ (HTTP, test client)':<34}{'':>24}"
            f"{http.p50:>9.1f}ms{http.p95:>9.1f}ms{http.queries:>8}  {'PASS' if ok else 'FAIL'} p95"
        )
    print(f"\ntarget: p95 < {TARGET_P95_MS:.0f} ms on {args.cases:,} cases; same query count")
    if args.explain:
        for variant in VARIANTS:
            explain(variant)
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
