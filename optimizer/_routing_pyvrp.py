"""PyVRP adapter of the routing engine (private, like the OR-Tools one: PyVRP's API has
changed with every release, so it stays behind this file).

PyVRP's hybrid genetic search is the stronger search on the problems it can express: on
the textbook VRPTW and CVRP instances it ends 2-11 % below the OR-Tools model at 5 s
(bench/README.md). It cannot express what a dispatch plan needs: soft due times with a
lateness cost, stops merged at one place, per-request vehicles, crews' driving rules. So
`_routing_portfolio.unexpressible` says why a problem is left to OR-Tools, and only the others reach
`solve_pyvrp`. Like the OR-Tools adapter it returns only who visits what in which order;
`routing.py` computes times, loads and costs from the problem's own data and keeps the
plan only if `check_routing` finds nothing wrong with it."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyvrp
from pyvrp.stop import MaxIterations, MultipleCriteria, StoppingCriterion

from ._routing_ortools import Plan
from .routing_model import RoutingProblem, RoutingVehicle

_UNBOUNDED = int(np.iinfo(np.int64).max)


class Deadline:
    """Stops at a `time.monotonic()` moment. PyVRP's own `MaxRuntime` starts its clock at
    the first iteration, after the set-up, so a budget would overrun by the set-up time."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, best_cost: float) -> bool:
        return time.monotonic() >= self.deadline


def solve_pyvrp(
    problem: RoutingProblem, deadline: float, seed: int, max_iterations: int | None = None
) -> Plan | None:
    """PyVRP's best plan by `deadline` (a `time.monotonic()` value), None if it has no
    feasible one. `max_iterations` also ends the search, which makes the run reproducible."""
    types = _vehicle_types(problem)
    data = _problem_data(problem, types)
    stop: StoppingCriterion = Deadline(deadline)
    if max_iterations is not None:
        stop = MultipleCriteria([stop, MaxIterations(max_iterations)])
    best = pyvrp.solve(data, stop=stop, seed=seed, collect_stats=False, display=False).best
    if not best.is_feasible():
        return None
    free = [list(members) for members in types.values()]
    plan: Plan = {}
    for route in best.routes():
        vehicle = free[int(route.vehicle_type())].pop(0)
        plan[vehicle] = [(int(visit.idx), False) for visit in route if visit.is_client()]
    return plan


def _vehicle_types(problem: RoutingProblem) -> dict[RoutingVehicle, list[int]]:
    """Identical vehicles grouped, in first-seen order: one PyVRP vehicle type each."""
    types: dict[RoutingVehicle, list[int]] = {}
    for v, vehicle in enumerate(problem.vehicles):
        types.setdefault(vehicle, []).append(v)
    return types


def _problem_data(problem: RoutingProblem, types: dict[RoutingVehicle, list[int]]) -> Any:
    """PyVRP's data over the problem's own locations: depots at vehicle starts and ends,
    one client per request. The horizon bounds every window and every return."""
    horizon = _UNBOUNDED if problem.horizon is None else problem.horizon
    depot_places = sorted({v.start for v in problem.vehicles} | {v.end for v in problem.vehicles})
    depot_of = {place: k for k, place in enumerate(depot_places)}
    clients = []
    for req in problem.requests:
        early, late = req.window or (0, horizon)
        clients.append(
            pyvrp.Client(
                req.delivery,
                delivery=list(req.load),
                service_duration=req.delivery_service,
                tw_early=early,
                tw_late=min(late, horizon),
                prize=req.drop_penalty or 0,
                required=req.drop_penalty is None,
            )
        )
    vehicle_types = [
        pyvrp.VehicleType(
            len(members),
            capacity=list(vehicle.capacity),
            start_depot=depot_of[vehicle.start],
            end_depot=depot_of[vehicle.end],
            fixed_cost=vehicle.fixed_cost,
            tw_early=vehicle.available_from,
            tw_late=horizon,
        )
        for vehicle, members in types.items()
    ]
    # Any: PyVRP's stubs spell the matrix type as `ndarray[int]`, which numpy's do not match.
    distances: Any = np.asarray(problem.distances, dtype=np.int64)
    durations: Any = (
        np.asarray(problem.durations, dtype=np.int64) if problem.timed else np.zeros_like(distances)
    )
    return pyvrp.ProblemData(
        [pyvrp.Location(0, 0) for _ in problem.distances],
        clients,
        [pyvrp.Depot(place, tw_early=0, tw_late=horizon) for place in depot_places],
        vehicle_types,
        distance_matrices=[distances],
        duration_matrices=[durations],
    )
