"""The three solvers of the routing benchmark, each given a `VrpInstance` and the same
wall-clock budget, each returning a `VrpSolution` for the checker:

- chemdepot: the production engine, `optimizer.routing.solve_routing`, on the instance
  converted to a `RoutingProblem` (conversion counted in its budget); `ortools` is the
  same call with `parallel=False`, the OR-Tools model alone;
- PyVRP with its own default settings;
- VROOM (pyvroom) at its most thorough exploration level, with two threads.

PyVRP and VROOM come with the `bench` extra and are imported only when they run."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import numpy as np

from optimizer.routing import (
    RoutingParams,
    RoutingProblem,
    RoutingRequest,
    RoutingVehicle,
    solve_routing,
)

from .vrp_check import VrpSolution
from .vrp_instances import VrpInstance

#: VROOM's search depth; 5 is its most thorough level
VROOM_EXPLORATION = 5
VROOM_THREADS = 2
_UNBOUNDED = np.iinfo(np.int64).max


def routing_problem(instance: VrpInstance) -> RoutingProblem:
    """The instance in the engine's terms: one request per client, loaded at the depot;
    `fleet_bound()` identical vehicles; travel time equals distance for a VRPTW."""
    matrix = tuple(tuple(row) for row in instance.distances.tolist())
    windows = instance.time_windows
    depot = instance.depot
    ready = 0 if windows is None else windows[depot][0] + instance.service_times[depot]
    vehicle = RoutingVehicle(depot, depot, (instance.capacity,), available_from=ready)
    requests = tuple(
        RoutingRequest(
            node,
            (instance.demands[node],),
            delivery_service=instance.service_times[node],
            window=None if windows is None else windows[node],
        )
        for node in instance.clients
    )
    horizon = None if windows is None else windows[depot][1]
    return RoutingProblem(matrix, matrix, (vehicle,) * instance.fleet_bound(), requests, horizon)


def solve_chemdepot(
    instance: VrpInstance, time_limit_s: float, seed: int = 0, parallel: bool = True
) -> VrpSolution:
    """The production engine as plans call it; `parallel=False` leaves the OR-Tools
    model alone, as a dispatch problem is."""
    started = time.monotonic()
    problem = routing_problem(instance)
    left = max(0.01, time_limit_s - (time.monotonic() - started))
    params = RoutingParams(time_limit_s=left, seed=seed, parallel=parallel)
    result = solve_routing(problem, params)
    wall = time.monotonic() - started
    if not result.feasible:
        return VrpSolution.none(wall, result.message)
    clients = instance.clients
    nodes = [
        [clients[v.request] for v in route.visits if v.request is not None]
        for route in result.routes
    ]
    return VrpSolution.from_routes(instance, nodes, wall)


def solve_pyvrp(
    instance: VrpInstance, time_limit_s: float, seed: int, max_iterations: int | None = None
) -> VrpSolution:
    """PyVRP until the budget ends or after `max_iterations` (which makes a run
    reproducible: with a time limit alone the result depends on the machine)."""
    import pyvrp
    from pyvrp.stop import MaxIterations, MultipleCriteria, StoppingCriterion

    # the engine's clock stop: PyVRP's MaxRuntime would start after the set-up
    from optimizer._routing_pyvrp import Deadline

    started = time.monotonic()
    # PyVRP wants the depot first: reorder, then map back.
    order = [instance.depot, *instance.clients]
    stop: StoppingCriterion = Deadline(started + time_limit_s)
    if max_iterations is not None:
        stop = MultipleCriteria([stop, MaxIterations(max_iterations)])
    data = _pyvrp_data(instance, order)
    result = pyvrp.solve(data, stop=stop, seed=seed, collect_stats=False, display=False)
    wall = time.monotonic() - started
    if not result.best.is_feasible():
        return VrpSolution.none(wall, "PyVRP ended without a feasible plan")
    nodes = [
        [order[int(visit.idx) + 1] for visit in route if visit.is_client()]
        for route in result.best.routes()
    ]
    return VrpSolution.from_routes(instance, nodes, wall)


def _pyvrp_data(instance: VrpInstance, order: list[int]) -> Any:
    import pyvrp

    windows = instance.time_windows
    early, late = (0, _UNBOUNDED) if windows is None else windows[instance.depot]
    clients = []
    for pos, node in enumerate(order[1:], start=1):
        tw = (0, _UNBOUNDED) if windows is None else windows[node]
        clients.append(
            pyvrp.Client(
                pos,
                delivery=[instance.demands[node]],
                service_duration=instance.service_times[node],
                tw_early=int(tw[0]),
                tw_late=int(tw[1]),
            )
        )
    vehicle_type = pyvrp.VehicleType(
        num_available=instance.fleet_bound(),
        capacity=[instance.capacity],
        tw_early=int(early),
        tw_late=int(late),
    )
    # Any: PyVRP's stubs spell the matrix type as `ndarray[int]`, which numpy's do not match.
    matrix: Any = instance.distances[np.ix_(order, order)]
    durations: Any = matrix if windows is not None else np.zeros_like(matrix)
    return pyvrp.ProblemData(
        [pyvrp.Location(0, 0) for _ in order],
        clients,
        [pyvrp.Depot(0, tw_early=int(early), tw_late=int(late))],
        [vehicle_type],
        distance_matrices=[matrix],
        duration_matrices=[durations],
    )


def solve_vroom(instance: VrpInstance, time_limit_s: float) -> VrpSolution:
    """VROOM on the same integer matrix as durations and costs, with its own `timeout`."""
    import vroom

    started = time.monotonic()
    problem = vroom.Input()
    problem.set_durations_matrix("car", instance.distances)
    problem.set_costs_matrix("car", instance.distances)
    windows = instance.time_windows
    depot_window = None if windows is None else vroom.TimeWindow(*windows[instance.depot])
    for v in range(instance.fleet_bound()):
        problem.add_vehicle(
            vroom.Vehicle(
                v,
                start=instance.depot,
                end=instance.depot,
                capacity=vroom.Amount([instance.capacity]),
                time_window=depot_window,
            )
        )
    problem.add_job(
        [
            vroom.Job(
                node,
                location=node,
                delivery=vroom.Amount([instance.demands[node]]),
                default_service=instance.service_times[node],
                time_windows=[] if windows is None else [vroom.TimeWindow(*windows[node])],
            )
            for node in instance.clients
        ]
    )
    solution = problem.solve(
        exploration_level=VROOM_EXPLORATION,
        nb_threads=VROOM_THREADS,
        timeout=timedelta(seconds=time_limit_s),
    )
    wall = time.monotonic() - started
    if len(solution.unassigned):
        return VrpSolution.none(wall, f"{len(solution.unassigned)} clients unassigned")
    steps = solution.routes
    jobs = steps[steps["type"] == "job"]
    nodes = [
        [int(n) for n in group["location_index"]]
        for _, group in jobs.groupby("vehicle_id", sort=True)
    ]
    return VrpSolution.from_routes(instance, nodes, wall)
