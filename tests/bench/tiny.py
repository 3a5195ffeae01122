"""Tiny instances for the benchmark's tests, and their optimum by brute force."""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import permutations
from pathlib import Path

from bench.vrp_instances import VrpInstance, read_instance

TINY_VRPLIB = """NAME : tiny
COMMENT : six clients, hand-made
TYPE : CVRP
DIMENSION : 7
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 2 2
3 1 2
4 -3 4
5 -4 -1
6 5 -2
7 6 1
DEMAND_SECTION
1 0
2 4
3 3
4 5
5 4
6 6
7 3
DEPOT_SECTION
1
-1
EOF
"""

TINY_SOLOMON = """TINY5

VEHICLE
NUMBER     CAPACITY
  3         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        100          0
    1      2          4          3          0         20          2
    2      5          5          4         10         40          2
    3     -3          2          5          0         15          1
    4     -5         -2          2         20         60          1
    5      1         -6          6          0         30          3
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _partitions(items: list[int]) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in _partitions(rest):
        yield [[first], *partition]
        for k in range(len(partition)):
            yield [*partition[:k], [first, *partition[k]], *partition[k + 1 :]]


def _route_ok(instance: VrpInstance, route: tuple[int, ...]) -> bool:
    windows = instance.time_windows
    if windows is None:
        return True
    d, t, at = instance.distances, windows[instance.depot][0], instance.depot
    for node in route:
        t += int(d[at, node])
        if t > windows[node][1]:
            return False
        t = max(t, windows[node][0]) + instance.service_times[node]
        at = node
    return t + int(d[at, instance.depot]) <= windows[instance.depot][1]


def brute_force(instance: VrpInstance) -> int:
    """Optimal total distance in units, by trying every partition and every order."""
    best = math.inf
    for partition in _partitions(instance.clients):
        if instance.num_vehicles is not None and len(partition) > instance.num_vehicles:
            continue
        if any(sum(instance.demands[i] for i in b) > instance.capacity for b in partition):
            continue
        total = 0.0
        for block in partition:
            costs = [
                instance.route_cost(order)
                for order in permutations(block)
                if _route_ok(instance, order)
            ]
            total += min(costs, default=math.inf)
        best = min(best, total)
    assert best < math.inf
    return int(best)


def tiny_cvrp(tmp_path: Path) -> VrpInstance:
    return read_instance(write(tmp_path, "tiny.vrp", TINY_VRPLIB))
