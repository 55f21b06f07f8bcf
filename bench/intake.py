"""Benchmark: `POST /api/v1/cases` under gunicorn, beside the trivial `GET /healthz`.

Usage (from the repository root):

    .venv/bin/python bench/intake.py [--db sqlite|postgres|both] [--seconds 10]
                                     [--clients 1,10,50] [--workers 4] [--strict] [--keyed]

For each database it prepares a fresh data directory (SQLite) or the PostgreSQL
database `reliefline_bench` (dropped and created afresh), runs `reliefline migrate`,
imports the gazetteer, creates an operator and a bearer token with the
`reliefline adduser` and `reliefline token` commands, and starts gunicorn on a
free loopback port with production settings (debug off; plain HTTP allowed on
loopback through RELIEFLINE_INSECURE_HTTP).

At each concurrency it runs both endpoints for `--seconds`, one after the other:
the trivial view (`/healthz`, no database, no session) is the baseline measured
in the same run, so a slow or busy machine slows both. The load generator is
threads with keep-alive `http.client` connections in this process; it shares
the machine's cores with the server, which the figures include.

Between them it runs `GET /api/v1/places?q=…` (bearer token with its permission,
one search query, no write) for scale: what the cheapest authenticated endpoint
reaches of the trivial view on the same server. It has no target.

With --keyed, each level also sends the intakes with an `Idempotency-Key` each (a
new UUID every time, so nothing is replayed): what a client's key costs the
first request, which runs in one transaction with the row keeping its answer
(access.idempotency). No target either.

Targets: intake throughput at least 40% of the trivial view's at every
concurrency, p99 under 150 ms at 50 clients, no errors. The verdicts are printed;
the exit status is non-zero only with --strict and a missed target.
"""

import sys
from pathlib import Path

# bench/queue.py is named like the standard library's `queue`; run as a script,
# bench/ heads sys.path and would shadow `queue` for every library importing it.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import csv
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote

from reliefline.access.crypto import generate_key
from reliefline.people.phones import phone_normalise

ROOT = Path(__file__).resolve().parent.parent
# The gazetteer reliefline ships (reliefline.places.services.BUNDLED_SETTLEMENTS,
# which cannot be imported before Django is configured).
BUNDLED_SETTLEMENTS = ROOT / "src" / "reliefline" / "places" / "data" / "settlements.csv"
BIN = ROOT / ".venv" / "bin"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/reliefline_bench")
TARGET_RATIO = 0.40
TARGET_P99_MS = 150.0
TARGET_P99_CLIENTS = 50
USERNAME = "bench-operator"
# Settlement searches as operators type them, in both scripts and transliterated.
PLACE_QUERIES = [
    quote(q) for q in ["Суджа", "Sudzha", "Гуево", "Sumy", "Курск", "Юнаківка", "Mala", "Пл"]
]

# ---- realistic, fictitious callers ----------------------------------------------------

GIVEN_RU = ["Ольга", "Нина", "Татьяна", "Сергей", "Валентина", "Анна", "Иван", "Людмила"]
GIVEN_UK = ["Ольга", "Ніна", "Тетяна", "Сергій", "Валентина", "Ганна", "Іван", "Людмила"]
FAMILY_RU = ["Коваленко", "Бондаренко", "Шевченко", "Ткаченко", "Кравченко", "Лысенко"]
FAMILY_UK = ["Коваленко", "Бондаренко", "Шевченко", "Ткаченко", "Кравченко", "Лисенко"]
PATRONYMIC_RU = ["Ивановна", "Петровна", "Сергеевна", "Николаевич", "Алексеевна", ""]
PATRONYMIC_UK = ["Іванівна", "Петрівна", "Сергіївна", "Миколайович", "Олексіївна", ""]
MESSAGES_RU = [
    "Маме 82 года, нужен инсулин, запасов нет. Хотим выехать вдвоём.",
    "Нет воды третий день, в доме двое детей.",
    "Закончились лекарства от давления, аптека закрыта.",
    "Нужна информация о коридоре, когда можно выехать на Курск?",
    "Отец лежачий, нужна эвакуация с носилками.",
]
MESSAGES_UK = [
    "Бабуся лежача, потрібна евакуація з ношами.",
    "Шукаю брата, не виходить на зв'язок з 6 серпня.",
    "Немає світла і води, потрібна питна вода на чотирьох.",
    "Потрібен інсулін для мами, запасу на два дні.",
    "Коли буде коридор на Суми? Нас троє, одна дитина до п'яти років.",
]
NEEDS = [
    ("medicine", "insulin", 10, "Нет запаса"),
    ("medicine", "", None, ""),
    ("water", "питьевая вода, л", 20, ""),
    ("food", "консервы", 6, ""),
    ("evacuation", "", None, "Ограниченная подвижность"),
    ("evacuation", "", None, ""),
    ("shelter", "", None, ""),
    ("tracing", "", None, "Брат, 1975 г.р."),
    ("information", "", None, ""),
    ("medical_care", "", None, "Давление 180/110"),
]
VULNERABILITIES = [
    "elderly_75_plus",
    "chronic_illness",
    "child_under_5",
    "bedridden",
    "pregnant",
    "wheelchair",
    "disability",
    "infant_under_2",
]
CHANNELS = ["phone", "phone", "phone", "sms", "whatsapp", "telegram", "web"]


