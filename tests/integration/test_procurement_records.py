"""Procurement runs as records, on SQLite and PostgreSQL: a finished run written and read
back is the same `RunOutputs` (every result row typed, none a JSON blob), a failed run
keeps why, and migration 0014 goes up and down cleanly."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect

from api.procurement_store import result_rows, run_outputs
from api.procurement_views import RunOutputs, YearReadiness
from api.services import Database
from inventory.db import make_engine
from inventory.errors import ConflictError
from inventory.migrate import downgrade, upgrade
from inventory.procurement_records import ProcurementRecords
from optimizer.procurement_model import (
    Binding,
    Order,
    ProcurementResult,
    UpgradeStart,
    YearStock,
    YearSummary,
)

NOW = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
TABLES = (
    "procurement_runs",
    "procurement_orders",
    "procurement_upgrade_starts",
    "procurement_stock",
    "procurement_years",
    "procurement_binding",
)
RESULT = ProcurementResult(
    status="feasible",
    solver="highs",
    shortfall=12.5,
    shortfall_bound=10.25,
    cost_vnd=9_876_543_210_123,
    cost_bound=None,
    gap=0.18,
    wall_s=3.25,
    orders=(
        Order(2026, "SUP-A", "D-HNI", "PPE-A-LU", 40, 1_800_000_000, 2026, 2030),
        Order(2027, "LINE-B", "D-HPG", "PPE-A-RE", 3, 450_000_000, 2028, None),
    ),
    upgrades=(UpgradeStart("UP-HNI-1", "D-HNI", 2026, 2027, 20_000_000_000),),
    stock=(
        YearStock(2026, "D-HNI", "PPE-A-LU", 120, 110, 10, 5, 40),
        YearStock(2026, "D-HPG", "PPE-A-RE", 8, 8, 0, 0, 0),
        YearStock(2027, "D-HNI", "PPE-A-LU", 130, 130, 0, 0, 0),
        YearStock(2027, "D-HPG", "PPE-A-RE", 9, 6, 3, 0, 3),
    ),
    years=(
        YearSummary(2026, 25_000_000_000, 21_800_000_000, 128, 10, 10.0, 300.5, 3800.0),
        YearSummary(2027, 25_000_000_000, 450_000_000, 139, 3, 2.5, 310.0, 4300.0),
    ),
    binding=(
        Binding("budget", "2026", 2026, "the 2026 budget is spent", 0.42),
        Binding("lead_time", "LINE-B", None, "LINE-B delivers a year late"),
    ),
    message="time limit reached",
)
READINESS = (YearReadiness(2026, 0.61, 14.5), YearReadiness(2027, 0.66, 12.0))
TODAY = YearReadiness(2025, 0.55, 17.25)


def _written(db: Database) -> int:
    with db.uow() as uow:
        records = ProcurementRecords(uow.session)
        run = records.add_run(
            job_id=None,
            label="2027 budget -20 %",
            years=(2026, 2027),
            params={"first_year": 2026, "last_year": 2027},
            what_ifs={"budget_cuts": [{"year": 2027, "percent": 20.0}]},
            readiness_scenarios=300,
            actor="planner",
            now=NOW,
        )
        figures, rows = result_rows(RESULT, READINESS, TODAY)
        records.finish(run, figures, rows, NOW)
        uow.commit()
        return run.id


def _read(db: Database, run_id: int) -> RunOutputs:
    with db.uow().reading() as uow:
        records = ProcurementRecords(uow.session)
        return run_outputs(records, records.run(run_id))


def test_a_run_written_and_read_back_is_the_same_run_outputs(seeded_db: Database) -> None:
    run_id = _written(seeded_db)

    got = _read(seeded_db, run_id)
    assert got.result == RESULT
    assert got.readiness == READINESS
    assert got.readiness_today == TODAY
    assert (got.run_id, got.label) == (run_id, "2027 budget -20 %")
    assert set(got.items) == {"PPE-A-LU", "PPE-A-RE"}
    assert got.items["PPE-A-LU"].name_vi and got.items["PPE-A-LU"].unit


def test_a_finished_run_is_not_finished_twice_and_a_failed_run_keeps_why(
    seeded_db: Database,
) -> None:
    run_id = _written(seeded_db)
    with seeded_db.uow() as uow:
        records = ProcurementRecords(uow.session)
        figures, rows = result_rows(RESULT, READINESS, TODAY)
        with pytest.raises(ConflictError):
            records.finish(records.run(run_id), figures, rows, NOW)
        other = records.add_run(
            job_id=None,
            label="base",
            years=(2026, 2030),
            params={},
            what_ifs={},
            readiness_scenarios=300,
            actor="planner",
            now=NOW,
        )
        records.fail(other, "the model found no plan (infeasible)", NOW)
        uow.commit()
        failed = other.id
    with seeded_db.uow().reading() as uow:
        reason = ProcurementRecords(uow.session).unfinished_reason(
            ProcurementRecords(uow.session).run(failed)
        )
    assert reason is not None and "infeasible" in reason


def test_migration_0014_goes_down_to_0013_and_up_again(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    assert set(TABLES) <= set(inspect(engine).get_table_names())
    downgrade(engine, "0013")
    left = set(inspect(engine).get_table_names())
    assert not set(TABLES) & left and "jobs" in left
    upgrade(engine)
    assert set(TABLES) <= set(inspect(engine).get_table_names())
    engine.dispose()
