"""Benchmark: cross-script identity matching on a synthetic registry in PostgreSQL.

Usage (from the repository root):

    .venv/bin/python bench/identity.py [--persons 100000] [--queries 2000] [--http]
        [--splink]

It fills the database `reliefline_bench_identity_<persons>` with a seeded synthetic
registry (reliefline.people.synthetic: Russian and Ukrainian names, households
sharing a phone), once; later runs with the same size reuse it. The registry is
written as a CSV by bench/people_csv.py and loaded with `reliefline import people`,
the bulk import an operator would use. The field key is kept in
var/bench-identity.key so that the reused rows stay readable. Then it asks
`--queries` re-typed queries (other script, romanisations, wrong keyboard layout,
typos, swapped or slipped birth dates, 8-prefix and slipped phones, missing
patronymic; 10% of them people who are not registered) through
people.selectors.person_match in process and reports:

- top-1 accuracy and recall@5 on the queries of registered people;
- false automatic links: a `match` that is the wrong person, or any `match` for
  someone not registered, over all queries;
- p50/p95/p99 latency of person_match in process, and with --http of
  GET /api/v1/people/match under gunicorn (2 workers, bearer token, one client),
  each request followed by a GET /healthz (a trivial view: no database, no
  session) on the same server, the baseline of the same run: on a shared machine
  both slow down together. --http-rounds repeats the HTTP measurement to show the
  spread; the load average is printed with each round.

With --splink (needs the bench dependency group: `.tools/bin/uv sync --frozen
--group bench`), the same registry and queries are answered by Splink 5 on DuckDB as
the baseline, trained as its documentation recommends: the prior from deterministic
rules, u by random sampling, m by expectation maximisation on two blocking rules. It
reports the same figures, the time to train, and its latency for one query at a time
(predict_between the registry and a one-row table) on a sample of the queries.
Splink has no cross-script normalisation, so it is given names folded by
reliefline.translit.skeleton (the same folding reliefline starts from) and phones in
E.164; it does not get reliefline's given-name equivalences or keyboard-layout fix.
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
from collections import Counter
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py would shadow the standard library's queue module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
# The interpreter's own environment: .venv, or one synced with the bench group.
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
KEY_FILE = ROOT / "var" / "bench-identity.key"
SETTLEMENTS = ROOT / "src" / "reliefline" / "places" / "data" / "settlements.csv"
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
    """Return whether the stored rows are this generator's registry (spot check of 50).

    The import rejects a few generated rows (phones in unassigned ranges), so most,
    not all, of the persons must be there.
    """
    from reliefline.people.models import Person

    if len(stored) < len(people) * 0.99:
        return False
    sample = [p for p in people[:: max(len(people) // 50, 1)] if f"synthetic-{p.key}" in stored]
    rows = Person.objects.in_bulk([stored[f"synthetic-{p.key}"] for p in sample])
    return len(sample) >= 45 and all(
        (
            rows[stored[f"synthetic-{p.key}"]].family_name,
            rows[stored[f"synthetic-{p.key}"]].birth_date,
        )
        == (p.family[p.form], p.birth_date)
        for p in sample
    )


def registry_import(persons: int) -> float:
    """Empty the registry, write it as a CSV and load it with the bulk import; return seconds."""
    from django.db import connection

    from reliefline.people.importing import people_import_csv

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE people_personkey, people_person, people_household CASCADE")
    path = ROOT / "var" / f"bench-identity-{persons}.csv"
    if not path.exists():
        subprocess.run(
            [sys.executable, ROOT / "bench" / "people_csv.py", "--persons", str(persons), path],
            check=True,
        )
    started = time.perf_counter()
    result = people_import_csv(path, jobs=2)
    seconds = time.perf_counter() - started
    print(
        f"imported {result.created:,} persons, {result.rejected:,} rejected "
        f"({result.rejected_path}) in {seconds:.0f} s",
        file=sys.stderr,
    )
    return seconds


SPLINK_MATCH = 0.99  # the same threshold as reliefline's automatic link
SPLINK_POSSIBLE = 0.10


def worker(
    persons: int, count: int, out: Path, *, splink: bool = False, splink_latency: int = 100
) -> None:
    import django

    django.setup()
    from reliefline.people.models import Person
    from reliefline.people.selectors import MatchQuery, person_match
    from reliefline.people.synthetic import SyntheticQuery, evaluate, queries, registry

    def stored_ids() -> dict[str | None, int]:
        return dict(
            Person.objects.filter(external_id__startswith="synthetic-").values_list(
                "external_id", "pk"
            )
        )

    people = registry(persons)
    stored = stored_ids()
    load_seconds = None
    if not same_registry(people, stored):
        print(f"loading {persons} persons ...", file=sys.stderr)
        load_seconds = registry_import(persons)
        stored = stored_ids()
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
    registered = [q for q in asked if q.person_key in ids]
    result: dict[str, Any] = {
        "persons": persons,
        "queries": count,
        "load_seconds": load_seconds,
        "top1": quality.top1_rate,
        "recall5": quality.recall5_rate,
        "false_links": quality.false_link_rate,
        "false_link_count": quality.false_links,
        "auto_links": quality.auto_links,
        "in_process_ms": percentiles(timings),
        "asked_by_variation": by_variation(registered),
        "missed_by_variation": by_variation(list(quality.missed)),
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
    missed = [
        {
            "variations": q.variations,
            "query": [q.given_name, q.family_name, q.patronymic, str(q.birth_date), q.phone],
            "person_id": ids.get(q.person_key) if q.person_key is not None else None,
        }
        for q in quality.missed
    ]
    (out.parent / f"bench-identity-{persons}-missed.json").write_text(
        json.dumps(missed, ensure_ascii=False, indent=1)
    )
    if splink:
        result["splink"] = splink_baseline(people, ids, asked, latency_sample=splink_latency)
    out.write_text(json.dumps(result))


def by_variation(questions: list[Any]) -> dict[str, int]:
    """Return how many queries carry each variation ("as registered" for none)."""
    counts: Counter[str] = Counter()
    for question in questions:
        counts.update(question.variations or ("as registered",))
    return dict(counts.most_common())


# ---- Splink 5, the baseline -----------------------------------------------------------


def _splink_rows(people: list[Any], ids: dict[int, int]) -> list[dict[str, Any]]:
    from reliefline.translit import skeleton

    return [
        {
            "unique_id": ids[p.key],
            "given_name": skeleton(p.given[p.form]) or None,
            "family_name": skeleton(p.family[p.form]) or None,
            "patronymic": skeleton(p.patronymic[p.form]) if p.patronymic else None,
            "birth_date": p.birth_date.isoformat(),
            "phone": p.phone or None,
        }
        for p in people
        if p.key in ids
    ]


def _splink_query(n: int, question: Any) -> dict[str, Any]:
    from reliefline.people.phones import phone_normalise
    from reliefline.translit import skeleton

    return {
        "unique_id": n,
        "given_name": skeleton(question.given_name) or None,
        "family_name": skeleton(question.family_name) or None,
        "patronymic": skeleton(question.patronymic) or None,
        "birth_date": question.birth_date.isoformat() if question.birth_date else None,
        "phone": phone_normalise(question.phone) if question.phone else None,
    }


def splink_baseline(
    people: list[Any], ids: dict[int, int], asked: list[Any], *, latency_sample: int
) -> dict[str, Any]:
    """Return Splink 5's figures on the same registry and queries (see the docstring)."""
    import logging

    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from reliefline.people.synthetic import evaluate

    logging.getLogger("splink").setLevel(logging.WARNING)
    started = time.perf_counter()
    db_api = DuckDBAPI()
    registry_df = db_api.register(_splink_rows(people, ids), table_name="registry")
    query_rows = [_splink_query(n, q) for n, q in enumerate(asked)]
    queries_df = db_api.register(query_rows, table_name="queries")
    prediction_rules = [
        block_on("family_name"),
        block_on("given_name", "birth_date"),
        block_on("birth_date"),
        block_on("phone"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("family_name"),
            cl.NameComparison("patronymic"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.LevenshteinAtThresholds("phone", 1),
        ],
        blocking_rules_to_generate_predictions=prediction_rules,
    )
    linker = Linker([registry_df, queries_df], settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("family_name", "given_name", "birth_date"), block_on("phone")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=5)
    for rule in (block_on("given_name", "family_name"), block_on("birth_date")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, record_sample_proportion=1.0
        )
    trained = time.perf_counter() - started

    def answers(frame: Any) -> dict[int, list[tuple[int, float]]]:
        found: dict[int, list[tuple[int, float]]] = {}
        for row in frame.as_record_list():
            # link_only: one side is the registry, the other the queries, either way round.
            left_is_query = row["source_dataset_l"] == "queries"
            query = row["unique_id_l"] if left_is_query else row["unique_id_r"]
            person = row["unique_id_r"] if left_is_query else row["unique_id_l"]
            found.setdefault(int(query), []).append((int(person), float(row["match_probability"])))
        for candidates in found.values():
            candidates.sort(key=lambda c: (-c[1], c[0]))
        return found

    started = time.perf_counter()
    batch = answers(
        linker.inference.predict_between(
            registry_df, queries_df, threshold_match_probability=SPLINK_POSSIBLE
        )
    )
    batch_seconds = time.perf_counter() - started
    position = {id(q): n for n, q in enumerate(asked)}

    def match(question: Any) -> list[tuple[int, str]]:
        found = batch.get(position[id(question)], [])
        return [(pk, "match" if p >= SPLINK_MATCH else "possible") for pk, p in found[:5]]

    quality = evaluate(asked, ids, match)
    timings = []
    for n in range(min(latency_sample, len(asked))):
        one = db_api.register([query_rows[n]], table_name=f"query_{n}")
        began = time.perf_counter()
        linker.inference.predict_between(
            registry_df, one, threshold_match_probability=SPLINK_POSSIBLE
        ).as_record_list()
        timings.append((time.perf_counter() - began) * 1000)
    return {
        "train_seconds": trained,
        "batch_seconds": batch_seconds,
        "top1": quality.top1_rate,
        "recall5": quality.recall5_rate,
        "false_links": quality.false_link_rate,
        "false_link_count": quality.false_links,
        "auto_links": quality.auto_links,
        "one_query_ms": percentiles(timings),
        "latency_sample": len(timings),
    }


# ---- in the parent process ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure_http(
    env: dict[str, str], params: list[dict[str, str]], *, rounds: int = 1
) -> list[dict[str, dict[str, float]]]:
    """Return, per round, latency percentiles of the match API and of /healthz under gunicorn."""
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

        def get(url: str, headers: dict[str, str]) -> float:
            started = time.perf_counter()
            conn.request("GET", url, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}")
            return (time.perf_counter() - started) * 1000

        results = []
        for _round in range(rounds):
            load = os.getloadavg()[0]
            timings: dict[str, list[float]] = {"match": [], "healthz": []}
            for n, query in enumerate(params):
                url = "/api/v1/people/match?" + urllib.parse.urlencode(query)
                match_ms, healthz_ms = get(url, headers), get("/healthz", {})
                if n >= 20:  # the first requests warm each worker's caches
                    timings["match"].append(match_ms)
                    timings["healthz"].append(healthz_ms)
            results.append(
                {
                    "match": percentiles(timings["match"]),
                    "healthz": percentiles(timings["healthz"]),
                    "load": {"before": load, "after": os.getloadavg()[0]},
                }
            )
        return results
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def report(result: dict[str, Any], http: list[dict[str, dict[str, float]]] | None) -> None:
    ms = result["in_process_ms"]
    print(f"identity matching, {result['persons']:,} persons, {result['queries']:,} queries")
    if result["load_seconds"]:
        print(f"  load (reliefline import people): {result['load_seconds']:.0f} s")
    print(f"  top-1 {result['top1']:.2%}   recall@5 {result['recall5']:.2%}")
    print(
        f"  false automatic links {result['false_links']:.2%} "
        f"({result['false_link_count']}; {result['auto_links']} queries auto-linked)"
    )
    print(
        f"  person_match in process: p50 {ms['p50']:.1f} ms, p95 {ms['p95']:.1f}, p99 {ms['p99']:.1f}"
    )
    for n, one in enumerate(http or [], start=1):
        match, healthz, load = one["match"], one["healthz"], one["load"]
        print(
            f"  HTTP round {n} (gunicorn, 2 workers; load average {load['before']:.1f} -> "
            f"{load['after']:.1f}):\n"
            f"    GET /api/v1/people/match: p50 {match['p50']:.1f} ms, p95 {match['p95']:.1f}, "
            f"p99 {match['p99']:.1f}\n"
            f"    GET /healthz (baseline):  p50 {healthz['p50']:.1f} ms, p95 {healthz['p95']:.1f}, "
            f"p99 {healthz['p99']:.1f}"
        )
    asked, missed = result["asked_by_variation"], result["missed_by_variation"]
    print("  registered queries not found first, by variation (missed / asked):")
    for variation, count in sorted(missed.items(), key=lambda v: -v[1]):
        print(f"    {variation:<20} {count:>4} / {asked.get(variation, 0)}")
    splink = result.get("splink")
    if splink:
        one = splink["one_query_ms"]
        print(
            f"Splink 5 (DuckDB) on the same registry and queries: trained in "
            f"{splink['train_seconds']:.0f} s, all queries in one batch {splink['batch_seconds']:.1f} s"
        )
        print(f"  top-1 {splink['top1']:.2%}   recall@5 {splink['recall5']:.2%}")
        print(
            f"  false automatic links (p >= {SPLINK_MATCH}) {splink['false_links']:.2%} "
            f"({splink['false_link_count']}; {splink['auto_links']} queries auto-linked)"
        )
        print(
            f"  one query at a time ({splink['latency_sample']} queries): p50 {one['p50']:.1f} ms, "
            f"p95 {one['p95']:.1f}, p99 {one['p99']:.1f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--http-rounds", type=int, default=1, help="HTTP measurements in a row.")
    parser.add_argument("--splink", action="store_true", help="Also measure Splink 5.")
    parser.add_argument("--splink-latency", type=int, default=100, help=argparse.SUPPRESS)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(
            args.persons,
            args.queries,
            args.worker,
            splink=args.splink,
            splink_latency=args.splink_latency,
        )
        return 0
    env = environment(args.persons)
    subprocess.run([BIN / "python", ROOT / "scripts" / "ensure_database.py"], env=env, check=True)
    reliefline(env, "migrate", "--verbosity", "0")
    reliefline(env, "import", "settlements", str(SETTLEMENTS))
    out = ROOT / "var" / f"bench-identity-{args.persons}.json"
    command = [BIN / "python", __file__, "--persons", str(args.persons)]
    command += ["--queries", str(args.queries), "--worker", str(out)]
    if args.splink:
        command += ["--splink", "--splink-latency", str(args.splink_latency)]
    subprocess.run(command, env=env, check=True)
    result: dict[str, Any] = json.loads(out.read_text())
    queries = result.pop("http_queries")
    http = measure_http(env, queries, rounds=args.http_rounds) if args.http else None
    report(result, http)
    return 0


if __name__ == "__main__":
    sys.exit(main())
