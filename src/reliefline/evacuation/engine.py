"""The seat allocation engine: people in, places out, with OR-Tools CP-SAT.

Pure Python on purpose (dataclasses in, dataclasses out): the coordinator's page,
`reliefline allocate` and bench/allocation.py all call `allocate()`, and nothing here
knows about Django.

Hard constraints (issue 7): a walking person takes a seat, a wheelchair user a
wheelchair place, a stretcher patient a stretcher place; whoever needs a medic
travels with one; a household travels together in one vehicle or not at all;
everyone goes in the direction they chose; no capacity is exceeded.

Objective: the largest total priority evacuated; among equals, earlier requests
first. Both are folded into one weighted objective whose weight makes any gain in
priority outweigh every possible tie-break, so the order is lexicographic.

Households with the same profile (direction, places of each kind, medic) are
interchangeable for every constraint, so the model counts how many households of
each profile go into each vehicle instead of deciding every household: the model
stays exact while it shrinks from households x vehicles to profiles x vehicles.
Which households of a profile go is then plain: the most valuable first.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # OR-Tools imports pandas and numpy: seconds of start-up that every web worker
    # would pay on its first request, so it is imported only when a solve runs.
    from ortools.sat.python import cp_model

WALKING, WHEELCHAIR, STRETCHER = "walking", "wheelchair", "stretcher"
MOBILITIES = (WALKING, WHEELCHAIR, STRETCHER)
DIRECTIONS = ("UA", "RU")
SEED = 20240814
WORKERS = 1
# Solver work (CP-SAT's deterministic time) per second of the time limit. A unit is
# meant to be about a second of an idle core; on the shared 2-core machine a unit took
# 1 to 4.5 s of wall time at load 5 to 14, so a tenth keeps the wall clock out of the
# answer unless the machine is about nine times slower than that (docs/benchmarks.md).
DETERMINISTIC_SHARE = 0.1

# Why a household is left out; the page and the CLI show these.
NO_VEHICLE = "no_vehicle_in_direction"
MIXED_DIRECTIONS = "household_directions_differ"
DOES_NOT_FIT = "no_vehicle_fits_household"
NO_MEDIC = "no_vehicle_with_medic_fits"
NO_ROOM = "places_taken_by_higher_priority"


@dataclass(frozen=True)
class Person:
    id: str
    household: str
    direction: str
    mobility: str
    needs_medic: bool
    priority: int
    requested_at: dt.datetime


@dataclass(frozen=True)
class Vehicle:
    id: str
    convoy: str
    direction: str
    seats: int
    wheelchair_places: int
    stretcher_places: int
    has_medic: bool


@dataclass(frozen=True)
class Result:
    """What a run gives: person id → vehicle id, who was left out and why, and figures.

    `objective` is the total priority evacuated; `bound` is the solver's proof that no
    allocation can evacuate more total priority.
    """

    placements: dict[str, str]
    left_out: dict[str, str]  # household id -> reason
    objective: int
    bound: int
    status: str
    seconds: float
    households: int = 0
    profiles: int = 0
    tie_break: int = 0
    # True when the wall clock, not a proof or the work limit, ended the search: only
    # then may another run of the same input give another allocation.
    stopped_by_clock: bool = False

    @property
    def allocated(self) -> int:
        return len(self.placements)

    @property
    def gap(self) -> float:
        """Return how far the objective may lie below the optimum, as a fraction."""
        if self.bound <= 0:
            return 0.0
        return (self.bound - self.objective) / self.bound


@dataclass(frozen=True)
class Profile:
    direction: str
    seats: int
    wheelchairs: int
    stretchers: int
    medic: bool

    def fits(self, vehicle: Vehicle) -> bool:
        return (
            vehicle.direction == self.direction
            and self.seats <= vehicle.seats
            and self.wheelchairs <= vehicle.wheelchair_places
            and self.stretchers <= vehicle.stretcher_places
            and (vehicle.has_medic or not self.medic)
        )


@dataclass
class Household:
    id: str
    members: list[Person] = field(default_factory=list)

    @property
    def priority(self) -> int:
        return sum(p.priority for p in self.members)

    @property
    def requested_at(self) -> dt.datetime:
        return min(p.requested_at for p in self.members)

    def profile(self) -> Profile | None:
        """Return the household's profile, or None when its members chose differing sides."""
        directions = {p.direction for p in self.members}
        if len(directions) != 1:
            return None
        counts = {m: sum(1 for p in self.members if p.mobility == m) for m in MOBILITIES}
        return Profile(
            direction=directions.pop(),
            seats=counts[WALKING],
            wheelchairs=counts[WHEELCHAIR],
            stretchers=counts[STRETCHER],
            medic=any(p.needs_medic for p in self.members),
        )


