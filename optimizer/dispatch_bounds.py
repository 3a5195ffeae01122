"""What the best conceivable plan could do, to measure a plan against.

A demand line's bound (`earliest`) takes its whole quantity from the depots holding the
item (or an allowed substitute), nearest first, each driving straight to the site with
loading and unloading, with no wait for a vehicle and no capacity limit. No real plan
lands the line's last unit earlier, so a plan that lands its units within
max(30 min, 25 %) after the bound is as fast as the stock's location allows. Summed over
units with their priority weights, the same construction bounds the plan's objective."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._fleets import Matrix, fleets, in_reach, soonest_landing
from .dispatch_model import DispatchParams, DispatchPlan, DispatchProblem, IncidentDemand
from .driving import leg_seconds

#: the bound rule: a unit is as fast as it could be if it lands within the larger of
#: these after its line's bound
RULE_MIN_S = 30 * 60
RULE_SHARE = 0.25
#: a vehicle loading at another depot this far from its home counts as a far vehicle
#: when that depot keeps a vehicle idle that could carry the load
FAR_VEHICLE_S = 30 * 60


@dataclass(frozen=True)
class Source:
    """Usable units of an item (rank 0) or a substitute (rank >= 1) at a depot, and
    when they could be on site driving straight there."""

    depot: str
    item: str
    rank: int
    quantity: int
    arrival: int


def rule_limit(earliest: int) -> int:
    """The latest a unit may land and still count as within its line's bound."""
    return earliest + max(RULE_MIN_S, math.ceil(RULE_SHARE * earliest))


def straight_seconds(
    problem: DispatchProblem, params: DispatchParams, depot: int, site: int, matrix: Matrix
) -> int | None:
    """Loading, the fastest vehicle's legal drive (a crew of two), unloading."""
    t = matrix[depot][site]
    if t is None:
        return None
    fastest = max((v.speed_factor for v in problem.vehicles), default=1.0)
    drive = leg_seconds(math.floor(t / fastest), 2)
    return params.load_seconds + drive + params.unload_seconds


def depots_in_reach(
    problem: DispatchProblem,
    params: DispatchParams,
    incident: IncidentDemand,
    matrix: Matrix | None = None,
) -> frozenset[str]:
    """The depots the incident may draw on: every one for a national-level incident; for a
    provincial one those whose first load lands within its reach (`_fleets.in_reach`, as
    the allocation does). The same for every line of an incident, so worked out once."""
    if incident.national:
        return frozenset(d.code for d in problem.depots)
    fleet = fleets(problem)
    return frozenset(
        d.code
        for d in problem.depots
        if in_reach(
            params,
            incident,
            soonest_landing(problem, params, fleet[d.code], d.location, incident, matrix),
        )
    )


def sources(
    problem: DispatchProblem,
    params: DispatchParams,
    incident: IncidentDemand,
    item: str,
    matrix: Matrix | None = None,
    reach: frozenset[str] | None = None,
) -> list[Source]:
    """Every depot's usable units for a line, nearest first (a substitute counts as
    arriving `substitute_penalty_h` later), by sea too where the site is at sea (the
    fastest boat, straight from the port). A provincial incident leaves reserve floors
    and depots beyond its reach (`reach`, `depots_in_reach` if not given)."""
    if reach is None:
        reach = depots_in_reach(problem, params, incident, matrix)
    matrix = matrix or problem.seconds
    spec = problem.items[item]
    out: list[Source] = []
    for depot in problem.depots:
        if depot.code not in reach:
            continue
        at_location = straight_seconds(problem, params, depot.location, incident.location, matrix)
        arrival = (
            None if at_location is None else incident.landing(at_location, params.unload_seconds)
        )
        if arrival is None:
            continue
        for rank, code in enumerate((item, *spec.substitutes)):
            if incident.sea is not None and not incident.sea.carries(problem.items[code]):
                continue  # trucked to the port, it would go no farther
            usable = depot.available(code)
            if not incident.national:
                usable -= depot.reserve_floor.get(code, 0)
            if usable > 0:
                out.append(Source(depot.code, code, rank, usable, arrival))
    penalty = params.substitute_penalty_h * 3600
    return sorted(out, key=lambda s: (s.arrival + s.rank * penalty, s.depot, s.rank))


def earliest(found: list[Source], quantity: int) -> tuple[int | None, list[tuple[Source, int]]]:
    """The line's bound and the nearest-first units behind it: (when the last needed
    unit lands, [(source, units taken)]); None if no depot holds any."""
    taken: list[tuple[Source, int]] = []
    left = quantity
    for s in found:
        if left <= 0:
            break
        take = min(left, s.quantity)
        taken.append((s, take))
        left -= take
    return (max(s.arrival for s, _ in taken) if taken else None), taken


#: per (incident, item): the line's bound and the nearest-first units behind it
Bounds = dict[tuple[str, str], tuple[int | None, list[tuple[Source, int]]]]


def line_bounds(problem: DispatchProblem, params: DispatchParams) -> Bounds:
    """Per (incident, item) the bound and the nearest-first units behind it."""
    out: Bounds = {}
    for inc in problem.incidents:
        reach = depots_in_reach(problem, params, inc)
        for dem in inc.demands:
            found = sources(problem, params, inc, dem.item, reach=reach)
            out[(inc.id, dem.item)] = earliest(found, dem.quantity)
    return out


def objective_bound(
    problem: DispatchProblem,
    params: DispatchParams,
    bounds: Bounds,
) -> float:
    """A lower bound on the plan objective: every unit from its nearest stock with no
    competition between lines, what no depot holds unmet."""
    horizon_h = params.horizon_s / 3600
    total = 0.0
    for inc in problem.incidents:
        for dem in inc.demands:
            weight = dem.priority * inc.priority
            _, taken = bounds[(inc.id, dem.item)]
            got = 0
            for s, qty in taken:
                total += weight * qty * (s.arrival / 3600 + params.substitute_penalty_h * s.rank)
                got += qty
            total += weight * (dem.quantity - got) * horizon_h * 2
    return total


def far_vehicles(problem: DispatchProblem, plan: DispatchPlan) -> list[str]:
    """Each load taken at another depot more than FAR_VEHICLE_S from the vehicle's home
    while that depot keeps an idle vehicle that could have carried it, in words."""
    used = {r.vehicle for r in plan.routes}
    locations = {d.code: d.location for d in problem.depots}
    out: list[str] = []
    for route in plan.routes:
        home = locations[route.depot]
        for stop in route.stops:
            if stop.kind != "pickup" or stop.depot is None or stop.depot == route.depot:
                continue
            drive = problem.seconds[home][locations[stop.depot]]
            if drive is None or drive <= FAR_VEHICLE_S:
                continue
            kg = sum(problem.items[i].unit_weight_kg * q for i, q in stop.cargo)
            m3 = sum(problem.items[i].unit_volume_m3 * q for i, q in stop.cargo)
            idle = [
                v.id
                for v in problem.vehicles
                if v.depot == stop.depot
                and v.id not in used
                and v.capacity_kg >= kg - 1e-6
                and v.capacity_m3 >= m3 - 1e-6
            ]
            if idle:
                out.append(
                    f"{route.vehicle} from {route.depot} ({drive / 3600:.1f} h away) loads "
                    f"{kg:.0f} kg at {stop.depot} while {idle[0]} stands idle there"
                )
    return out
