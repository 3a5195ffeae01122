"""`chemdepot procure`: a planner's plan to 2030 from the command line, with a what-if,
its workbook and charts, and the two runs compared."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from api.services import Database

runner = CliRunner()
QUICK = ["--time-limit", "20", "--scenarios", "20", "--first-year", "2026"]


@pytest.fixture
def env(seeded_sqlite: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CHEMDEPOT_DATABASE_URL", seeded_sqlite.url)
    monkeypatch.setenv("COLUMNS", "200")
    return seeded_sqlite


def _run_id(output: str) -> int:
    found = re.search(r"run (\d+)", output)
    assert found, output
    return int(found.group(1))


def test_a_planner_plans_cuts_a_budget_and_compares_from_the_command_line(
    env: Database, tmp_path: Path
) -> None:
    workbook = tmp_path / "plan.xlsx"
    base = runner.invoke(
        app, ["procure", "plan", *QUICK, "--workbook", str(workbook), "--charts", str(tmp_path)]
    )
    assert base.exit_code == 0, base.output
    assert "2030" in base.output
    sheets = pd.read_excel(workbook, sheet_name=None)
    assert len(sheets) >= 5
    assert sorted(p.name for p in tmp_path.glob("*.png"))

    cut = runner.invoke(app, ["procure", "plan", *QUICK, "--cut-budget", "2027:20"])
    assert cut.exit_code == 0, cut.output

    chart = tmp_path / "compare.png"
    compared = runner.invoke(
        app,
        [
            "procure",
            "compare",
            str(_run_id(base.output)),
            str(_run_id(cut.output)),
            "--chart",
            str(chart),
        ],
    )
    assert compared.exit_code == 0, compared.output
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_cut_year_outside_the_horizon_is_a_clear_error(env: Database) -> None:
    result = runner.invoke(app, ["procure", "plan", *QUICK, "--cut-budget", "2035:20"])

    assert result.exit_code != 0
    assert "2035" in result.output


def test_comparing_an_unknown_run_is_a_clear_error(env: Database) -> None:
    result = runner.invoke(app, ["procure", "compare", "998", "999"])

    assert result.exit_code != 0
    assert "99" in result.output


def test_an_unknown_keep_rule_is_a_clear_error(env: Database) -> None:
    result = runner.invoke(app, ["procure", "plan", *QUICK, "--keep", "rows"])

    assert result.exit_code != 0
    assert "keep is cells or total" in result.output


def test_an_unknown_solver_is_a_clear_error(env: Database) -> None:
    result = runner.invoke(app, ["procure", "plan", *QUICK, "--solver", "gurobi"])

    assert result.exit_code != 0
    assert "the solver is highs or cbc" in result.output
