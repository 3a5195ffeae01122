"""Stage 1 of dispatch: which depot sends how much of which item (or substitute) to
which demand, as a small MILP solved by HiGHS.

Every unit costs its priority weight times the hours until it lands, so earlier is always
better, not only until its required-by time. A depot's fleet carries its goods in waves:
what its own free vehicles hold leaves first; what they cannot hold arrives a round trip
later, and so on. So a depot with two pickups cannot promise 60 t at the first wave's time,
and a nearer depot with the trucks wins. A shipment from a depot to an incident is a trip
and costs its vehicle-hours and kilometres, so a handful of units does not open a trip
that a depot already going there could take. Provincial-level incidents draw only on
depots within `DispatchParams.provincial_reach_s`; national ones on every depot."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np

from ._fleets import Fleet, in_reach, soonest_landing, straight_arrival
from .dispatch_bounds import Bounds, rule_limit
from .dispatch_model import DispatchParams, DispatchProblem

#: Costs in priority-weighted unit-hours: a vehicle-hour, a kilometre driven.
VEHICLE_HOUR = 1.0
KM = 0.01
#: waves whose size is the depot's fleet; the last wave carries whatever is left
WAVES = 3
#: the allocation stops within this relative gap of its optimum (it prices arrivals by
#: estimates, so a closer optimum buys nothing the routing keeps), and within this share
#: of the plan's time limit
MIP_GAP = 0.01
TIME_SHARE = 0.5


@dataclass(frozen=True)
class Line:
    incident: str
    index: int
    item: str
    quantity: int
    required_by: int
    weight: int  # demand priority x incident priority


@dataclass(frozen=True)
class Assignment:
    depot: str
    line: Line
    item: str  # what is sent (the demanded item or a substitute)
    rank: int  # 0 = the item itself, 1.. = substitute rank
    quantity: int
    arrival: int  # the allocation's estimate for this wave


@dataclass(frozen=True)
class Allocation:
    status: str
    objective: float
    assignments: list[Assignment]
    unmet: dict[tuple[str, int], int]
    lines: list[Line]


def _round(
    problem: DispatchProblem, lines: list[Line], values: dict[tuple[str, int, str, int], float]
) -> dict[tuple[str, int, str, int], int]:
    """Whole units from the relaxed solution: each amount rounded down, then the units
    each line was sent in fractions given, largest fraction first, where the depot's stock
    (and, for a non-national incident, its reserve floor) still allows."""
    national = {inc.id: inc.national for inc in problem.incidents}
    units = {k: math.floor(v + 1e-6) for k, v in values.items()}
    stock_left: dict[tuple[str, str], int] = {}
    local_left: dict[tuple[str, str], int] = {}
    for stock in problem.depots:
        for item in stock.lots:
            stock_left[(stock.code, item)] = stock.available(item)
            local_left[(stock.code, item)] = max(
                0, stock.available(item) - stock.reserve_floor.get(item, 0)
            )
    for (depot, n, item, _w), qty in units.items():
        stock_left[(depot, item)] -= qty
        if not national[lines[n].incident]:
            local_left[(depot, item)] -= qty
    by_line: dict[int, list[tuple[float, tuple[str, int, str, int]]]] = defaultdict(list)
    for key, v in values.items():
        by_line[key[1]].append((v - units[key], key))
    for n, fractions in by_line.items():
        owed = round(sum(values[k] for _, k in fractions)) - sum(units[k] for _, k in fractions)
        for frac, key in sorted(fractions, key=lambda f: (-f[0], f[1])):
            if owed <= 0 or frac <= 1e-6:
                break
            depot, _n, item, _w = key
            local = not national[lines[n].incident]
            if stock_left[(depot, item)] <= 0 or (local and local_left[(depot, item)] <= 0):
                continue
            units[key] += 1
            stock_left[(depot, item)] -= 1
            local_left[(depot, item)] -= 1 if local else 0
            owed -= 1
    return {k: q for k, q in units.items() if q > 0}


def allocate(
    problem: DispatchProblem,
    params: DispatchParams,
    bounds: Bounds,
    by_depot: dict[str, Fleet | None],
) -> Allocation:
    """Who sends what, given each line's bound (`dispatch_bounds.line_bounds`) and the
    fleet that loads first at each depot (`fleets`), both computed once by the caller."""
    lines = [
        Line(inc.id, n, dem.item, dem.quantity, dem.required_by, dem.priority * inc.priority)
        for inc in problem.incidents
        for n, dem in enumerate(inc.demands)
    ]
    limits = {}
    for n, line in enumerate(lines):
        bound = bounds[(line.incident, line.item)][0]
        if bound is not None:
            limits[n] = rule_limit(bound)
    return _Model(problem, params, lines, by_depot, limits).solve()


class _Sparse:
    """Columns and rows gathered in arrays and handed to HiGHS at once: adding them one
    by one through highspy's expression API took 1.3 s on five incidents."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[float, float, list[int], list[float]]] = []

    def col(self, cost: float, upper: float, integer: bool = False) -> int:
        self.cost.append(cost)
        self.upper.append(upper)
        if integer:
            self.integer.append(len(self.cost) - 1)
        return len(self.cost) - 1

    def row(self, lower: float, upper: float, cols: list[int], coefs: list[float]) -> None:
        if cols:
            self.rows.append((lower, upper, cols, coefs))

    def load(self, h: highspy.Highs) -> None:
        n = len(self.cost)
        h.addCols(
            n,
            np.asarray(self.cost, dtype=np.float64),
            np.zeros(n),
            np.asarray(self.upper, dtype=np.float64),
            0,
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        starts: list[int] = []
        index: list[int] = []
        value: list[float] = []
        for _lo, _hi, cols, coefs in self.rows:
            starts.append(len(index))
            index += cols
            value += coefs
        h.addRows(
            len(self.rows),
            np.asarray([r[0] for r in self.rows], dtype=np.float64),
            np.asarray([r[1] for r in self.rows], dtype=np.float64),
            len(index),
            np.asarray(starts, dtype=np.int32),
            np.asarray(index, dtype=np.int32),
            np.asarray(value, dtype=np.float64),
        )
        if self.integer:
            h.changeColsIntegrality(
                len(self.integer),
                np.asarray(self.integer, dtype=np.int32),
                np.full(len(self.integer), highspy.HighsVarType.kInteger),
            )


class _Model:
    """The MILP: x[depot, line, item, wave] units sent, y[depot, incident] a trip opened
    (binary), u[line] units unmet. Units are continuous and rounded after the solve
    (`_round`): integral units with the waves' knapsacks took HiGHS past its time limit on
    national oil spills (0.65 s and not proven, against 0.23 s optimal with continuous
    units, measured on the Cái Lân oil spill); a wave is an estimate, a fraction of a unit
    over its capacity is not worth that time."""

    def __init__(
        self,
        problem: DispatchProblem,
        params: DispatchParams,
        lines: list[Line],
        by_depot: dict[str, Fleet | None],
        limits: dict[int, int],
    ):
        self.problem, self.params, self.lines = problem, params, lines
        self.m = _Sparse()
        #: (depot, line, item, wave) -> (column, substitute rank, arrival)
        self.x: dict[tuple[str, int, str, int], tuple[int, int, int]] = {}
        self.fleets = by_depot
        #: per line, the latest a unit may land and count as within its bound
        self.limits = limits

    def solve(self) -> Allocation:
        trips = self._add_shipments()
        self._add_demand()
        self._add_stock()
        self._add_waves()
        self._add_trips(trips)
        h = highspy.Highs()
        h.silent()
        h.setOptionValue("time_limit", max(0.05, self.params.time_limit_s * TIME_SHARE))
        h.setOptionValue("random_seed", self.params.seed)
        h.setOptionValue("mip_rel_gap", MIP_GAP)
        self.m.load(h)
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            status_s = "optimal"
        elif h.getInfo().primal_solution_status == 2:  # a plan found before the limit
            status_s = "timed_out"
        else:
            return Allocation("no_solution", math.inf, [], {}, self.lines)
        values = h.getSolution().col_value
        units = _round(self.problem, self.lines, {k: values[v[0]] for k, v in self.x.items()})
        assignments = []
        sent: dict[int, int] = defaultdict(int)
        for key, qty in units.items():
            depot, n, item, _wave = key
            _col, rank, arrival = self.x[key]
            assignments.append(Assignment(depot, self.lines[n], item, rank, qty, arrival))
            sent[n] += qty
        unmet = {
            (line.incident, line.index): line.quantity - sent[n]
            for n, line in enumerate(self.lines)
            if line.quantity > sent[n]
        }
        return Allocation(
            status_s, h.getInfo().objective_function_value, assignments, unmet, self.lines
        )

    def _add_shipments(self) -> dict[tuple[str, str], tuple[float, list[tuple[int, int]]]]:
        """Units per depot, line, item and wave, priced by arrival; the trips they open."""
        problem, params = self.problem, self.params
        trips: dict[tuple[str, str], tuple[float, list[tuple[int, int]]]] = {}
        for n, line in enumerate(self.lines):
            inc = problem.incident(line.incident)
            spec = problem.items[line.item]
            candidates = [(line.item, 0), *[(s, r) for r, s in enumerate(spec.substitutes, 1)]]
            for depot in problem.depots:
                fleet = self.fleets[depot.code]
                timing = (
                    None
                    if fleet is None
                    else straight_arrival(problem, params, fleet, depot.location, inc.location)
                )
                if fleet is None or timing is None:
                    continue
                first, round_trip = timing
                landed = inc.landing(first, params.unload_seconds)
                if landed is None:  # no boat can take the goods on from the port
                    continue
                if not inc.national and not in_reach(
                    params, inc, soonest_landing(problem, params, fleet, depot.location, inc)
                ):
                    continue
                for item, rank in candidates:
                    most = min(depot.available(item), line.quantity)
                    if most <= 0 or (inc.sea and not inc.sea.carries(problem.items[item])):
                        continue
                    key = (depot.code, inc.id)
                    if key not in trips:
                        metres = 2 * (problem.metres[depot.location][inc.location] or 0)
                        trip = VEHICLE_HOUR * round_trip / 3600 + KM * metres / 1000
                        trips[key] = (trip, [])
                    for wave in range(WAVES + 1):
                        arrival = inc.landing(first + wave * round_trip, params.unload_seconds)
                        assert arrival is not None  # a boat sails: `landed` said so
                        cost = line.weight * (arrival / 3600 + params.substitute_penalty_h * rank)
                        if arrival > self.limits.get(n, arrival):
                            cost += line.weight * self.params.beyond_bound_h
                        col = self.m.col(cost, most)
                        self.x[(depot.code, n, item, wave)] = (col, rank, arrival)
                        trips[key][1].append((col, most))
        return trips

    def _add_demand(self) -> None:
        """Sent plus unmet is the line's quantity; an unmet unit costs twice the horizon."""
        horizon_h = self.params.horizon_s / 3600
        sent: dict[int, list[int]] = defaultdict(list)
        for (_d, n, _i, _w), (col, _r, _a) in self.x.items():
            sent[n].append(col)
        for n, line in enumerate(self.lines):
            u = self.m.col(line.weight * horizon_h * 2, line.quantity)
            cols = [*sent[n], u]
            self.m.row(line.quantity, line.quantity, cols, [1.0] * len(cols))

    def _add_stock(self) -> None:
        """Never more than a depot holds; non-national incidents leave its reserve floor."""
        national = {inc.id: inc.national for inc in self.problem.incidents}
        by_stock: dict[tuple[str, str], list[tuple[int, Line]]] = defaultdict(list)
        for (depot, n, item, _w), (col, _r, _a) in self.x.items():
            by_stock[(depot, item)].append((col, self.lines[n]))
        for (code, item), pairs in by_stock.items():
            stock = self.problem.depot(code)
            avail = stock.available(item)
            cols = [c for c, _ in pairs]
            self.m.row(0, avail, cols, [1.0] * len(cols))
            floor = stock.reserve_floor.get(item, 0)
            local = [c for c, line in pairs if not national[line.incident]]
            if floor > 0 and local:
                self.m.row(0, max(0, avail - floor), local, [1.0] * len(local))

    def _add_waves(self) -> None:
        """Each wave but the last carries no more than the depot's fleet holds."""
        per_wave: dict[tuple[str, int], list[tuple[int, str]]] = defaultdict(list)
        for (depot, _n, item, wave), (col, _r, _a) in self.x.items():
            if wave < WAVES:
                per_wave[(depot, wave)].append((col, item))
        items = self.problem.items
        for (depot, _wave), pairs in per_wave.items():
            fleet = self.fleets[depot]
            assert fleet is not None
            kg, m3 = fleet.capacity
            heavy = [(c, items[i].unit_weight_kg) for c, i in pairs if items[i].unit_weight_kg]
            bulky = [(c, items[i].unit_volume_m3) for c, i in pairs if items[i].unit_volume_m3]
            self.m.row(-math.inf, kg, [c for c, _ in heavy], [w for _, w in heavy])
            self.m.row(-math.inf, m3, [c for c, _ in bulky], [v for _, v in bulky])

    def _add_trips(self, trips: dict[tuple[str, str], tuple[float, list[tuple[int, int]]]]) -> None:
        """Sending anything from a depot to an incident opens the trip: x <= most * y."""
        for cost, pairs in trips.values():
            y = self.m.col(cost, 1, integer=True)
            for col, most in pairs:
                self.m.row(-math.inf, 0, [col, y], [1.0, -float(most)])
