"""What a depot's own vehicles take on their first trip, vehicle by vehicle, as a small MILP.

The allocation sizes each depot's first wave by its fleet's total weight and volume; cut
greedily onto the actual vehicles, the loads can leave room unused (a pickup full of light
bales by volume, a truck full of heavy sections by weight) and push high-priority goods to a
second trip. Here the units of every shipment from the depot go onto its vehicles to gain
the most: a unit on the first trip lands a round trip sooner than on the next, worth its
priority weight per hour, and more (`BEYOND_BOUND_H`) where that keeps it within its line's
bound rule; a vehicle sent costs its trip, as in the allocation. Each vehicle's first load
goes to one incident. Measured on the Nghi Sơn oil spill (provincial), whose nearest depot
holds more boom than its six vehicles carry at once: the greedy cut put 24 of 40 boom
sections on the first trip, this 30; see `bench/README.md`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

from ._allocation import BEYOND_BOUND_H, KM, VEHICLE_HOUR, Assignment, Fleet, straight_arrival
from .dispatch_model import DispatchParams, DispatchProblem, Vehicle

FloatArray = npt.NDArray[np.float64]

#: HiGHS's limits for one depot's first wave: within 0.1 % of the best loading (a vehicle
#: too many is taken back by `_merge`), which the largest measured (10 vehicles, 14
#: shipments) reaches in 0.17 s; the time limit is a guard that a depot's packing is
#: never proved slower than this, and one stopped by it still gives valid loads
TIME_LIMIT_S = 0.5
MIP_GAP = 1e-3
#: capacities shaved by this share, so that whole units HiGHS places within its tolerances
#: never sum to more than the vehicle holds once rounded
SHAVE = 1e-6
#: weighted unit-hours a vehicle costs beyond its trip, so that of two equal loadings the
#: one with fewer vehicles wins
TIE = 0.01


@dataclass(frozen=True)
class Load:
    """One vehicle's first trip: the incident and the units of each assignment."""

    vehicle: Vehicle
    incident: str
    lines: list[tuple[Assignment, int]]


def first_wave(
    problem: DispatchProblem,
    params: DispatchParams,
    fleet: Fleet,
    assignments: list[Assignment],
    limits: dict[tuple[str, str], int],
) -> list[Load] | None:
    """The first trip of each of the depot's vehicles; None if the solver found none."""
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("time_limit", TIME_LIMIT_S)
    h.setOptionValue("mip_rel_gap", MIP_GAP)
    h.setOptionValue("random_seed", params.seed)
    gains = [_gain(problem, params, fleet, a, limits) for a in assignments]
    _model(problem, params, fleet, assignments, gains).load(h)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return None
    values = np.round(np.asarray(h.getSolution().col_value)).astype(int)
    n_a = len(assignments)
    loads = []
    for v, vehicle in enumerate(fleet.vehicles):
        lines = [(a, int(values[v * n_a + k])) for k, a in enumerate(assignments)]
        lines = [(a, n) for a, n in lines if n > 0]
        if lines:
            loads.append(Load(vehicle, lines[0][0].line.incident, lines))
    loads = _merge(problem, _fill(problem, loads, assignments, gains))
    if not all(_fits(problem, ld.vehicle, ld.lines) for ld in loads):
        return None  # not loads these vehicles can take: the greedy cut instead
    return loads


def _fill(
    problem: DispatchProblem, loads: list[Load], assignments: list[Assignment], gains: list[float]
) -> list[Load]:
    """Units the solver left for a later trip put where a vehicle going to their incident
    still has room, those that gain most first: within `MIP_GAP` of a large depot's
    optimum, a few units from a depot hours away could otherwise wait a whole round trip."""
    left = {id(a): a.quantity for a in assignments}
    for load in loads:
        for a, n in load.lines:
            left[id(a)] -= n
    order = sorted(range(len(assignments)), key=lambda k: -gains[k])
    out = []
    for load in loads:
        lines = list(load.lines)
        free_kg = load.vehicle.capacity_kg - _weight(problem, lines)
        free_m3 = load.vehicle.capacity_m3 - sum(_m3(problem, a) * n for a, n in lines)
        for k in order:
            a = assignments[k]
            if left[id(a)] <= 0 or a.line.incident != load.incident or gains[k] <= 0:
                continue
            fit = _fit(problem, a, left[id(a)], free_kg, free_m3)
            if fit > 0:
                lines.append((a, fit))
                left[id(a)] -= fit
                free_kg -= fit * _kg(problem, a)
                free_m3 -= fit * _m3(problem, a)
        out.append(Load(load.vehicle, load.incident, lines))
    return out


