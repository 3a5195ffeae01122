"""The routing engine that dispatch plans use and that `python -m bench.routing`
measures against PyVRP and VROOM on standard instances: `solve_routing`.

Every problem goes to the OR-Tools model, because a dispatch plan needs what only it
can express here: soft due times with a lateness cost, paired pickups and deliveries
across several depots, per-request allowed vehicles, crews' driving rules. A problem
PyVRP can also express (the textbook CVRP / VRPTW; never a dispatch plan) is searched by
both at once, one per core, and the cheapest checked plan is kept
(`_routing_portfolio`). The solvers return only who visits what in which order; times,
loads and costs are computed here from the problem's own data, and `check_routing`
re-checks a result without trusting any of that code."""

from __future__ import annotations

import time
from dataclasses import replace
from itertools import pairwise

from ._routing_ortools import Plan, Stops, solve_ortools
from ._routing_portfolio import candidates, unexpressible
from .routing_model import (
    Matrix,
    Route,
    RoutingParams,
    RoutingProblem,
    RoutingRequest,
    RoutingResult,
    RoutingVehicle,
    Visit,
    VisitKind,
)

__all__ = [
    "Matrix",
    "Route",
    "RoutingParams",
    "RoutingProblem",
    "RoutingRequest",
    "RoutingResult",
    "RoutingVehicle",
    "Visit",
    "VisitKind",
    "check_routing",
    "solve_routing",
]


def solve_routing(
    problem: RoutingProblem, params: RoutingParams | None = None, start: Plan | None = None
) -> RoutingResult:
    """The cheapest plan found within `params.time_limit_s` wall seconds, model building
    included. A problem without a plan is a result with `feasible` False and the reason.
    `start` (used vehicle -> its stops) is a first plan for the search to improve."""
    started = time.monotonic()
    params = params or RoutingParams()
    refusal = _unservable(problem)
    if refusal:
        return _no_plan(refusal, started)
    if not problem.requests or not problem.vehicles:
        return _result(problem, {}, started)
    if params.parallel and start is None and not unexpressible(problem):
        found = candidates(problem, params, started)
    else:
        found = [("ortools", solve_ortools(problem, params, started + params.time_limit_s, start))]
    best = _cheapest(problem, found, started)
    if best is None:
        spent = time.monotonic() - started
        message = f"no feasible plan found (searched {spent:.2f} s of {params.time_limit_s:g} s)"
        return _no_plan(message, started)
    return best


def _cheapest(
    problem: RoutingProblem, found: list[tuple[str, Plan | None]], started: float
) -> RoutingResult | None:
    """The cheapest plan that breaks no rule; on a tie the first listed."""
    best: RoutingResult | None = None
    for engine, plan in found:
        if plan is None:
            continue
        result = replace(_result(problem, plan, started), engine=engine)
        if engine != "ortools" and check_routing(problem, result):
            continue  # a second search's plan is kept only if it passes every rule
        if best is None or result.objective < best.objective:
            best = result
    return None if best is None else replace(best, wall_s=time.monotonic() - started)


def _unservable(problem: RoutingProblem) -> str:
    for r, req in enumerate(problem.requests):
        if req.drop_penalty is None and not problem.allowed(r):
            return f"request {r} must be served but no vehicle allowed to serve it can carry it"
    return ""


def _no_plan(message: str, started: float) -> RoutingResult:
    return RoutingResult(False, (), (), 0, 0, time.monotonic() - started, message)


def _result(problem: RoutingProblem, plan: Plan, started: float) -> RoutingResult:
    routes = tuple(_route(problem, v, plan[v]) for v in sorted(plan))
    served = {visit.request for route in routes for visit in route.visits}
    dropped = tuple(r for r in range(len(problem.requests)) if r not in served)
    distance = sum(route.distance for route in routes)
    return RoutingResult(
        True,
        routes,
        dropped,
        _objective(problem, routes, dropped),
        distance,
        time.monotonic() - started,
    )


