"""`chemdepot levels`: the planner's stock levels from the command line (the same use cases
as the HTTP API): optimise (a job in a worker process, with a progress bar), evaluate
today's readiness or a run's, accept a run into the stock policies."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from inventory.errors import InventoryError
from inventory.jobs import JobRepo
from inventory.levels_records import ReadinessRow
from inventory.planning_models import FINISHED_JOB_STATUSES, JobStatus
from network import NetworkError

from .cli_users import CLI_ACTOR, cli_acting
from .jobs import JobRunner
from .levels_presenters import run_read
from .levels_service import (
    JOB_FUNCTION,
    MAX_SCENARIOS,
    MAX_TIME_LIMIT_S,
    LevelsCommand,
    accept_levels_run,
    start_levels_run,
)
from .network_service import RoadContext
from .readiness_service import ReadinessCache, readiness_today
from .services import Database
from .settings import Settings

levels_app = typer.Typer(help="Stock levels: optimise, evaluate, accept.", no_args_is_help=True)
console = Console()


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(1)


@levels_app.command("optimise")
def optimise(
    budget: Annotated[int | None, typer.Option(min=0, help="VND for new stock")] = None,
    scenarios: Annotated[int, typer.Option(min=1, max=MAX_SCENARIOS)] = 1000,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    level: Annotated[list[str] | None, typer.Option(help="incident levels (repeat)")] = None,
    time_limit: Annotated[float, typer.Option(min=0.1, max=MAX_TIME_LIMIT_S)] = 60.0,
    gap: Annotated[float, typer.Option(min=1e-6, max=0.49)] = 0.01,
    actor: Annotated[str, typer.Option()] = CLI_ACTOR,
) -> None:
    """Optimise stock levels over sampled incident scenarios and print readiness before
    and after, the largest changes and the rebalancing transfers."""
    settings = Settings()
    db = Database(settings.database_url)
    runner = JobRunner(max_workers=1)
    cmd = LevelsCommand(
        budget_vnd=budget,
        scenarios=scenarios,
        seed=seed,
        levels=tuple(level or ("provincial", "national")),
        time_limit_s=time_limit,
        gap=gap,
    )
    try:
        answer, _ = start_levels_run(
            db.uow(cli_acting(actor, "levels optimise")),
            settings,
            cmd,
            lambda job_id, args: runner.submit(db.url, job_id, JOB_FUNCTION, args),
            actor=actor,
        )
        follow_job(db, answer["job_id"])
        with db.uow().reading() as uow:
            run = run_read(uow.levels, uow.levels.run(answer["run_id"])).model_dump()
    except InventoryError as exc:
        _fail(exc.message)
        return
    finally:
        runner.shutdown()
        db.dispose()
    print_run(run)


def follow_job(db: Database, job_id: int) -> None:
    """A progress bar fed by the job's own progress in the database."""
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("queued", total=1.0)
        seen = 0
        while True:
            with db.uow().reading() as uow:
                repo = JobRepo(uow.session)
                job = repo.get(job_id)
                lines = [entry.line for entry in repo.log(job_id)]
                status, progress, error = job.status, job.progress, job.error
            for line in lines[seen:]:
                bar.console.print(f"  {line}")
            seen = len(lines)
            bar.update(task, completed=progress, description=status.value)
            if status in FINISHED_JOB_STATUSES:
                break
            time.sleep(0.5)
    if status != JobStatus.SUCCEEDED:
        _fail(f"the run {status.value}: {error}")


