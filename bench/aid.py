"""Benchmark: aid distributions per second under concurrent clients, service level.

Usage (from the repository root):

    .venv/bin/python bench/aid.py [--db sqlite|postgres|both] [--seconds 5]
                                  [--clients 1,4,8] [--households 1500]

Measured at the service level: each client is a thread with its own database
connection (as each gunicorn worker has one) calling
`reliefline.aid.services.distribution_record` in a loop; HTTP parsing and
authentication are not included (bench/intake.py measures those for the API).
Every client draws from the same warehouse and item, the hottest possible row, so
the figure is the ledger's worst case. Each distribution goes to a household never
served before, whose members are matched against the registry (double-dipping
check), audited, and takes stock under a row lock.

Baseline, measured in the same run at each concurrency: `stock_receive` of one unit
at the same warehouse and item, the smallest ledger write (one locked balance, one
movement, one transaction). The ratio says what the distribution's checks cost.

Each database gets a fresh store: a temporary SQLite file (WAL, as reliefline runs)
or the PostgreSQL database `reliefline_bench_aid` (dropped and created afresh). Each
runs in a child process, since Django is configured once per process. Afterwards
`stock verify` must find no difference and the balance must equal receipts minus
distributions; the run fails otherwise.
"""

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)  # bench/queue.py would shadow the standard library's queue

import argparse
import datetime as dt
import os
import random
import secrets
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_URL = os.environ.get(
    "BENCH_AID_PG_URL", "postgres://postgres@127.0.0.1:5432/reliefline_bench_aid"
)
GIVEN = ["Ольга", "Нина", "Татьяна", "Сергей", "Валентина", "Анна", "Иван", "Людмила", "Олег"]
FAMILY = ["Коваленко", "Бондаренко", "Шевченко", "Ткаченко", "Кравченко", "Лысенко", "Мальцев"]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    refused: int = 0
    errors: list[str] = field(default_factory=list)


def run_clients(
    clients: int, seconds: float, call: Callable[[int], str]
) -> tuple[float, float, float, int, int, list[str]]:
    """Return (per second, p50 ms, p99 ms, done, refused, errors) of `clients` threads."""
    from django.db import connections

    stop = threading.Event()
    tallies = [Tally() for _ in range(clients)]
    start_line = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        tally = tallies[n]
        i = n
        start_line.wait()
        try:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    outcome = call(i)
                except Exception as exc:
                    outcome = f"error: {exc!r}"[:300]
                i += clients
                if stop.is_set():
                    break  # in flight at the bell: not counted
                tally.latencies.append((time.perf_counter() - started) * 1000)
                if outcome == "refused":
                    tally.refused += 1
                elif outcome.startswith("error"):
                    tally.errors.append(outcome)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    start_line.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - began
    for t in threads:
        t.join(timeout=120)
    latencies = sorted(ms for t in tallies for ms in t.latencies)
    errors = [e for t in tallies for e in t.errors]
    refused = sum(t.refused for t in tallies)
    if len(latencies) < 2:
        return 0.0, float("nan"), float("nan"), len(latencies), refused, errors
    p99 = statistics.quantiles(latencies, n=100)[98]
    return (
        len(latencies) / elapsed,
        statistics.median(latencies),
        p99,
        len(latencies),
        refused,
        errors,
    )


