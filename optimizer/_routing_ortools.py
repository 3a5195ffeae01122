"""OR-Tools adapter of the routing engine (private: OR-Tools' Python API changes between
releases, so it stays behind this file).

Every transit is a registered matrix or vector (`RegisterTransitMatrix`,
`RegisterUnaryTransitVector`), never a Python callback: callbacks made the search about
six times slower. The adapter returns only which vehicle visits what in which order;
`routing.py` computes times, loads and costs from the problem's own data."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .driving import CONTINUOUS_S, leg_seconds
from .routing_model import RoutingParams, RoutingProblem

FirstSolution = routing_enums_pb2.FirstSolutionStrategy
LocalSearch = routing_enums_pb2.LocalSearchMetaheuristic
#: (request, True for its pickup / False for its delivery) in visiting order
Stops = list[tuple[int, bool]]
#: used vehicle -> its stops
Plan = dict[int, Stops]
IntMatrix = npt.NDArray[np.int64]
#: SISR ruin (Christiaens and Vanden Berghe 2020): longest string removed from a route,
#: visits removed on average, and the split-string bypass factor (the paper's L_max,
#: c-bar and alpha; 10, 10, 0.01 there, L_max = 5 measured better here at 5 s)
SISR_MAX_STRING = 5
SISR_AVERAGE_REMOVED = 10
SISR_BYPASS = 0.01
#: constructions tried, after the chosen one, when the iterated search finds no first plan
_FALLBACK_STARTS = (FirstSolution.PATH_CHEAPEST_ARC, FirstSolution.LOCAL_CHEAPEST_COST_INSERTION)


@dataclass(frozen=True)
class _Layout:
    """OR-Tools nodes: per request its pickup (if any) and its delivery, then one node
    per distinct start or end location."""

    locations: list[int]
    service: list[int]
    owner: list[tuple[int, bool] | None]
    starts: list[int]
    ends: list[int]
    pickup: list[int | None]
    delivery: list[int]


def solve_ortools(
    problem: RoutingProblem, params: RoutingParams, deadline: float, start: Plan | None = None
) -> Plan | None:
    """The best plan found by `deadline` (a `time.monotonic()` value), None if none.

    The cheaper of the first solutions by parallel cheapest insertion and (without
    pickups) savings starts an iterated local search: ruin by string removal (SISR),
    recreate by cheapest insertion, accept by simulated annealing. With pickup-and-delivery
    pairs each recreated plan is also improved by local search before it is judged;
    without them that step is skipped (bench/README.md has the measurements behind each
    choice). The random choices come from a fixed seed, so a run ended by
    `solution_limit` is reproducible; one ended by the clock may differ from run to run.

    `start`, if given, is the first plan instead of the constructions."""
    layout = _layout(problem)
    strategy = (
        FirstSolution.PARALLEL_CHEAPEST_INSERTION
        if start is not None
        else _first_strategy(problem, layout, params, deadline)
    )
    manager, model = _build(problem, layout)
    search = _search(params, strategy, deadline)
    pairs = any(r.pickup is not None for r in problem.requests)
    search.iterated_local_search_parameters.improve_perturbed_solution = pairs
    initial = None if start is None else _read(manager, model, layout, problem, start)
    if initial is not None:
        solution = model.SolveFromAssignmentWithParameters(initial, search)
        if solution is None:  # the clock ran out before the search began: keep the start
            return start
    else:
        solution = model.SolveWithIteratedLocalSearch(search)
    if solution is not None:
        return _plan(manager, model, layout, solution)
    return _fallback(problem, layout, params, deadline, strategy)


def _read(
    manager: pywrapcp.RoutingIndexManager,
    model: pywrapcp.RoutingModel,
    layout: _Layout,
    problem: RoutingProblem,
    start: Plan,
) -> pywrapcp.Assignment | None:
    """The given plan as an OR-Tools assignment; None if the model refuses it."""
    routes = [
        [manager.NodeToIndex(_node(layout, stop)) for stop in start.get(v, [])]
        for v in range(len(problem.vehicles))
    ]
    model.CloseModelWithParameters(pywrapcp.DefaultRoutingSearchParameters())
    assignment = model.ReadAssignmentFromRoutes(routes, True)
    return assignment if assignment is not None else None


def _fallback(
    problem: RoutingProblem,
    layout: _Layout,
    params: RoutingParams,
    deadline: float,
    strategy: int,
) -> Plan | None:
    """Guided local search from each of a few constructions until one yields a plan.

    The iterated search builds its first plan without the fallbacks of the plain solve (a
    CP search on small models); and the insertion heuristics fail on some tiny problems
    that mix pickups with goods loaded at the start under a tight capacity, where building
    path by path succeeds. Both found by comparing with brute force on random problems."""
    for start in dict.fromkeys((strategy, *_FALLBACK_STARTS)):
        if deadline - time.monotonic() <= 0.01:
            break
        manager, model = _build(problem, layout)
        search = _search(params, start, deadline)
        search.use_iterated_local_search = False
        search.local_search_metaheuristic = LocalSearch.GUIDED_LOCAL_SEARCH
        solution = model.SolveWithParameters(search)
        if solution is not None:
            return _plan(manager, model, layout, solution)
    return None


def _first_strategy(
    problem: RoutingProblem, layout: _Layout, params: RoutingParams, deadline: float
) -> int:
    """The construction heuristic whose plan is cheaper, each run alone (no local search:
    it costs 0.2 s on 400 clients, a descent from each would cost the whole budget)."""
    candidates: list[int] = [FirstSolution.PARALLEL_CHEAPEST_INSERTION, FirstSolution.SAVINGS]
    if any(r.pickup is not None for r in problem.requests):
        return candidates[0]
    best: tuple[int, int] | None = None
    for strategy in candidates:
        _, model = _build(problem, layout)
        search = _search(params, strategy, deadline)
        search.solution_limit = 1  # the construction alone
        solution = model.SolveWithParameters(search)
        if solution is not None and (best is None or solution.ObjectiveValue() < best[0]):
            best = (int(solution.ObjectiveValue()), strategy)
    return candidates[0] if best is None else best[1]


def _search(
    params: RoutingParams, strategy: int, deadline: float
) -> pywrapcp.DefaultRoutingSearchParameters:
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = strategy
    search.local_search_metaheuristic = LocalSearch.GREEDY_DESCENT
    search.use_iterated_local_search = True
    ils = search.iterated_local_search_parameters
    ruin = ils.ruin_recreate_parameters.ruin_strategies.add().sisr
    ruin.max_removed_sequence_size = SISR_MAX_STRING
    ruin.avg_num_removed_visits = SISR_AVERAGE_REMOVED
    ruin.bypass_factor = SISR_BYPASS
    ils.reference_solution_acceptance_strategy.simulated_annealing.automatic_temperatures = True
    if params.improvement_rate is not None:
        limit = search.improvement_limit_parameters
        limit.improvement_rate_coefficient = params.improvement_rate
        limit.improvement_rate_solutions_distance = params.improvement_window
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    search.time_limit.FromMilliseconds(max(1, int((deadline - time.monotonic()) * 1000)))
    search.log_search = False
    return search


def _layout(problem: RoutingProblem) -> _Layout:
    """Visits first, depots last. OR-Tools' ruin step draws its seed visit from the first
    (visits + 1) indices; with depots first it would miss visits, and loop forever once
    there are fewer visits than distinct depots."""
    locations: list[int] = []
    service: list[int] = []
    owner: list[tuple[int, bool] | None] = []
    pickup: list[int | None] = []
    delivery: list[int] = []
    for r, req in enumerate(problem.requests):
        if req.pickup is None:
            pickup.append(None)
        else:
            pickup.append(len(locations))
            locations.append(req.pickup)
            service.append(req.pickup_service)
            owner.append((r, True))
        delivery.append(len(locations))
        locations.append(req.delivery)
        service.append(req.delivery_service)
        owner.append((r, False))
    depots: dict[int, int] = {}
    for v in problem.vehicles:
        for loc in (v.start, v.end):
            if loc not in depots:
                depots[loc] = len(locations)
                locations.append(loc)
                service.append(0)
                owner.append(None)
    starts = [depots[v.start] for v in problem.vehicles]
    ends = [depots[v.end] for v in problem.vehicles]
    return _Layout(locations, service, owner, starts, ends, pickup, delivery)


def _node(layout: _Layout, stop: tuple[int, bool]) -> int:
    request, is_pickup = stop
    node = layout.pickup[request] if is_pickup else layout.delivery[request]
    assert node is not None
    return node


def _build(
    problem: RoutingProblem, layout: _Layout
) -> tuple[pywrapcp.RoutingIndexManager, pywrapcp.RoutingModel]:
    """The model in named steps: arcs, loads, time, requests, vehicle costs."""
    manager = pywrapcp.RoutingIndexManager(
        len(layout.locations), len(problem.vehicles), layout.starts, layout.ends
    )
    model = pywrapcp.RoutingModel(manager)
    loc = np.asarray(layout.locations, dtype=np.int64)
    cost = _node_matrix(problem.distances, loc)
    duration = _node_matrix(problem.durations, loc)
    reachable = (cost >= 0) & (duration >= 0)
    np.fill_diagonal(reachable, True)
    arc = model.RegisterTransitMatrix(np.where(reachable, cost, 0).tolist())
    model.SetArcCostEvaluatorOfAllVehicles(arc)
    _forbid_unreachable(layout, manager, model, reachable)
    _add_loads(problem, layout, model)
    time_dim = _add_time(problem, layout, manager, model, duration) if problem.timed else None
    _add_requests(problem, layout, manager, model, time_dim)
    for v, vehicle in enumerate(problem.vehicles):
        model.SetFixedCostOfVehicle(vehicle.fixed_cost, v)
    return manager, model


def _node_matrix(matrix: tuple[tuple[int | None, ...], ...], loc: IntMatrix) -> IntMatrix:
    """The location matrix reindexed by node, -1 where a pair cannot be driven."""
    full = np.array([[-1 if x is None else x for x in row] for row in matrix], dtype=np.int64)
    return full[np.ix_(loc, loc)]


def _forbid_unreachable(
    layout: _Layout,
    manager: pywrapcp.RoutingIndexManager,
    model: pywrapcp.RoutingModel,
    reachable: npt.NDArray[np.bool_],
) -> None:
    """Remove every arc that cannot be driven from the successor domains (exact, and it
    costs the search nothing), except a vehicle's own empty route."""
    visits = sum(o is not None for o in layout.owner)
    for a, b in zip(*np.nonzero(~reachable), strict=True):
        if a >= visits and b >= visits:
            continue
        sources = (
            [model.Start(v) for v, s in enumerate(layout.starts) if s == a]
            if a >= visits
            else [manager.NodeToIndex(int(a))]
        )
        targets = (
            [model.End(v) for v, e in enumerate(layout.ends) if e == b]
            if b >= visits
            else [manager.NodeToIndex(int(b))]
        )
        for i in sources:
            for j in targets:
                model.NextVar(i).RemoveValue(j)