def households_of(people: Iterable[Person]) -> list[Household]:
    """Return the households of these people, in order of first appearance."""
    by_id: dict[str, Household] = {}
    for person in people:
        by_id.setdefault(person.household, Household(person.household)).members.append(person)
    return list(by_id.values())


def _reason(profile: Profile, vehicles: Sequence[Vehicle]) -> str:
    same_side = [v for v in vehicles if v.direction == profile.direction]
    if not same_side:
        return NO_VEHICLE
    if profile.medic:
        medic = [v for v in same_side if v.has_medic]
        without_medic = Profile(
            profile.direction, profile.seats, profile.wheelchairs, profile.stretchers, False
        )
        if any(without_medic.fits(v) for v in same_side) and not any(
            without_medic.fits(v) for v in medic
        ):
            return NO_MEDIC
    if not any(profile.fits(v) for v in same_side):
        return DOES_NOT_FIT
    return NO_ROOM


def _ranked(households: list[Household]) -> tuple[dict[str, int], int]:
    """Return each household's tie-break value (earlier request → larger) and the weight.

    The weight exceeds the sum of all tie-breaks, so one unit of priority always
    outweighs any set of earlier requests.
    """
    order = sorted(households, key=lambda h: (h.requested_at, h.id))
    n = len(order)
    tie = {h.id: n - i for i, h in enumerate(order)}
    return tie, n * (n + 1) // 2 + 1


def _silent(message: str) -> None:
    """Report nothing (the default `progress` of `allocate`)."""


