"""Benchmark: seat allocation with CP-SAT against first come, first served.

Usage (from the repository root):

    .venv/bin/python bench/allocation.py [--people 20000] [--households 6000]
        [--vehicles 400] [--time-limit 8] [--seed 7] [--csv DIR]

It makes a seeded synthetic operation (reliefline.evacuation.engine's dataclasses, no
database): households of 1 to 8 people, about a tenth with a wheelchair user, a few
with a stretcher patient, some needing a medic, each choosing Ukraine (60%) or
Russia; buses of 40-55 seats with 0-2 wheelchair places, and medical vans with
stretchers and a medic; demand about a quarter above capacity. Then it runs the
engine, checks the result with the independent checker `engine.violations`, runs
first come, first served on the same input, and prints one JSON line with:

- seconds (wall clock, model building included) against the 10 s target;
- stopped_by_clock: whether the wall clock ended the search before its deterministic
  work limit (then a rerun may differ; the target needs false);
- violated constraints (must be 0), for CP-SAT and for FCFS;
- objective (total priority evacuated), bound, and the gap (target below 1%);
- people evacuated and total priority for FCFS, and CP-SAT's gain over it.

With --csv DIR it also writes the input as REQUESTS.csv and VEHICLES.csv, so
`reliefline allocate` can be timed on the same operation.
"""

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Replace the script's own folder: bench/queue.py would shadow the standard `queue`.
sys.path[0] = str(ROOT / "src")

from reliefline.evacuation import csvfiles, engine  # noqa: E402

START = dt.datetime(2024, 8, 14, 8, 0, tzinfo=dt.UTC)


def synthetic_people(rng: random.Random, *, people: int, households: int) -> list[engine.Person]:
    """Return `people` persons spread over `households` households (seeded)."""
    sizes = [1] * households
    for _ in range(people - households):
        sizes[rng.randrange(households)] += 1
    sizes = [min(size, 8) for size in sizes]
    while sum(sizes) < people:
        i = rng.randrange(households)
        if sizes[i] < 8:
            sizes[i] += 1
    persons = []
    for h, size in enumerate(sizes):
        direction = "UA" if rng.random() < 0.6 else "RU"
        # Priority comes from the case: most are routine, some urgent, a few critical.
        priority = rng.choice([10] * 5 + [25] * 3 + [50, 80])
        requested = START + dt.timedelta(minutes=rng.randrange(60 * 24 * 4))
        for i in range(size):
            roll = rng.random()
            mobility = "stretcher" if roll < 0.01 else "wheelchair" if roll < 0.05 else "walking"
            persons.append(
                engine.Person(
                    id=f"p{h}-{i}",
                    household=f"h{h}",
                    direction=direction,
                    mobility=mobility,
                    needs_medic=mobility == "stretcher" or rng.random() < 0.03,
                    priority=priority,
                    requested_at=requested,
                )
            )
    return persons


def synthetic_vehicles(rng: random.Random, *, vehicles: int) -> list[engine.Vehicle]:
    """Return buses (most) and medical vans (every tenth), 60% toward Ukraine."""
    fleet = []
    for v in range(vehicles):
        direction = "UA" if v % 5 < 3 else "RU"
        if v % 10 == 9:
            fleet.append(engine.Vehicle(f"v{v}", f"c{v // 20}", direction, 8, 1, 2, True))
        else:
            fleet.append(
                engine.Vehicle(
                    f"v{v}",
                    f"c{v // 20}",
                    direction,
                    rng.choice([40, 45, 50, 55]),
                    rng.choice([0, 1, 2]),
                    0,
                    rng.random() < 0.2,
                )
            )
    return fleet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--households", type=int, default=6_000)
    parser.add_argument("--vehicles", type=int, default=400)
    parser.add_argument("--time-limit", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--csv", type=Path, metavar="DIR", help="also write REQUESTS.csv and VEHICLES.csv there"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    people = synthetic_people(rng, people=args.people, households=args.households)
    fleet = synthetic_vehicles(rng, vehicles=args.vehicles)
    if args.csv:
        args.csv.mkdir(parents=True, exist_ok=True)
        (args.csv / "REQUESTS.csv").write_text(csvfiles.requests_write(people), encoding="utf-8")
        (args.csv / "VEHICLES.csv").write_text(csvfiles.vehicles_write(fleet), encoding="utf-8")
    capacity = sum(v.seats + v.wheelchair_places + v.stretcher_places for v in fleet)

    started = time.perf_counter()
    result = engine.allocate(people, fleet, time_limit=args.time_limit)
    seconds = time.perf_counter() - started
    broken = engine.violations(people, fleet, result.placements)

    fcfs = engine.first_come_first_served(people, fleet)
    fcfs_broken = engine.violations(people, fleet, fcfs)
    fcfs_priority = sum(p.priority for p in people if p.id in fcfs)
    figures = {
        "people": len(people),
        "households": result.households,
        "profiles": result.profiles,
        "vehicles": len(fleet),
        "places": capacity,
        "seconds": round(seconds, 2),
        "status": result.status,
        "stopped_by_clock": result.stopped_by_clock,
        "violations": len(broken),
        "allocated": result.allocated,
        "objective": result.objective,
        "bound": result.bound,
        "gap_percent": round(100 * result.gap, 3),
        "fcfs_allocated": len(fcfs),
        "fcfs_objective": fcfs_priority,
        "fcfs_violations": len(fcfs_broken),
        "gain_percent": round(100 * (result.objective - fcfs_priority) / max(fcfs_priority, 1), 1),
        "critical_evacuated": sum(
            1 for p in people if p.priority >= 80 and p.id in result.placements
        ),
        "critical_evacuated_fcfs": sum(1 for p in people if p.priority >= 80 and p.id in fcfs),
        "critical_total": sum(1 for p in people if p.priority >= 80),
    }
    for problem in broken[:10]:
        print("violation:", problem, file=sys.stderr)
    # Stopped by the clock, another run of the same input might allocate otherwise.
    ok = not broken and seconds <= 10 and result.gap <= 0.01 and not result.stopped_by_clock
    print("target met" if ok else "TARGET MISSED: see the figures")
    print(json.dumps(figures))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