def _add_loads(problem: RoutingProblem, layout: _Layout, model: pywrapcp.RoutingModel) -> None:
    """One dimension per load. Deliveries loaded at the start count up from an empty truck
    (the CVRP form); mixed with pickups, the start load is a variable counted down."""
    requests = problem.requests
    mixed = any(r.pickup is None for r in requests) and any(r.pickup is not None for r in requests)
    for j in range(problem.dimensions):
        demand = [0] * len(layout.locations)
        for r, req in enumerate(requests):
            q = req.load[j]
            pickup = layout.pickup[r]
            if pickup is not None:
                demand[pickup] = q
            demand[layout.delivery[r]] = -q if pickup is not None or mixed else q
        transit = model.RegisterUnaryTransitVector(demand)
        capacity = [v.capacity[j] for v in problem.vehicles]
        model.AddDimensionWithVehicleCapacity(transit, 0, capacity, not mixed, f"load{j}")


def _add_time(
    problem: RoutingProblem,
    layout: _Layout,
    manager: pywrapcp.RoutingIndexManager,
    model: pywrapcp.RoutingModel,
    duration: IntMatrix,
) -> pywrapcp.RoutingDimension:
    """Service then travel on each arc (one matrix per speed factor); waiting is slack."""
    horizon = problem.horizon or _horizon_bound(problem, layout, duration)
    service = _service_matrix(problem, layout)
    transits: dict[tuple[float, int | None], int] = {}
    for vehicle in problem.vehicles:
        key = (vehicle.speed_factor, vehicle.crew)
        if key in transits:
            continue
        travel = duration if key[0] == 1.0 else np.ceil(duration / key[0])
        travel = np.maximum(travel, 0).astype(np.int64)
        if vehicle.crew is not None:
            long = travel > CONTINUOUS_S  # shorter legs need no break
            crew = vehicle.crew
            travel[long] = [leg_seconds(int(t), crew) for t in travel[long]]
        transits[key] = model.RegisterTransitMatrix((service + travel).tolist())
    evaluators = [transits[(v.speed_factor, v.crew)] for v in problem.vehicles]
    model.AddDimensionWithVehicleTransits(evaluators, horizon, horizon, False, "time")
    time_dim = model.GetDimensionOrDie("time")
    for k, vehicle in enumerate(problem.vehicles):
        time_dim.CumulVar(model.Start(k)).SetMin(vehicle.available_from)
    for r, req in enumerate(problem.requests):
        delivery = time_dim.CumulVar(manager.NodeToIndex(layout.delivery[r]))
        if req.window is not None:
            delivery.SetRange(*req.window)
        pickup = layout.pickup[r]
        if pickup is not None and req.pickup_window is not None:
            time_dim.CumulVar(manager.NodeToIndex(pickup)).SetRange(*req.pickup_window)
    for v in range(len(problem.vehicles)):
        model.AddVariableMinimizedByFinalizer(time_dim.CumulVar(model.Start(v)))
        model.AddVariableMinimizedByFinalizer(time_dim.CumulVar(model.End(v)))
    if problem.span_cost:
        time_dim.SetSpanCostCoefficientForAllVehicles(problem.span_cost)
    return time_dim