def allocate(
    people: Sequence[Person],
    vehicles: Sequence[Vehicle],
    *,
    time_limit: float = 10.0,
    work_limit: float | None = None,
    workers: int = WORKERS,
    progress: Callable[[str], None] = _silent,
) -> Result:
    """Return the allocation of people to vehicles that the solver found in the time limit.

    The same input gives the same output, however loaded the machine: the search is
    seeded and sequential (interleaved with more workers, which is deterministic
    whatever their number), and it stops at a proof or after `work_limit` units of
    deterministic solver work (by default `DETERMINISTIC_SHARE` × `time_limit`). The
    wall clock (`time_limit` seconds, model building included) only cuts a run on a
    machine too loaded to do that work in time; the result then says so
    (`stopped_by_clock`). `progress` is told each phase and each better solution, in
    English (the CLI prints them on stderr).
    """
    # OR-Tools brings pandas and numpy: seconds, once per process, that no solve needs.
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    households = households_of(people)
    left_out: dict[str, str] = {}
    groups: dict[Profile, list[Household]] = defaultdict(list)
    for household in households:
        profile = household.profile()
        if profile is None:
            left_out[household.id] = MIXED_DIRECTIONS
        elif not any(profile.fits(v) for v in vehicles):
            left_out[household.id] = _reason(profile, vehicles)
        else:
            groups[profile].append(household)
    tie, weight = _ranked([h for members in groups.values() for h in members])

    def value(h: Household) -> int:
        return weight * h.priority + tie[h.id]

    for members in groups.values():
        members.sort(key=lambda h: (-value(h), h.id))
    profiles = sorted(
        groups, key=lambda p: (p.direction, p.seats, p.wheelchairs, p.stretchers, p.medic)
    )
    progress(
        f"{len(people)} people in {len(households)} households ({len(profiles)} profiles, "
        f"{len(left_out)} left out before solving); {len(vehicles)} vehicles"
    )
    model = cp_model.CpModel()
    counts: dict[tuple[int, int], cp_model.IntVar] = {}
    chosen: dict[int, list[cp_model.IntVar]] = {}
    fitting: dict[int, list[int]] = {}
    terms: list[cp_model.IntVar] = []
    weights: list[int] = []
    for pi, profile in enumerate(profiles):
        members = groups[profile]
        # chosen[pi][i]: the i-th most valuable household of the profile goes. The chain
        # keeps them in that order, which loses nothing and keeps the LP bound tight.
        flags = [model.new_bool_var(f"c{pi}_{i}") for i in range(len(members))]
        for earlier, later in itertools.pairwise(flags):
            model.add_implication(later, earlier)
        chosen[pi] = flags
        terms.extend(flags)
        weights.extend(value(h) for h in members)
        in_vehicles = []
        fitting[pi] = [vi for vi, vehicle in enumerate(vehicles) if profile.fits(vehicle)]
        for vi in fitting[pi]:
            most = _most(profile, vehicles[vi], len(members))
            var = model.new_int_var(0, most, f"n{pi}_{vi}")
            counts[pi, vi] = var
            in_vehicles.append(var)
        model.add(cp_model.LinearExpr.sum(in_vehicles) == cp_model.LinearExpr.sum(flags))
    by_vehicle: dict[int, list[tuple[Profile, cp_model.IntVar]]] = defaultdict(list)
    for (pi, vi), var in counts.items():
        by_vehicle[vi].append((profiles[pi], var))
    for vi, here in by_vehicle.items():
        vehicle = vehicles[vi]
        for need, room in (
            ([p.seats for p, _ in here], vehicle.seats),
            ([p.wheelchairs for p, _ in here], vehicle.wheelchair_places),
            ([p.stretchers for p, _ in here], vehicle.stretcher_places),
        ):
            if any(need):
                model.add(cp_model.LinearExpr.weighted_sum([v for _, v in here], need) <= room)
    model.maximize(cp_model.LinearExpr.weighted_sum(terms, weights))
    greedy = _greedy(profiles, groups, vehicles, fitting)
    lp_bound = _lp_bound(profiles, groups, vehicles, fitting)
    _hint(model, greedy, counts, chosen)
    progress(
        f"model: {len(counts)} counts, {len(terms)} households to choose; greedy start "
        f"{_greedy_priority(profiles, groups, greedy)}, LP bound {lp_bound} "
        f"({time.perf_counter() - started:.1f} s)"
    )

    solver = cp_model.CpSolver()
    solver.parameters.random_seed = SEED
    solver.parameters.num_workers = workers
    solver.parameters.interleave_search = workers > 1
    # Symmetry detection and probing cost seconds on 20,000 people and, measured with
    # bench/allocation.py, bought nothing: the LP bound and the hint do the work.
    solver.parameters.symmetry_level = 0
    solver.parameters.cp_model_probing_level = 0
    # Deterministic time decides when to stop, so a rerun stops at the same point of the
    # same search; the wall clock only cuts a run on a machine so loaded that the work
    # would come too late.
    work = time_limit * DETERMINISTIC_SHARE if work_limit is None else work_limit
    solver.parameters.max_deterministic_time = work
    solver.parameters.max_time_in_seconds = max(time_limit - (time.perf_counter() - started), 0.1)
    progress(
        f"solving: {solver.parameters.max_deterministic_time:g} units of solver work, "
        f"{solver.parameters.max_time_in_seconds:.1f} s at most"
    )
    status = solver.solve(model, _reporter(progress, weight=weight, started=started))
    status_name = solver.status_name(status)
    clock = status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE) and (
        solver.response_proto.deterministic_time < work
    )
    progress(
        f"solver: {status_name} after {time.perf_counter() - started:.1f} s, "
        f"{solver.response_proto.deterministic_time:.3g} units of work"
        + ("; stopped by the clock first: a rerun may give another allocation" if clock else "")
    )
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        solved = {key: solver.value(var) for key, var in counts.items()}
        bound = int(solver.best_objective_bound) // weight
    else:
        # No solution in the time (a machine far busier than planned): the greedy start
        # is feasible by construction, so it is the answer, with the trivial bound.
        solved, status_name = dict(greedy), "GREEDY"
        bound = sum(h.priority for members in groups.values() for h in members)
    placements: dict[str, str] = {}
    for pi, profile in enumerate(profiles):
        going = iter(groups[profile])
        for vi in fitting[pi]:
            for _ in range(solved.get((pi, vi), 0)):
                for person in next(going).members:
                    placements[person.id] = vehicles[vi].id
        for household in going:
            left_out[household.id] = NO_ROOM
    total = sum(p.priority for p in people if p.id in placements)
    if lp_bound is not None:
        bound = min(bound, lp_bound)
    ties = sum(tie[h.id] for m in groups.values() for h in m if h.members[0].id in placements)
    return Result(
        placements=placements,
        left_out=left_out,
        objective=total,
        bound=max(bound, total),
        status=status_name,
        seconds=time.perf_counter() - started,
        households=len(households),
        profiles=len(profiles),
        tie_break=ties,
        stopped_by_clock=clock,
    )


