"""The procurement bench: one tiny run of its main (both cases, both solvers) read back
from its JSON, the synthetic catalogue's shape, and its plan checker catching a breach."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bench.procurement import check_plan, main
from bench.procurement_instances import synthetic_problem, tenfold
from optimizer.procurement import solve_procurement
from optimizer.procurement_model import Order, ProcurementParams

SCALE = 0.1


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench") / "procurement.json"
    stdout, stderr = io.StringIO(), io.StringIO()
    args = ["--scale", str(SCALE), "--time-limit", "3", "--json", str(out)]
    with redirect_stdout(stdout), redirect_stderr(stderr):
        status = main(args)
    return status, stdout.getvalue(), json.loads(out.read_text())


def test_a_tiny_run_solves_both_cases_with_both_solvers_and_every_plan_passes(
    run: tuple[int, str, dict[str, Any]],
) -> None:
    status, table, report = run

    assert status == 0
    solves = report["solves"]
    assert [(s["case"], s["solver"]) for s in solves] == [
        ("seeded", "highs"), ("seeded", "cbc"), ("tenfold", "highs"), ("tenfold", "cbc"),
    ]  # fmt: skip
    for s in solves:
        assert s["status"] in ("optimal", "feasible")
        assert s["violations"] == []
        assert 0 < s["integers"] < s["columns"]
        assert s["rows"] > 0 and s["shortfall"] >= 0 and s["cost_vnd"] > 0
    assert [s["time_limit_s"] for s in solves] == [3, 3, 12, 12]
    # ten times the order columns; the upgrade starts are not copied
    assert 9 * solves[0]["integers"] < solves[2]["integers"] < 10 * solves[0]["integers"]
    assert "synthetic, scale 0.1" in report["origin"]
    assert set(report["targets"].values()) == {None}
    assert "tenfold" in table and "cbc" in table


def test_the_synthetic_catalogue_has_the_seeded_shape_and_tenfold_copies_it() -> None:
    problem = synthetic_problem()

    big = tenfold(problem)

    per_year = len(problem.targets) / len(problem.years)
    assert (len(problem.items), len(problem.depots), len(problem.upgrades)) == (76, 17, 10)
    assert 1000 <= per_year <= 1200 and 80 <= len(problem.sources) <= 110
    assert {s.kind for s in problem.sources} == {"domestic", "import", "production"}
    assert len(big.items) == 760 and len(big.targets) == 10 * len(problem.targets)
    assert big.depots[0].capacity_m3 == pytest.approx(10 * problem.depots[0].capacity_m3)
    assert big.budgets == {y: 10 * m for y, m in problem.budgets.items()}


def test_the_checker_catches_an_order_beyond_the_budget() -> None:
    problem = synthetic_problem(scale=SCALE)
    result = solve_procurement(problem, ProcurementParams(time_limit_s=3))
    source = problem.sources[0]
    year = problem.first_year
    qty = problem.budgets[year] // source.unit_cost_vnd + 1
    extra = Order(year, source.code, problem.depots[0].code, source.item, qty,
                  qty * source.unit_cost_vnd, year + source.lead_time_years, None)  # fmt: skip

    assert check_plan(problem, result) == []
    broken = check_plan(problem, replace(result, orders=(*result.orders, extra)))
    assert any(v.startswith(f"{year}: spend") for v in broken)


def test_bad_arguments_exit_with_status_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["--solvers", "gurobi", "--json", str(tmp_path / "x.json")]) == 2
    assert "unknown gurobi" in capsys.readouterr().err
