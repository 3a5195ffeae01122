"""Procurement runs as the planner reads them (at the edge, not stored this way)."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from inventory.jobs import JobRepo
from inventory.planning_models import JobStatus
from inventory.procurement_models import ProcurementRun, ProcurementStatus
from inventory.procurement_records import ProcurementRecords

from .procurement_outputs import CHART_NAMES, workbook_tables
from .procurement_schemas import (
    BindingRead,
    ComparedYear,
    ProcurementRunRead,
    ProcurementRunSummary,
    YearRead,
    YearReadinessRead,
)
from .procurement_store import run_outputs
from .procurement_views import RunOutputs, YearReadiness


def run_status(session: Session, run: ProcurementRun) -> str:
    """A run whose job ended without finishing it shows how the job ended."""
    if run.status != ProcurementStatus.RUNNING or run.job_id is None:
        return run.status.value
    job = JobRepo(session).get(run.job_id)
    if job.status in (JobStatus.FAILED, JobStatus.INTERRUPTED):
        return job.status.value
    return "queued" if job.status == JobStatus.QUEUED else "running"


def _ready(r: YearReadiness) -> YearReadinessRead:
    return YearReadinessRead(
        year=r.year, served_share=r.served_share, expected_unmet=r.expected_unmet
    )


def run_read(records: ProcurementRecords, run: ProcurementRun) -> ProcurementRunRead:
    """The run with, once it has finished, its tables, readiness and links."""
    out = run_outputs(records, run) if run.status == ProcurementStatus.SUCCEEDED else None
    base = f"/procurement/runs/{run.id}"
    return ProcurementRunRead(
        id=run.id,
        label=run.label,
        status=run_status(records.session, run),
        job_id=run.job_id,
        first_year=run.first_year,
        last_year=run.last_year,
        params=json.loads(run.params),
        what_ifs=json.loads(run.what_ifs),
        solve_status=run.solve_status,
        solver=run.solver,
        shortfall=run.shortfall,
        shortfall_bound=run.shortfall_bound,
        cost_vnd=run.cost_vnd,
        cost_bound=run.cost_bound,
        gap=run.gap,
        wall_s=run.wall_s,
        message=run.message,
        error=run.error,
        created_by=run.created_by,
        created_at=run.created_at,
        finished_at=run.finished_at,
        readiness_today=None
        if out is None or out.readiness_today is None
        else _ready(out.readiness_today),
        readiness=[] if out is None else [_ready(r) for r in out.readiness],
        years=[] if out is None else year_rows(out),
        binding=[] if out is None else [BindingRead(**vars(b)) for b in out.result.binding],
        tables={} if out is None else workbook_tables(out),
        workbook=None if out is None else f"{base}/workbook.xlsx",
        charts=[] if out is None else [f"{base}/charts/{name}.png" for name in CHART_NAMES],
    )


def run_summary(session: Session, run: ProcurementRun) -> ProcurementRunSummary:
    return ProcurementRunSummary(
        id=run.id,
        label=run.label,
        status=run_status(session, run),
        first_year=run.first_year,
        last_year=run.last_year,
        solve_status=run.solve_status,
        shortfall=run.shortfall,
        cost_vnd=run.cost_vnd,
        created_at=run.created_at,
    )


def year_rows(out: RunOutputs) -> list[YearRead]:
    """Money, units short and readiness, year by year."""
    ready = {r.year: r for r in out.readiness}
    return [
        YearRead(
            year=y.year,
            budget_vnd=y.budget_vnd,
            spend_vnd=y.spend_vnd,
            target_units=y.target_units,
            shortfall_units=y.shortfall_units,
            served_share=ready[y.year].served_share if y.year in ready else None,
            expected_unmet=ready[y.year].expected_unmet if y.year in ready else None,
        )
        for y in out.result.years
    ]


def compared_years(outs: list[RunOutputs]) -> list[ComparedYear]:
    return [ComparedYear(run_id=o.run_id, **r.model_dump()) for o in outs for r in year_rows(o)]