def _route(problem: RoutingProblem, v: int, stops: Stops) -> Route:
    """Earliest times along the route: leave at `available_from`, wait only for a window."""
    vehicle = problem.vehicles[v]
    on_board = [0] * problem.dimensions
    for r, is_pickup in stops:
        req = problem.requests[r]
        if req.pickup is None and not is_pickup:
            on_board = [a + q for a, q in zip(on_board, req.load, strict=True)]
    visits = [Visit("start", vehicle.start, None, vehicle.available_from, tuple(on_board))]
    departure, here = vehicle.available_from, vehicle.start
    for k, (r, is_pickup) in enumerate(stops):
        req = problem.requests[r]
        place = problem.place((r, is_pickup))
        window = req.pickup_window if is_pickup else req.window
        arrival = departure + _travel(problem, here, place, vehicle)
        if window is not None:
            arrival = max(arrival, window[0])
        kind: VisitKind = "pickup" if is_pickup else "delivery"
        visits.append(Visit(kind, place, r, arrival, tuple(on_board)))
        sign = 1 if is_pickup else -1
        on_board = [a + sign * q for a, q in zip(on_board, req.load, strict=True)]
        departure = arrival + problem.service(stops, k)
        here = place
    end = departure + _travel(problem, here, vehicle.end, vehicle)
    visits.append(Visit("end", vehicle.end, None, end, tuple(on_board)))
    distance = sum(_distance(problem, a.location, b.location) for a, b in pairwise(visits))
    return Route(v, tuple(visits), distance)


def _travel(problem: RoutingProblem, a: int, b: int, vehicle: RoutingVehicle) -> int:
    seconds = problem.travel(a, b, vehicle)
    if seconds is None:
        raise AssertionError(f"the solver drove {a} -> {b}, which cannot be driven")
    return seconds


def _distance(problem: RoutingProblem, a: int, b: int) -> int:
    metres = problem.distances[a][b]
    if metres is None:
        raise AssertionError(f"the solver drove {a} -> {b}, which cannot be driven")
    return metres


def _lateness_cost(req: RoutingRequest, arrival: int) -> int:
    if not req.late_cost or req.due is None:
        return 0
    return req.late_cost * max(0, arrival - req.due)


def _objective(problem: RoutingProblem, routes: tuple[Route, ...], dropped: tuple[int, ...]) -> int:
    late = sum(
        _lateness_cost(problem.requests[visit.request], visit.arrival)
        for route in routes
        for visit in route.visits
        if visit.kind == "delivery" and visit.request is not None
    )
    fixed = sum(problem.vehicles[route.vehicle].fixed_cost for route in routes)
    penalties = sum(problem.requests[r].drop_penalty or 0 for r in dropped)
    span = sum(_span(problem, route) for route in routes)
    return sum(route.distance for route in routes) + fixed + late + penalties + span


def _span(problem: RoutingProblem, route: Route) -> int:
    """Cost of the time the vehicle is out, from leaving its start to reaching its end."""
    return problem.span_cost * (route.visits[-1].arrival - route.visits[0].arrival)


def check_routing(problem: RoutingProblem, result: RoutingResult) -> list[str]:
    """Every rule a result breaks, recomputed from the problem's raw data; [] if none."""
    if not result.feasible:
        return [f"no plan: {result.message or 'result marked infeasible'}"]
    out: list[str] = []
    seen: dict[tuple[int, str], int] = {}
    used = [route.vehicle for route in result.routes]
    if len(set(used)) != len(used) or not all(0 <= v < len(problem.vehicles) for v in used):
        return [f"routes name vehicles {used}: each must be a distinct known vehicle"]
    for route in result.routes:
        out += _check_route(problem, route)
        for visit in route.visits:
            if visit.request is not None:
                key = (visit.request, visit.kind)
                seen[key] = seen.get(key, 0) + 1
    for r, req in enumerate(problem.requests):
        kinds = ["delivery"] if req.pickup is None else ["pickup", "delivery"]
        counts = {seen.get((r, kind), 0) for kind in kinds}
        if r in result.dropped:
            if counts != {0} or req.drop_penalty is None:
                out.append(f"request {r} is dropped but must be served or is served")
        elif counts != {1}:
            out.append(f"request {r}: served {sorted(counts)} times, not once")
    distance = sum(route.distance for route in result.routes)
    late = sum(
        _lateness_cost(problem.requests[v.request], v.arrival)
        for route in result.routes
        for v in route.visits
        if v.kind == "delivery" and v.request is not None
    )
    fixed = sum(problem.vehicles[route.vehicle].fixed_cost for route in result.routes)
    dropped = sum(problem.requests[r].drop_penalty or 0 for r in result.dropped)
    span = sum(_span(problem, route) for route in result.routes)
    total = distance + late + fixed + dropped + span
    if result.distance != distance or result.objective != total:
        out.append(
            f"reported distance {result.distance} / objective {result.objective} != "
            f"recomputed {distance} / {total}"
        )
    return out


