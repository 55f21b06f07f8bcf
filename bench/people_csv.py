"""Write a synthetic registry as a CSV for `reliefline import people`.

Usage (from the repository root):

    .venv/bin/python bench/people_csv.py --persons 1000000 var/people-1m.csv

The persons are people.synthetic.registry(N) (seeded, invented), so the identity
benchmark's queries describe them. Each household lives in one settlement of the
bundled gazetteer, written as its id or its Russian, Ukrainian or English name (the id where two
settlements share the name); about
a fifth of Russian mobiles are written with the domestic 8 prefix, as callers give
them. external_id is `synthetic-<key>`.
"""

import argparse
import csv
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py would shadow the standard library's queue module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
COLUMNS = ("external_id", "given_name", "family_name", "patronymic", "birth_date", "phone")


def settlements() -> list[tuple[str, str, str, str]]:
    """Return (id, ru, uk, en) of the bundled gazetteer, read without a database."""
    with (ROOT / "src/reliefline/places/data/settlements.csv").open(encoding="utf-8") as handle:
        return [(r["id"], r["name_ru"], r["name_uk"], r["name_en"]) for r in csv.DictReader(handle)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reliefline.settings")
    import django

    django.setup()
    from reliefline.people.synthetic import registry
    from reliefline.translit import skeleton

    places = settlements()
    # A name two settlements share (Mykolaivka) would be rejected: such rows give the id.
    seen: dict[str, set[str]] = {}
    for place in places:
        for name in place[1:]:
            seen.setdefault(skeleton(name), set()).add(place[0])
    rng = random.Random(7)
    home: dict[int, str] = {}
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow([*COLUMNS, "settlement"])
        for p in registry(args.persons):
            if p.household not in home:
                place = rng.choice(places)
                name = rng.choice(place)
                if len(seen.get(skeleton(name), ())) > 1 or not name:
                    name = place[0]
                home[p.household] = "" if rng.random() < 0.1 else name
            phone = p.phone
            if phone.startswith("+79") and rng.random() < 0.2:
                phone = f"8 ({phone[2:5]}) {phone[5:8]}-{phone[8:10]}-{phone[10:]}"
            out.writerow(
                [
                    f"synthetic-{p.key}",
                    p.given[p.form],
                    p.family[p.form],
                    p.patronymic[p.form] if p.patronymic else "",
                    p.birth_date.isoformat(),
                    phone,
                    home[p.household],
                ]
            )
    print(f"wrote {args.persons:,} persons to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
