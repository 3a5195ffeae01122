"""What a depot's own vehicles take on their first trip, vehicle by vehicle, as a small MILP.

The allocation sizes each depot's first wave by its fleet's total weight and volume; cut
greedily onto the actual vehicles, the loads can leave room unused (a pickup full of light
bales by volume, a truck full of heavy sections by weight) and push high-priority goods to a
second trip. Here the units of every shipment from the depot go onto its vehicles to gain
the most: a unit on the first trip lands a round trip sooner than on the next, worth its
priority weight per hour, and more (`beyond_bound_h`) where that keeps it within its line's
bound rule; a vehicle sent costs its trip, as in the allocation. Each vehicle's first load
goes to one incident. Measured on the Nghi Sơn oil spill (provincial), whose nearest depot
holds more boom than its six vehicles carry at once: the greedy cut put 24 of 40 boom
sections on the first trip, this 30; see `bench/README.md`."""

from __future__ import annotations

import math

import highspy
import numpy as np

from ._allocation import KM, VEHICLE_HOUR, Assignment
from ._columns import Columns
from ._fleets import Fleet, straight_arrival
from ._wave_gains import Slot, arrival, gain, later_landing, slots, value
from ._wave_loads import Load, fits, merge, tidy, unit_kg, unit_m3, weight
from .dispatch_model import DispatchParams, DispatchProblem

#: HiGHS's limits for one depot's first wave: within 0.1 % of the best loading (a vehicle
#: too many is taken back by `_wave_loads.merge`), which the largest measured (10 vehicles, 14
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
    gains = [
        [gain(problem, params, fleet, v, a, limits) for a in assignments] for v in fleet.vehicles
    ]
    model = _model(problem, params, fleet, assignments, gains)
    _sea_columns(model, problem, params, fleet, assignments, gains, limits)
    model.load(h)
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
    by_vehicle = {v.id: g for v, g in zip(fleet.vehicles, gains, strict=True)}
    loads = _fill(problem, loads, assignments, by_vehicle)
    loads = merge(problem, params, loads, assignments, by_vehicle)
    loads = tidy(problem, params, loads, assignments, by_vehicle)
    if not all(fits(problem, ld.vehicle, ld.lines) for ld in loads):
        return None  # not loads these vehicles can take: the greedy cut instead
    return loads


def _fill(
    problem: DispatchProblem,
    loads: list[Load],
    assignments: list[Assignment],
    gains: dict[str, list[float]],
) -> list[Load]:
    """Units the solver left for a later trip put where a vehicle going to their incident
    still has room, those that gain most first: within `MIP_GAP` of a large depot's
    optimum, a few units from a depot hours away could otherwise wait a whole round trip."""
    left = {id(a): a.quantity for a in assignments}
    for load in loads:
        for a, n in load.lines:
            left[id(a)] -= n
    out = []
    for load in loads:
        mine = gains[load.vehicle.id]
        order = sorted(range(len(assignments)), key=lambda k: -mine[k])
        lines = list(load.lines)
        free_kg = load.vehicle.capacity_kg - weight(problem, lines)
        free_m3 = load.vehicle.capacity_m3 - sum(unit_m3(problem, a) * n for a, n in lines)
        for k in order:
            a = assignments[k]
            if left[id(a)] <= 0 or a.line.incident != load.incident or mine[k] <= 0:
                continue
            fit = _fit(problem, a, left[id(a)], free_kg, free_m3)
            if fit > 0:
                lines.append((a, fit))
                left[id(a)] -= fit
                free_kg -= fit * unit_kg(problem, a)
                free_m3 -= fit * unit_m3(problem, a)
        out.append(Load(load.vehicle, load.incident, lines))
    return out


def _fit(problem: DispatchProblem, a: Assignment, n: int, free_kg: float, free_m3: float) -> int:
    """How many of `n` units of `a` fit in the room left (`_fits` has the last word)."""
    kg, m3 = unit_kg(problem, a), unit_m3(problem, a)
    if kg > 0:
        n = min(n, math.floor((free_kg + 1e-9) / kg + 1e-9))
    if m3 > 0:
        n = min(n, math.floor((free_m3 + 1e-9) / m3 + 1e-9))
    return max(n, 0)


def _model(
    problem: DispatchProblem,
    params: DispatchParams,
    fleet: Fleet,
    assignments: list[Assignment],
    gains: list[list[float]],
) -> Columns:
    """Columns q[v, a] (units of assignment a on vehicle v's first trip), then y[v, i]
    (vehicle v's first trip goes to incident i), and their rows."""
    incidents = sorted({a.line.incident for a in assignments})
    n_a, n_v, n_i = len(assignments), len(fleet.vehicles), len(incidents)
    trips = [_trip_cost(problem, params, fleet, fleet.vehicles[0].depot, i) for i in incidents]
    m = Columns()
    m.cols([g for row in gains for g in row], [float(a.quantity) for a in assignments] * n_v)
    m.cols([-t for t in trips] * n_v, [1.0] * (n_v * n_i))
    incident_of = [incidents.index(a.line.incident) for a in assignments]
    for v, vehicle in enumerate(fleet.vehicles):
        for i in range(n_i):
            mine = [k for k in range(n_a) if incident_of[k] == i]
            cols = [v * n_a + k for k in mine] + [n_v * n_a + v * n_i + i]
            for cap, size in ((vehicle.capacity_kg, unit_kg), (vehicle.capacity_m3, unit_m3)):
                coefs = [size(problem, assignments[k]) for k in mine] + [-cap * (1 - SHAVE)]
                m.add(0.0, cols, coefs)
            # nothing, not even goods of no weight or volume, goes to an incident not chosen
            most = float(sum(assignments[k].quantity for k in mine))
            m.add(0.0, cols, [1.0] * len(mine) + [-most])
        m.add(1.0, [n_v * n_a + v * n_i + i for i in range(n_i)], [1.0] * n_i)
    for k, a in enumerate(assignments):
        m.add(float(a.quantity), [v * n_a + k for v in range(n_v)], [1.0] * n_v)
    _break_symmetry(m, problem, params, fleet, assignments, gains, n_i)
    return m