def phone(rng: random.Random) -> str:
    """Return a plausible mobile number, written the ways callers write them."""
    if rng.random() < 0.6:  # Russian mobile, Kursk-area operators
        digits = (
            f"9{rng.choice(['10', '15', '20', '51', '60', '80', '99'])}{rng.randrange(10**7):07d}"
        )
        return rng.choice(
            [
                f"+7{digits}",
                f"8 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}",
                f"+7 {digits[:3]} {digits[3:6]} {digits[6:8]} {digits[8:]}",
            ]
        )
    digits = f"{rng.choice(['50', '66', '67', '68', '95', '97', '98'])}{rng.randrange(10**7):07d}"
    return rng.choice(
        [f"+380{digits}", f"+380 {digits[:2]} {digits[2:5]} {digits[5:]}", f"0{digits}"]
    )


def payloads(count: int, places: list[str], seed: int = 2024) -> list[bytes]:
    """Return varied, valid case bodies: Russian and Ukrainian callers with their needs."""
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        ru = rng.random() < 0.6
        caller: dict[str, object] = {}
        if rng.random() < 0.85:
            number = phone(rng)
            while phone_normalise(number) is None:  # a few generated ranges are unassigned
                number = phone(rng)
            caller["phone"] = number
        if rng.random() < 0.8 or not caller:
            caller["given_name"] = rng.choice(GIVEN_RU if ru else GIVEN_UK)
            caller["family_name"] = rng.choice(FAMILY_RU if ru else FAMILY_UK)
            caller["patronymic"] = rng.choice(PATRONYMIC_RU if ru else PATRONYMIC_UK)
        if rng.random() < 0.5:
            caller["birth_date"] = f"{rng.randint(1935, 2005)}-{rng.randint(1, 12):02d}-15"
        needs = []
        chosen: dict[str, tuple[str, str, int | None, str]] = {}
        for row in rng.sample(NEEDS, rng.randint(1, 3)):
            chosen.setdefault(row[0], row)  # the API takes each need type once
        for kind, item, quantity, note in chosen.values():
            need: dict[str, object] = {"type": kind}
            if item:
                need["item"] = item
            if quantity:
                need["quantity"] = quantity
            if note:
                need["note"] = note
            needs.append(need)
        body = {
            "channel": rng.choice(CHANNELS),
            "language": "ru" if ru else "uk",
            "caller": caller,
            "settlement": rng.choice(places),
            "household_size": rng.randint(1, 6),
            "needs": needs,
            "vulnerabilities": rng.sample(VULNERABILITIES, rng.randint(0, 2)),
            "message": rng.choice(MESSAGES_RU if ru else MESSAGES_UK),
        }
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies


def place_ids() -> list[str]:
    with BUNDLED_SETTLEMENTS.open(encoding="utf-8") as f:
        return [row["id"] for row in csv.DictReader(f)]


# ---- the server ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_postgres(url: str) -> None:
    """Create the database named in the URL afresh: every run has new field keys."""
    subprocess.run(
        [BIN / "python", ROOT / "scripts" / "ensure_database.py", "--recreate"],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )


def reliefline(env: dict[str, str], *args: str) -> str:
    """Run a reliefline command and return its standard output."""
    done = subprocess.run(
        [BIN / "reliefline", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"reliefline {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def prepare(db: str, *, pg_url: str = PG_URL) -> tuple[dict[str, str], Path, str]:
    """Prepare a fresh database; return (the server's environment, data directory, token)."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"reliefline-bench-{db}-"))
    url = f"sqlite:///{data_dir}/bench.sqlite3" if db == "sqlite" else pg_url
    if db == "postgres":
        ensure_postgres(url)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("RELIEFLINE_DEBUG", "DATABASE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="reliefline.settings",
        DATABASE_URL=url,
        RELIEFLINE_DATA_DIR=str(data_dir),
        RELIEFLINE_SECRET_KEY=secrets.token_urlsafe(50),
        RELIEFLINE_FIELD_KEYS=generate_key(),
        RELIEFLINE_INSECURE_HTTP="1",
        RELIEFLINE_LOG_LEVEL="WARNING",
    )
    reliefline(env, "migrate", "--verbosity", "0")
    reliefline(env, "import", "settlements", str(BUNDLED_SETTLEMENTS))
    password = secrets.token_urlsafe(16)
    try:
        reliefline(env, "adduser", USERNAME, "--role", "operator", "--password", password)
    except RuntimeError:  # left by an earlier run on the same PostgreSQL database
        reliefline(
            env, "adduser", USERNAME, "--role", "operator", "--password", password, "--update"
        )
    token = reliefline(env, "token", USERNAME, "--label", "bench").strip().splitlines()[-1]
    return env, data_dir, token


def gunicorn_start(
    env: dict[str, str], workers: int, log: Path, port: int | None = None
) -> tuple[int, subprocess.Popen[bytes]]:
    """Start gunicorn on a loopback port (a free one unless given); return it once it answers."""
    port = port or free_port()
    with log.open("a") as out:
        proc = subprocess.Popen(
            [
                BIN / "gunicorn",
                "reliefline.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--backlog",
                "512",
                "--no-control-socket",  # its default path in $HOME is shared by instances
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_until_up(port, proc, log)
    return port, proc


def gunicorn_stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def server(db: str, workers: int) -> Iterator[tuple[int, str]]:
    """Prepare a database, start gunicorn, yield (port, bearer token), stop it."""
    env, data_dir, token = prepare(db)
    try:
        port, proc = gunicorn_start(env, workers, data_dir / "gunicorn.log")
        try:
            yield port, token
        finally:
            gunicorn_stop(proc)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def wait_until_up(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{log.read_text()}")


# ---- the load generator --------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Figures:
    rps: float
    p50: float
    p99: float
    requests: int
    errors: int
    sample: str


Request = Callable[[int], tuple[str, str, bytes | None, dict[str, str], int]]


def run_load(port: int, clients: int, seconds: float, request: Request) -> Figures:
    """Return the figures of `clients` threads sending `request(i)` for `seconds`."""
    stop = threading.Event()
    tallies = [Tally() for _ in range(clients)]
    start_line = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        tally = tallies[n]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = n
        start_line.wait()
        while not stop.is_set():
            method, path, body, headers, expected = request(i)
            i += clients
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                content = response.read()
                ok = response.status == expected
                if response.will_close:  # gunicorn's sync workers close every connection
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                ok, content = False, repr(exc).encode()
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            if stop.is_set():
                break  # a request still in flight at the bell is not counted
            tally.latencies.append(elapsed)
            if not ok:
                tally.errors += 1
                if len(tally.samples) < 3:
                    tally.samples.append(content[:300].decode(errors="replace"))
        conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    start_line.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - began
    for t in threads:
        t.join(timeout=60)
    latencies = sorted(ms for t in tallies for ms in t.latencies)
    errors = sum(t.errors for t in tallies)
    sample = next((s for t in tallies for s in t.samples), "")
    if len(latencies) < 2:
        return Figures(0.0, float("nan"), float("nan"), len(latencies), errors, sample)
    p99 = statistics.quantiles(latencies, n=100)[98]
    return Figures(
        len(latencies) / elapsed, statistics.median(latencies), p99, len(latencies), errors, sample
    )


def bench_db(db: str, args: argparse.Namespace, bodies: list[bytes]) -> list[str]:
    """Run both endpoints at each concurrency on one database; return missed targets."""
    missed: list[str] = []
    with server(db, args.workers) as (port, token):
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def intake(i: int) -> tuple[str, str, bytes | None, dict[str, str], int]:
            return "POST", "/api/v1/cases", bodies[i % len(bodies)], auth, 201

        def keyed_intake(i: int) -> tuple[str, str, bytes | None, dict[str, str], int]:
            headers = {**auth, "Idempotency-Key": f'"{uuid.uuid4()}"'}  # a new one each time
            return "POST", "/api/v1/cases", bodies[i % len(bodies)], headers, 201

        def trivial(i: int) -> tuple[str, str, bytes | None, dict[str, str], int]:
            return "GET", "/healthz", None, {}, 200

        def token_read(i: int) -> tuple[str, str, bytes | None, dict[str, str], int]:
            return (
                "GET",
                f"/api/v1/places?q={PLACE_QUERIES[i % len(PLACE_QUERIES)]}",
                None,
                auth,
                200,
            )

        run_load(port, 2, 2.0, trivial)  # warm the workers up
        run_load(port, 2, 2.0, intake)
        print(f"\n{db}: gunicorn, {args.workers} sync workers, {args.seconds:g} s per cell")
        print(
            f"{'clients':>7}  {'endpoint':<20}{'rps':>8}{'p50 ms':>9}{'p99 ms':>9}"
            f"{'requests':>10}{'errors':>8}  {'ratio':>6}  verdict"
        )
        for clients in args.clients:
            base = run_load(port, clients, args.seconds, trivial)
            read = run_load(port, clients, args.seconds, token_read)
            case = run_load(port, clients, args.seconds, intake)
            keyed = run_load(port, clients, args.seconds, keyed_intake) if args.keyed else None
            ratio = case.rps / base.rps if base.rps else 0.0
            checks = [("ratio", ratio >= TARGET_RATIO), ("errors", case.errors + base.errors == 0)]
            if clients == TARGET_P99_CLIENTS:
                checks.append(("p99", case.p99 < TARGET_P99_MS))
            verdict = ", ".join(f"{'PASS' if ok else 'FAIL'} {name}" for name, ok in checks)
            missed += [f"{db} {clients} clients: {name}" for name, ok in checks if not ok]
            rows = [
                ("GET /healthz", base, ""),
                ("GET /api/v1/places", read, f"{read.rps / base.rps if base.rps else 0:>6.0%}"),
                ("POST /api/v1/cases", case, f"{ratio:>6.0%}  {verdict}"),
            ]
            if keyed is not None:  # no target: what a client's idempotency key costs
                share = keyed.rps / base.rps if base.rps else 0.0
                rows.append(("  with a key", keyed, f"{share:>6.0%}  (errors: {keyed.errors})"))
            for label, f, extra in rows:
                print(
                    f"{clients:>7}  {label:<20}{f.rps:>8.1f}{f.p50:>9.1f}{f.p99:>9.1f}"
                    f"{f.requests:>10}{f.errors:>8}  {extra}"
                )
                if f.sample:
                    print(f"{'':>9}first error: {f.sample}")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint and level")
    parser.add_argument(
        "--clients",
        type=lambda s: [int(n) for n in s.split(",")],
        default=[1, 10, 50],
        help="concurrency levels, comma separated",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--keyed",
        action="store_true",
        help="also send intakes with an Idempotency-Key each (no target; its cost)",
    )
    args = parser.parse_args()

    bodies = payloads(2000, place_ids())
    print(f"intake benchmark: {os.cpu_count()} cores shared by gunicorn and this load generator")
    missed: list[str] = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        missed += bench_db(db, args, bodies)
    print(
        f"\ntargets: intake >= {TARGET_RATIO:.0%} of /healthz throughput, "
        f"p99 < {TARGET_P99_MS:.0f} ms at {TARGET_P99_CLIENTS} clients, no errors"
    )
    print("missed: " + "; ".join(missed) if missed else "all targets met")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
