"""Benchmark: `reliefline dedupe` over a synthetic registry with planted duplicates.

Usage (from the repository root):

    .venv/bin/python bench/dedupe.py [--persons 100000] [--duplicates 0.05]

It fills the PostgreSQL database `reliefline_bench_dedupe_<persons>` (once; later runs
with the same size reuse it) with a seeded synthetic registry
(reliefline.people.synthetic) in which a share of the persons was registered a second
time as another operator re-typed them (other script or romanisation, typos, swapped or
slipped birth date, 8-prefix or slipped phone, no patronymic). Households of relatives
share a family name and a phone, so they are the hard negatives. It then runs
`reliefline reindex-people` (the baseline: one pass over the registry rebuilding the
matching index) and then `reliefline dedupe` twice (the first run on an empty queue,
the second to show a rerun writes nothing new), and reports the wall and CPU time of
each (CPU time of the command's own process: the machine is shared), and:

- recall: planted duplicates whose pair is in the review queue;
- precision: queued pairs that are planted duplicates;
- pairs compared (the blocking's work) against the n*(n-1)/2 of an all-pairs scan.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
KEY_FILE = ROOT / "var" / "bench-dedupe.key"


def environment(persons: int) -> dict[str, str]:
    if not KEY_FILE.exists():
        from reliefline.access.crypto import generate_key

        KEY_FILE.parent.mkdir(exist_ok=True)
        KEY_FILE.write_text(generate_key())
    env = {k: v for k, v in os.environ.items() if k != "RELIEFLINE_DEBUG"}
    env.update(
        DJANGO_SETTINGS_MODULE="reliefline.settings",
        DATABASE_URL=f"{PG_SERVER}/reliefline_bench_dedupe_{persons}",
        RELIEFLINE_FIELD_KEYS=KEY_FILE.read_text().strip(),
        RELIEFLINE_SECRET_KEY="bench-dedupe-" + "x" * 40,
        RELIEFLINE_INSECURE_HTTP="1",
        RELIEFLINE_LOG_LEVEL="WARNING",
    )
    return env


def load(persons: int, share: float) -> None:
    """Store the registry and its planted duplicates, unless they are there already."""
    from reliefline.people.models import DuplicateCluster, DuplicatePair, Person, PersonKey
    from reliefline.people.phones import phone_normalise
    from reliefline.people.services import people_reindex
    from reliefline.people.synthetic import query_for, registry

    originals = round(persons / (1 + share))
    if Person.objects.count() == persons:
        return
    print(f"loading {persons} persons ...", file=sys.stderr)
    DuplicatePair.objects.all().delete()
    DuplicateCluster.objects.all().delete()
    PersonKey.objects.all().delete()
    Person.objects.all().delete()
    people = registry(originals)
    rng = random.Random(7)  # seeded test data
    rows = []
    for p in people:
        rows.append(
            Person(
                given_name=p.given[p.form],
                family_name=p.family[p.form],
                patronymic=p.patronymic[p.form] if p.patronymic else "",
                birth_date=p.birth_date,
                phone=p.phone,
                external_id=f"synthetic-{p.key}",
            )
        )
    for p in rng.sample(people, persons - originals):
        q = query_for(rng, p, registered=True)
        rows.append(
            Person(
                given_name=q.given_name,
                family_name=q.family_name,
                patronymic=q.patronymic,
                birth_date=q.birth_date,
                phone=phone_normalise(q.phone) or "" if q.phone else "",
                external_id=f"dup-{p.key}",
            )
        )
    for row in rows:
        row.derive_keys()
    Person.objects.bulk_create(rows, batch_size=2000)
    people_reindex()


def worker(persons: int, share: float, out: Path) -> None:
    import django

    django.setup()
    from django.db import connection

    from reliefline.people.matching import MATCH
    from reliefline.people.models import DuplicateCluster, DuplicatePair, Person

    load(persons, share)
    DuplicatePair.objects.all().delete()
    DuplicateCluster.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_person; ANALYZE people_personkey;")
    env = dict(os.environ)
    runs = []
    # The baseline, in the same run: one pass rebuilding the matching index.
    for args in (["reindex-people"], ["dedupe"], ["dedupe"]):
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [BIN / "reliefline", *args], env=env, capture_output=True, text=True, check=True
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append(
            {
                "command": " ".join(["reliefline", *args]),
                "seconds": wall,
                "cpu": after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime,
                "output": done.stdout.strip().replace("\n", " "),
            }
        )
    key_of = {
        pk: str(ext).split("-", 1)[1] for pk, ext in Person.objects.values_list("pk", "external_id")
    }
    planted = sum(
        1
        for pk, ext in Person.objects.values_list("pk", "external_id")
        if str(ext).startswith("dup-")
    )
    queued = list(DuplicatePair.objects.values_list("first_id", "second_id", "probability"))
    true_pairs = sum(1 for a, b, _p in queued if key_of[a] == key_of[b])
    likely = [(a, b) for a, b, p in queued if p >= MATCH]
    true_likely = sum(1 for a, b in likely if key_of[a] == key_of[b])
    result: dict[str, Any] = {
        "persons": persons,
        "planted": planted,
        "queued": len(queued),
        "true_pairs": true_pairs,
        "queued_match": len(likely),
        "true_match": true_likely,
        "clusters": DuplicateCluster.objects.count(),
        "runs": runs,
    }
    out.write_text(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--duplicates", type=float, default=0.05)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.persons, args.duplicates, args.worker)
        return 0
    env = environment(args.persons)
    subprocess.run([BIN / "python", ROOT / "scripts" / "ensure_database.py"], env=env, check=True)
    subprocess.run([BIN / "reliefline", "migrate", "--verbosity", "0"], env=env, check=True)
    out = ROOT / "var" / f"bench-dedupe-{args.persons}.json"
    subprocess.run(
        [BIN / "python", __file__, "--persons", str(args.persons), "--duplicates",
         str(args.duplicates), "--worker", str(out)],
        env=env,
        check=True,
    )  # fmt: skip
    result = json.loads(out.read_text())
    planted, queued, true = result["planted"], result["queued"], result["true_pairs"]
    print(f"reliefline dedupe, {result['persons']:,} persons, {planted:,} planted duplicates")
    for run in result["runs"]:
        print(f"  {run['command']}: {run['seconds']:.1f} s wall, {run['cpu']:.1f} s CPU")
        print(f"    {run['output']}")
    print(f"  recall {true / max(planted, 1):.2%}   precision {true / max(queued, 1):.2%}")
    likely, true_likely = result["queued_match"], result["true_match"]
    print(
        f"  pairs scoring >= match: {likely:,}, recall {true_likely / max(planted, 1):.2%}, "
        f"precision {true_likely / max(likely, 1):.2%}"
    )
    print(f"  {queued:,} pairs queued in {result['clusters']:,} clusters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