def _check_route(problem: RoutingProblem, route: Route) -> list[str]:
    v, visits = route.vehicle, route.visits
    vehicle = problem.vehicles[v]
    out: list[str] = []
    if len(visits) < 3 or visits[0].kind != "start" or visits[-1].kind != "end":
        return [f"vehicle {v}: a route runs from its start through visits to its end"]
    if (visits[0].location, visits[-1].location) != (vehicle.start, vehicle.end):
        out.append(f"vehicle {v}: starts or ends away from its own start and end")
    if visits[0].arrival < vehicle.available_from:
        out.append(f"vehicle {v}: leaves at {visits[0].arrival}, before it is available")
    load = [0] * problem.dimensions
    for visit in visits:
        req = None if visit.request is None else problem.requests[visit.request]
        if req is not None and req.pickup is None and visit.kind == "delivery":
            load = [a + q for a, q in zip(load, req.load, strict=True)]
    picked: set[int] = set()
    metres = 0
    stops = [(x.request, x.kind == "pickup") for x in visits if x.request is not None]
    for k, (a, b) in enumerate(pairwise(visits)):
        leg = problem.travel(a.location, b.location, vehicle)
        step = problem.distances[a.location][b.location]
        if leg is None or step is None:
            out.append(f"vehicle {v}: drives {a.location} -> {b.location}, which cannot be driven")
            continue
        metres += step
        leaves = a.arrival + (0 if a.request is None else problem.service(stops, k - 1))
        if b.arrival < leaves + leg:
            out.append(
                f"vehicle {v}: reaches {b.location} at {b.arrival}, "
                f"before {leaves} + the drive of {leg}"
            )
        if problem.horizon is not None and b.arrival > problem.horizon:
            out.append(f"vehicle {v}: at {b.location} at {b.arrival}, after the horizon")
    for visit in visits:
        if tuple(load) != visit.load or any(
            q > c for q, c in zip(load, vehicle.capacity, strict=True)
        ):
            out.append(f"vehicle {v}: load {visit.load} (recomputed {load}) at {visit.location}")
        if visit.request is None:
            continue
        req = problem.requests[visit.request]
        out += _check_visit(problem, v, visit, picked)
        sign = 1 if visit.kind == "pickup" else -1
        load = [a + sign * q for a, q in zip(load, req.load, strict=True)]
        if visit.kind == "pickup":
            picked.add(visit.request)
    if metres != route.distance:
        out.append(f"vehicle {v}: reported distance {route.distance}, recomputed {metres}")
    return out


def _check_visit(problem: RoutingProblem, v: int, visit: Visit, picked: set[int]) -> list[str]:
    assert visit.request is not None
    r, req = visit.request, problem.requests[visit.request]
    out = []
    place = req.pickup if visit.kind == "pickup" else req.delivery
    window = req.pickup_window if visit.kind == "pickup" else req.window
    if visit.kind not in ("pickup", "delivery") or visit.location != place:
        out.append(f"request {r}: {visit.kind} at {visit.location}, expected at {place}")
    if window is not None and not window[0] <= visit.arrival <= window[1]:
        out.append(f"request {r}: {visit.kind} at {visit.arrival}, outside its window {window}")
    if visit.kind == "delivery" and req.pickup is not None and r not in picked:
        out.append(f"request {r}: delivered by vehicle {v} before it picked it up")
    if req.vehicles is not None and v not in req.vehicles:
        out.append(f"request {r}: served by vehicle {v}, not among {req.vehicles}")
    return out
