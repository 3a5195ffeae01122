"""`chemdepot procure`: procurement and production to 2030 from the command line (the
same use cases as the HTTP API): plan (a job in a worker process, with a progress bar)
under what-ifs, and compare finished runs side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from inventory.errors import InventoryError, ValidationError
from inventory.procurement_records import ProcurementRecords

from .cli_levels import follow_job  # the same bar as `levels optimise`
from .cli_users import CLI_ACTOR, cli_acting
from .jobs import JobRunner
from .procurement_outputs import CHART_NAMES, chart, compare_chart, workbook
from .procurement_presenters import compared_years
from .procurement_service import (
    DEFAULT_LAST_YEAR,
    JOB_FUNCTION,
    MAX_READINESS_SCENARIOS,
    MAX_TIME_LIMIT_S,
    READINESS_SCENARIOS,
    BudgetCut,
    Delay,
    ProcurementCommand,
    WhatIfs,
    finished_outputs,
    start_procurement_run,
    this_year,
)
from .procurement_store import run_outputs
from .procurement_views import RunOutputs
from .services import Database
from .settings import Settings

KEEP_HELP = (
    "cells: the cost phase leaves no depot, item and year further from its target than "
    "the readiness phase did (proved in seconds); total: only the weighted total is kept"
)
procure_app = typer.Typer(help="Procurement and production to 2030.", no_args_is_help=True)
console = Console()


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(1)


def _pair(text: str, what: str, field: str) -> tuple[str, str]:
    head, sep, tail = text.rpartition(":")
    if not sep or not head or not tail:
        raise ValidationError(f"{what} is written {field}, got {text!r}", field=field)
    return head, tail


def what_ifs_of(cuts: list[str], delays: list[str], lost: list[str]) -> WhatIfs:
    """--cut-budget YEAR:PERCENT, --delay SOURCE:YEARS, --lose SOURCE as what-ifs."""
    try:
        budget_cuts = tuple(
            BudgetCut(int(y), float(p))
            for y, p in (_pair(c, "a cut", "YEAR:PERCENT") for c in cuts)
        )
        late = tuple(
            Delay(s, int(n)) for s, n in (_pair(d, "a delay", "SOURCE:YEARS") for d in delays)
        )
    except ValueError as exc:
        raise ValidationError(f"not a number: {exc}", field="what_ifs") from exc
    return WhatIfs(budget_cuts=budget_cuts, delays=late, lost_sources=tuple(lost))


@procure_app.command("plan")
def plan(
    first_year: Annotated[int | None, typer.Option(help="default: this year")] = None,
    last_year: Annotated[int, typer.Option()] = DEFAULT_LAST_YEAR,
    solver: Annotated[str, typer.Option(help="highs or cbc")] = "highs",
    time_limit: Annotated[float, typer.Option(min=0.1, max=MAX_TIME_LIMIT_S)] = 60.0,
    gap: Annotated[float, typer.Option(min=0.0, max=0.99)] = 1e-4,
    keep: Annotated[str, typer.Option(help=KEEP_HELP)] = "cells",
    label: Annotated[str, typer.Option()] = "",
    scenarios: Annotated[
        int, typer.Option(min=1, max=MAX_READINESS_SCENARIOS)
    ] = READINESS_SCENARIOS,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    cut_budget: Annotated[list[str] | None, typer.Option(help="YEAR:PERCENT (repeat)")] = None,
    delay: Annotated[list[str] | None, typer.Option(help="SOURCE:YEARS (repeat)")] = None,
    lose: Annotated[list[str] | None, typer.Option(help="SOURCE (repeat)")] = None,
    workbook_file: Annotated[Path | None, typer.Option("--workbook", dir_okay=False)] = None,
    charts: Annotated[Path | None, typer.Option(file_okay=False)] = None,
    actor: Annotated[str, typer.Option()] = CLI_ACTOR,
) -> None:
    """Plan purchases and production year by year and print, per year, budget, spend,
    shortfall and readiness, and the constraints that hold readiness back."""
    settings = Settings()
    db = Database(settings.database_url)
    runner = JobRunner(max_workers=1)
    try:
        cmd = ProcurementCommand(
            first_year=this_year() if first_year is None else first_year,
            last_year=last_year,
            solver=solver,
            time_limit_s=time_limit,
            gap=gap,
            keep=keep,
            label=label,
            readiness_scenarios=scenarios,
            seed=seed,
            what_ifs=what_ifs_of(cut_budget or [], delay or [], lose or []),
        )
        answer, _ = start_procurement_run(
            db.uow(cli_acting(actor, "procure plan")),
            settings,
            cmd,
            lambda job_id, args: runner.submit(db.url, job_id, JOB_FUNCTION, args),
            actor=actor,
        )
        follow_job(db, answer["job_id"])
        with db.uow().reading() as uow:
            records = ProcurementRecords(uow.session)
            out = run_outputs(records, records.run(answer["run_id"]))
    except InventoryError as exc:
        _fail(exc.message)
        return
    finally:
        runner.shutdown()
        db.dispose()
    print_run(out)
    _write(out, workbook_file, charts)


def _write(out: RunOutputs, workbook_file: Path | None, charts: Path | None) -> None:
    """The files asked for, folders made as needed; a path that cannot be written is a
    clear error (the run itself is stored: `procure compare` and the API still have it)."""
    try:
        if workbook_file is not None:
            workbook_file.parent.mkdir(parents=True, exist_ok=True)
            workbook_file.write_bytes(workbook(out))
            console.print(f"workbook: {workbook_file}")
        if charts is not None:
            charts.mkdir(parents=True, exist_ok=True)
            for name in CHART_NAMES:
                (charts / f"{name}.png").write_bytes(chart(out, name))
            console.print(f"charts: {charts}/{{{','.join(CHART_NAMES)}}}.png")
    except OSError as exc:
        _fail(f"run {out.run_id} is stored, but {exc.filename} cannot be written: {exc.strerror}")


def print_run(out: RunOutputs) -> None:
    r = out.result
    gap = "-" if r.gap is None else f"{r.gap:.3%}"
    console.print(
        f"run {out.run_id} ({out.label}): {r.status} by {r.solver}, weighted shortfall "
        f"{r.shortfall:,.1f}, cost {r.cost_vnd:,} VND, gap {gap}, {r.wall_s:.1f} s"
    )
    ready = {y.year: y for y in out.readiness}
    table = Table(title="per year (bn VND; units short of target; scenarios served in time)")
    for col in ("year", "budget", "spend", "shortfall", "readiness", "unmet"):
        table.add_column(col, justify="right")
    if out.readiness_today is not None:
        t = out.readiness_today
        table.add_row("today", "", "", "", f"{t.served_share:.1%}", f"{t.expected_unmet:.1f}")
    for y in r.years:
        got = ready.get(y.year)
        table.add_row(
            str(y.year),
            _bn(y.budget_vnd),
            _bn(y.spend_vnd),
            f"{y.shortfall_units:,}",
            "-" if got is None else f"{got.served_share:.1%}",
            "-" if got is None else f"{got.expected_unmet:.1f}",
        )
    console.print(table)
    if r.binding:
        console.print("what holds readiness back (largest effect first):")
    for b in r.binding:
        console.print(f"  [yellow]-[/] {b.text}")


@procure_app.command("compare")
def compare(
    runs: Annotated[list[int], typer.Argument(help="finished run ids")],
    chart_file: Annotated[Path | None, typer.Option("--chart", dir_okay=False)] = None,
) -> None:
    """Finished runs side by side: spend and readiness per year."""
    settings = Settings()
    db = Database(settings.database_url)
    try:
        outs = finished_outputs(db.uow(), runs)
    except InventoryError as exc:
        _fail(exc.message)
        return
    finally:
        db.dispose()
    labels = {o.run_id: o.label for o in outs}
    table = Table(title="runs compared (bn VND; units short of target; scenarios served in time)")
    for col in ("run", "label", "year", "budget", "spend", "shortfall", "readiness"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for y in compared_years(outs):
        table.add_row(
            str(y.run_id),
            labels[y.run_id],
            str(y.year),
            _bn(y.budget_vnd),
            _bn(y.spend_vnd),
            f"{y.shortfall_units:,}",
            "-" if y.served_share is None else f"{y.served_share:.1%}",
        )
    console.print(table)
    if chart_file is not None:
        chart_file.write_bytes(compare_chart(outs))
        console.print(f"chart: {chart_file}")


def _bn(vnd: int) -> str:
    """Billions of VND, as budgets are spoken of."""
    return f"{vnd / 1e9:,.2f}"