def _sea_columns(
    m: Columns,
    problem: DispatchProblem,
    params: DispatchParams,
    fleet: Fleet,
    assignments: list[Assignment],
    gains: list[list[float]],
    limits: dict[tuple[str, str], int],
) -> None:
    """For a site at sea, each boat's first trip (`_wave_gains.Slot`): z[s] (the boat leaves
    then; once per boat) and x[s, v, a] (units of a from vehicle v aboard, continuous: an
    estimate the boat loading redoes in whole units), each gaining what landing then adds
    to the unit's q[v, a] gain, within the hold, and no more than v carries."""
    aboard: dict[int, list[int]] = {}  # q[v, a] -> the x columns taking its units
    later = [later_landing(problem, params, fleet, a) for a in assignments]
    for incident in sorted({a.line.incident for a in assignments}):
        by_boat: dict[str, list[int]] = {}
        for slot in slots(problem, params, fleet, incident):
            z = m.cols([0.0], [1.0])
            by_boat.setdefault(slot.boat.id, []).append(z)
            landed = [
                value(a, slot.landing, later[k], limits, params.beyond_bound_h)
                for k, a in enumerate(assignments)
            ]
            xs, sizes = _slot_columns(m, problem, assignments, gains, slot, landed)
            for q, x in xs:
                aboard.setdefault(q, []).append(x)
            cols = [x for _q, x in xs]
            for cap, k in ((slot.boat.capacity_kg, 0), (slot.boat.capacity_m3, 1)):
                m.add(0.0, [*cols, z], [size[k] for size in sizes] + [-cap * (1 - SHAVE)])
        for zs in by_boat.values():
            m.add(1.0, zs, [1.0] * len(zs))
    for q, taking in aboard.items():
        m.add(0.0, [*taking, q], [1.0] * len(taking) + [-1.0])


def _slot_columns(
    m: Columns,
    problem: DispatchProblem,
    assignments: list[Assignment],
    gains: list[list[float]],
    slot: Slot,
    landed: list[float],
) -> tuple[list[tuple[int, int]], list[tuple[float, float]]]:
    """The x columns of one boat trip, as (its q column, x column), and each unit's size;
    `landed` is what a unit of each assignment gains landing with this trip."""
    n_a = len(assignments)
    xs: list[tuple[int, int]] = []
    sizes: list[tuple[float, float]] = []
    for k, a in enumerate(assignments):
        kg, m3 = unit_kg(problem, a), unit_m3(problem, a)
        if a.line.incident != slot.incident or kg > slot.boat.capacity_kg:
            continue
        if m3 > slot.boat.capacity_m3:
            continue
        for v in slot.vehicles:
            extra = landed[k] - gains[v][k]
            if extra > 0:
                xs.append((v * n_a + k, m.cols([extra], [float(a.quantity)], integer=False)))
                sizes.append((kg, m3))
    return xs, sizes


def _break_symmetry(
    m: Columns,
    problem: DispatchProblem,
    params: DispatchParams,
    fleet: Fleet,
    assignments: list[Assignment],
    gains: list[list[float]],
    n_i: int,
) -> None:
    """Of two vehicles alike (same capacities and gains; at sea also the same time at the
    port, which decides the boats they catch), the first listed is used first and carries
    at least the other's weight: swapping their loads gives the same plan, and without
    these rows HiGHS spent its whole time limit proving so on a depot of three alike trucks."""
    n_a, n_v = len(assignments), len(fleet.vehicles)
    kgs = [unit_kg(problem, a) for a in assignments]
    sea = sorted({a.line.incident for a in assignments if problem.incident(a.line.incident).sea})
    alike = [
        (
            v.capacity_kg,
            v.capacity_m3,
            tuple(gains[k]),
            tuple(arrival(problem, params, v, problem.incident(i).location) for i in sea),
        )
        for k, v in enumerate(fleet.vehicles)
    ]
    for v in range(n_v - 1):
        if alike[v] != alike[v + 1]:
            continue
        ys = [n_v * n_a + v * n_i + i for i in range(n_i)]
        m.add(0.0, [y + n_i for y in ys] + ys, [1.0] * n_i + [-1.0] * n_i)
        cols = [(v + 1) * n_a + k for k in range(n_a)] + [v * n_a + k for k in range(n_a)]
        m.add(0.0, cols, kgs + [-w for w in kgs])


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
