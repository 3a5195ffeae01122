"""Dispatch: from incidents and stock to pick lists, vehicle routes and ETAs.

Stage 1 (HiGHS MILP, `_allocation`) decides which depot sends what (substitutes, reserve
floors, priorities), pricing every unit by the hours until it lands. Stage 2 (the routing
engine, `routing`) loads the goods onto the vehicles and routes them as pickup-and-delivery
pairs; vehicles start and end at their home depot. The objective, in order of weight:
priority-weighted hours until each unit lands (earlier is always better, not only until
its required-by time), unmet units at twice the horizon, then vehicle-hours and
kilometres. Required-by times are reported as lateness. Every demand line is measured
against its bound (`dispatch_bounds`) and, where slower, explained (`dispatch_explain`)."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import replace

from ._allocation import KM, VEHICLE_HOUR, Allocation, allocate
from ._boats import ship
from ._dispatch_routes import vehicle_routes
from ._fleets import Fleet, fleets
from ._parcels import Parcel, pack
from ._routing_start import first_plan
from ._tally import Tally
from .dispatch_bounds import Bounds, far_vehicles, line_bounds, objective_bound, rule_limit
from .dispatch_explain import explain_unmet
from .dispatch_model import (
    DispatchParams,
    DispatchPlan,
    DispatchProblem,
    SolveStatus,
    Unmet,
    Vehicle,
    VehicleRoute,
)
from .routing import (
    RoutingParams,
    RoutingProblem,
    RoutingRequest,
    RoutingResult,
    RoutingVehicle,
    solve_routing,
)

#: Routing objective units: one per priority-weighted unit-second until a parcel lands.
#: Vehicle-hours and kilometres weigh as in the allocation (`_allocation.VEHICLE_HOUR`,
#: `KM`, in weighted unit-hours): per vehicle-second, and per METRES_PER_COST_UNIT.
SPAN_COST = round(VEHICLE_HOUR)
METRES_PER_COST_UNIT = round(1000 / (KM * 3600))
#: objective units a vehicle costs once it is used (a quarter of a vehicle-hour)
VEHICLE_FIXED_COST = 900
#: dropping a parcel the allocation chose is never worth it
DROP_BASE = 10**9
#: OR-Tools' improvement limit for the routing search, as the first dispatch model set
#: it; the time cap in `solve_dispatch` is what bounds the search (RoutingParams says why)
IMPROVEMENT_RATE = 2.0
IMPROVEMENT_WINDOW = 50
#: other depots' vehicles offered to each loading depot, nearest first, and how far
HELPERS_PER_DEPOT = 4
HELPER_REACH_S = 3 * 3600


def solve_dispatch(problem: DispatchProblem, params: DispatchParams | None = None) -> DispatchPlan:
    """Plan the dispatch. Never raises on shortage or closures: what cannot be met is
    reported in `unmet` with the reason in plain words."""
    params = params or DispatchParams()
    started = time.perf_counter()
    bounds = line_bounds(problem, params)
    by_depot = fleets(problem)
    alloc = allocate(problem, params, bounds, by_depot)
    if alloc.status == "no_solution":
        return _no_allocation(alloc, started)
    limits = {key: rule_limit(b) for key, (b, _) in bounds.items() if b is not None}
    parcels = pack(problem, alloc, by_depot, params, limits)
    trucks, fleet, allowed = _trucks(problem, parcels, by_depot)
    # The search has no natural end: give it time in proportion to the parcels (a
    # handful of parcels converge in well under 0.1 s), within the caller's limit.
    remaining = max(0.05, params.time_limit_s - (time.perf_counter() - started))
    remaining = min(remaining, 0.1 + 0.02 * len(parcels))
    search = RoutingParams(
        remaining, improvement_rate=IMPROVEMENT_RATE, improvement_window=IMPROVEMENT_WINDOW
    )
    routing = _routing_problem(problem, params, parcels, trucks, allowed)
    urgent = sorted(
        range(len(parcels)), key=lambda i: (parcels[i].wave, -parcels[i].weighted_units, i)
    )
    result = solve_routing(routing, search, first_plan(routing, urgent))
    notes: list[str] = []
    if not result.feasible or (parcels and not trucks):
        notes.append("the routing search found no solution: every parcel is reported unmet")
    routes, delivered_at = vehicle_routes(problem, params, parcels, fleet, _ok(result))
    boats, shipped = ship(problem, params, parcels, delivered_at, limits)
    routes += boats
    tally = Tally.start(problem, params, bounds)
    unmet: list[Unmet] = []
    for i in sorted(range(len(parcels)), key=lambda i: (parcels[i].due, i)):
        arrival = delivered_at.get(i)
        at_sea = problem.incident(parcels[i].incident).sea is not None
        for a, qty, at, vehicle in shipped.get(i, []):
            tally.deliver(a, qty, at, vehicle)
        for a, qty in parcels[i].lines:
            if arrival is not None:
                if not at_sea:
                    tally.deliver(a, qty, *arrival)
            else:
                reason = (
                    f"no vehicle could carry {qty} {problem.items[a.item].name} "
                    f"from {a.depot} within the planning horizon"
                )
                unmet.append(Unmet(a.line.incident, a.line.item, qty, reason))
    for (incident, index), qty in alloc.unmet.items():
        line = next(ln for ln in alloc.lines if ln.incident == incident and ln.index == index)
        unmet.append(Unmet(incident, line.item, qty, ""))
    unmet = explain_unmet(problem, params, unmet, tally.picks)
    return _assemble(problem, params, alloc, tally, routes, unmet, bounds, notes, started)


def _ok(result: RoutingResult) -> RoutingResult:
    return result if result.feasible else RoutingResult(True, (), (), 0, 0, result.wall_s)


def _no_allocation(alloc: Allocation, started: float) -> DispatchPlan:
    unmet = tuple(
        Unmet(
            line.incident,
            line.item,
            line.quantity,
            "the allocation model found no solution within the time limit",
        )
        for line in alloc.lines
    )
    return DispatchPlan(
        "no_solution",
        math.inf,
        None,
        0.0,
        sum(u.quantity for u in unmet),
        0,
        (),
        (),
        (),
        unmet,
        time.perf_counter() - started,
        "highs+ortools",
    )


def _routing_problem(
    problem: DispatchProblem,
    params: DispatchParams,
    parcels: list[Parcel],
    trucks: list[RoutingVehicle],
    allowed: dict[str, tuple[int, ...]],
) -> RoutingProblem:
    """Each parcel a pickup at its depot and a delivery at its site; every second until
    it lands costs its weighted units. Arcs cost per METRES_PER_COST_UNIT driven."""
    requests = tuple(
        RoutingRequest(
            delivery=problem.incident(p.incident).location,
            # whole kg and litres; a sum of unit sizes may be a hair over a whole number
            load=(math.ceil(p.weight - 1e-6), math.ceil(p.volume * 1000 - 1e-6)),
            pickup=problem.depot(p.depot).location,
            delivery_service=params.unload_seconds,
            pickup_service=params.load_seconds,
            due=0,
            late_cost=max(1, p.weighted_units),
            drop_penalty=DROP_BASE + p.weighted_units * params.horizon_s * 4,
            vehicles=allowed[p.depot] or None,
        )
        for p in parcels
    )
    cost = tuple(
        tuple(None if m is None else m // METRES_PER_COST_UNIT for m in row)
        for row in problem.metres
    )
    return RoutingProblem(
        cost,
        problem.seconds,
        tuple(trucks),
        requests,
        params.horizon_s * 2,  # room for the drive home after the last delivery
        merge_stops=True,
        span_cost=SPAN_COST,
    )


def _trucks(
    problem: DispatchProblem, parcels: list[Parcel], by_depot: dict[str, Fleet | None]
) -> tuple[list[RoutingVehicle], list[Vehicle], dict[str, tuple[int, ...]]]:
    """The vehicles offered to the router, and per loading depot those that may load
    there: its fleet (its own, or the nearest depot's if it has none) and a few of the
    nearest other depots' vehicles within HELPER_REACH_S where the fleet would need more
    than one trip: they may take later loads sooner than a second trip. No vehicle tours
    the country collecting loads."""
    locations = {d.code: d.location for d in problem.depots}
    loads: dict[str, int] = defaultdict(int)
    for p in parcels:
        loads[p.depot] += 1
    may_load: dict[str, list[Vehicle]] = {}
    for depot in sorted(loads):
        own = by_depot.get(depot)
        fleet = list(own.vehicles) if own else []
        if len(fleet) >= loads[depot]:  # its own fleet carries every load in one trip
            may_load[depot] = fleet
            continue
        here = locations[depot]
        near: list[tuple[int, float, str, Vehicle]] = []
        for v in problem.vehicles:
            t = problem.seconds[locations[v.depot]][here]
            if v not in fleet and t is not None and t <= HELPER_REACH_S:
                near.append((t, -v.capacity_kg, v.id, v))
        helpers = [o[3] for o in sorted(near, key=lambda o: o[:3])[:HELPERS_PER_DEPOT]]
        may_load[depot] = fleet + helpers
    chosen = sorted({v.id: v for vs in may_load.values() for v in vs}.values(), key=lambda v: v.id)
    index = {v.id: k for k, v in enumerate(chosen)}
    allowed = {d: tuple(sorted(index[v.id] for v in vs)) for d, vs in may_load.items()}
    trucks = [
        RoutingVehicle(
            start=locations[v.depot],
            end=locations[v.depot],
            capacity=(int(v.capacity_kg), int(v.capacity_m3 * 1000)),
            speed_factor=v.speed_factor,
            available_from=v.available_from,
            fixed_cost=VEHICLE_FIXED_COST,
            crew=v.crew,
        )
        for v in chosen
    ]
    return trucks, chosen, allowed


def _assemble(
    problem: DispatchProblem,
    params: DispatchParams,
    alloc: Allocation,
    tally: Tally,
    routes: list[VehicleRoute],
    unmet: list[Unmet],
    bounds: Bounds,
    notes: list[str],
    started: float,
) -> DispatchPlan:
    fulfilment = tally.fulfilment(problem, params, unmet, routes)
    horizon_h = params.horizon_s / 3600
    weights = {
        (i.id, d.item): d.priority * i.priority for i in problem.incidents for d in i.demands
    }
    unmet_cost = sum(weights[(u.incident, u.item)] * u.quantity * horizon_h * 2 for u in unmet)
    objective = tally.weighted_hours + unmet_cost
    bound = objective_bound(problem, params, bounds)
    unmet_units = sum(u.quantity for u in unmet)
    status: SolveStatus
    if alloc.status == "timed_out":
        status = "timed_out"
    elif unmet_units and not any(f.met for f in fulfilment):
        status = "infeasible"
    elif objective <= bound + 1e-6:
        status = "optimal"  # every unit lands at its bound
    else:
        status = "feasible"
    plan = DispatchPlan(
        status=status,
        objective=round(objective, 4),
        bound=round(bound, 4),
        lateness_unit_hours=round(tally.late_hours, 3),
        unmet_units=unmet_units,
        metres=sum(r.metres for r in routes),
        picks=tuple(tally.picks),
        routes=tuple(routes),
        fulfilment=tuple(fulfilment),
        unmet=tuple(unmet),
        solve_seconds=round(time.perf_counter() - started, 3),
        engine="highs+ortools",
        notes=tuple(notes),
        within_bound_share=tally.within_share(problem, unmet),
        vehicle_seconds=sum(r.return_at - r.stops[0].departure for r in routes),
    )
    far = far_vehicles(problem, plan)
    return replace(plan, far_vehicles=tuple(far), notes=(*plan.notes, *far))
