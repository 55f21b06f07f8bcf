"""Load test: the hotline's traffic mix against gunicorn and PostgreSQL, with locust.

Usage (from the repository root, after `make bench` has installed the bench group):

    .venv/bin/python bench/queue.py --cases 1000000 --reps 1   # fills the database once
    .venv/bin/python bench/load.py [--users 20] [--seconds 60] [--workers 4]

It runs against the database `reliefline_bench_queue` that bench/queue.py fills
(1,000,000 cases with their callers and households; `--cases` there sets the size)
and reuses the field key stored in it. It rebuilds the identity-matching index if
the fill left it empty, creates an operator with a bearer token, starts gunicorn
on a loopback port and one task worker (the webhook's acknowledgements are sent in
the background), and runs locust headless with bench/locustfile.py: intake, queue
refresh, identity match, case notes and bursts of signed Twilio SMS, in the weights
the locustfile gives. It prints, per endpoint, the requests, failures, sustained rate
and p50/p95/p99, and fails (with --strict) on any error. Loopback only, bounded by
--users and --seconds; the load generator shares the machine's cores with the server.
"""

import sys
from pathlib import Path

# The repository root instead of bench/ (see bench/__init__.py).
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import csv
import json
import os
import secrets
import signal
import subprocess
import tempfile
import time

import psycopg

from bench import intake

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = "reliefline_bench_queue"
BIN = ROOT / ".venv" / "bin"
USERNAME = "bench-load"


def stored_key(url: str) -> tuple[str, int]:
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT to_regclass('bench_queue_meta')").fetchone()
        if not found or found[0] is None:
            raise SystemExit(f"{DATABASE} is not filled: run bench/queue.py first.")
        row = conn.execute("SELECT key, cases FROM bench_queue_meta").fetchone()
        assert row is not None
        return str(row[0]), int(row[1])


def samples(url: str, directory: Path) -> tuple[Path, Path, int]:
    """Write case references and caller names that exist, for the locust clients."""
    with psycopg.connect(url) as conn:
        references = [
            r[0]
            for r in conn.execute(
                "SELECT reference FROM hotline_case WHERE status IN ('new', 'triaged')"
                " ORDER BY id DESC LIMIT 2000"
            )
        ]
        names = list(
            conn.execute(
                "SELECT given_name, family_name FROM people_person TABLESAMPLE SYSTEM (1)"
                " WHERE given_name <> '' AND family_name <> '' LIMIT 2000"
            )
        )
        (keys,) = conn.execute("SELECT count(*) FROM people_personkey").fetchone() or (0,)
    refs_path, names_path = directory / "references.txt", directory / "names.tsv"
    refs_path.write_text("\n".join(references))
    names_path.write_text("\n".join(f"{g}\t{f}" for g, f in names))
    return refs_path, names_path, int(keys)


free_port, reliefline, wait_until_up = intake.free_port, intake.reliefline, intake.wait_until_up


def bodies(directory: Path, count: int = 2000) -> Path:
    """Write intake bodies made the way bench/intake.py makes them."""
    path = directory / "bodies.jsonl"
    path.write_bytes(b"\n".join(intake.payloads(count, intake.place_ids())))
    return path


def report(prefix: Path) -> bool:
    """Print locust's per-endpoint figures; return whether any request failed."""
    with (prefix.parent / f"{prefix.name}_stats.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    print(
        f"\n{'endpoint':<40}{'requests':>9}{'errors':>8}{'rps':>8}{'p50 ms':>8}"
        f"{'p95 ms':>8}{'p99 ms':>8}"
    )
    failed = False
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all"
        errors = int(row["Failure Count"])
        failed |= errors > 0
        print(
            f"{name:<40}{int(row['Request Count']):>9}{errors:>8}{float(row['Requests/s']):>8.1f}"
            f"{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}"
        )
    failures = prefix.parent / f"{prefix.name}_failures.csv"
    if failed and failures.exists():
        print("\nfailures:\n" + failures.read_text()[:3000])
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent clients")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--strict", action="store_true", help="exit 1 on any failed request")
    args = parser.parse_args()

    url = f"{PG_SERVER}/{DATABASE}"
    key, cases = stored_key(url)
    work = Path(tempfile.mkdtemp(prefix="reliefline-load-"))
    port = free_port()
    twilio_token = secrets.token_urlsafe(24)
    env = {k: v for k, v in os.environ.items() if k not in ("RELIEFLINE_DEBUG", "DATABASE_URL")}
    env.update(
        DATABASE_URL=url,
        RELIEFLINE_DATA_DIR=str(work),
        RELIEFLINE_SECRET_KEY=secrets.token_urlsafe(50),
        RELIEFLINE_FIELD_KEYS=key,
        RELIEFLINE_INSECURE_HTTP="1",
        RELIEFLINE_LOG_LEVEL="WARNING",
        RELIEFLINE_TWILIO_AUTH_TOKEN=twilio_token,
        RELIEFLINE_PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    reliefline(env, "migrate", "--verbosity", "0")
    refs, names, keys = samples(url, work)
    if keys == 0:
        started = time.perf_counter()
        reliefline(env, "reindex-people")
        print(f"rebuilt the matching index in {time.perf_counter() - started:.0f} s")
    password = secrets.token_hex(16)
    try:
        reliefline(env, "adduser", USERNAME, "--role", "operator", "--password", password)
    except RuntimeError:
        reliefline(
            env, "adduser", USERNAME, "--role", "operator", "--password", password, "--update"
        )
    token = reliefline(env, "token", USERNAME, "--label", "load").strip().splitlines()[-1]
    body_file = bodies(work)

    print(
        f"load test: {cases:,} cases in PostgreSQL, gunicorn {args.workers} workers, "
        f"{args.users} clients for {args.seconds} s (2 cores shared with the load generator)"
    )
    log = (work / "server.log").open("w")
    server = subprocess.Popen(
        [
            *(BIN / "gunicorn", "reliefline.wsgi:application", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(args.workers), "--backlog", "512", "--no-control-socket"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen([BIN / "reliefline", "worker"], env=env, stdout=log, stderr=log)
    try:
        wait_until_up(port, server, work / "server.log")
        prefix = work / "locust"
        locust_env = {
            **env,
            "LOAD_API_TOKEN": token,
            "LOAD_TWILIO_TOKEN": twilio_token,
            "LOAD_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "LOAD_REFERENCES": str(refs),
            "LOAD_NAMES": str(names),
            "LOAD_BODIES": str(body_file),
        }
        subprocess.run(
            [
                *(BIN / "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"),
                *("-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s"),
                *("--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary"),
                *("--stop-timeout", "10", "--loglevel", "WARNING"),
            ],
            env=locust_env,
            check=False,
        )
        failed = report(prefix)
    finally:
        for proc in (server, worker):
            proc.send_signal(signal.SIGTERM)
        for proc in (server, worker):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(json.dumps({"cases": cases, "users": args.users, "seconds": args.seconds}))
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
