"""Benchmark: `reliefline import people` of a synthetic registry into PostgreSQL.

Usage (from the repository root):

    .venv/bin/python bench/import_people.py [--persons 1000000] [--runs 2] [--jobs 2]

The file is the identity benchmark's registry written as a CSV by bench/people_csv.py
(var/bench-identity-<persons>.csv, made when missing), loaded into that benchmark's
database `reliefline_bench_identity_<persons>` (bench/identity.py's environment:
BENCH_PG, the field key in var/bench-identity.key), which is created and migrated
when missing, the gazetteer imported; before each run its persons, households and
matching keys are emptied, so every run is a first load, and the last run leaves
the registry bench/identity.py reuses. Each run is the import
command itself (`call_command("import", "people", ...)`) in a fresh process, which
reports:

- wall time, and the CPU time of the importer (parent and its worker processes,
  getrusage) and of its PostgreSQL backend (from /proc: the server must run on this
  machine) — the CPU figures hardly depend on what else the machine runs, the wall
  time does, so the load average is printed beside them;
- peak resident memory of the parent and of the largest worker.

Target of issue 5: 1,000,000 rows in under 5 minutes, peak memory under 2 GB.
"""

import sys
from pathlib import Path

# The repository root instead of bench/ (see bench/__init__.py).
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import json
import os
import resource
import subprocess
import time
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET_SECONDS = 300
TARGET_MEMORY_MIB = 2048


def worker(path: Path, jobs: int) -> dict[str, Any]:
    """Empty the registry, import the file with the command; return the measurements."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE people_personkey, people_person, people_household CASCADE")
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    tick = os.sysconf("SC_CLK_TCK")

    def backend_cpu() -> float:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    load, cpu, started = os.getloadavg()[0], backend_cpu(), time.perf_counter()
    call_command("import", "people", str(path), "--jobs", str(jobs))
    wall = time.perf_counter() - started
    me = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall": wall,
        "parent_cpu": me.ru_utime + me.ru_stime,
        "workers_cpu": workers.ru_utime + workers.ru_stime,
        "postgres_cpu": backend_cpu() - cpu,
        "parent_mib": me.ru_maxrss / 1024,
        "worker_mib": workers.ru_maxrss / 1024,
        "load": [load, os.getloadavg()[0]],
    }


def report(run: int, m: dict[str, Any], jobs: int) -> None:
    memory = m["parent_mib"] + jobs * m["worker_mib"]
    print(
        f"run {run}: {m['wall']:.0f} s wall (load average {m['load'][0]:.1f} -> "
        f"{m['load'][1]:.1f}); CPU: importer {m['parent_cpu']:.0f} s parent + "
        f"{m['workers_cpu']:.0f} s workers, PostgreSQL backend {m['postgres_cpu']:.0f} s; "
        f"peak RSS parent {m['parent_mib']:.0f} MiB, largest worker {m['worker_mib']:.0f} MiB "
        f"(at most {memory:.0f} MiB together)"
    )
    verdict = "PASS" if m["wall"] < TARGET_SECONDS and memory < TARGET_MEMORY_MIB else "FAIL"
    print(f"  target: under {TARGET_SECONDS} s and {TARGET_MEMORY_MIB} MiB: {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.jobs)))
        return 0
    # Here, not at the top: the measured worker (above) must not carry its imports.
    from bench import identity

    env = identity.environment(args.persons)
    path = ROOT / "var" / f"bench-identity-{args.persons}.csv"
    if not path.exists():
        command = [sys.executable, ROOT / "bench" / "people_csv.py", "--persons", str(args.persons)]
        subprocess.run([*command, path], env=env, check=True)
    subprocess.run([BIN / "python", ROOT / "scripts" / "ensure_database.py"], env=env, check=True)
    for command in (
        ["migrate", "--verbosity", "0"],
        ["import", "settlements", str(identity.SETTLEMENTS)],
    ):
        subprocess.run([BIN / "reliefline", *command], env=env, check=True, capture_output=True)
    print(f"reliefline import people, {args.persons:,} rows, --jobs {args.jobs}, PostgreSQL")
    for run in range(1, args.runs + 1):
        done = subprocess.run(
            [BIN / "python", __file__, "--worker", str(path), "--jobs", str(args.jobs)],
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        report(run, json.loads(done.stdout.strip().splitlines()[-1]), args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
