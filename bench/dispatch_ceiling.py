"""The ceiling of the bound rule: the largest share of priority-weighted units that any
plan could land within max(30 min, 25 %) after their line's bound, with the vehicles and
stock there are. A line's bound ignores vehicles and their capacity, so where the nearest
depot holds more than its fleet carries in one wave the 95 % target can be out of reach for
every plan; this says by how much.

A relaxation solved by HiGHS (whole units, fractional trips), so its optimum, or its dual
bound when the time limit ends the search, is an upper bound on what a plan can reach:
- trip k of vehicle v from depot d to site s lands no earlier than `_landing` says: the
  first straight from its home; a later one after the fastest cycle it could have driven
  before, then the leg from the nearest site to d, loading, the drive to s, unloading (each
  leg with its crew's breaks, the day's rest across legs ignored);
- a trip carries no more than the vehicle holds (weight and volume), and each trip slot k of
  a vehicle goes to one depot and site at most (fractionally);
- units of a line count only on trips landing within its limit, from depots holding the
  item or a substitute (reserve floors and reach apply to provincial incidents as in the
  plan), and no more than the stock or the line's quantity;
- at sea, units counted by a limit that reach the port at or after a time T fit the boat
  trips that can still take them aboard and land by the limit (`_boat_rows`): goods go
  aboard only once their truck has brought them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import highspy
import numpy as np

from optimizer.dispatch_bounds import Source, line_bounds, rule_limit, sources
from optimizer.dispatch_model import DispatchParams, DispatchProblem, IncidentDemand, Vehicle
from optimizer.driving import vehicle_leg_seconds

Line = tuple[str, str]  # (incident, item)
#: HiGHS's time for the ceiling; a search it ends still leaves a valid (looser) bound
TIME_LIMIT_S = 5.0


def _leg(problem: DispatchProblem, a: int, b: int, v: Vehicle) -> int | None:
    t = problem.seconds[a][b]
    return None if t is None else vehicle_leg_seconds(t, v.speed_factor, v.crew)


#: unloading on site, as the plans are made (DispatchParams' default)
UNLOAD_S = DispatchParams().unload_seconds


def _landing(
    problem: DispatchProblem, params: DispatchParams, v: Vehicle, sites: list[int], limit: int
) -> dict[tuple[int, int, int], int]:
    """(depot index, site, k) -> earliest landing of trip k, for trips landing by `limit`."""
    home = problem.depot(v.depot).location
    serve = params.load_seconds + params.unload_seconds
    first: dict[tuple[int, int], int] = {}
    later: dict[tuple[int, int], int] = {}
    for n, d in enumerate(problem.depots):
        for s in sites:
            a, b = _leg(problem, home, d.location, v), _leg(problem, d.location, s, v)
            if a is None or b is None:
                continue
            first[(n, s)] = v.available_from + a + b + serve
            back = [_leg(problem, s2, d.location, v) for s2 in sites]
            reach = min((x for x in back if x is not None), default=None)
            if reach is not None:
                later[(n, s)] = reach + b + serve
    if not first or not later:
        return {(n, s, 1): t for (n, s), t in first.items() if t <= limit}
    start, cycle = min(first.values()), min(later.values())
    out = {}
    for (n, s), t in first.items():
        if t <= limit:
            out[(n, s, 1)] = t
        k = 2
        while (t := start + (k - 2) * cycle + later.get((n, s), limit + 1)) <= limit:
            out[(n, s, k)] = t
            k += 1
    return out


@dataclass
class _Model:
    """Columns (cost, upper bound), rows (upper bound, columns, coefficients) and which
    columns are whole units, with the unit columns per line and per stock."""

    cols: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    rows: list[tuple[float, list[int], list[float]]] = field(default_factory=list)
    units: list[int] = field(default_factory=list)
    per_line: dict[Line, list[int]] = field(default_factory=lambda: defaultdict(list))
    per_stock: dict[tuple[str, str, bool], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: a unit column's weight and volume (for the boats' capacity rows)
    unit_load: dict[int, tuple[float, float]] = field(default_factory=dict)
    #: when a unit column's truck trip lands it at the port of a site at sea
    at_port: dict[int, int] = field(default_factory=dict)

    def col(self, cost: float, upper: float) -> int:
        self.cols.append(cost)
        self.upper.append(upper)
        return len(self.cols) - 1


Weights = dict[Line, tuple[int, int, IncidentDemand]]  # line -> (weight, quantity, incident)


def _trip(
    m: _Model,
    problem: DispatchProblem,
    v: Vehicle,
    trip: tuple[int, int, int],
    limits: dict[Line, int],
    weight: Weights,
    held: dict[Line, list[Source]],
) -> int:
    """One possible trip (depot index, site, landing time) of vehicle v: a column for how
    much of it is used, one per line and item it could carry in time, its capacity rows."""
    n, site, at = trip
    depot = problem.depots[n]
    y = m.col(0.0, 1.0)
    loads: list[tuple[int, float, float]] = []
    for line, limit in limits.items():
        w, _q, inc = weight[line]
        landed = inc.landing(at, UNLOAD_S)  # at sea: aboard the first boat that can go
        if inc.location != site or landed is None or landed > limit:
            continue
        for src in held[line]:
            if src.depot != depot.code:
                continue
            z = m.col(float(w), float(src.quantity))
            m.units.append(z)
            m.per_line[line].append(z)
            m.per_stock[(depot.code, src.item, inc.national)].append(z)
            spec = problem.items[src.item]
            loads.append((z, spec.unit_weight_kg, spec.unit_volume_m3))
            m.unit_load[z] = (spec.unit_weight_kg, spec.unit_volume_m3)
            m.at_port[z] = at
    cols = [z for z, _, _ in loads] + [y]
    m.rows.append((0.0, cols, [kg for _, kg, _ in loads] + [-v.capacity_kg]))
    m.rows.append((0.0, cols, [m3 for _, _, m3 in loads] + [-v.capacity_m3]))
    return y


def _boat_rows(
    m: _Model, params: DispatchParams, inc: IncidentDemand, limits: dict[Line, int]
) -> None:
    """At sea, for each limit L and each time T a truck trip can land goods at the port:
    what lands by L and reaches the port at or after T fits the boat trips that can take it
    aboard and land by L. Trip k of boat b starts loading no earlier than b's arrival or T
    less the transfer time (a boat takes aboard what lands while it loads), each later one a
    full round trip after the one before. At the first T this is the whole fleet's capacity
    by L; a later T leaves out the trips that sail before those goods are there."""
    sea = inc.sea
    assert sea is not None
    mine = {line: limit for line, limit in limits.items() if line[0] == inc.id}
    for bound in sorted(set(mine.values())):
        zs = [z for line, limit in mine.items() if limit <= bound for z in m.per_line[line]]
        for ready in sorted({m.at_port[z] for z in zs}):
            kg = m3 = 0.0
            for b in sea.boats:
                out = sea.transfer_s + sea.sail_seconds(b) + params.unload_seconds
                cycle = out + sea.sail_seconds(b)
                trips = 0
                while max(ready - sea.transfer_s, b.available_from) + out + trips * cycle <= bound:
                    trips += 1
                kg += trips * b.capacity_kg
                m3 += trips * b.capacity_m3
            late = [z for z in zs if m.at_port[z] >= ready]
            m.rows.append((kg, late, [m.unit_load[z][0] for z in late]))
            m.rows.append((m3, late, [m.unit_load[z][1] for z in late]))


def within_ceiling(
    problem: DispatchProblem, params: DispatchParams, lines: Iterable[Line]
) -> float | None:
    """The best share of priority-weighted units of `lines` (the fully met ones) that any
    plan could land within their bound rule; None if there are none."""
    counted = set(lines)
    bounds = line_bounds(problem, params)
    limits = {k: rule_limit(b) for k, (b, _) in bounds.items() if b is not None and k in counted}
    if not limits:
        return None
    sites = sorted({problem.incident(i).location for i, _ in limits})
    weight: Weights = {
        (inc.id, dem.item): (dem.priority * inc.priority, dem.quantity, inc)
        for inc in problem.incidents
        for dem in inc.demands
    }
    held = {line: sources(problem, params, weight[line][2], line[1]) for line in limits}
    m = _Model()
    for v in problem.vehicles:
        slots: dict[int, list[int]] = defaultdict(list)
        landings = _landing(problem, params, v, sites, max(limits.values()))
        for (n, s, k), at in landings.items():
            slots[k].append(_trip(m, problem, v, (n, s, at), limits, weight, held))
        for ys in slots.values():  # the k-th trip of a vehicle goes to one place
            m.rows.append((1.0, ys, [1.0] * len(ys)))
    for inc in problem.incidents:
        if inc.sea is not None:
            _boat_rows(m, params, inc, limits)
    for line, zs in m.per_line.items():
        m.rows.append((float(weight[line][1]), zs, [1.0] * len(zs)))
    for (code, item, national), zs in m.per_stock.items():
        depot = problem.depot(code)
        usable = depot.available(item) - (0 if national else depot.reserve_floor.get(item, 0))
        m.rows.append((float(max(0, usable)), zs, [1.0] * len(zs)))
    total = sum(weight[k][0] * weight[k][1] for k in limits)
    return round(_maximise(m.cols, m.upper, m.rows, m.units) / total, 4) if total else None


def _maximise(
    cost: list[float],
    upper: list[float],
    rows: list[tuple[float, list[int], list[float]]],
    integer: list[int],
) -> float:
    """The MIP's dual bound: an upper bound on the optimum even if the time limit ends the
    search first."""
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("time_limit", TIME_LIMIT_S)
    n = len(cost)
    empty = np.zeros(0, dtype=np.int32)
    h.addCols(n, np.asarray(cost), np.zeros(n), np.asarray(upper), 0, empty, empty, np.zeros(0))
    starts: list[int] = []
    index: list[int] = []
    value: list[float] = []
    for _hi, cols, coefs in rows:
        starts.append(len(index))
        index += cols
        value += coefs
    h.addRows(
        len(rows),
        np.full(len(rows), -highspy.kHighsInf),
        np.asarray([r[0] for r in rows], dtype=np.float64),
        len(index),
        np.asarray(starts, dtype=np.int32),
        np.asarray(index, dtype=np.int32),
        np.asarray(value, dtype=np.float64),
    )
    if integer:
        kinds = np.full(len(integer), highspy.HighsVarType.kInteger)
        h.changeColsIntegrality(len(integer), np.asarray(integer, dtype=np.int32), kinds)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    info = h.getInfo()
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        return float(info.objective_function_value)
    return float(info.mip_dual_bound)
