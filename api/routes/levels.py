"""The planner's stock levels: optimisation runs (as jobs), accepting a run into the stock
policies, charts, today's readiness, and the policies the alerts follow."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from inventory.errors import ConflictError
from inventory.levels_records import LevelsRecords

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
from ..levels_charts import readiness_chart
from ..levels_presenters import policy_read, run_read, run_summary
from ..levels_schemas import (
    Accepted,
    LevelsRunCreate,
    LevelsRunPage,
    LevelsRunRead,
    ReadinessRead,
    ReadinessToday,
    RunStarted,
    StockPolicyPage,
    TrendPoint,
)
from ..levels_service import (
    JOB_FUNCTION,
    FixedLevel,
    LevelsCommand,
    accept_levels_run,
    start_levels_run,
)
from ..readiness_service import ReadinessCache, readiness_today
from ..text_rules import DepotCode, ItemCode
from .network import Road

router = APIRouter(tags=["stock levels"])

DepotQuery = Annotated[DepotCode | None, Query()]
ItemQuery = Annotated[ItemCode | None, Query()]
ChartName = Annotated[Literal["by-zone", "by-type", "by-level"], Path()]


@router.post("/stock-levels/runs", status_code=202)
def post_levels_run(
    body: LevelsRunCreate,
    runner: JobRunnerDep,
    uow: Uow,
    db: DatabaseDep,
    settings: SettingsDep,
    actor: Actor,
    response: Response,
    key: OptionalIdempotencyKey = None,
) -> RunStarted:
    """Start an optimisation of stock levels over sampled incident scenarios; it runs as a
    job (`GET /jobs/{job_id}`), its result at `GET /stock-levels/runs/{run_id}`."""
    cmd = LevelsCommand(
        budget_vnd=body.budget_vnd,
        scenarios=body.scenarios,
        seed=body.seed,
        levels=tuple(body.levels),
        incident_types=tuple(body.incident_types),
        time_limit_s=body.time_limit_s,
        gap=body.gap,
        method=body.method,
        solver=body.solver,
        move_cost=body.move_cost,
        fixed=tuple(FixedLevel(f.depot, f.item, f.quantity) for f in body.fixed),
    )

    def submit(job_id: int, args: dict[str, Any]) -> None:
        runner.submit(db.url, job_id, JOB_FUNCTION, args)

    answer, replayed = start_levels_run(uow, settings, cmd, submit, actor=actor, key=key)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return RunStarted(**answer, replayed=replayed)


@router.get("/stock-levels/runs")
def list_levels_runs(session: ReadSession, paging: PagingDep) -> LevelsRunPage:
    """Runs, newest first, with readiness before and after."""
    records = LevelsRecords(session)
    runs, total = records.runs(limit=paging.limit, offset=paging.offset)
    return LevelsRunPage(
        items=[run_summary(records, r) for r in runs],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/stock-levels/runs/{run_id}")
def read_levels_run(run_id: RowId, session: ReadSession) -> LevelsRunRead:
    """A run: its levels beside today's stock, readiness before and after by type, level
    and zone, the rebalancing transfers (post each as a transfer), and its charts."""
    records = LevelsRecords(session)
    return run_read(records, records.run(run_id))


@router.post("/stock-levels/runs/{run_id}/accept")
def accept_run(
    run_id: RowId, uow: Uow, actor: Actor, response: Response, key: OptionalIdempotencyKey = None
) -> Accepted:
    """Write the run's min / target / max as the stock policies of every depot x item it
    covers, tagged with the run: the alerts follow them from now on."""
    answer, replayed = accept_levels_run(uow, run_id, actor=actor, key=key)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return Accepted(**answer, replayed=replayed)


@router.get(
    "/stock-levels/runs/{run_id}/charts/{name}.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def read_levels_chart(run_id: RowId, name: ChartName, session: ReadSession) -> Response:
    """Readiness before and after the run, by zone, incident type or level."""
    records = LevelsRecords(session)
    run = records.run(run_id)
    rows = records.readiness(run.id)
    if not rows:
        raise ConflictError(f"run {run_id} has no readiness yet", field="run_id")
    return Response(readiness_chart(rows, name, run.id), media_type="image/png")


@router.get("/readiness")
def read_readiness(
    request: Request, uow: Uow, road: Road, settings: SettingsDep, actor: Actor
) -> ReadinessToday:
    """How ready today's usable stock is: the share of sampled incident scenarios served
    in full in time, overall and by type, level and zone, with the daily trend. Measured
    on the scenario set of the run accepted last; it follows every movement."""
    cache: ReadinessCache = request.app.state.readiness_cache
    got = readiness_today(uow, road, settings, cache, actor=actor)
    everything = got.rows[0]
    return ReadinessToday(
        computed_at=got.computed_at,
        ledger_version=got.ledger_version,
        cached=got.cached,
        scenario_set_id=got.scenario_set_id,
        scenarios=got.params.count,
        seed=got.params.seed,
        served_share=everything.served_share,
        expected_unmet=everything.expected_unmet,
        expected_late=everything.expected_late,
        expected_time_to_full_h=everything.expected_time_to_full_h,
        by=[ReadinessRead(**vars(r)) for r in got.rows[1:]],
        trend=[TrendPoint(day=d, served_share=s, expected_unmet=u) for d, s, u in got.trend],
    )


@router.get("/stock-policies")
def list_stock_policies(
    session: ReadSession, paging: PagingDep, depot: DepotQuery = None, item: ItemQuery = None
) -> StockPolicyPage:
    """Min / target / max per depot x item, with the run that set each (if any)."""
    rows, total = LevelsRecords(session).policies(
        depot=depot, item=item, limit=paging.limit, offset=paging.offset
    )
    return StockPolicyPage(
        items=[policy_read(p) for p in rows], total=total, limit=paging.limit, offset=paging.offset
    )
