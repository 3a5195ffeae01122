"""Stage 1 of dispatch: which depot sends how much of which item (or substitute) to
which demand, as a small MILP solved by HiGHS.

It is a transportation problem with side constraints (reserve floors that national
incidents may break into), so the LP relaxation is almost always integral and HiGHS
proves optimality in milliseconds."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import highspy

from .dispatch_model import DispatchParams, DispatchProblem

#: Cost weights: a unit-hour late at priority 1 costs LATE; a unit unmet costs the whole
#: horizon twice over; kilometres only break ties.
LATE = 1.0
KM = 1e-5


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
    arrival: int


@dataclass(frozen=True)
class Allocation:
    status: str
    objective: float
    bound: float | None
    assignments: list[Assignment]
    unmet: dict[tuple[str, int], int]
    lines: list[Line]


def depot_ready_seconds(problem: DispatchProblem) -> dict[str, int | None]:
    """When the first vehicle can be loading at each depot (its own, or one driven over)."""
    ready: dict[str, int | None] = {}
    homes = {d.code: d.location for d in problem.depots}
    for depot in problem.depots:
        best: int | None = None
        for v in problem.vehicles:
            t = problem.seconds[homes[v.depot]][depot.location]
            if t is None:
                continue
            at = v.available_from + math.floor(t / v.speed_factor)
            best = at if best is None else min(best, at)
        ready[depot.code] = best
    return ready


def arrival_seconds(
    problem: DispatchProblem,
    params: DispatchParams,
    ready: dict[str, int | None],
    depot_code: str,
    site: int,
) -> int | None:
    """The earliest a unit from this depot can be on site: first vehicle there, loading,
    the fastest vehicle's drive, unloading. Never later than any real route, so the
    allocation's optimum is a lower bound for the whole plan."""
    depot = problem.depot(depot_code)
    t = problem.seconds[depot.location][site]
    start = ready.get(depot_code)
    if t is None or start is None:
        return None
    fastest = max((v.speed_factor for v in problem.vehicles), default=1.0)
    return start + params.load_seconds + math.floor(t / fastest) + params.unload_seconds


def allocate(problem: DispatchProblem, params: DispatchParams) -> Allocation:
    lines = [
        Line(inc.id, n, dem.item, dem.quantity, dem.required_by, dem.priority * inc.priority)
        for inc in problem.incidents
        for n, dem in enumerate(inc.demands)
    ]
    ready = depot_ready_seconds(problem)
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("time_limit", max(0.05, params.time_limit_s * 0.3))
    h.setOptionValue("random_seed", params.seed)
    h.setOptionValue("mip_rel_gap", 1e-6)
    horizon_h = params.horizon_s / 3600

    x: dict[tuple[str, int, str], tuple[Any, int, int]] = {}  # (depot, line#, item)
    ties: dict[tuple[str, int, str], float] = {}
    unmet_vars: list[Any] = []
    for n, line in enumerate(lines):
        inc = problem.incident(line.incident)
        spec = problem.items[line.item]
        candidates = [(line.item, 0), *[(s, r) for r, s in enumerate(spec.substitutes, 1)]]
        for depot in problem.depots:
            arrival = arrival_seconds(problem, params, ready, depot.code, inc.location)
            if arrival is None:
                continue
            metres = problem.metres[depot.location][inc.location] or 0
            for item, rank in candidates:
                avail = depot.available(item)
                if avail <= 0:
                    continue
                late_h = max(0, arrival - line.required_by) / 3600
                core = line.weight * LATE * (late_h + params.substitute_penalty_h * rank)
                tie = KM * metres / 1000 + 1e-6 * arrival / 3600
                cost = core + tie
                var = h.addVariable(
                    lb=0, ub=min(avail, line.quantity), obj=cost, type=highspy.HighsVarType.kInteger
                )
                x[(depot.code, n, item)] = (var, rank, arrival)
                ties[(depot.code, n, item)] = tie
        u = h.addVariable(
            lb=0,
            ub=line.quantity,
            obj=line.weight * LATE * horizon_h * 2,
            type=highspy.HighsVarType.kInteger,
        )
        unmet_vars.append(u)
        sent = [v for (d, ln, _i), (v, _r, _a) in x.items() if ln == n]
        h.addConstr(sum(sent, start=u) == line.quantity)

    national = {inc.id: inc.national for inc in problem.incidents}
    for depot in problem.depots:
        for item in depot.lots:
            all_vars = [
                (v, lines[ln])
                for (d, ln, i), (v, _r, _a) in x.items()
                if d == depot.code and i == item
            ]
            if not all_vars:
                continue
            avail = depot.available(item)
            h.addConstr(sum((v for v, _ in all_vars), start=0) <= avail)
            floor = depot.reserve_floor.get(item, 0)
            local = [v for v, line in all_vars if not national[line.incident]]
            if floor > 0 and local:
                h.addConstr(sum(local, start=0) <= max(0, avail - floor))

    h.changeObjectiveSense(highspy.ObjSense.kMinimize)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    if status == highspy.HighsModelStatus.kOptimal:
        status_s = "optimal"
    elif info.primal_solution_status == 2:  # feasible point found before the limit
        status_s = "timed_out"
    else:
        return Allocation("no_solution", math.inf, None, [], {}, lines)
    assignments = []
    tie_total = 0.0
    for (depot_code, n, item), (var, rank, arrival) in x.items():
        qty = round(h.val(var))
        if qty > 0:
            assignments.append(Assignment(depot_code, lines[n], item, rank, qty, arrival))
            tie_total += qty * ties[(depot_code, n, item)]
    unmet = {}
    for n, u in enumerate(unmet_vars):
        qty = round(h.val(u))
        if qty > 0:
            unmet[(lines[n].incident, lines[n].index)] = qty
    # Lower bound on lateness + unmet + substitution (optimistic travel, tie-breaks removed).
    bound = (
        max(0.0, info.mip_dual_bound - tie_total) if math.isfinite(info.mip_dual_bound) else None
    )
    return Allocation(
        status_s, info.objective_function_value - tie_total, bound, assignments, unmet, lines
    )
