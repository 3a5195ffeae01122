"""Dispatch: from incidents and stock to pick lists, vehicle routes and ETAs.

Stage 1 (HiGHS MILP, `_allocation`) decides which depot sends what (substitutes,
reserve floors, priorities, lateness); stage 2 (the routing engine, `routing`) loads the
goods onto vehicles and routes them as pickup-and-delivery pairs, possibly picking up at
several depots and making several trips. Objective, in order: priority-weighted
lateness (unmet units count as late by the whole horizon), then distance."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from ._allocation import Allocation, Assignment, allocate, depot_ready_seconds
from ._parcels import Parcel, cargo, pack
from .dispatch_model import (
    DispatchParams,
    DispatchPlan,
    DispatchProblem,
    Fulfilment,
    PickLine,
    SolveStatus,
    Stop,
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

#: Routing objective units: per unit-hour late at weight 1, per 100 m driven.
LATE_UNIT_HOUR = 1000
METRES_PER_COST_UNIT = 100
#: objective units a vehicle costs once it is used
VEHICLE_FIXED_COST = 200
#: OR-Tools' improvement limit for the routing search, as the first dispatch model set
#: it. Measured, it has not ended a dispatch search early: the time cap in
#: `solve_dispatch` is what bounds it (RoutingParams says why).
IMPROVEMENT_RATE = 2.0
IMPROVEMENT_WINDOW = 50


@dataclass
class _LotLeft:
    lot_id: int
    lot_no: str | None
    quantity: int


def solve_dispatch(problem: DispatchProblem, params: DispatchParams | None = None) -> DispatchPlan:
    """Plan the dispatch. Never raises on shortage or closures: what cannot be met is
    reported in `unmet` with the reason in plain words."""
    params = params or DispatchParams()
    started = time.perf_counter()
    alloc = allocate(problem, params)
    if alloc.status == "no_solution":
        return _no_allocation(alloc, started)
    parcels = pack(problem, alloc)
    trucks, fleet = _trucks(problem, params, parcels)
    # The search has no natural end: give it time in proportion to the parcels (a
    # handful of parcels converge in well under 0.1 s), within the caller's limit.
    remaining = max(0.05, params.time_limit_s - (time.perf_counter() - started))
    remaining = min(remaining, 0.1 + 0.02 * len(parcels))
    search = RoutingParams(
        remaining, improvement_rate=IMPROVEMENT_RATE, improvement_window=IMPROVEMENT_WINDOW
    )
    result = solve_routing(_routing_problem(problem, params, parcels, trucks), search)
    notes: list[str] = []
    if not result.feasible or (parcels and not trucks):
        notes.append("the routing search found no solution: every parcel is reported unmet")
    routes, delivered_at = _vehicle_routes(problem, params, parcels, fleet, result)
    return _assemble(problem, params, alloc, parcels, delivered_at, routes, notes, started)


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
) -> RoutingProblem:
    """Each parcel a pickup at its depot and a delivery at its site, due by its earliest
    required-by time; arcs cost per 100 m driven."""
    requests = tuple(
        RoutingRequest(
            delivery=problem.incident(p.incident).location,
            load=(math.ceil(p.weight), math.ceil(p.volume * 1000)),
            pickup=problem.depot(p.depot).location,
            delivery_service=params.unload_seconds,
            pickup_service=params.load_seconds,
            due=p.due - params.unload_seconds,
            late_cost=max(1, round(p.weighted_units * LATE_UNIT_HOUR / 3600)),
            # twice the cost of being late by twice the horizon: dropping never pays
            drop_penalty=p.weighted_units * LATE_UNIT_HOUR * (params.horizon_s // 3600) * 4,
        )
        for p in parcels
    )
    cost = tuple(
        tuple(None if m is None else m // METRES_PER_COST_UNIT for m in row)
        for row in problem.metres
    )
    return RoutingProblem(cost, problem.seconds, tuple(trucks), requests, params.horizon_s)


def _vehicle_routes(
    problem: DispatchProblem,
    params: DispatchParams,
    parcels: list[Parcel],
    fleet: list[Vehicle],
    result: RoutingResult,
) -> tuple[list[VehicleRoute], dict[int, tuple[int, str]]]:
    """The routes as stops with cargo, and when (and by which vehicle) each parcel lands."""
    delivered_at: dict[int, tuple[int, str]] = {}
    routes: list[VehicleRoute] = []
    for route in result.routes:
        veh = fleet[route.vehicle]
        stops: list[Stop] = []
        for visit in route.visits:
            goods: tuple[tuple[str, int], ...] = ()
            depot_code = incident_id = None
            service = 0
            if visit.request is not None:
                parcel = parcels[visit.request]
                goods = tuple(cargo(parcel))
                if visit.kind == "pickup":
                    depot_code = parcel.depot
                    service = params.load_seconds
                else:
                    incident_id = parcel.incident
                    service = params.unload_seconds
                    delivered_at[visit.request] = (visit.arrival + service, veh.id)
            else:
                depot_code = veh.depot
            stops.append(
                Stop(
                    visit.location,
                    problem.locations[visit.location],
                    visit.kind,
                    visit.arrival,
                    visit.arrival + service,
                    visit.load[0],
                    visit.load[1] / 1000,
                    depot_code,
                    incident_id,
                    goods,
                )
            )
        metres = sum(problem.metres[a.location][b.location] or 0 for a, b in pairwise(stops))
        routes.append(
            VehicleRoute(
                veh.id, veh.depot, veh.vehicle_type, tuple(stops), metres, stops[-1].arrival
            )
        )
    return routes, delivered_at


def _trucks(
    problem: DispatchProblem, params: DispatchParams, parcels: list[Parcel]
) -> tuple[list[RoutingVehicle], list[Vehicle]]:
    """The vehicles offered to the router: those at depots with parcels, plus those at
    depots within reach of a pickup, at most a few more than the parcels need."""
    need: dict[str, int] = defaultdict(int)
    for p in parcels:
        need[p.depot] += 1
    locations = {d.code: d.location for d in problem.depots}
    chosen: list[Vehicle] = []
    by_depot: dict[str, list[Vehicle]] = defaultdict(list)
    for v in sorted(problem.vehicles, key=lambda v: (-v.capacity_kg, v.id)):
        by_depot[v.depot].append(v)
    for depot, vehicles in by_depot.items():
        wanted = need.get(depot, 0)
        near = any(
            (problem.seconds[locations[depot]][locations[d]] or math.inf) <= 6 * 3600 for d in need
        )
        if wanted == 0 and not near:
            continue
        chosen.extend(vehicles[: max(wanted + 1, 2)])
    trucks = [
        RoutingVehicle(
            start=locations[v.depot],
            end=locations[v.depot],
            capacity=(int(v.capacity_kg), int(v.capacity_m3 * 1000)),
            speed_factor=v.speed_factor,
            available_from=v.available_from,
            fixed_cost=VEHICLE_FIXED_COST,
        )
        for v in chosen
    ]
    del params
    return trucks, chosen


@dataclass
class _Tally:
    """What the routed parcels deliver, per (incident, demanded item), as they land."""

    lots_left: dict[tuple[str, str], list[_LotLeft]]
    picks: list[PickLine] = field(default_factory=list)
    met: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    on_time: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    last: dict[tuple[str, str], int] = field(default_factory=dict)
    subs: dict[tuple[str, str], dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    weighted_late: float = 0.0

    def deliver(self, a: Assignment, qty: int, at: int, vehicle: str, penalty_h: float) -> None:
        """Count `qty` units of `a` landed at `at`, picked FEFO from the depot's lots."""
        key = (a.line.incident, a.line.item)
        late_h = max(0, at - a.line.required_by) / 3600
        self.weighted_late += a.line.weight * qty * (late_h + penalty_h * a.rank)
        self.met[key] += qty
        if at <= a.line.required_by:
            self.on_time[key] += qty
        self.last[key] = max(self.last.get(key, 0), at)
        if a.item != a.line.item:
            self.subs[key][a.item] += qty
        left = qty
        for lot in self.lots_left[(a.depot, a.item)]:
            if left == 0:
                break
            take = min(lot.quantity, left)
            if take <= 0:
                continue
            lot.quantity -= take
            left -= take
            line = a.line
            pick = PickLine(
                a.depot, a.item, lot.lot_id, lot.lot_no, take, line.incident, line.item, vehicle
            )
            self.picks.append(pick)

    def fulfilment(self, problem: DispatchProblem) -> tuple[list[Fulfilment], float]:
        """Per demand line what was met and when, and the late unit-hours in all."""
        fulfilment = []
        lateness = 0.0
        for inc in problem.incidents:
            for dem in inc.demands:
                key = (inc.id, dem.item)
                if key in self.last:
                    late_units = self.met[key] - self.on_time[key]
                    lateness += late_units * max(0, self.last[key] - dem.required_by) / 3600
                fulfilment.append(
                    Fulfilment(
                        inc.id,
                        dem.item,
                        dem.quantity,
                        self.met[key],
                        self.on_time[key],
                        self.last.get(key),
                        dem.required_by,
                        dem.priority,
                        tuple(sorted(self.subs[key].items())),
                    )
                )
        return fulfilment, lateness