def _fit(problem: DispatchProblem, a: Assignment, n: int, free_kg: float, free_m3: float) -> int:
    """How many of `n` units of `a` fit in the room left (`_fits` has the last word)."""
    kg, m3 = _kg(problem, a), _m3(problem, a)
    if kg > 0:
        n = min(n, math.floor((free_kg + 1e-9) / kg + 1e-9))
    if m3 > 0:
        n = min(n, math.floor((free_m3 + 1e-9) / m3 + 1e-9))
    return max(n, 0)


def _fits(problem: DispatchProblem, vehicle: Vehicle, lines: list[tuple[Assignment, int]]) -> bool:
    """Whether the load fits the vehicle in whole kg and litres, as the router counts."""
    kg = sum(_kg(problem, a) * n for a, n in lines)
    m3 = sum(_m3(problem, a) * n for a, n in lines)
    return math.ceil(kg - 1e-6) <= int(vehicle.capacity_kg) and math.ceil(m3 * 1000 - 1e-6) <= int(
        vehicle.capacity_m3 * 1000
    )


def _merge(problem: DispatchProblem, loads: list[Load]) -> list[Load]:
    """Loads whose units all fit in the room the other vehicles going to the same incident
    leave, moved there, smallest first: the solver stops within `MIP_GAP` of its optimum,
    and a vehicle more is a gap of less than that."""
    kept = sorted(loads, key=lambda ld: (_weight(problem, ld.lines), ld.vehicle.id))
    k = 0
    while k < len(kept):
        others = [o for o in kept if o is not kept[k] and o.incident == kept[k].incident]
        moved = _move_all(problem, kept[k], others)
        if moved is None:
            k += 1
            continue
        kept = [moved.get(id(o), o) for o in kept if o is not kept[k]]
    return sorted(kept, key=lambda ld: ld.vehicle.id)