def _service_matrix(problem: RoutingProblem, layout: _Layout) -> IntMatrix:
    """Service at node i before the arc i -> j: none when stops merge and j is another
    visit at the same location (the service is done once, at the last of them)."""
    service = np.asarray(layout.service, dtype=np.int64)
    n = len(service)
    matrix = np.repeat(service[:, None], n, axis=1)
    if problem.merge_stops:
        loc = np.asarray(layout.locations, dtype=np.int64)
        is_visit = np.asarray([o is not None for o in layout.owner])
        same = (loc[:, None] == loc[None, :]) & is_visit[None, :] & is_visit[:, None]
        matrix[same] = 0
    return matrix


def _horizon_bound(problem: RoutingProblem, layout: _Layout, duration: IntMatrix) -> int:
    """A time no plan without an explicit horizon needs to exceed: the latest start or
    window opening, plus the slowest leg and the service of every node."""
    opens = [v.available_from for v in problem.vehicles]
    for r in problem.requests:
        opens += [w[0] for w in (r.window, r.pickup_window) if w is not None]
    slowest = min(v.speed_factor for v in problem.vehicles)
    leg = math.ceil(max(int(duration.max()), 0) / slowest)
    return max(opens, default=0) + len(layout.locations) * (leg + max(layout.service)) + 1