def child(db: str, args: argparse.Namespace) -> int:
    """Run the benchmark on the database Django is configured for; return the exit status."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from reliefline.aid.errors import DoubleDipping, InsufficientStock
    from reliefline.aid.models import Balance, Item, ItemKind, Movement, Warehouse
    from reliefline.aid.selectors import stock_differences
    from reliefline.aid.services import (
        DistributionInput,
        ItemInput,
        LineInput,
        distribution_record,
        item_create,
        stock_receive,
        warehouse_create,
    )
    from reliefline.people.models import Household
    from reliefline.people.services import PersonInput, household_create, person_create
    from reliefline.places.models import Place
    from reliefline.places.services import BUNDLED_SETTLEMENTS, places_import_csv

    call_command("migrate", verbosity=0)
    places_import_csv(BUNDLED_SETTLEMENTS)
    sudzha = Place.objects.get(pk="geonames-postal:RU-307800")
    item_create(
        ItemInput("WATER-5L", "Drinking water, 5 l", unit="bottle", kind=ItemKind.WATER), by=None
    )
    warehouse = warehouse_create(code="SUDZHA-1", name="School", settlement_id=sudzha.pk, by=None)
    water = Item.objects.get(code="WATER-5L")
    stock_receive(warehouse=warehouse, item=water, quantity=10_000_000, reference="bench", by=None)

    print(f"{db}: registering {args.households} households ...", flush=True)
    rng = random.Random(8)
    households: list[int] = []
    for _ in range(args.households):
        household = household_create(settlement=sudzha, size=2)
        for _member in range(rng.choice((1, 2))):
            born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25_000))
            person_create(
                PersonInput(
                    given_name=rng.choice(GIVEN), family_name=rng.choice(FAMILY), birth_date=born
                ),
                household=household,
            )
        households.append(household.pk)
    served = iter(households)
    lock = threading.Lock()

    def distribute(_: int) -> str:
        with lock:
            household_id = next(served, None)
        if household_id is None:
            raise RuntimeError("out of households: raise --households")
        try:
            distribution_record(
                DistributionInput(
                    warehouse="SUDZHA-1",
                    household_id=household_id,
                    lines=[LineInput("WATER-5L", 2)],
                ),
                by=None,
            )
        except DoubleDipping:
            return "refused"  # a random namesake with the same birth date: one family
        except InsufficientStock:
            return "error: stock ran out"
        return "given"

    def receive(_: int) -> str:
        stock_receive(
            warehouse=Warehouse.objects.get(code="SUDZHA-1"),
            item=water,
            quantity=1,
            reference="bench",
            by=None,
        )
        return "given"

    connection.close()
    run_clients(2, 1.0, receive)  # warm up
    print(
        f"\n{db} ({connection.vendor}): service level, {args.seconds:g} s per cell, same warehouse and item"
    )
    print(
        f"{'clients':>7}  {'operation':<22}{'per s':>8}{'p50 ms':>9}{'p99 ms':>9}{'done':>7}{'refused':>8}{'errors':>7}  ratio"
    )
    failed = False
    for clients in args.clients:
        base = run_clients(clients, args.seconds, receive)
        dist = run_clients(clients, args.seconds, distribute)
        ratio = dist[0] / base[0] if base[0] else 0.0
        for label, f, extra in (
            ("stock_receive (base)", base, ""),
            ("distribution_record", dist, f"{ratio:>5.0%}"),
        ):
            print(
                f"{clients:>7}  {label:<22}{f[0]:>8.1f}{f[1]:>9.1f}{f[2]:>9.1f}{f[3]:>7}{f[4]:>8}{len(f[5]):>7}  {extra}"
            )
            if f[5]:
                print(f"{'':>9}first error: {f[5][0]}")
                failed = True
    differences = stock_differences()[1]
    balance = Balance.objects.get(warehouse__code="SUDZHA-1", item=water).quantity
    ledger = sum(Movement.objects.values_list("quantity", flat=True))
    given = Household.objects.filter(aid_distributions__isnull=False).count()
    print(
        f"\nledger check: {len(differences)} differences; balance {balance} = movements {ledger}; {given} households served"
    )
    if differences or balance != ledger:
        failed = True
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--clients", type=lambda s: [int(n) for n in s.split(",")], default=[1, 4, 8]
    )
    parser.add_argument("--households", type=int, default=1500)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.db, args)
    from reliefline.access.crypto import generate_key

    status = 0
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        data_dir = tempfile.mkdtemp(prefix=f"reliefline-bench-aid-{db}-")
        url = f"sqlite:///{data_dir}/bench.sqlite3" if db == "sqlite" else PG_URL
        env = {k: v for k, v in os.environ.items() if k not in ("RELIEFLINE_DEBUG", "DATABASE_URL")}
        env.update(
            DJANGO_SETTINGS_MODULE="reliefline.settings",
            DATABASE_URL=url,
            RELIEFLINE_DATA_DIR=data_dir,
            RELIEFLINE_SECRET_KEY=secrets.token_urlsafe(50),
            RELIEFLINE_FIELD_KEYS=generate_key(),
            RELIEFLINE_LOG_LEVEL="WARNING",
        )
        if db == "postgres":
            subprocess.run(
                [BIN / "python", ROOT / "scripts" / "ensure_database.py", "--recreate"],
                env=env,
                check=True,
            )
        argv = [
            str(BIN / "python"),
            __file__,
            "--child",
            "--db",
            db,
            "--seconds",
            str(args.seconds),
            "--clients",
            ",".join(map(str, args.clients)),
            "--households",
            str(args.households),
        ]
        try:
            status |= subprocess.run(argv, env=env, check=False).returncode
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
