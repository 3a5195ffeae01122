"""Standard-instance routing: reading VRPLIB and Solomon files, the distance conventions,
every engine against brute force on tiny cases, and clear errors for bad files."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from itertools import permutations
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from api.bench_cli import bench_app
from optimizer.errors import InvalidProblemError
from optimizer.vrp import (
    VrpInstance,
    VrpParams,
    VrpSolution,
    check_vrp_solution,
    read_instance,
    solve_vrp,
)

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


def _write(tmp_path: Path, name: str, text: str) -> Path:
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


def _brute_force(instance: VrpInstance) -> int:
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


def _tiny_cvrp(tmp_path: Path) -> VrpInstance:
    return read_instance(_write(tmp_path, "tiny.vrp", TINY_VRPLIB))


# --------------------------------------------------------------------------- reading


def test_reading_a_vrplib_file_gives_a_cvrp_in_the_files_numbering(tmp_path: Path) -> None:
    instance = _tiny_cvrp(tmp_path)

    assert instance.kind == "cvrp"
    assert instance.numbers == (1, 2, 3, 4, 5, 6, 7)
    assert instance.depot == 0
    assert instance.capacity == 10
    assert instance.demands == (0, 4, 3, 5, 4, 6, 3)
    assert instance.num_vehicles is None
    assert instance.time_windows is None
    assert instance.scale == 1


def test_vrplib_distances_are_rounded_to_the_nearest_integer(tmp_path: Path) -> None:
    d = _tiny_cvrp(tmp_path).distances

    assert d[0, 1] == 3  # sqrt(8) = 2.83 rounds up
    assert d[0, 2] == 2  # sqrt(5) = 2.24 rounds down
    assert d[0, 3] == 5  # 3-4-5 triangle, exact
    assert d[1, 2] == 1
    assert (d == d.T).all()


def test_reading_a_solomon_file_gives_a_vrptw_in_tenths(tmp_path: Path) -> None:
    instance = read_instance(_write(tmp_path, "TINY5.txt", TINY_SOLOMON))

    assert instance.kind == "vrptw"
    assert instance.name == "TINY5"
    assert instance.numbers == (0, 1, 2, 3, 4, 5)
    assert instance.num_vehicles == 3
    assert instance.capacity == 10
    assert instance.scale == 10
    assert instance.time_windows is not None
    assert instance.time_windows[2] == (100, 400)
    assert instance.service_times == (0, 20, 20, 10, 10, 30)


def test_solomon_distances_are_truncated_to_one_decimal(tmp_path: Path) -> None:
    d = read_instance(_write(tmp_path, "TINY5.txt", TINY_SOLOMON)).distances

    assert d[0, 1] == 44  # sqrt(20) = 4.472: truncated 4.4, where rounding gives 4.5
    assert d[0, 3] == 36  # sqrt(13) = 3.606
    assert d[0, 4] == 53  # sqrt(29) = 5.385: truncated 5.3, rounding would give 5.4
    assert d[1, 2] == 31  # sqrt(10) = 3.162


def test_a_solomon_file_is_recognised_by_its_content_not_its_extension(
    tmp_path: Path,
) -> None:
    instance = read_instance(_write(tmp_path, "tiny.data", TINY_SOLOMON))

    assert instance.kind == "vrptw"


def test_a_vrplib_depot_that_is_not_the_first_node_is_kept_where_it_is(
    tmp_path: Path,
) -> None:
    text = TINY_VRPLIB.replace("DEPOT_SECTION\n1\n", "DEPOT_SECTION\n3\n")
    text = text.replace("\n1 0\n2 4\n3 3\n", "\n1 3\n2 4\n3 0\n")
    instance = read_instance(_write(tmp_path, "depot3.vrp", text))

    solution = solve_vrp(instance, VrpParams(time_limit_s=0.5, engine="pyvrp"))

    assert instance.depot == 2
    assert check_vrp_solution(instance, solution) == []
    assert 3 not in {n for route in solution.routes for n in route}
    assert solution.cost_units == _brute_force(instance)


def test_a_gehring_homberger_vrplib_file_reads_its_fleet_and_scalar_service_time() -> None:
    path = Path(__file__).parents[2] / "bench" / "instances" / "R1_2_1.vrp"

    instance = read_instance(path)

    assert instance.kind == "vrptw"
    assert len(instance.clients) == 200
    assert instance.num_vehicles == 50
    assert instance.capacity == 200
    assert instance.service_times[instance.depot] == 0
    assert set(instance.service_times[1:]) == {10}
    assert instance.time_windows is not None
    assert instance.time_windows[0] == (0, 634)
    assert instance.time_windows[1] == (37, 47)
    assert int(instance.distances[0, 1]) == round(math.hypot(107 - 70, 77 - 70))


# --------------------------------------------------------------------------- solving


@pytest.mark.parametrize("engine", ["ortools", "pyvrp", "best"])
def test_each_engine_finds_the_brute_force_optimum_of_a_tiny_cvrp(
    tmp_path: Path, engine: str
) -> None:
    instance = _tiny_cvrp(tmp_path)

    solution = solve_vrp(instance, VrpParams(time_limit_s=1.0, engine=engine))  # type: ignore[arg-type]

    assert check_vrp_solution(instance, solution) == []
    assert solution.cost_units == _brute_force(instance)
    assert solution.cost == solution.cost_units
    assert solution.wall_s <= 1.5


@pytest.mark.parametrize("engine", ["ortools", "pyvrp", "best"])
def test_each_engine_finds_the_brute_force_optimum_of_a_tiny_vrptw(
    tmp_path: Path, engine: str
) -> None:
    instance = read_instance(_write(tmp_path, "TINY5.txt", TINY_SOLOMON))

    solution = solve_vrp(instance, VrpParams(time_limit_s=1.0, engine=engine))  # type: ignore[arg-type]

    assert check_vrp_solution(instance, solution) == []
    assert solution.cost_units == _brute_force(instance)
    assert solution.cost == pytest.approx(solution.cost_units / 10)


def test_the_same_seed_gives_the_same_result_with_the_pyvrp_engine() -> None:
    rng = np.random.default_rng(7)
    xy = rng.integers(0, 100, size=(31, 2))
    distances = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    demands = (0, *(int(q) for q in rng.integers(1, 10, size=30)))
    instance = VrpInstance("random30", "cvrp", distances.astype(np.int64), demands, 25)
    params = VrpParams(time_limit_s=1.0, seed=3, engine="pyvrp", max_iterations=300)

    first = solve_vrp(instance, params)
    second = solve_vrp(instance, params)

    assert check_vrp_solution(instance, first) == []
    assert first.routes == second.routes
    assert first.cost_units == second.cost_units


def test_the_checker_reports_every_broken_rule(tmp_path: Path) -> None:
    instance = read_instance(_write(tmp_path, "TINY5.txt", TINY_SOLOMON))
    # Client 4 is missing, client 1 twice; the first route carries 3 + 4 + 5 + 3 > 10.
    bad = VrpSolution(((1, 2, 3, 1), (5,)), 1.0, 10, 2, "hand", 0.0, True)

    violations = check_vrp_solution(instance, bad)

    assert any("client 4 visited 0 times" in v for v in violations)
    assert any("client 1 visited 2 times" in v for v in violations)
    assert any("load 15 > capacity 10" in v for v in violations)
    assert any("after its due time" in v for v in violations)
    assert any("!= recomputed" in v for v in violations)


def test_an_instance_whose_client_outweighs_a_vehicle_is_rejected() -> None:
    with pytest.raises(InvalidProblemError, match="more than a vehicle's capacity"):
        VrpInstance("big", "cvrp", np.zeros((2, 2), dtype=np.int64), (0, 11), 10)


def test_parameters_validate_themselves() -> None:
    with pytest.raises(ValueError, match="time_limit_s must be positive"):
        VrpParams(time_limit_s=0)
    with pytest.raises(ValueError, match="engine must be"):
        VrpParams(engine="gurobi")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- bad input


def test_a_garbage_file_raises_invalid_problem_error_naming_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "garbage.vrp", "this is not\nan instance at all\n")

    with pytest.raises(InvalidProblemError) as raised:
        read_instance(path)

    message = str(raised.value)
    assert message.startswith("garbage.vrp: not a valid VRPLIB file")
    assert "\n" not in message


def test_a_binary_file_raises_invalid_problem_error(tmp_path: Path) -> None:
    path = tmp_path / "binary.vrp"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")

    with pytest.raises(InvalidProblemError, match=r"^binary.vrp: cannot read the file"):
        read_instance(path)


def test_a_missing_file_raises_invalid_problem_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidProblemError, match=r"^nowhere.vrp: cannot read the file"):
        read_instance(tmp_path / "nowhere.vrp")


def test_an_unsupported_vrplib_feature_is_named(tmp_path: Path) -> None:
    text = TINY_VRPLIB.replace("CAPACITY : 10\n", "CAPACITY : 10\nDISTANCE : 50\n")

    with pytest.raises(InvalidProblemError, match="unsupported VRPLIB feature DISTANCE"):
        read_instance(_write(tmp_path, "limited.vrp", text))


def test_two_depots_are_rejected(tmp_path: Path) -> None:
    text = TINY_VRPLIB.replace("DEPOT_SECTION\n1\n", "DEPOT_SECTION\n1\n2\n")

    with pytest.raises(InvalidProblemError, match="2 depots"):
        read_instance(_write(tmp_path, "two.vrp", text))


def test_the_cli_on_a_garbage_file_exits_2_without_a_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, "garbage.vrp", "NAME : x\nTYPE : CVRP\nNODE_COORD_SECTION\n1 a\n")

    result = CliRunner().invoke(bench_app, ["routing", str(path), "--time-limit", "1"])

    assert result.exit_code == 2
    assert "garbage.vrp" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_the_cli_writes_one_json_object_per_instance_and_solver(tmp_path: Path) -> None:
    instance = _write(tmp_path, "tiny.vrp", TINY_VRPLIB)
    out = tmp_path / "plans.json"
    args = ["routing", str(instance), "--time-limit", "0.5", "--json", str(out)]

    result = CliRunner().invoke(bench_app, [*args, "--solvers", "chemdepot,pyvrp"])

    assert result.exit_code == 0, result.output
    records = json.loads(out.read_text())
    assert [(r["instance"], r["solver"]) for r in records] == [
        ("tiny.vrp", "chemdepot"),
        ("tiny.vrp", "pyvrp"),
    ]
    optimum = _brute_force(read_instance(instance))
    for record in records:
        assert {"cost", "vehicles", "wall_s", "routes"} <= record.keys()
        assert record["cost"] == optimum
        assert sorted(n for route in record["routes"] for n in route) == [2, 3, 4, 5, 6, 7]
    assert "targets:" in result.output


def test_the_best_engine_keeps_the_cheapest_plan_its_two_workers_found() -> None:
    rng = np.random.default_rng(11)
    xy = rng.integers(0, 100, size=(41, 2))
    distances = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    demands = (0, *(int(q) for q in rng.integers(1, 10, size=40)))
    instance = VrpInstance("random40", "cvrp", distances.astype(np.int64), demands, 30)

    solution = solve_vrp(instance, VrpParams(time_limit_s=1.0, engine="best"))

    assert check_vrp_solution(instance, solution) == []
    costs = [run.cost_units for run in solution.runs]
    assert len(costs) == 2
    assert all(cost is not None for cost in costs)
    assert solution.cost_units == min(c for c in costs if c is not None)
    assert solution.wall_s <= 1.5
