"""OR-Tools adapter for the standard CVRP / VRPTW (private: OR-Tools' Python API changes
between releases, so it stays behind this file).

Every transit is a registered matrix or vector (`RegisterTransitMatrix`,
`RegisterUnaryTransitVector`), never a Python callback: callbacks made the search about
six times slower. Nodes are the instance's indices; the caller maps them to file numbers."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

FirstSolution = routing_enums_pb2.FirstSolutionStrategy


@dataclass(frozen=True)
class OrToolsProblem:
    """Plain integer data, index 0..n-1 over all nodes (the depot among them)."""

    distances: Sequence[Sequence[int]]
    demands: Sequence[int]
    capacity: int
    depot: int
    num_vehicles: int
    #: (ready, due) per node, or None for a CVRP; service times in the same unit
    time_windows: Sequence[tuple[int, int]] | None
    service: Sequence[int]


def solve_ortools(problem: OrToolsProblem, time_limit_s: float) -> list[list[int]] | None:
    """Routes as node lists (depot left out), or None if no feasible plan was found.

    The first solution comes from parallel cheapest insertion (both kinds) and, for a
    CVRP, also from savings; the better start gets the rest of the budget under guided
    local search. OR-Tools' routing search is deterministic, so there is no seed."""
    deadline = time.monotonic() + time_limit_s
    strategies = [FirstSolution.PARALLEL_CHEAPEST_INSERTION]
    if problem.time_windows is None:
        strategies.append(FirstSolution.SAVINGS)
    best: tuple[int, list[list[int]]] | None = None
    for strategy in strategies:
        routes = _first_solution(problem, strategy, deadline - time.monotonic())
        if routes is not None:
            cost = _cost(problem, routes)
            if best is None or cost < best[0]:
                best = (cost, routes)
    remaining = deadline - time.monotonic()
    if remaining <= 0.05:
        return None if best is None else best[1]
    improved = _improve(problem, None if best is None else best[1], remaining)
    if improved is not None and (best is None or _cost(problem, improved) <= best[0]):
        return improved
    return None if best is None else best[1]


def _cost(problem: OrToolsProblem, routes: list[list[int]]) -> int:
    d = problem.distances
    total = 0
    for route in routes:
        path = [problem.depot, *route, problem.depot]
        total += sum(d[a][b] for a, b in pairwise(path))
    return total


def _build(
    problem: OrToolsProblem,
) -> tuple[pywrapcp.RoutingIndexManager, pywrapcp.RoutingModel]:
    n = len(problem.distances)
    manager = pywrapcp.RoutingIndexManager(n, problem.num_vehicles, problem.depot)
    model = pywrapcp.RoutingModel(manager)
    _add_distance_objective(problem, model)
    _add_capacity(problem, model)
    if problem.time_windows is not None:
        _add_time_windows(problem, manager, model, problem.time_windows)
    return manager, model


def _add_distance_objective(problem: OrToolsProblem, model: pywrapcp.RoutingModel) -> None:
    matrix = [list(map(int, row)) for row in problem.distances]
    arc = model.RegisterTransitMatrix(matrix)
    model.SetArcCostEvaluatorOfAllVehicles(arc)


def _add_capacity(problem: OrToolsProblem, model: pywrapcp.RoutingModel) -> None:
    demand = model.RegisterUnaryTransitVector([int(q) for q in problem.demands])
    model.AddDimension(demand, 0, int(problem.capacity), True, "load")


def _add_time_windows(
    problem: OrToolsProblem,
    manager: pywrapcp.RoutingIndexManager,
    model: pywrapcp.RoutingModel,
    windows: Sequence[tuple[int, int]],
) -> None:
    # Travel time equals distance; service is added on the arc leaving a node.
    travel = [
        [int(d) + int(problem.service[i]) for d in row] for i, row in enumerate(problem.distances)
    ]
    transit = model.RegisterTransitMatrix(travel)
    horizon = int(windows[problem.depot][1])
    model.AddDimension(transit, horizon, horizon, False, "time")
    time_dim = model.GetDimensionOrDie("time")
    for node, (ready, due) in enumerate(windows):
        if node == problem.depot:
            continue
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(int(ready), int(due))
    ready0, due0 = windows[problem.depot]
    for v in range(problem.num_vehicles):
        time_dim.CumulVar(model.Start(v)).SetRange(int(ready0), int(due0))
        time_dim.CumulVar(model.End(v)).SetRange(int(ready0), int(due0))


def _params(
    strategy: int, time_limit_s: float, *, local_search: bool
) -> pywrapcp.DefaultRoutingSearchParameters:
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = strategy
    if local_search:
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        params.guided_local_search_lambda_coefficient = 0.1
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    params.log_search = False
    return params


def _first_solution(
    problem: OrToolsProblem, strategy: int, time_limit_s: float
) -> list[list[int]] | None:
    if time_limit_s <= 0:
        return None
    manager, model = _build(problem)
    solution = model.SolveWithParameters(_params(strategy, time_limit_s, local_search=False))
    return None if solution is None else _routes(manager, model, solution)


def _improve(
    problem: OrToolsProblem, start: list[list[int]] | None, time_limit_s: float
) -> list[list[int]] | None:
    manager, model = _build(problem)
    params = _params(FirstSolution.PARALLEL_CHEAPEST_INSERTION, time_limit_s, local_search=True)
    if start is None:
        solution = model.SolveWithParameters(params)
    else:
        model.CloseModelWithParameters(params)
        indices = [[manager.NodeToIndex(node) for node in route] for route in start]
        padded = indices + [[] for _ in range(problem.num_vehicles - len(start))]
        initial = model.ReadAssignmentFromRoutes(padded, True)
        if initial is None:
            solution = model.SolveWithParameters(params)
        else:
            solution = model.SolveFromAssignmentWithParameters(initial, params)
    return None if solution is None else _routes(manager, model, solution)


def _routes(
    manager: pywrapcp.RoutingIndexManager,
    model: pywrapcp.RoutingModel,
    solution: pywrapcp.Assignment,
) -> list[list[int]]:
    routes: list[list[int]] = []
    for v in range(model.vehicles()):
        route: list[int] = []
        index = solution.Value(model.NextVar(model.Start(v)))
        while not model.IsEnd(index):
            route.append(int(manager.IndexToNode(index)))
            index = solution.Value(model.NextVar(index))
        if route:
            routes.append(route)
    return routes
