"""`chemdepot levels` and `chemdepot bench levels`: a planner's run from the command line,
in a worker process with a progress bar, then evaluated and accepted."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.services import Database

runner = CliRunner()


@pytest.fixture
def env(seeded_sqlite: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CHEMDEPOT_DATABASE_URL", seeded_sqlite.url)
    monkeypatch.setenv("COLUMNS", "200")
    return seeded_sqlite


def test_a_planner_optimises_evaluates_and_accepts_from_the_command_line(env: Database) -> None:
    optimised = runner.invoke(
        app,
        [
            "levels",
            "optimise",
            "--scenarios",
            "30",
            "--seed",
            "2",
            "--time-limit",
            "30",
            "--budget",
            "5000000000",
        ],
    )
    assert optimised.exit_code == 0, optimised.output
    assert "scenarios served in full and in time" in optimised.output
    assert "largest changes" in optimised.output and "rebalancing:" in optimised.output
    run = int(re.search(r"run (\d+) \(succeeded\)", optimised.output).group(1))  # type: ignore[union-attr]

    evaluated = runner.invoke(app, ["levels", "evaluate", "--run", str(run)])
    assert evaluated.exit_code == 0, evaluated.output
    assert "served before" in evaluated.output and "served after" in evaluated.output

    accepted = runner.invoke(app, ["levels", "accept", str(run)])
    assert accepted.exit_code == 0, accepted.output
    assert "stock policies written" in accepted.output

    again = runner.invoke(app, ["levels", "accept", str(run)])
    assert again.exit_code == 1
    assert "already accepted" in again.output


def test_todays_readiness_is_printed_with_its_scenario_set(env: Database) -> None:
    result = runner.invoke(app, ["levels", "evaluate"])
    assert result.exit_code == 0, result.output
    assert "today's stock over scenario set" in result.output
    assert "zone" in result.output and "level" in result.output


def test_accepting_an_unknown_run_is_a_clear_error(env: Database) -> None:
    result = runner.invoke(app, ["levels", "accept", "999"])
    assert result.exit_code == 1
    assert "unknown stock-levels run 999" in result.output


def test_bench_levels_names_the_broken_field_and_exits_non_zero(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps(
            {
                "format": "chemdepot-prepositioning/1",
                "items": [{"id": "KIT", "unit_cost": 1.0, "volume": 0.1, "unmet_penalty": 10.0}],
                "depots": [{"id": "D1"}],
                "sites": ["S1"],
                "ship_cost": [{"depot": "D1", "site": "S9", "cost": 1.0}],
                "scenarios": [
                    {
                        "id": "s1",
                        "probability": 0.5,
                        "demand": [{"site": "S1", "item": "KIT", "quantity": 4}],
                    }
                ],
            }
        )
    )
    result = runner.invoke(app, ["bench", "levels", str(broken), "--time-limit", "5"])
    assert result.exit_code != 0
