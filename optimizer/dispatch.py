"""Dispatch: from incidents and stock to pick lists, vehicle routes and ETAs.

Stage 1 (HiGHS MILP, `_allocation`) decides which depot sends what (substitutes,
reserve floors, priorities, lateness); stage 2 (OR-Tools pickup-and-delivery,
`_routing`) loads the goods onto vehicles and routes them, possibly picking up at
several depots and making several trips. Objective, in order: priority-weighted
lateness (unmet units count as late by the whole horizon), then distance."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass

from ._allocation import Allocation, Assignment, allocate, depot_ready_seconds
from ._routing import Request, Truck, solve_pdp
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
    Violation,
)

#: Routing objective units: per unit-hour late at weight 1, per 100 m driven.
LATE_UNIT_HOUR = 1000


@dataclass
class _LotLeft:
    lot_id: int
    lot_no: str | None
    quantity: int


@dataclass
class _Parcel:
    depot: str
    incident: str
    lines: list[tuple[Assignment, int]]  # (assignment, units in this parcel)
    weight: float
    volume: float

    @property
    def due(self) -> int:
        return min(a.line.required_by for a, _ in self.lines)

    @property
    def weighted_units(self) -> int:
        return sum(a.line.weight * q for a, q in self.lines)


def solve_dispatch(problem: DispatchProblem, params: DispatchParams | None = None) -> DispatchPlan:
    """Plan the dispatch. Never raises on shortage or closures: what cannot be met is
    reported in `unmet` with the reason in plain words."""
    params = params or DispatchParams()
    started = time.perf_counter()
    alloc = allocate(problem, params)
    notes: list[str] = []
    if alloc.status == "no_solution":
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
    parcels = _pack(problem, alloc)
    trucks, fleet = _trucks(problem, params, parcels)
    requests = [
        Request(
            pickup_loc=problem.depot(p.depot).location,
            delivery_loc=problem.incident(p.incident).location,
            weight=math.ceil(p.weight),
            volume=math.ceil(p.volume * 1000),
            due=p.due - params.unload_seconds,
            late_cost=max(1, round(p.weighted_units * LATE_UNIT_HOUR / 3600)),
            drop_penalty=p.weighted_units * LATE_UNIT_HOUR * (params.horizon_s // 3600) * 2,
        )
        for p in parcels
    ]
    # Guided local search has no natural end: give it time in proportion to the parcels
    # (a handful of parcels converge in well under 0.1 s), within the caller's limit.
    remaining = max(0.05, params.time_limit_s - (time.perf_counter() - started))
    remaining = min(remaining, 0.1 + 0.02 * len(parcels))
    result = solve_pdp(
        [list(r) for r in problem.seconds],
        [list(r) for r in problem.metres],
        requests,
        trucks,
        pickup_service=params.load_seconds,
        delivery_service=params.unload_seconds,
        horizon=params.horizon_s,
        time_limit_s=remaining,
    )
    if not result.found:
        notes.append("the routing search found no solution: every parcel is reported unmet")
    delivered_at: dict[int, tuple[int, str]] = {}
    routes: list[VehicleRoute] = []
    for v, visits in enumerate(result.routes):
        if len(visits) <= 2:
            continue
        veh = fleet[v]
        stops: list[Stop] = []
        for visit in visits:
            cargo: tuple[tuple[str, int], ...] = ()
            depot_code = incident_id = None
            service = 0
            if visit.request is not None:
                parcel = parcels[visit.request]
                cargo = tuple(_cargo(parcel))
                if visit.kind == "pickup":
                    depot_code = parcel.depot
                    service = params.load_seconds
                else:
                    incident_id = parcel.incident
                    service = params.unload_seconds
                    delivered_at[visit.request] = (visit.arrival + service, veh.id)
            elif visit.kind in ("start", "end"):
                depot_code = veh.depot
            stops.append(
                Stop(
                    visit.loc,
                    problem.locations[visit.loc],
                    visit.kind,  # type: ignore[arg-type]
                    visit.arrival,
                    visit.arrival + service,
                    visit.load_weight,
                    visit.load_volume / 1000,
                    depot_code,
                    incident_id,
                    cargo,
                )
            )
        routes.append(
            VehicleRoute(
                veh.id,
                veh.depot,
                veh.vehicle_type,
                tuple(stops),
                result.metres[v],
                stops[-1].arrival,
            )
        )
    return _assemble(problem, params, alloc, parcels, delivered_at, routes, notes, started)


def _cargo(parcel: _Parcel) -> list[tuple[str, int]]:
    totals: dict[str, int] = defaultdict(int)
    for a, q in parcel.lines:
        totals[a.item] += q
    return sorted(totals.items())


def _pack(problem: DispatchProblem, alloc: Allocation) -> list[_Parcel]:
    """Cut each depot -> incident shipment into parcels a vehicle of that depot can carry
    (the fleet's largest where the depot has none)."""
    fleet_kg = max((v.capacity_kg for v in problem.vehicles), default=1.0)
    fleet_m3 = max((v.capacity_m3 for v in problem.vehicles), default=1.0)
    groups: dict[tuple[str, str], list[Assignment]] = defaultdict(list)
    for a in alloc.assignments:
        groups[(a.depot, a.line.incident)].append(a)
    parcels: list[_Parcel] = []
    for (depot, incident), assignments in sorted(groups.items()):
        own = [v for v in problem.vehicles if v.depot == depot]
        cap_kg = max((v.capacity_kg for v in own), default=fleet_kg)
        cap_m3 = max((v.capacity_m3 for v in own), default=fleet_m3)
        assignments.sort(key=lambda a: (a.line.required_by, -a.line.weight, a.item))
        current = _Parcel(depot, incident, [], 0.0, 0.0)
        for a in assignments:
            spec = problem.items[a.item]
            left = a.quantity
            while left > 0:
                room_kg = cap_kg - current.weight
                room_m3 = cap_m3 - current.volume
                fit = left
                if spec.unit_weight_kg > 0:
                    fit = min(fit, int(room_kg // spec.unit_weight_kg))
                if spec.unit_volume_m3 > 0:
                    fit = min(fit, int(room_m3 // spec.unit_volume_m3))
                if fit <= 0:
                    if not current.lines:  # one unit exceeds the vehicle: ship it alone
                        fit = 1
                    else:
                        parcels.append(current)
                        current = _Parcel(depot, incident, [], 0.0, 0.0)
                        continue
                current.lines.append((a, fit))
                current.weight += fit * spec.unit_weight_kg
                current.volume += fit * spec.unit_volume_m3
                left -= fit
        if current.lines:
            parcels.append(current)
    return parcels


def _trucks(
    problem: DispatchProblem, params: DispatchParams, parcels: list[_Parcel]
) -> tuple[list[Truck], list[Vehicle]]:
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
        Truck(
            start_loc=locations[v.depot],
            end_loc=locations[v.depot],
            cap_weight=int(v.capacity_kg),
            cap_volume=int(v.capacity_m3 * 1000),
            speed_factor=v.speed_factor,
            available_from=v.available_from,
            fixed_cost=200,
        )
        for v in chosen
    ]
    del params
    return trucks, chosen


def _assemble(
    problem: DispatchProblem,
    params: DispatchParams,
    alloc: Allocation,
    parcels: list[_Parcel],
    delivered_at: dict[int, tuple[int, str]],
    routes: list[VehicleRoute],
    notes: list[str],
    started: float,
) -> DispatchPlan:
    # FEFO lots per depot x item, consumed parcel by parcel (most urgent first).
    lots_left = {
        (d.code, item): [_LotLeft(lot.lot_id, lot.lot_no, lot.quantity) for lot in lots]
        for d in problem.depots
        for item, lots in d.lots.items()
    }
    picks: list[PickLine] = []
    met: dict[tuple[str, str], int] = defaultdict(int)
    on_time: dict[tuple[str, str], int] = defaultdict(int)
    last: dict[tuple[str, str], int] = {}
    subs: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unmet: list[Unmet] = []
    order = sorted(range(len(parcels)), key=lambda i: (parcels[i].due, i))
    weighted_late = 0.0
    for i in order:
        parcel = parcels[i]
        arrival = delivered_at.get(i)
        for a, qty in parcel.lines:
            key = (a.line.incident, a.line.item)
            if arrival is None:
                unmet.append(
                    Unmet(
                        a.line.incident,
                        a.line.item,
                        qty,
                        f"no vehicle could carry {qty} {problem.items[a.item].name} "
                        f"from {a.depot} within the planning horizon",
                    )
                )
                continue
            at, vehicle = arrival
            weighted_late += (
                a.line.weight
                * qty
                * (max(0, at - a.line.required_by) / 3600 + params.substitute_penalty_h * a.rank)
            )
            met[key] += qty
            if at <= a.line.required_by:
                on_time[key] += qty
            last[key] = max(last.get(key, 0), at)
            if a.item != a.line.item:
                subs[key][a.item] += qty
            left = qty
            for lot in lots_left[(a.depot, a.item)]:
                if left == 0:
                    break
                take = min(lot.quantity, left)
                if take <= 0:
                    continue
                lot.quantity -= take
                left -= take
                picks.append(
                    PickLine(
                        a.depot,
                        a.item,
                        lot.lot_id,
                        lot.lot_no,
                        take,
                        a.line.incident,
                        a.line.item,
                        vehicle,
                    )
                )
    for (incident, index), qty in alloc.unmet.items():
        line = next(ln for ln in alloc.lines if ln.incident == incident and ln.index == index)
        unmet.append(
            Unmet(incident, line.item, qty, _unmet_reason(problem, params, line.item, incident))
        )
    fulfilment = []
    lateness = 0.0
    for inc in problem.incidents:
        for dem in inc.demands:
            key = (inc.id, dem.item)
            if key in last:
                late_units = met[key] - on_time[key]
                lateness += late_units * max(0, last[key] - dem.required_by) / 3600
            fulfilment.append(
                Fulfilment(
                    inc.id,
                    dem.item,
                    dem.quantity,
                    met[key],
                    on_time[key],
                    last.get(key),
                    dem.required_by,
                    dem.priority,
                    tuple(sorted(subs[key].items())),
                )
            )
    unmet_units = sum(u.quantity for u in unmet)
    metres = sum(r.metres for r in routes)
    weights = {
        (i.id, d.item): d.priority * i.priority for i in problem.incidents for d in i.demands
    }
    objective = weighted_late + sum(
        weights[(u.incident, u.item)] * u.quantity * params.horizon_s / 3600 * 2 for u in unmet
    )
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
        metres=metres,
        picks=tuple(picks),
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


def check_dispatch_plan(problem: DispatchProblem, plan: DispatchPlan) -> list[Violation]:
    """Solver-independent checks of a plan against its problem."""
    out: list[Violation] = []
    lots = {
        (d.code, item, lot.lot_id): lot.quantity
        for d in problem.depots
        for item, ls in d.lots.items()
        for lot in ls
    }
    taken: dict[tuple[str, str, int], int] = defaultdict(int)
    local_taken: dict[tuple[str, str], int] = defaultdict(int)
    national = {i.id: i.national for i in problem.incidents}
    for p in plan.picks:
        if p.quantity <= 0:
            out.append(Violation("pick_quantity", f"{p} has a non-positive quantity"))
        key = (p.depot, p.item, p.lot_id)
        if key not in lots:
            out.append(Violation("pick_lot", f"{p.depot} has no usable lot {p.lot_id} of {p.item}"))
            continue
        taken[key] += p.quantity
        if not national[p.incident]:
            local_taken[(p.depot, p.item)] += p.quantity
        if p.item != p.for_item and p.item not in problem.items[p.for_item].substitutes:
            out.append(Violation("substitute", f"{p.item} may not stand in for {p.for_item}"))
    for key, qty in taken.items():
        if qty > lots[key]:
            out.append(Violation("overdraw", f"{key} ships {qty} of {lots[key]} available"))
    for (depot, item), qty in local_taken.items():
        d = problem.depot(depot)
        limit = max(0, d.available(item) - d.reserve_floor.get(item, 0))
        if qty > limit:
            out.append(
                Violation(
                    "reserve_floor",
                    f"{depot} ships {qty} {item} to non-national "
                    f"incidents, above {limit} allowed by its reserve floor",
                )
            )
    vehicles = {v.id: v for v in problem.vehicles}
    delivered: dict[tuple[str, str], int] = defaultdict(int)
    for r in plan.routes:
        veh = vehicles.get(r.vehicle)
        if veh is None:
            out.append(Violation("vehicle", f"unknown vehicle {r.vehicle}"))
            continue
        for a, b in zip(r.stops, r.stops[1:], strict=False):
            travel = problem.seconds[a.location][b.location]
            if travel is None:
                out.append(
                    Violation(
                        "road", f"{r.vehicle} drives {a.name} -> {b.name}, which is unreachable"
                    )
                )
                continue
            if b.arrival < a.departure + math.ceil(travel / veh.speed_factor):
                out.append(
                    Violation(
                        "timing",
                        f"{r.vehicle} reaches {b.name} at {b.arrival}, "
                        f"before {a.departure} + travel {travel}",
                    )
                )
        for s in r.stops:
            if s.load_kg > veh.capacity_kg + 1e-6 or s.load_m3 > veh.capacity_m3 + 1e-3:
                out.append(
                    Violation(
                        "capacity",
                        f"{r.vehicle} carries {s.load_kg} kg / {s.load_m3} m3 at {s.name}",
                    )
                )
            if s.departure < s.arrival:
                out.append(Violation("timing", f"{r.vehicle} leaves {s.name} before arriving"))
        if r.stops and r.stops[0].arrival < veh.available_from:
            out.append(Violation("availability", f"{r.vehicle} starts before it is available"))
    picked_for: dict[tuple[str, str], int] = defaultdict(int)
    for p in plan.picks:
        picked_for[(p.incident, p.for_item)] += p.quantity
        if p.vehicle is None or p.vehicle not in {r.vehicle for r in plan.routes}:
            out.append(Violation("unrouted", f"{p} is on no vehicle route"))
    for r in plan.routes:
        for s in r.stops:
            if s.kind == "delivery" and s.incident:
                for _item, qty in s.cargo:
                    delivered[(s.incident, r.vehicle)] += qty
    unmet: dict[tuple[str, str], int] = defaultdict(int)
    for u in plan.unmet:
        unmet[(u.incident, u.item)] += u.quantity
    for f in plan.fulfilment:
        lk = (f.incident, f.item)
        if f.met != picked_for[lk]:
            out.append(Violation("met", f"{lk}: met {f.met} but picked {picked_for[lk]}"))
        if f.met + unmet[lk] != f.quantity:
            out.append(
                Violation("balance", f"{lk}: met {f.met} + unmet {unmet[lk]} != {f.quantity}")
            )
        if f.met_on_time > f.met:
            out.append(Violation("on_time", f"{lk}: more on time than met"))
    return out
