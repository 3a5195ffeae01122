"""Stock-levels records as the planner reads them (at the edge, not stored this way)."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from inventory.jobs import JobRepo
from inventory.levels_records import LevelsRecords
from inventory.models import StockPolicy
from inventory.planning_models import (
    JobStatus,
    LevelsRunLevel,
    LevelsRunReadiness,
    LevelsRunRecord,
    LevelsRunTransfer,
    RunStatus,
)

from .levels_charts import CHARTS
from .levels_schemas import (
    LevelRead,
    LevelsRunRead,
    LevelsRunSummary,
    ReadinessRead,
    ScenarioSetRead,
    StockPolicyRead,
    TransferRead,
)


def run_status(session: Session, run: LevelsRunRecord) -> str:
    """A run whose job ended without finishing it shows how the job ended."""
    if run.status != RunStatus.RUNNING or run.job_id is None:
        return run.status.value
    job = JobRepo(session).get(run.job_id)
    if job.status in (JobStatus.FAILED, JobStatus.INTERRUPTED):
        return job.status.value
    return "queued" if job.status == JobStatus.QUEUED else RunStatus.RUNNING.value


def run_read(records: LevelsRecords, run: LevelsRunRecord) -> LevelsRunRead:
    scenario_set = records.scenario_set(run.scenario_set_id)
    params = json.loads(scenario_set.params)
    readiness = records.readiness(run.id)
    return LevelsRunRead(
        id=run.id,
        status=run_status(records.session, run),
        job_id=run.job_id,
        scenario_set=ScenarioSetRead(
            id=scenario_set.id,
            seed=scenario_set.seed,
            count=scenario_set.count,
            fingerprint=scenario_set.fingerprint,
            levels=params["levels"],
            incident_types=params["incident_types"],
        ),
        budget_vnd=run.budget,
        solve_status=run.solve_status,
        method=run.method,
        objective=run.objective,
        bound=run.bound,
        gap=run.gap,
        wall_s=run.wall_s,
        spent_vnd=run.spent,
        moved_units=run.moved_units,
        error=run.error,
        created_by=run.created_by,
        created_at=run.created_at,
        finished_at=run.finished_at,
        accepted_by=run.accepted_by,
        accepted_at=run.accepted_at,
        readiness=[_readiness(r) for r in readiness],
        levels=[_level(lv) for lv in records.levels(run.id)],
        transfers=[_transfer(t) for t in records.transfers(run.id)],
        charts=[f"/stock-levels/runs/{run.id}/charts/{name}.png" for name in CHARTS]
        if readiness
        else [],
    )


def _readiness(r: LevelsRunReadiness) -> ReadinessRead:
    return ReadinessRead(
        stock=r.stock,
        tag=r.tag,
        value=r.value,
        scenarios=r.scenarios,
        served_share=r.served_share,
        expected_unmet=r.expected_unmet,
        expected_late=r.expected_late,
        expected_time_to_full_h=r.expected_time_to_full_h,
    )


def _level(lv: LevelsRunLevel) -> LevelRead:
    return LevelRead(
        depot=lv.depot_code,
        item=lv.item_code,
        current=lv.current_qty,
        min=lv.min_qty,
        target=lv.target_qty,
        max=lv.max_qty,
        change=lv.target_qty - lv.current_qty,
    )


def _transfer(t: LevelsRunTransfer) -> TransferRead:
    return TransferRead(
        seq=t.seq,
        from_depot=t.from_depot,
        to_depot=t.to_depot,
        item=t.item_code,
        lot_no=t.lot_no,
        quantity=t.quantity,
        road_hours=None if t.road_seconds is None else round(t.road_seconds / 3600, 2),
    )


def run_summary(records: LevelsRecords, run: LevelsRunRecord) -> LevelsRunSummary:
    overall = {r.stock: r.served_share for r in records.readiness(run.id) if r.tag == "all"}
    return LevelsRunSummary(
        id=run.id,
        status=run_status(records.session, run),
        budget_vnd=run.budget,
        gap=run.gap,
        served_before=overall.get("before"),
        served_after=overall.get("after"),
        created_at=run.created_at,
    )


def policy_read(p: StockPolicy) -> StockPolicyRead:
    return StockPolicyRead(
        depot=p.depot_code,
        item=p.item_code,
        min=p.min_qty,
        target=p.target_qty,
        max=p.max_qty,
        source=p.source,
        run_id=p.run_id,
        updated_at=p.updated_at,
    )
