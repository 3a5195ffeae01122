"""The routing benchmark: the production engine and the peers on tiny instances against
brute force, the conversion of an instance into the engine's problem, and the command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench.routing import main
from bench.vrp_check import VrpSolution, check_vrp_solution
from bench.vrp_instances import VrpInstance, read_instance
from bench.vrp_solvers import routing_problem, solve_chemdepot, solve_pyvrp, solve_vroom
from optimizer.routing import RoutingParams, check_routing, solve_routing

from .tiny import TINY_SOLOMON, TINY_VRPLIB, brute_force, tiny_cvrp, write

pytest.importorskip("pyvrp")


def _solve(solver: str, instance: VrpInstance) -> VrpSolution:
    if solver == "chemdepot":
        return solve_chemdepot(instance, 0.5)
    return solve_pyvrp(instance, 0.5, seed=0)


@pytest.mark.parametrize("solver", ["chemdepot", "pyvrp"])
def test_each_solver_finds_the_brute_force_optimum_of_a_tiny_cvrp(
    tmp_path: Path, solver: str
) -> None:
    instance = tiny_cvrp(tmp_path)

    solution = _solve(solver, instance)

    assert check_vrp_solution(instance, solution) == []
    assert solution.cost_units == brute_force(instance)
    assert solution.cost == solution.cost_units


@pytest.mark.parametrize("solver", ["chemdepot", "pyvrp"])
def test_each_solver_finds_the_brute_force_optimum_of_a_tiny_vrptw(
    tmp_path: Path, solver: str
) -> None:
    instance = read_instance(write(tmp_path, "TINY5.txt", TINY_SOLOMON))

    solution = _solve(solver, instance)

    assert check_vrp_solution(instance, solution) == []
    assert solution.cost_units == brute_force(instance)
    assert solution.cost == pytest.approx(solution.cost_units / 10)


def test_vrooms_plan_for_a_tiny_vrptw_passes_the_checker(tmp_path: Path) -> None:
    pytest.importorskip("vroom")
    instance = read_instance(write(tmp_path, "TINY5.txt", TINY_SOLOMON))

    solution = solve_vroom(instance, 0.5)

    assert check_vrp_solution(instance, solution) == []
    assert solution.cost_units >= brute_force(instance)


@pytest.mark.parametrize("solver", ["chemdepot", "pyvrp"])
def test_a_vrplib_depot_that_is_not_the_first_node_is_kept_where_it_is(
    tmp_path: Path, solver: str
) -> None:
    text = TINY_VRPLIB.replace("DEPOT_SECTION\n1\n", "DEPOT_SECTION\n3\n")
    text = text.replace("\n1 0\n2 4\n3 3\n", "\n1 3\n2 4\n3 0\n")
    instance = read_instance(write(tmp_path, "depot3.vrp", text))

    solution = _solve(solver, instance)

    assert instance.depot == 2
    assert check_vrp_solution(instance, solution) == []
    assert 3 not in {n for route in solution.routes for n in route}
    assert solution.cost_units == brute_force(instance)


def test_an_instance_becomes_one_request_per_client_with_its_window_and_service(
    tmp_path: Path,
) -> None:
    instance = read_instance(write(tmp_path, "TINY5.txt", TINY_SOLOMON))

    problem = routing_problem(instance)
    result = solve_routing(problem, RoutingParams(time_limit_s=0.5))

    assert len(problem.vehicles) == instance.num_vehicles == 3
    assert [r.delivery for r in problem.requests] == instance.clients
    assert problem.requests[1].window == (100, 400)
    assert problem.requests[1].delivery_service == 20
    assert problem.horizon == 1000
    assert check_routing(problem, result) == []
    assert result.distance == brute_force(instance)


def test_the_same_seed_gives_the_same_result_with_pyvrp() -> None:
    rng = np.random.default_rng(7)
    xy = rng.integers(0, 100, size=(31, 2))
    distances = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    demands = (0, *(int(q) for q in rng.integers(1, 10, size=30)))
    instance = VrpInstance("random30", "cvrp", distances.astype(np.int64), demands, 25)

    first = solve_pyvrp(instance, 5.0, seed=3, max_iterations=300)
    second = solve_pyvrp(instance, 5.0, seed=3, max_iterations=300)

    assert check_vrp_solution(instance, first) == []
    assert first.routes == second.routes
    assert first.cost_units == second.cost_units


def test_the_command_on_a_garbage_file_exits_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "garbage.vrp", "NAME : x\nTYPE : CVRP\nNODE_COORD_SECTION\n1 a\n")

    status = main([str(path), "--time-limit", "1"])

    assert status == 2
    err = capsys.readouterr().err
    assert "garbage.vrp" in err
    assert "Traceback" not in err


def test_the_command_writes_every_plan_with_its_routes_and_the_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instance = write(tmp_path, "tiny.vrp", TINY_VRPLIB)
    out = tmp_path / "plans.json"
    args = [str(instance), "--time-limit", "0.5", "--json", str(out)]

    status = main([*args, "--solvers", "chemdepot,pyvrp"])

    assert status == 0
    report = json.loads(out.read_text())
    plans = report["plans"]
    assert [(p["instance"], p["solver"]) for p in plans] == [
        ("tiny.vrp", "chemdepot"),
        ("tiny.vrp", "pyvrp"),
    ]
    optimum = brute_force(read_instance(instance))
    for plan in plans:
        assert plan["cost"] == optimum
        assert sorted(n for route in plan["routes"] for n in route) == [2, 3, 4, 5, 6, 7]
    assert report["targets"]["every instance within 1% of PyVRP"] is True
    assert report["targets"]["never worse than VROOM"] is None
    assert "target geomean cost <= PyVRP's: MET" in capsys.readouterr().out
