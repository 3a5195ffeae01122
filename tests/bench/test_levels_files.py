"""The stock-levels benchmark on prepositioning files: random instances, the runs and their
result array, the checker that judges every run, and clear refusals of broken files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from bench.levels_files import check_levels, expected_cost, main
from bench.levels_instances import generate_instance, write_instance
from bench.levels_instances import main as write_main
from optimizer.levels_model import Level, LevelsResult
from optimizer.prepositioning import FORMAT, read_prepositioning


def tiny(tmp_path: Path, integer: bool = True) -> Path:
    return write_instance(
        tmp_path / "tiny.json", depots=4, sites=5, items=2, scenarios=12, integer=integer, seed=1
    )


def broken(tmp_path: Path, edit: Any) -> Path:
    doc = generate_instance(depots=3, sites=4, items=2, scenarios=6, seed=2)
    edit(doc)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc))
    return path


def test_the_same_seed_writes_the_same_instance_and_another_seed_another(tmp_path: Path) -> None:
    a = write_instance(tmp_path / "a.json", 5, 6, 2, 20, seed=3).read_bytes()
    b = write_instance(tmp_path / "b.json", 5, 6, 2, 20, seed=3).read_bytes()
    c = write_instance(tmp_path / "c.json", 5, 6, 2, 20, seed=4).read_bytes()

    assert a == b
    assert a != c


def test_a_generated_instance_is_valid_with_distance_costs_and_a_budget_that_binds() -> None:
    doc = generate_instance(depots=10, sites=12, items=3, scenarios=50, integer=False, seed=7)
    problem = read_prepositioning(doc)

    assert len(problem.depots) == 10 and len(problem.sites) == 12 and len(problem.items) == 3
    assert len(problem.ship_cost) == 10 * 12
    assert problem.integer_levels is False
    assert sum(s.probability for s in problem.scenarios) <= 1
    assert any(s.depot_loss for s in problem.scenarios)
    # Covering every scenario's demand of every item costs more than the budget.
    worst = {
        item.id: max(sum(ln.quantity for ln in s.demand if ln.item == item.id)
                     for s in problem.scenarios)
        for item in problem.items
    }  # fmt: skip
    assert problem.budget is not None
    assert problem.budget < sum(item.unit_cost * worst[item.id] for item in problem.items)


def test_the_instance_writer_writes_one_file_per_seed(tmp_path: Path) -> None:
    code = write_main(["--out", str(tmp_path), "--depots", "3", "--sites", "4", "--items", "1",
                       "--scenarios", "5", "--continuous", "--seeds", "0,1"])  # fmt: skip

    assert code == 0
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["levels-d3-s4-i1-n5-cont-seed0.json", "levels-d3-s4-i1-n5-cont-seed1.json"]


def test_the_expected_cost_of_levels_is_holding_plus_each_scenarios_cheapest_service() -> None:
    doc = {
        "format": FORMAT,
        "items": [{"id": "KIT", "unit_cost": 1, "holding_cost": 0.5, "volume": 0,
                   "unmet_penalty": 100}],
        "depots": [{"id": "NEAR"}, {"id": "FAR"}],
        "sites": ["S"],
        "ship_cost": [{"depot": "NEAR", "site": "S", "cost": 2},
                      {"depot": "FAR", "site": "S", "cost": 10}],
        "scenarios": [
            {"id": "flood", "probability": 0.5,
             "demand": [{"site": "S", "item": "KIT", "quantity": 40}],
             "depot_loss": {"NEAR": 0.5}},
            {"id": "small", "probability": 0.25,
             "demand": [{"site": "S", "item": "KIT", "quantity": 5}]},
        ],
    }  # fmt: skip
    problem = read_prepositioning(doc)
    levels = {("NEAR", "KIT"): 30.0, ("FAR", "KIT"): 10.0}

    # holding 0.5 * 40; flood: 15 from NEAR at 2, 10 from FAR at 10, 15 unmet at 100;
    # small: 5 from NEAR at 2.
    expected = 0.5 * 40 + 0.5 * (15 * 2 + 10 * 10 + 15 * 100) + 0.25 * (5 * 2)
    assert expected_cost(problem, levels) == pytest.approx(expected)


def _result(problem_levels: dict[tuple[str, str], float], objective: float) -> LevelsResult:
    levels = tuple(Level(d, i, q) for (d, i), q in problem_levels.items())
    return LevelsResult("feasible", objective, objective - 1, 1e-3, 0.1, "test", levels)


def test_the_checker_finds_broken_limits_fractions_and_a_wrong_objective() -> None:
    doc = generate_instance(depots=3, sites=4, items=2, scenarios=6, integer=True, seed=2)
    problem = read_prepositioning(doc)
    assert problem.budget is not None
    d0, d1 = problem.depots[0].id, problem.depots[1].id
    item = problem.items[0]
    good = {(d0, item.id): 1.0}
    cost = expected_cost(problem, good)

    assert check_levels(problem, _result(good, cost)) == []
    too_much = {(d1, item.id): math.ceil(problem.budget / item.unit_cost) + 1.0}
    assert any("budget" in v for v in check_levels(problem, _result(too_much, 0.0)))
    assert any("whole" in v for v in check_levels(problem, _result({(d0, item.id): 1.5}, 0.0)))
    assert any("objective" in v for v in check_levels(problem, _result(good, cost * 0.9)))


def test_the_benchmark_solves_a_tiny_instance_with_both_solvers_and_writes_the_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "results.json"

    code = main([str(tiny(tmp_path)), "--time-limit", "20", "--json", str(out)])

    printed = capsys.readouterr().out
    assert code == 0
    records = json.loads(out.read_text())
    assert [r["solver"] for r in records] == ["chemdepot", "extensive-highs"]
    name = "levels-d4-s5-i2-n12-int-seed1"
    assert all(r["instance"] == name for r in records)
    assert all(r["status"] == "optimal" for r in records)
    for record in records:
        assert set(record) == {"instance", "solver", "objective", "bound", "gap", "wall_s",
                               "status", "levels"}  # fmt: skip
        assert record["bound"] <= record["objective"] * (1 + 1e-6)
        assert all(float(lv["quantity"]).is_integer() for lv in record["levels"])
    # Both proved optimal within the default 0.1 % gap, so they agree that closely.
    a, b = (r["objective"] for r in records)
    assert a == pytest.approx(b, rel=2e-3)
    assert name in printed and "wall / peer" in printed


def test_the_benchmark_runs_continuous_levels_with_one_solver(tmp_path: Path) -> None:
    path = tiny(tmp_path, integer=False)
    out = tmp_path / "results.json"

    assert main([str(path), "--time-limit", "20", "--solvers", "extensive-highs",
                 "--json", str(out)]) == 0  # fmt: skip
    assert [r["solver"] for r in json.loads(out.read_text())] == ["extensive-highs"]


def test_repeated_runs_report_the_median_wall_time_and_one_result_per_solver(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"

    assert main([str(tiny(tmp_path)), "--time-limit", "20", "--repeats", "3",
                 "--json", str(out)]) == 0  # fmt: skip

    assert [r["solver"] for r in json.loads(out.read_text())] == ["chemdepot", "extensive-highs"]
    assert "median of 3 run(s)" in capsys.readouterr().out


def test_zero_repeats_are_refused(tmp_path: Path) -> None:
    assert main([str(tiny(tmp_path)), "--repeats", "0"]) == 2


BROKEN_FILES = [
    ("probabilities over one", lambda d: d["scenarios"][4].update(probability=0.9),
     "scenarios[4].probability"),
    ("a negative quantity", lambda d: d["scenarios"][2]["demand"][0].update(quantity=-3),
     "scenarios[2].demand[0].quantity"),
    ("a route to an unknown site", lambda d: d["ship_cost"][5].update(site="NOWHERE"),
     "ship_cost[5].site"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("edit", "field"), [b[1:] for b in BROKEN_FILES], ids=[b[0] for b in BROKEN_FILES]
)
def test_a_broken_file_exits_non_zero_naming_the_file_and_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Any, field: str
) -> None:
    path = broken(tmp_path, edit)

    code = main([str(path), "--time-limit", "5", "--json", str(tmp_path / "out.json")])

    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}: {field}:" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out.json").exists()


def test_a_file_that_is_not_json_exits_non_zero_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.json"
    path.write_text("depots: 30\n")

    assert main([str(path)]) == 2
    assert f"{path}: not JSON" in capsys.readouterr().err


def test_an_unknown_solver_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tiny(tmp_path)), "--solvers", "gurobi"]) == 2
    assert "unknown gurobi" in capsys.readouterr().err
