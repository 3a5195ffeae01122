"""OR-Tools routing adapter for pickup-and-delivery with time windows (private: the
OR-Tools Python API changes between releases, so it stays behind this file).

Every transit is registered as a matrix (`RegisterTransitMatrix`), never as a Python
callback: callbacks make the search several times slower."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2


@dataclass(frozen=True)
class Request:
    pickup_loc: int
    delivery_loc: int
    weight: int  # kg, rounded up
    volume: int  # litres, rounded up
    due: int  # seconds; lateness past it is penalised
    late_cost: int  # objective units per second late
    drop_penalty: int


@dataclass(frozen=True)
class Truck:
    start_loc: int
    end_loc: int
    cap_weight: int
    cap_volume: int
    speed_factor: float
    available_from: int
    fixed_cost: int


@dataclass(frozen=True)
class Visit:
    node: int  # 0..: starts/ends first, then 2 nodes per request (pickup, delivery)
    loc: int
    kind: str  # start | pickup | delivery | end
    request: int | None
    arrival: int
    load_weight: int
    load_volume: int


@dataclass(frozen=True)
class RoutingResult:
    found: bool
    routes: list[list[Visit]]
    dropped: list[int]
    objective: int
    metres: list[int]


def solve_pdp(
    seconds: list[list[int | None]],
    metres: list[list[int | None]],
    requests: list[Request],
    trucks: list[Truck],
    *,
    pickup_service: int,
    delivery_service: int,
    horizon: int,
    time_limit_s: float,
    metres_per_cost_unit: int = 100,
) -> RoutingResult:
    """Route trucks to carry every request from its pickup to its delivery location."""
    if not requests or not trucks:
        return RoutingResult(
            bool(trucks), [[] for _ in trucks], list(range(len(requests))), 0, [0] * len(trucks)
        )
    unreachable = horizon * 4
    # Nodes: one start and one end per truck, then pickup/delivery per request.
    locs = [t.start_loc for t in trucks] + [t.end_loc for t in trucks]
    kinds = ["start"] * len(trucks) + ["end"] * len(trucks)
    owner: list[int | None] = [None] * (2 * len(trucks))
    for r, req in enumerate(requests):
        locs += [req.pickup_loc, req.delivery_loc]
        kinds += ["pickup", "delivery"]
        owner += [r, r]
    n = len(locs)
    starts = list(range(len(trucks)))
    ends = [len(trucks) + i for i in range(len(trucks))]
    manager = pywrapcp.RoutingIndexManager(n, len(trucks), starts, ends)
    model = pywrapcp.RoutingModel(manager)

    def travel(a: int, b: int) -> int | None:
        return seconds[locs[a]][locs[b]]

    service = [
        pickup_service if k == "pickup" else delivery_service if k == "delivery" else 0
        for k in kinds
    ]

    def cost(a: int, b: int) -> int:
        m = metres[locs[a]][locs[b]]
        return 0 if a == b else (unreachable * 10 if m is None else m // metres_per_cost_unit)

    dist_matrix = [[cost(a, b) for b in range(n)] for a in range(n)]
    dist_cb = model.RegisterTransitMatrix(dist_matrix)
    model.SetArcCostEvaluatorOfAllVehicles(dist_cb)

    time_cbs: dict[float, int] = {}
    for t in trucks:
        if t.speed_factor in time_cbs:
            continue
        matrix = []
        for a in range(n):
            row = []
            for b in range(n):
                tt = travel(a, b)
                row.append(
                    service[a] + (unreachable if tt is None else math.ceil(tt / t.speed_factor))
                )
            matrix.append(row)
        time_cbs[t.speed_factor] = model.RegisterTransitMatrix(matrix)
    model.AddDimensionWithVehicleTransits(
        [time_cbs[t.speed_factor] for t in trucks], horizon, horizon * 2, False, "time"
    )
    time_dim = model.GetDimensionOrDie("time")

    weight = [0] * n
    volume = [0] * n
    for r, req in enumerate(requests):
        p, d = 2 * len(trucks) + 2 * r, 2 * len(trucks) + 2 * r + 1
        weight[p], weight[d] = req.weight, -req.weight
        volume[p], volume[d] = req.volume, -req.volume
    w_cb = model.RegisterUnaryTransitVector(weight)
    v_cb = model.RegisterUnaryTransitVector(volume)
    model.AddDimensionWithVehicleCapacity(w_cb, 0, [t.cap_weight for t in trucks], True, "kg")
    model.AddDimensionWithVehicleCapacity(v_cb, 0, [t.cap_volume for t in trucks], True, "litre")

    solver = model.solver()
    for v, t in enumerate(trucks):
        time_dim.CumulVar(model.Start(v)).SetMin(t.available_from)
        model.SetFixedCostOfVehicle(t.fixed_cost, v)
    for r, req in enumerate(requests):
        p = manager.NodeToIndex(2 * len(trucks) + 2 * r)
        d = manager.NodeToIndex(2 * len(trucks) + 2 * r + 1)
        model.AddPickupAndDelivery(p, d)
        solver.Add(model.VehicleVar(p) == model.VehicleVar(d))
        solver.Add(time_dim.CumulVar(p) <= time_dim.CumulVar(d))
        model.AddDisjunction([p], req.drop_penalty)
        model.AddDisjunction([d], req.drop_penalty)
        solver.Add(model.ActiveVar(p) == model.ActiveVar(d))
        if req.late_cost > 0:
            time_dim.SetCumulVarSoftUpperBound(d, req.due, req.late_cost)
        # a truck that cannot carry a request alone may not take it
        allowed = [
            v
            for v, t in enumerate(trucks)
            if t.cap_weight >= req.weight and t.cap_volume >= req.volume
        ]
        if allowed and len(allowed) < len(trucks):
            barred = [v for v in range(len(trucks)) if v not in set(allowed)]
            model.VehicleVar(p).RemoveValues(barred)
            model.VehicleVar(d).RemoveValues(barred)
    for v in range(len(trucks)):
        model.AddVariableMinimizedByFinalizer(time_dim.CumulVar(model.Start(v)))
        model.AddVariableMinimizedByFinalizer(time_dim.CumulVar(model.End(v)))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(50, int(time_limit_s * 1000)))
    # Stop on convergence rather than on the clock where possible: the same input then
    # gives the same plan.
    params.improvement_limit_parameters.improvement_rate_coefficient = 2.0
    params.improvement_limit_parameters.improvement_rate_solutions_distance = 50
    solution = model.SolveWithParameters(params)
    if solution is None:
        return RoutingResult(False, [], list(range(len(requests))), 0, [])
    routes: list[list[Visit]] = []
    route_metres: list[int] = []
    visited: set[int] = set()
    w_dim = model.GetDimensionOrDie("kg")
    vol_dim = model.GetDimensionOrDie("litre")
    for v in range(len(trucks)):
        index = model.Start(v)
        visits: list[Visit] = []
        m = 0
        while True:
            node = manager.IndexToNode(index)
            visits.append(
                Visit(
                    node,
                    locs[node],
                    kinds[node],
                    owner[node],
                    solution.Value(time_dim.CumulVar(index)),
                    solution.Value(w_dim.CumulVar(index)),
                    solution.Value(vol_dim.CumulVar(index)),
                )
            )
            if owner[node] is not None:
                visited.add(owner[node])
            if model.IsEnd(index):
                break
            nxt = solution.Value(model.NextVar(index))
            a, b = locs[node], locs[manager.IndexToNode(nxt)]
            m += metres[a][b] or 0
            index = nxt
        routes.append(visits)
        route_metres.append(m)
    dropped = [r for r in range(len(requests)) if r not in visited]
    return RoutingResult(True, routes, dropped, solution.ObjectiveValue(), route_metres)