def _assemble(
    problem: DispatchProblem,
    params: DispatchParams,
    alloc: Allocation,
    parcels: list[Parcel],
    delivered_at: dict[int, tuple[int, str]],
    routes: list[VehicleRoute],
    notes: list[str],
    started: float,
) -> DispatchPlan:
    # FEFO lots per depot x item, consumed parcel by parcel (most urgent first).
    tally = _Tally(
        {
            (d.code, item): [_LotLeft(lot.lot_id, lot.lot_no, lot.quantity) for lot in lots]
            for d in problem.depots
            for item, lots in d.lots.items()
        }
    )
    unmet: list[Unmet] = []
    for i in sorted(range(len(parcels)), key=lambda i: (parcels[i].due, i)):
        arrival = delivered_at.get(i)
        for a, qty in parcels[i].lines:
            if arrival is not None:
                tally.deliver(a, qty, *arrival, params.substitute_penalty_h)
                continue
            reason = (
                f"no vehicle could carry {qty} {problem.items[a.item].name} "
                f"from {a.depot} within the planning horizon"
            )
            unmet.append(Unmet(a.line.incident, a.line.item, qty, reason))
    for (incident, index), qty in alloc.unmet.items():
        line = next(ln for ln in alloc.lines if ln.incident == incident and ln.index == index)
        unmet.append(
            Unmet(incident, line.item, qty, _unmet_reason(problem, params, line.item, incident))
        )
    fulfilment, lateness = tally.fulfilment(problem)
    weights = {
        (i.id, d.item): d.priority * i.priority for i in problem.incidents for d in i.demands
    }
    objective = tally.weighted_late + sum(
        weights[(u.incident, u.item)] * u.quantity * params.horizon_s / 3600 * 2 for u in unmet
    )
    unmet_units = sum(u.quantity for u in unmet)
    status: SolveStatus
    if alloc.status == "timed_out":
        status = "timed_out"
    elif unmet_units and not any(f.met for f in fulfilment):
        status = "infeasible"
    elif alloc.status == "optimal" and alloc.bound is not None and objective <= alloc.bound + 1e-6:
        status = "optimal"  # the routes reach the allocation's lower bound
    else:
        status = "feasible"
    return DispatchPlan(
        status=status,
        objective=round(objective, 4),
        bound=None if alloc.bound is None else round(alloc.bound, 4),
        lateness_unit_hours=round(lateness, 3),
        unmet_units=unmet_units,
        metres=sum(r.metres for r in routes),
        picks=tuple(tally.picks),
        routes=tuple(routes),
        fulfilment=tuple(fulfilment),
        unmet=tuple(unmet),
        solve_seconds=round(time.perf_counter() - started, 3),
        engine="highs+ortools",
        notes=tuple(notes),
    )