def _add_requests(
    problem: RoutingProblem,
    layout: _Layout,
    manager: pywrapcp.RoutingIndexManager,
    model: pywrapcp.RoutingModel,
    time_dim: pywrapcp.RoutingDimension | None,
) -> None:
    """Pairs on one vehicle in order, drop penalties, soft due times, allowed vehicles."""
    solver = model.solver()
    fleet = range(len(problem.vehicles))
    for r, req in enumerate(problem.requests):
        d = manager.NodeToIndex(layout.delivery[r])
        indices = [d]
        pickup = layout.pickup[r]
        if pickup is not None:
            p = manager.NodeToIndex(pickup)
            indices = [p, d]
            model.AddPickupAndDelivery(p, d)
            solver.Add(model.VehicleVar(p) == model.VehicleVar(d))
            if time_dim is not None:
                solver.Add(time_dim.CumulVar(p) <= time_dim.CumulVar(d))
        if req.drop_penalty is not None:
            # Split over the pair's two visits, which are active together.
            share = req.drop_penalty // len(indices)
            for k, index in enumerate(indices):
                extra = req.drop_penalty - share * len(indices) if k == 0 else 0
                model.AddDisjunction([index], share + extra)
            if pickup is not None:
                solver.Add(model.ActiveVar(indices[0]) == model.ActiveVar(d))
        if time_dim is not None and req.late_cost and req.due is not None:
            time_dim.SetCumulVarSoftUpperBound(d, req.due, req.late_cost)
        allowed = set(problem.allowed(r))
        if len(allowed) < len(fleet):
            barred = [v for v in fleet if v not in allowed]
            for index in indices:
                model.VehicleVar(index).RemoveValues(barred)


def _plan(
    manager: pywrapcp.RoutingIndexManager,
    model: pywrapcp.RoutingModel,
    layout: _Layout,
    solution: pywrapcp.Assignment,
) -> Plan:
    plan: Plan = {}
    for v in range(model.vehicles()):
        stops: Stops = []
        index = solution.Value(model.NextVar(model.Start(v)))
        while not model.IsEnd(index):
            owner = layout.owner[manager.IndexToNode(index)]
            assert owner is not None
            stops.append(owner)
            index = solution.Value(model.NextVar(index))
        if stops:
            plan[v] = stops
    return plan
