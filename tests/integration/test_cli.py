"""The `chemdepot` CLI over the same use cases as the API."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.services import Database
from api.settings import ROOT

DATA = ROOT / "data"

runner = CliRunner()


@pytest.fixture
def env(seeded_sqlite: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CHEMDEPOT_DATABASE_URL", seeded_sqlite.url)
    monkeypatch.setenv("COLUMNS", "200")
    return seeded_sqlite


def test_db_init_on_a_seeded_database_changes_nothing(env: Database) -> None:
    result = runner.invoke(app, ["db", "init"])
    assert result.exit_code == 0, result.output
    assert "already seeded" in result.output


def test_stock_prints_a_table_for_one_depot(env: Database) -> None:
    result = runner.invoke(app, ["stock", "--depot", "D-HNI"])
    assert result.exit_code == 0, result.output
    assert "D-HNI" in result.output and "D-HPG" not in result.output


def test_stock_for_an_unknown_depot_is_a_clear_error(env: Database) -> None:
    result = runner.invoke(app, ["stock", "--depot", "D-NOPE"])
    assert result.exit_code == 1
    assert "unknown depot" in result.output


def test_alerts_lists_expired_lots(env: Database) -> None:
    result = runner.invoke(app, ["alerts", "--kind", "expired"])
    assert result.exit_code == 0, result.output
    assert "expired" in result.output


def test_export_then_import_round_trip(env: Database, tmp_path: object) -> None:
    from pathlib import Path

    out = Path(str(tmp_path)) / "stock.xlsx"
    result = runner.invoke(app, ["export", str(out), "--depot", "D-HNI"])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0

    good = Path(str(tmp_path)) / "receipts.csv"
    good.write_text(
        "depot,item,quantity,lot_no,expiry_date\nD-HNI,DEC-HTH,5,HTH-CLI-0001,2030-01-31\n",
        encoding="utf-8",
    )
    first = runner.invoke(app, ["import", str(good)])
    assert first.exit_code == 0, first.output
    assert "1 rows posted" in first.output
    again = runner.invoke(app, ["import", str(good)])
    assert "already imported" in again.output


def test_an_import_with_a_bad_row_posts_nothing_and_names_the_row(
    env: Database, tmp_path: object
) -> None:
    from pathlib import Path

    bad = Path(str(tmp_path)) / "bad.csv"
    bad.write_text(
        "depot,item,quantity\nD-HNI,DEC-SURF,5\nD-HNI,NO-SUCH-ITEM,2\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 1
    assert "row 3" in result.output


def test_dispatch_with_confirm_stores_and_reserves_one_plan_in_one_step(env: Database) -> None:

    from tests.auth_support import client_as

    c = client_as(env)
    body = {"incident_type": "chemical_release", "level": "national"}
    incident = c.post("/incidents", json={**body, "location": {"hazard_source": "F12"}}).json()

    result = runner.invoke(app, ["dispatch", "--incident", str(incident["id"]), "--confirm"])
    again = runner.invoke(app, ["dispatch", "--incident", str(incident["id"])])

    assert result.exit_code == 0, result.output
    assert "(confirmed)" in result.output
    plans = c.get(f"/incidents/{incident['id']}/dispatch-plans").json()
    assert [p["status"] for p in plans] == ["confirmed"]
    assert again.exit_code == 1 and "replan" in again.output


def _vietnam_clock(moment: str, fmt: str = "%m-%d %H:%M") -> str:
    """An API time on Vietnamese clocks, read independently of the CLI's helper."""
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(moment).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime(fmt)


def _draft_plan(env: Database) -> tuple[str, dict[str, Any]]:
    """Plan an incident with the CLI; returns its output and the plan as the API shows it."""

    from tests.auth_support import client_as

    c = client_as(env)
    body = {"incident_type": "chemical_release", "level": "national"}
    incident = c.post("/incidents", json={**body, "location": {"hazard_source": "F12"}}).json()
    result = runner.invoke(app, ["dispatch", "--incident", str(incident["id"])])
    assert result.exit_code == 0, result.output
    (plan,) = c.get(f"/incidents/{incident['id']}/dispatch-plans").json()
    return result.output, plan


def test_dispatch_prints_its_times_in_vietnam_local_time(env: Database) -> None:
    output, plan = _draft_plan(env)

    assert plan["routes"]
    assert "UTC+7" in output and "giờ VN" in output
    assert " UTC)" not in output and "(UTC)" not in output
    for route in plan["routes"]:
        assert f"back {_vietnam_clock(route['returns_at'])}, giờ VN" in output
        for stop in route["stops"]:
            assert _vietnam_clock(stop["arrival"]) in output
            assert _vietnam_clock(stop["departure"], "%H:%M") in output


def test_a_plan_printed_at_80_columns_keeps_each_local_time_on_one_line(
    env: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from rich.console import Console

    from api import cli

    _, plan = _draft_plan(env)
    out = io.StringIO()
    monkeypatch.setattr(cli, "console", Console(file=out, width=80, color_system=None))

    cli.print_plan(plan)

    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    for route in plan["routes"]:
        for stop in route["stops"]:
            assert _vietnam_clock(stop["arrival"]) in text


def test_bench_dispatch_plans_a_hazard_source_under_every_template_that_fits_it(
    tmp_path: Path,
) -> None:
    out = tmp_path / "sweep.json"
    result = runner.invoke(
        app, ["bench", "dispatch", "--only", "F12", "--samples", "0", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    fitting = [
        r
        for r in csv.DictReader((DATA / "hazard_templates.csv").open(encoding="utf-8"))
        if r["hazard_source"] == "F12"
    ]
    assert sorted(r["template"] for r in rows) == sorted(r["template"] for r in fitting)
    for row in rows:
        assert row["status"] == 200 and row["met_share"] == 1.0
        assert row["within_share"] >= 0.95 and row["far_vehicles"] == 0
        assert row["ceiling"] is not None and row["within_share"] <= row["ceiling"] + 1e-9
