"""The solver-independent checker of the benchmark: every plan, chemdepot's and the
peers', is recomputed from the instance's raw data before its cost is believed."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .vrp_instances import VrpInstance


@dataclass(frozen=True)
class VrpSolution:
    """Routes in the file's numbering (depot left out); cost by the instance's convention.

    An infeasible result is a value: `feasible` False, no routes, and a `message`."""

    routes: tuple[tuple[int, ...], ...]
    cost: float
    cost_units: int
    vehicles: int
    wall_s: float
    feasible: bool
    message: str = ""

    @classmethod
    def from_routes(
        cls, instance: VrpInstance, nodes: list[list[int]], wall_s: float
    ) -> VrpSolution:
        """A plan given as node indices, costed on the instance's own matrix."""
        units = sum(instance.route_cost(r) for r in nodes)
        numbered = tuple(tuple(instance.numbers[i] for i in r) for r in nodes if r)
        return cls(numbered, units / instance.scale, units, len(numbered), wall_s, True)

    @classmethod
    def none(cls, wall_s: float, message: str) -> VrpSolution:
        return cls((), math.nan, 0, 0, wall_s, False, message)


def check_vrp_solution(instance: VrpInstance, solution: VrpSolution) -> list[str]:
    """Every violation of the instance's rules, recomputed from the raw data; [] if none."""
    if not solution.feasible:
        return [f"no plan: {solution.message or 'solution marked infeasible'}"]
    violations: list[str] = []
    index = {number: i for i, number in enumerate(instance.numbers)}
    seen: dict[int, int] = {}
    node_routes: list[list[int]] = []
    for r, route in enumerate(solution.routes):
        if not route:
            violations.append(f"route {r} is empty")
        nodes = []
        for number in route:
            node = index.get(number)
            if node is None:
                violations.append(f"route {r}: unknown client {number}")
            elif node == instance.depot:
                violations.append(f"route {r}: visits the depot {number} as a client")
            else:
                seen[node] = seen.get(node, 0) + 1
                nodes.append(node)
        node_routes.append(nodes)
    for node in instance.clients:
        count = seen.get(node, 0)
        if count != 1:
            violations.append(f"client {instance.numbers[node]} visited {count} times")
    if solution.vehicles != len(solution.routes):
        violations.append(f"vehicles {solution.vehicles} != {len(solution.routes)} routes")
    if instance.num_vehicles is not None and len(solution.routes) > instance.num_vehicles:
        violations.append(f"{len(solution.routes)} routes > {instance.num_vehicles} vehicles")
    for r, nodes in enumerate(node_routes):
        load = sum(instance.demands[i] for i in nodes)
        if load > instance.capacity:
            violations.append(f"route {r}: load {load} > capacity {instance.capacity}")
        violations.extend(_time_window_violations(instance, r, nodes))
    units = sum(instance.route_cost(nodes) for nodes in node_routes)
    if units != solution.cost_units or not math.isclose(
        units / instance.scale, solution.cost, rel_tol=0, abs_tol=1e-6
    ):
        violations.append(
            f"reported cost {solution.cost} ({solution.cost_units} units) "
            f"!= recomputed {units / instance.scale:g} ({units} units)"
        )
    return violations


def _time_window_violations(instance: VrpInstance, r: int, nodes: list[int]) -> list[str]:
    windows = instance.time_windows
    if windows is None:
        return []
    d = instance.distances
    scale = instance.scale
    ready, due = windows[instance.depot]
    t = ready + instance.service_times[instance.depot]
    previous = instance.depot
    out = []
    for node in nodes:
        arrival = t + int(d[previous, node])
        if arrival > windows[node][1]:
            out.append(
                f"route {r}: arrives at client {instance.numbers[node]} at "
                f"{arrival / scale:g} after its due time {windows[node][1] / scale:g}"
            )
        t = max(arrival, windows[node][0]) + instance.service_times[node]
        previous = node
    back = t + int(d[previous, instance.depot])
    if back > due:
        out.append(f"route {r}: returns to the depot at {back / scale:g} after {due / scale:g}")
    return out
