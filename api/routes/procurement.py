"""Procurement and production to 2030: runs (as jobs) of what to buy or produce each
year, their workbook and charts, and runs compared side by side under what-ifs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from inventory.errors import ConflictError
from inventory.procurement_records import ProcurementRecords

from ..deps import (
    Actor,
    DatabaseDep,
    JobRunnerDep,
    OptionalIdempotencyKey,
    PagingDep,
    ReadSession,
    RowId,
    SettingsDep,
    Uow,
)
from ..procurement_outputs import ChartName, chart, compare_chart, compare_rows, workbook
from ..procurement_presenters import compared_years, run_read, run_summary
from ..procurement_schemas import (
    ComparedRun,
    CompareRead,
    CompareRequest,
    ProcurementRunCreate,
    ProcurementRunPage,
    ProcurementRunRead,
    RunStarted,
)
from ..procurement_service import (
    JOB_FUNCTION,
    MAX_COMPARED,
    BudgetCut,
    Delay,
    NewHazard,
    ProcurementCommand,
    WhatIfs,
    finished_outputs,
    start_procurement_run,
    this_year,
)
from ..procurement_store import run_outputs
from ..procurement_views import RunOutputs

router = APIRouter(tags=["procurement"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RunsQuery = Annotated[list[int], Query(min_length=1, max_length=MAX_COMPARED)]


def command_of(body: ProcurementRunCreate) -> ProcurementCommand:
    w = body.what_ifs
    return ProcurementCommand(
        first_year=this_year() if body.first_year is None else body.first_year,
        last_year=body.last_year,
        solver=body.solver,
        time_limit_s=body.time_limit_s,
        gap=body.gap,
        keep=body.keep,
        label=body.label,
        readiness_scenarios=body.readiness_scenarios,
        seed=body.seed,
        items=tuple(body.items),
        depots=tuple(body.depots),
        what_ifs=WhatIfs(
            budget_cuts=tuple(BudgetCut(c.year, c.percent) for c in w.budget_cuts),
            delays=tuple(Delay(d.source, d.years) for d in w.delays),
            lost_sources=tuple(w.lost_sources),
            new_hazards=tuple(NewHazard(**h.model_dump()) for h in w.new_hazards),
        ),
    )


@router.post("/procurement/runs", status_code=202)
def post_procurement_run(
    body: ProcurementRunCreate,
    runner: JobRunnerDep,
    uow: Uow,
    db: DatabaseDep,
    settings: SettingsDep,
    actor: Actor,
    response: Response,
    key: OptionalIdempotencyKey = None,
) -> RunStarted:
    """Plan purchases and production year by year under the what-ifs; it runs as a job
    (`GET /jobs/{job_id}`), its result at `GET /procurement/runs/{run_id}`."""

    def submit(job_id: int, args: dict[str, Any]) -> None:
        runner.submit(db.url, job_id, JOB_FUNCTION, args)

    answer, replayed = start_procurement_run(
        uow, settings, command_of(body), submit, actor=actor, key=key
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return RunStarted(**answer, replayed=replayed)


@router.get("/procurement/runs")
def list_procurement_runs(session: ReadSession, paging: PagingDep) -> ProcurementRunPage:
    """Runs, newest first."""
    runs, total = ProcurementRecords(session).runs(limit=paging.limit, offset=paging.offset)
    return ProcurementRunPage(
        items=[run_summary(session, r) for r in runs],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/procurement/runs/{run_id}")
def read_procurement_run(run_id: RowId, session: ReadSession) -> ProcurementRunRead:
    """A run: its command and what-ifs, status, the workbook's tables (orders, upgrades,
    year-end stock, years), readiness per year, binding constraints, chart links."""
    records = ProcurementRecords(session)
    return run_read(records, records.run(run_id))


def _finished(session: ReadSession, run_id: int) -> RunOutputs:
    records = ProcurementRecords(session)
    run = records.run(run_id)
    reason = records.unfinished_reason(run)
    if reason is not None:
        raise ConflictError(f"{reason}: it has no outputs", field="run_id")
    return run_outputs(records, run)


@router.get(
    "/procurement/runs/{run_id}/workbook.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
def read_procurement_workbook(run_id: RowId, session: ReadSession) -> Response:
    """The run as an XLSX workbook (one sheet per table)."""
    headers = {"Content-Disposition": f'attachment; filename="procurement-run-{run_id}.xlsx"'}
    return Response(workbook(_finished(session, run_id)), media_type=XLSX, headers=headers)


@router.get(
    "/procurement/runs/{run_id}/charts/{name}.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def read_procurement_chart(
    run_id: RowId, name: Annotated[ChartName, Path()], session: ReadSession
) -> Response:
    """Stock against target, spend against budget, or readiness, year by year."""
    return Response(chart(_finished(session, run_id), name), media_type="image/png")


@router.post("/procurement/compare")
def compare_procurement_runs(body: CompareRequest, uow: Uow) -> CompareRead:
    """Finished runs side by side: readiness and spend per year (409 if one is not done)."""
    runs = finished_outputs(uow, body.runs)
    return CompareRead(
        runs=[ComparedRun(id=r.run_id, label=r.label) for r in runs],
        years=compared_years(runs),
        table=compare_rows(runs),
        chart="/procurement/compare.png?" + "&".join(f"runs={r.run_id}" for r in runs),
    )


@router.get(
    "/procurement/compare.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def read_compare_chart(runs: RunsQuery, uow: Uow) -> Response:
    """The compared runs' readiness and spend per year as one chart."""
    return Response(compare_chart(finished_outputs(uow, runs)), media_type="image/png")
