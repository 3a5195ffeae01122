"""The procurement run as a job: read the books, apply the what-ifs, solve with no
transaction open, measure each year's readiness, and write the run's rows in one
transaction. Runs in a worker process (`api.jobs`), so it loads data/ itself."""

from __future__ import annotations

import json
from pathlib import Path

from inventory.errors import ValidationError
from inventory.ledger import utcnow
from inventory.procurement_data import load_procurement_data
from inventory.procurement_records import ProcurementRecords
from inventory.scenarios import ScenarioParams
from optimizer.errors import InvalidProblemError
from optimizer.procurement import solve_procurement
from optimizer.procurement_model import (
    ProcurementParams,
    ProcurementProblem,
    ProcurementResult,
    cut_budget,
    delay_source,
    drop_source,
)

from .jobs import JobContext
from .levels_service import read_inputs
from .network_service import RoadContext
from .procurement_problem import BooksSnapshot, build_procurement_problem, narrowed, read_books
from .procurement_readiness import sample_with_hazards, year_readiness
from .procurement_service import ProcurementCommand, WhatIfs
from .procurement_store import result_rows
from .services import today
from .settings import Settings

#: Shares of the job's progress: solving, then measuring readiness.
SOLVE_SHARE = 0.7


class RunFailedError(RuntimeError):
    """The solver found no plan: the run records why."""


def plan_procurement(ctx: JobContext, *, run_id: int, data_dir: str) -> str:
    """Job function: the run's result reference ("procurement-run:<id>")."""
    uow = ctx.db.uow()
    try:
        with uow.reading():
            run = ProcurementRecords(uow.session).run(run_id)
            cmd = ProcurementCommand.from_payload(json.loads(run.params))
            day = today()
            books = read_books(uow.session, day)
            inputs, _version = read_inputs(uow, (), day)
        problem = _problem(cmd, books, Path(data_dir))
        ctx.progress(0.02, f"{len(problem.targets)} targets, {len(problem.sources)} sources")
        result = _solve(ctx, cmd, problem)
        scenarios = sample_with_hazards(
            Path(data_dir),
            ScenarioParams(count=cmd.readiness_scenarios, seed=cmd.seed),
            cmd.what_ifs.new_hazards,
        )
        before, years = year_readiness(
            inputs,
            scenarios,
            RoadContext.load(Path(data_dir)),
            Settings(data_dir=Path(data_dir)).national_level,
            result,
            lambda f, line: ctx.progress(SOLVE_SHARE + (1 - SOLVE_SHARE - 0.02) * f, line),
        )
    except Exception as exc:
        with uow:
            records = ProcurementRecords(uow.session)
            records.fail(records.run(run_id, for_update=True), str(exc), utcnow())
            uow.commit()
        raise
    figures, rows = result_rows(result, years, before)
    with uow:
        records = ProcurementRecords(uow.session)
        records.finish(records.run(run_id, for_update=True), figures, rows, utcnow())
        uow.commit()
    return f"procurement-run:{run_id}"


def _problem(cmd: ProcurementCommand, books: BooksSnapshot, data_dir: Path) -> ProcurementProblem:
    cut_books, data = narrowed(books, load_procurement_data(data_dir), cmd.items, cmd.depots)
    try:
        problem = build_procurement_problem(cut_books, data, cmd.first_year, cmd.last_year)
        return apply_what_ifs(problem, cmd.what_ifs)
    except InvalidProblemError as exc:
        raise ValidationError(str(exc), field=exc.field) from exc


def apply_what_ifs(problem: ProcurementProblem, what_ifs: WhatIfs) -> ProcurementProblem:
    """The problem under the budget cuts, delays and lost sources (hazards: readiness)."""
    for c in what_ifs.budget_cuts:
        problem = cut_budget(problem, c.year, c.percent)
    for d in what_ifs.delays:
        problem = delay_source(problem, d.source, d.years)
    for code in what_ifs.lost_sources:
        problem = drop_source(problem, code)
    return problem


def _solve(
    ctx: JobContext, cmd: ProcurementCommand, problem: ProcurementProblem
) -> ProcurementResult:
    params = ProcurementParams(
        time_limit_s=cmd.time_limit_s,
        gap=cmd.gap,
        solver=cmd.solver,  # type: ignore[arg-type]  # checked by the request schema
        keep=cmd.keep,  # type: ignore[arg-type]  # checked by the request schema
    )
    result = solve_procurement(
        problem,
        params,
        progress=lambda f, line: ctx.progress(0.02 + (SOLVE_SHARE - 0.02) * f, line),
    )
    if result.status in ("no_solution", "infeasible"):
        raise RunFailedError(f"the model found no plan ({result.status}): {result.message}")
    ctx.progress(
        SOLVE_SHARE,
        f"{result.status}: shortfall {result.shortfall:,.0f}, cost {result.cost_vnd:,} VND",
    )
    return result
