"""The solver-independent check of a dispatch plan: every plan, whatever made it, is
recomputed against its problem (stock, reserve floors, substitutes, roads, timing,
capacities, and the balance of met and unmet demand) before it is stored."""

from __future__ import annotations

import math
from collections import defaultdict

from .dispatch_model import (
    Boat,
    DispatchPlan,
    DispatchProblem,
    SeaLeg,
    Vehicle,
    VehicleRoute,
    Violation,
)
from .driving import Shift, drive


def _legs(problem: DispatchProblem, r: VehicleRoute, veh: Vehicle) -> list[Violation]:
    """Each stop no earlier than the drive from the last allows, with the breaks and rests
    the crew must take (the day's driving carried from leg to leg)."""
    out: list[Violation] = []
    shift = Shift(r.stops[0].departure) if r.stops else None
    for a, b in zip(r.stops, r.stops[1:], strict=False):
        travel = problem.seconds[a.location][b.location]
        if travel is None:
            out.append(
                Violation("road", f"{r.vehicle} drives {a.name} -> {b.name}, which is unreachable")
            )
            continue
        earliest, shift = drive(a.departure, math.ceil(travel / veh.speed_factor), veh.crew, shift)
        if b.arrival < earliest:
            out.append(
                Violation(
                    "timing",
                    f"{r.vehicle} reaches {b.name} at {b.arrival}, before {earliest}: the drive "
                    f"of {travel} s from {a.departure} with the crew's breaks and rests",
                )
            )
    return out


def _boat(r: VehicleRoute, boat: Boat, sea: SeaLeg, port: int) -> list[Violation]:
    """A boat sails only between its port and its site, no faster than it can, and
    carries no more than it holds."""
    out: list[Violation] = []
    for a, b in zip(r.stops, r.stops[1:], strict=False):
        if a.location == b.location:
            continue
        if {a.location, b.location} != {port, sea.site}:
            out.append(Violation("sea", f"{r.vehicle} sails {a.name} -> {b.name}"))
            continue
        if b.arrival < a.departure + sea.sail_seconds(boat):
            out.append(Violation("timing", f"{r.vehicle} reaches {b.name} too soon"))
    for s in r.stops:
        if s.load_kg > boat.capacity_kg + 1e-6 or s.load_m3 > boat.capacity_m3 + 1e-3:
            out.append(Violation("capacity", f"{r.vehicle} carries {s.load_kg} kg at {s.name}"))
        if s.departure < s.arrival:
            out.append(Violation("timing", f"{r.vehicle} leaves {s.name} before arriving"))
    return out


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
    boats = {
        b.id: (b, inc.sea, inc.location)
        for inc in problem.incidents
        if inc.sea
        for b in inc.sea.boats
    }
    for r in plan.routes:
        veh = vehicles.get(r.vehicle)
        if veh is None and r.vehicle in boats:
            out += _boat(r, *boats[r.vehicle])
            continue
        if veh is None:
            out.append(Violation("vehicle", f"unknown vehicle {r.vehicle}"))
            continue
        out += _legs(problem, r, veh)
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