def _greedy_priority(
    profiles: list[Profile],
    groups: dict[Profile, list[Household]],
    placed: dict[tuple[int, int], int],
) -> int:
    """Return the total priority of the greedy start (each profile's first households)."""
    taken: dict[int, int] = defaultdict(int)
    for (pi, _vi), n in placed.items():
        taken[pi] += n
    return sum(h.priority for pi, n in taken.items() for h in groups[profiles[pi]][:n])


def _reporter(
    progress: Callable[[str], None], *, weight: int, started: float
) -> cp_model.CpSolverSolutionCallback | None:
    """Return a callback telling `progress` of each better solution, or None if nobody listens."""
    if progress is _silent:
        return None
    from ortools.sat.python import cp_model

    class Reporter(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            # The objective weighs priority by `weight` and adds tie-breaks below it.
            priority = int(self.objective_value) // weight
            bound = int(self.best_objective_bound) // weight
            elapsed = time.perf_counter() - started
            progress(f"solution: total priority {priority}, bound {bound} ({elapsed:.1f} s)")

    return Reporter()


def _greedy(
    profiles: list[Profile],
    groups: dict[Profile, list[Household]],
    vehicles: Sequence[Vehicle],
    fitting: dict[int, list[int]],
) -> dict[tuple[int, int], int]:
    """Return a feasible allocation as counts per (profile, vehicle): most valuable first, first fit.

    Each profile keeps a pointer into its fitting vehicles: a vehicle that once lacked
    room for the profile never regains it, so the pointer only moves forward.
    """
    room = [[v.seats, v.wheelchair_places, v.stretcher_places] for v in vehicles]
    placed: dict[tuple[int, int], int] = defaultdict(int)
    taken = dict.fromkeys(range(len(profiles)), 0)
    cursor = dict.fromkeys(range(len(profiles)), 0)
    order = sorted(
        ((pi, i) for pi, p in enumerate(profiles) for i in range(len(groups[p]))),
        key=lambda item: (-groups[profiles[item[0]]][item[1]].priority, item[1], item[0]),
    )
    for pi, i in order:
        if i != taken[pi]:
            continue  # keep the chain: a profile's households go in their order
        need = (profiles[pi].seats, profiles[pi].wheelchairs, profiles[pi].stretchers)
        candidates = fitting[pi]
        while cursor[pi] < len(candidates):
            vi = candidates[cursor[pi]]
            left = room[vi]
            if left[0] >= need[0] and left[1] >= need[1] and left[2] >= need[2]:
                room[vi] = [left[0] - need[0], left[1] - need[1], left[2] - need[2]]
                placed[pi, vi] += 1
                taken[pi] += 1
                break
            cursor[pi] += 1
    return placed


def _hint(
    model: cp_model.CpModel,
    placed: dict[tuple[int, int], int],
    counts: dict[tuple[int, int], cp_model.IntVar],
    chosen: dict[int, list[cp_model.IntVar]],
) -> None:
    """Give the solver the greedy allocation as a complete feasible start.

    With it the solver always has an answer to improve, however short the time limit.
    """
    for key, var in counts.items():
        model.add_hint(var, placed.get(key, 0))
    taken: dict[int, int] = defaultdict(int)
    for (pi, _vi), n in placed.items():
        taken[pi] += n
    for pi, flags in chosen.items():
        for i, flag in enumerate(flags):
            model.add_hint(flag, i < taken[pi])


def _lp_bound(
    profiles: list[Profile],
    groups: dict[Profile, list[Household]],
    vehicles: Sequence[Vehicle],
    fitting: dict[int, list[int]],
) -> int | None:
    """Return the LP relaxation's total priority (GLOP): no allocation evacuates more.

    The same model with every integer relaxed to a fraction. It solves in a fraction of
    a second, where CP-SAT's own LP may still be at work when the time limit comes on a
    busy machine; the reported bound is the smaller of the two. None if GLOP fails.
    """
    from ortools.linear_solver import pywraplp  # type: ignore[import-untyped]

    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    objective = lp.Objective()
    load: dict[int, list[tuple[Profile, object]]] = defaultdict(list)
    for pi, profile in enumerate(profiles):
        members = groups[profile]
        # Values sorted from high to low: the LP fills the best households first anyway.
        taken = [lp.NumVar(0, 1, "") for _ in members]
        for household, var in zip(members, taken, strict=True):
            objective.SetCoefficient(var, household.priority)
        balance = lp.Constraint(0, 0)
        for var in taken:
            balance.SetCoefficient(var, 1)
        for vi in fitting[pi]:
            count = lp.NumVar(0, lp.infinity(), "")
            balance.SetCoefficient(count, -1)
            load[vi].append((profile, count))
    for vi, here in load.items():
        vehicle = vehicles[vi]
        for room, need in (
            (vehicle.seats, "seats"),
            (vehicle.wheelchair_places, "wheelchairs"),
            (vehicle.stretcher_places, "stretchers"),
        ):
            row = lp.Constraint(0, room)
            for profile, count in here:
                row.SetCoefficient(count, getattr(profile, need))
    objective.SetMaximization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return int(objective.Value() + 1e-6)


def _most(profile: Profile, vehicle: Vehicle, available: int) -> int:
    """Return how many households of the profile could fit in the vehicle at most."""
    limits = [available]
    for need, room in (
        (profile.seats, vehicle.seats),
        (profile.wheelchairs, vehicle.wheelchair_places),
        (profile.stretchers, vehicle.stretcher_places),
    ):
        if need:
            limits.append(room // need)
    return min(limits)


def violations(
    people: Sequence[Person], vehicles: Sequence[Vehicle], placements: dict[str, str]
) -> list[str]:
    """Return every hard constraint the placements break (empty when all hold).

    Written apart from the model above, from the rules as the issue states them, so
    the tests and the benchmark check the solver instead of trusting it.
    """
    problems: list[str] = []
    by_id = {v.id: v for v in vehicles}
    load: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MOBILITIES, 0))
    household_vehicles: dict[str, set[str | None]] = defaultdict(set)
    for person in people:
        vehicle_id = placements.get(person.id)
        household_vehicles[person.household].add(vehicle_id)
        if vehicle_id is None:
            continue
        vehicle = by_id.get(vehicle_id)
        if vehicle is None:
            problems.append(f"{person.id}: unknown vehicle {vehicle_id}")
            continue
        if vehicle.direction != person.direction:
            problems.append(f"{person.id}: goes {vehicle.direction}, chose {person.direction}")
        if person.needs_medic and not vehicle.has_medic:
            problems.append(f"{person.id}: needs a medic, {vehicle_id} has none")
        load[vehicle_id][person.mobility] += 1
    known = {p.id for p in people}
    problems.extend(f"{pid}: not a requester" for pid in placements if pid not in known)
    for household, where in household_vehicles.items():
        if len(where) > 1:
            problems.append(f"household {household}: split over {sorted(map(str, where))}")
    for vehicle_id, used in load.items():
        vehicle = by_id[vehicle_id]
        for mobility, room in (
            (WALKING, vehicle.seats),
            (WHEELCHAIR, vehicle.wheelchair_places),
            (STRETCHER, vehicle.stretcher_places),
        ):
            if used[mobility] > room:
                problems.append(f"{vehicle_id}: {used[mobility]} {mobility} for {room} places")
    return problems


def first_come_first_served(
    people: Sequence[Person], vehicles: Sequence[Vehicle]
) -> dict[str, str]:
    """Return the spreadsheet way: households in request order, each in the first vehicle with room."""
    room = {
        v.id: {WALKING: v.seats, WHEELCHAIR: v.wheelchair_places, STRETCHER: v.stretcher_places}
        for v in vehicles
    }
    placements: dict[str, str] = {}
    for household in sorted(households_of(people), key=lambda h: (h.requested_at, h.id)):
        profile = household.profile()
        if profile is None:
            continue
        need = {
            WALKING: profile.seats,
            WHEELCHAIR: profile.wheelchairs,
            STRETCHER: profile.stretchers,
        }
        for vehicle in vehicles:
            left = room[vehicle.id]
            if profile.fits(vehicle) and all(left[m] >= need[m] for m in MOBILITIES):
                for m in MOBILITIES:
                    left[m] -= need[m]
                for person in household.members:
                    placements[person.id] = vehicle.id
                break
    return placements