def _move_all(problem: DispatchProblem, load: Load, others: list[Load]) -> dict[int, Load] | None:
    """The other loads with every unit of `load` added where they fit; None if some do not."""
    lines = {id(o): list(o.lines) for o in others}
    room = {
        id(o): (
            o.vehicle.capacity_kg - _weight(problem, o.lines),
            o.vehicle.capacity_m3 - sum(_m3(problem, a) * n for a, n in o.lines),
        )
        for o in others
    }
    for a, n in load.lines:
        kg, m3 = _kg(problem, a), _m3(problem, a)
        for o in others:
            free_kg, free_m3 = room[id(o)]
            fit = n
            if kg > 0:
                fit = min(fit, int((free_kg + 1e-9) // kg))
            if m3 > 0:
                fit = min(fit, int((free_m3 + 1e-9) // m3))
            if fit <= 0:
                continue
            lines[id(o)].append((a, fit))
            room[id(o)] = (free_kg - fit * kg, free_m3 - fit * m3)
            n -= fit
            if n == 0:
                break
        if n > 0:
            return None
    return {id(o): Load(o.vehicle, o.incident, lines[id(o)]) for o in others}


def _weight(problem: DispatchProblem, lines: list[tuple[Assignment, int]]) -> float:
    return sum(_kg(problem, a) * n for a, n in lines)


def _model(
    problem: DispatchProblem,
    params: DispatchParams,
    fleet: Fleet,
    assignments: list[Assignment],
    gains: list[float],
) -> _Columns:
    """Columns q[v, a] (units of assignment a on vehicle v's first trip), then y[v, i]
    (vehicle v's first trip goes to incident i), and their rows."""
    incidents = sorted({a.line.incident for a in assignments})
    n_a, n_v, n_i = len(assignments), len(fleet.vehicles), len(incidents)
    trips = [_trip_cost(problem, params, fleet, fleet.vehicles[0].depot, i) for i in incidents]
    m = _Columns(
        np.concatenate([np.tile(gains, n_v), -np.tile(trips, n_v)]),
        np.concatenate(
            [np.tile([float(a.quantity) for a in assignments], n_v), np.ones(n_v * n_i)]
        ),
    )
    incident_of = [incidents.index(a.line.incident) for a in assignments]
    for v, vehicle in enumerate(fleet.vehicles):
        for i in range(n_i):
            mine = [k for k in range(n_a) if incident_of[k] == i]
            cols = [v * n_a + k for k in mine] + [n_v * n_a + v * n_i + i]
            for cap, size in ((vehicle.capacity_kg, _kg), (vehicle.capacity_m3, _m3)):
                coefs = [size(problem, assignments[k]) for k in mine] + [-cap * (1 - SHAVE)]
                m.add(0.0, cols, coefs)
            # nothing, not even goods of no weight or volume, goes to an incident not chosen
            most = float(sum(assignments[k].quantity for k in mine))
            m.add(0.0, cols, [1.0] * len(mine) + [-most])
        m.add(1.0, [n_v * n_a + v * n_i + i for i in range(n_i)], [1.0] * n_i)
    for k, a in enumerate(assignments):
        m.add(float(a.quantity), [v * n_a + k for v in range(n_v)], [1.0] * n_v)
    _break_symmetry(m, problem, fleet, assignments, n_i)
    return m


def _break_symmetry(
    m: _Columns, problem: DispatchProblem, fleet: Fleet, assignments: list[Assignment], n_i: int
) -> None:
    """Of two vehicles alike (same capacities), the first listed is used first and carries
    at least the other's weight: swapping their loads gives the same plan, and without
    these rows HiGHS spent its whole time limit proving so on a depot of three alike trucks."""
    n_a, n_v = len(assignments), len(fleet.vehicles)
    kg = [_kg(problem, a) for a in assignments]
    for v in range(n_v - 1):
        a, b = fleet.vehicles[v], fleet.vehicles[v + 1]
        if (a.capacity_kg, a.capacity_m3) != (b.capacity_kg, b.capacity_m3):
            continue
        ys = [n_v * n_a + v * n_i + i for i in range(n_i)]
        m.add(0.0, [y + n_i for y in ys] + ys, [1.0] * n_i + [-1.0] * n_i)
        cols = [(v + 1) * n_a + k for k in range(n_a)] + [v * n_a + k for k in range(n_a)]
        m.add(0.0, cols, kg + [-w for w in kg])


def _trip_cost(
    problem: DispatchProblem, params: DispatchParams, fleet: Fleet, depot: str, incident: str
) -> float:
    """A vehicle's trip as the allocation prices it (its hours and kilometres, in weighted
    unit-hours), so that no vehicle is sent whose load would fit on the others."""
    here = problem.depot(depot).location
    there = problem.incident(incident).location
    timing = straight_arrival(problem, params, fleet, here, there)
    hours = 0.0 if timing is None else timing[1] / 3600
    metres = 2 * (problem.metres[here][there] or 0)
    return VEHICLE_HOUR * hours + KM * metres / 1000 + TIE


def _kg(problem: DispatchProblem, a: Assignment) -> float:
    return problem.items[a.item].unit_weight_kg


def _m3(problem: DispatchProblem, a: Assignment) -> float:
    return problem.items[a.item].unit_volume_m3


def _gain(
    problem: DispatchProblem,
    params: DispatchParams,
    fleet: Fleet,
    a: Assignment,
    limits: dict[tuple[str, str], int],
) -> float:
    """What one unit of `a` gains on the first trip rather than the next (weighted hours)."""
    inc = problem.incident(a.line.incident)
    depot = problem.depot(a.depot)
    timing = straight_arrival(problem, params, fleet, depot.location, inc.location)
    if timing is None:
        return 0.0
    first, round_trip = timing
    now = inc.landing(first, params.unload_seconds)
    later = inc.landing(first + round_trip, params.unload_seconds)
    if now is None or later is None:
        return 0.0
    hours = (later - now) / 3600
    limit = limits.get((a.line.incident, a.line.item))
    if limit is not None and now <= limit < later:
        hours += BEYOND_BOUND_H
    return a.line.weight * hours


class _Columns:
    """Integer columns (gain, upper bound) and rows `sum coefs x <= upper`, handed to
    HiGHS at once."""

    def __init__(self, gain: FloatArray, upper: FloatArray) -> None:
        self.gain = gain
        self.col_upper = upper
        self.upper: list[float] = []
        self.starts: list[int] = []
        self.index: list[int] = []
        self.value: list[float] = []

    def add(self, upper: float, cols: list[int], coefs: list[float]) -> None:
        self.upper.append(upper)
        self.starts.append(len(self.index))
        self.index += cols
        self.value += coefs

    def load(self, h: highspy.Highs) -> None:
        n = len(self.gain)
        empty = np.zeros(0, dtype=np.int32)
        h.addCols(n, self.gain, np.zeros(n), self.col_upper, 0, empty, empty, np.zeros(0))
        kinds = np.full(n, highspy.HighsVarType.kInteger)
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), kinds)
        h.addRows(
            len(self.upper),
            np.full(len(self.upper), -highspy.kHighsInf),
            np.asarray(self.upper, dtype=np.float64),
            len(self.index),
            np.asarray(self.starts, dtype=np.int32),
            np.asarray(self.index, dtype=np.int32),
            np.asarray(self.value, dtype=np.float64),
        )