def print_run(run: dict[str, Any]) -> None:
    console.print(
        f"run {run['id']} ({run['status']}): {run['solve_status']} by {run['method']}, "
        f"objective {run['objective']:.6g}, bound {run['bound']:.6g}, gap {run['gap']:.3%}, "
        f"{run['wall_s']:.1f} s; spent {run['spent_vnd'] or 0:,} VND, moved "
        f"{run['moved_units'] or 0:,} units"
    )
    _print_readiness(list(run["readiness"]), before_after=True)
    levels = sorted(run["levels"], key=lambda lv: -abs(lv["change"]))[:15]
    table = Table(title="largest changes (target - today)")
    for col in ("depot", "item", "today", "min", "target", "max", "change"):
        table.add_column(col, justify="left" if col in ("depot", "item") else "right")
    for lv in levels:
        table.add_row(
            lv["depot"],
            lv["item"],
            str(lv["current"]),
            str(lv["min"]),
            str(lv["target"]),
            str(lv["max"]),
            f"{lv['change']:+d}",
        )
    console.print(table)
    moves = [t for t in run["transfers"] if t["from_depot"]]
    buys = [t for t in run["transfers"] if not t["from_depot"]]
    console.print(
        f"rebalancing: {len(moves)} transfers ({sum(t['quantity'] for t in moves):,} units), "
        f"{len(buys)} purchases ({sum(t['quantity'] for t in buys):,} units); charts: "
        + ", ".join(run["charts"])
    )


def _print_readiness(rows: list[dict[str, Any]], *, before_after: bool) -> None:
    stocks = ("before", "after") if before_after else ("today",)
    table = Table(
        title="scenarios served in full and in time; late and unmet units per incident, expected"
    )
    table.add_column("by")
    table.add_column("group")
    table.add_column("scenarios", justify="right")
    for s in stocks:
        table.add_column(f"served {s}" if before_after else "served", justify="right")
        table.add_column(f"late {s}" if before_after else "late units", justify="right")
        table.add_column(f"unmet {s}" if before_after else "unmet units", justify="right")
    groups: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["tag"], r["value"]), {})[r["stock"]] = r
    for (tag, value), by_stock in groups.items():
        first = next(iter(by_stock.values()))
        cells = [tag, value, str(first["scenarios"])]
        for s in stocks:
            got = by_stock.get(s)
            cells += (
                ["-", "-", "-"]
                if got is None
                else [
                    f"{got['served_share']:.1%}",
                    f"{got['expected_late']:.1f}",
                    f"{got['expected_unmet']:.1f}",
                ]
            )
        table.add_row(*cells)
    console.print(table)


@levels_app.command("evaluate")
def evaluate(
    run: Annotated[int | None, typer.Option(help="a run's readiness before and after")] = None,
    actor: Annotated[str, typer.Option()] = CLI_ACTOR,
) -> None:
    """Readiness of today's stock (kept as the day's figure), or of a run."""
    settings = Settings()
    db = Database(settings.database_url)
    try:
        if run is not None:
            with db.uow().reading() as uow:
                got = run_read(uow.levels, uow.levels.run(run)).model_dump()
            _print_readiness(got["readiness"], before_after=True)
            return
        road = RoadContext.load(settings.data_dir)
        today = readiness_today(db.uow(), road, settings, ReadinessCache(), actor=actor)
    except (InventoryError, NetworkError) as exc:
        _fail(exc.message)
        return
    finally:
        db.dispose()
    console.print(
        f"today's stock over scenario set {today.scenario_set_id} ({today.params.count} "
        f"scenarios, seed {today.params.seed}), ledger {today.ledger_version}"
    )
    _print_readiness([_as_dict(r) for r in today.rows], before_after=False)
    if len(today.trend) > 1:
        console.print(
            "trend: " + ", ".join(f"{d.isoformat()} {s:.1%}" for d, s, _ in today.trend[-7:])
        )


def _as_dict(row: ReadinessRow) -> dict[str, Any]:
    return dict(vars(row))


@levels_app.command("accept")
def accept(
    run: Annotated[int, typer.Argument(help="the run to accept")],
    actor: Annotated[str, typer.Option()] = CLI_ACTOR,
) -> None:
    """Write the run's min / target / max into the stock policies (alerts follow them)."""
    settings = Settings()
    db = Database(settings.database_url)
    try:
        answer, _ = accept_levels_run(db.uow(cli_acting(actor, "levels accept")), run, actor=actor)
    except InventoryError as exc:
        _fail(exc.message)
        return
    finally:
        db.dispose()
    console.print(f"run {run} accepted: {answer['policies_written']} stock policies written")