def _unmet_reason(
    problem: DispatchProblem, params: DispatchParams, item: str, incident_id: str
) -> str:
    """Why units of `item` could not be allocated, in a logistics officer's words."""
    spec = problem.items[item]
    inc = problem.incident(incident_id)
    candidates = [item, *spec.substitutes]
    names = spec.name + (" or an allowed substitute" if spec.substitutes else "")
    holders = [d for d in problem.depots if any(d.available(c) > 0 for c in candidates)]
    if not holders:
        return f"no usable {names} in any depot (expired, quarantined or out of stock)"
    ready = depot_ready_seconds(problem)
    reachable = [
        d
        for d in holders
        if problem.seconds[d.location][inc.location] is not None and ready[d.code] is not None
    ]
    if not reachable:
        return (
            f"the depots holding usable {names} cannot reach the site "
            "(roads closed, hazard zones, or no vehicle)"
        )
    if not inc.national:
        floors = sum(d.reserve_floor.get(c, 0) for d in reachable for c in candidates)
        if floors:
            return (
                f"the rest of the usable {names} is held back by depot reserve floors "
                f"({floors} units kept for their own areas; a national-level incident "
                "may draw on them)"
            )
    total = sum(d.available(c) for d in reachable for c in candidates)
    return (
        f"only {total} usable {names} in reach, shared with other incidents of higher "
        "priority or earlier need"
    )
