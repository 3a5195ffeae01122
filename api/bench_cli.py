"""`chemdepot bench routing`: the routing engine on standard VRPLIB / Solomon instances,
printed beside PyVRP and VROOM run with the same wall-clock budget in the same run.

Every plan, ours and the peers', goes through `check_vrp_solution`; the JSON file keeps
every route in the file's numbering so anyone can check the plans independently."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from optimizer.errors import InvalidProblemError
from optimizer.vrp import (
    VrpInstance,
    VrpParams,
    VrpSolution,
    check_vrp_solution,
    read_instance,
    solve_vrp,
)

SOLVERS = ("chemdepot", "pyvrp", "vroom")
#: VROOM's search depth; 5 is its most thorough level
VROOM_EXPLORATION = 5
VROOM_THREADS = 2

bench_app = typer.Typer(help="Benchmarks on standard instances.", no_args_is_help=True)


@bench_app.callback()
def _bench() -> None:
    """Benchmarks on standard instances (speed lives here, never in tests)."""


@dataclass(frozen=True)
class Outcome:
    """One solver's plan for one instance, with the checker's verdict."""

    instance: str
    solver: str
    solution: VrpSolution
    violations: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.solution.feasible and not self.violations

    def as_json(self, instance: VrpInstance) -> dict[str, Any]:
        s = self.solution
        cost: float | int | None = None
        if s.feasible:
            cost = s.cost_units if instance.scale == 1 else round(s.cost, 6)
        return {
            "instance": self.instance,
            "solver": self.solver,
            "cost": cost,
            "vehicles": s.vehicles if s.feasible else None,
            "wall_s": round(s.wall_s, 3),
            "routes": [list(r) for r in s.routes],
            "feasible": self.ok,
            "engine": s.engine,
        }


@bench_app.command("routing")
def routing(
    files: Annotated[list[Path], typer.Argument(help="VRPLIB (.vrp) or Solomon (.txt) files")],
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="wall seconds per solver and instance")
    ] = 5.0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="write every plan as a JSON array")
    ] = None,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    solvers: Annotated[
        str, typer.Option(help="comma-separated, from chemdepot,pyvrp,vroom")
    ] = ",".join(SOLVERS),
) -> None:
    """Solve each instance with chemdepot, PyVRP and VROOM at the same time budget."""
    out = Console()
    err = Console(stderr=True)
    chosen = [s.strip() for s in solvers.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SOLVERS))
    if unknown or not chosen:
        _fail(err, f"--solvers: unknown {', '.join(unknown) or '(none given)'}; use {SOLVERS}")
    if json_out is not None and not json_out.parent.is_dir():
        _fail(err, f"--json: directory {json_out.parent} does not exist")
    # Instance folders carry their README; skipping it keeps `bench/instances/*` working.
    notes = [p for p in files if p.suffix.lower() == ".md"]
    for note in notes:
        err.print(f"[dim]skipped {note.name} (documentation, not an instance)[/]")
    try:
        instances = [(p.name, read_instance(p)) for p in files if p not in notes]
    except InvalidProblemError as exc:
        _fail(err, str(exc))
    if not instances:
        _fail(err, "no instance files given")
    runners = _runners(err, chosen, time_limit, seed)
    results: list[list[Outcome]] = []
    records: list[dict[str, Any]] = []
    for file_name, instance in instances:
        err.print(
            f"[dim]{file_name}: {len(instance.clients)} clients, {instance.kind}, "
            f"{time_limit:g} s per solver[/]"
        )
        row = []
        for solver in chosen:
            solution = runners[solver](instance)
            outcome = Outcome(
                file_name, solver, solution, tuple(check_vrp_solution(instance, solution))
            )
            row.append(outcome)
            records.append(outcome.as_json(instance))
        results.append(row)
        out.print(_instance_table(file_name, instance, row))
    for line in _summary(results):
        out.print(line, soft_wrap=True)
    if json_out is not None:
        lines = ",\n".join(" " + json.dumps(r) for r in records)
        json_out.write_text(f"[\n{lines}\n]\n")
        out.print(f"wrote {len(records)} plans to {json_out}", soft_wrap=True)


def _fail(err: Console, message: str) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(2)


def _runners(
    err: Console, chosen: list[str], time_limit: float, seed: int
) -> dict[str, Callable[[VrpInstance], VrpSolution]]:
    runners: dict[str, Callable[[VrpInstance], VrpSolution]] = {
        "chemdepot": lambda i: solve_vrp(i, VrpParams(time_limit, seed, "best")),
        "pyvrp": lambda i: solve_vrp(i, VrpParams(time_limit, seed, "pyvrp")),
        "vroom": lambda i: solve_vroom(i, time_limit),
    }
    needs = {"chemdepot": ("ortools", "pyvrp"), "pyvrp": ("pyvrp",), "vroom": ("vroom",)}
    for solver in chosen:
        for module in needs[solver]:
            try:
                __import__(module)
            except ImportError:
                _fail(err, f"{solver} needs the {module} package: pip install -e '.[bench]'")
    return {s: runners[s] for s in chosen}


def solve_vroom(instance: VrpInstance, time_limit_s: float) -> VrpSolution:
    """VROOM (pyvroom) on the same integer matrix as durations and costs, with its own
    `timeout` as the budget, its most thorough exploration level and two threads."""
    import vroom

    started = time.monotonic()
    problem = vroom.Input()
    matrix = instance.distances
    problem.set_durations_matrix("car", matrix)
    problem.set_costs_matrix("car", matrix)
    windows = instance.time_windows
    depot_window = None if windows is None else vroom.TimeWindow(*windows[instance.depot])
    for v in range(instance.fleet_bound()):
        problem.add_vehicle(
            vroom.Vehicle(
                v,
                start=instance.depot,
                end=instance.depot,
                capacity=vroom.Amount([instance.capacity]),
                time_window=depot_window,
            )
        )
    jobs = [
        vroom.Job(
            node,
            location=node,
            delivery=vroom.Amount([instance.demands[node]]),
            default_service=instance.service_times[node],
            time_windows=[] if windows is None else [vroom.TimeWindow(*windows[node])],
        )
        for node in instance.clients
    ]
    problem.add_job(jobs)
    solution = problem.solve(
        exploration_level=VROOM_EXPLORATION,
        nb_threads=VROOM_THREADS,
        timeout=timedelta(seconds=time_limit_s),
    )
    wall = time.monotonic() - started
    if len(solution.unassigned):
        return VrpSolution(
            (), math.nan, 0, 0, "vroom", wall, False, f"{len(solution.unassigned)} unassigned"
        )
    steps = solution.routes
    routes: list[list[int]] = []
    for _, group in steps[steps["type"] == "job"].groupby("vehicle_id", sort=True):
        routes.append([int(n) for n in group["location_index"]])
    units = sum(instance.route_cost(r) for r in routes)
    numbered = tuple(tuple(instance.numbers[n] for n in r) for r in routes)
    return VrpSolution(numbered, units / instance.scale, units, len(numbered), "vroom", wall, True)


def _instance_table(file_name: str, instance: VrpInstance, row: list[Outcome]) -> Table:
    pyvrp = _cost(row, "pyvrp")
    table = Table(
        title=f"{file_name}: {instance.kind}, {len(instance.clients)} clients",
        caption=instance.convention,
        box=box.SIMPLE_HEAD,
    )
    for column in ("solver", "cost", "vehicles", "wall s", "vs PyVRP", "check"):
        table.add_column(column, justify="left" if column in ("solver", "check") else "right")
    for o in row:
        s = o.solution
        cost = _cost(row, o.solver)
        engine = f" ({s.engine})" if o.solver == "chemdepot" and s.feasible else ""
        table.add_row(
            o.solver + engine,
            "-" if cost is None else f"{cost:,.{1 if instance.scale > 1 else 0}f}",
            str(s.vehicles) if s.feasible else "-",
            f"{s.wall_s:.2f}",
            "-" if cost is None or pyvrp is None else f"{cost / pyvrp:.4f}",
            "ok" if o.ok else "; ".join([s.message, *o.violations][:3]).strip("; "),
        )
    return table


def _cost(row: list[Outcome], solver: str) -> float | None:
    for o in row:
        if o.solver == solver and o.ok:
            return o.solution.cost
    return None


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _ratios(results: list[list[Outcome]], peer: str) -> list[float] | None:
    """chemdepot / peer per instance; None if a plan is missing on either side."""
    ratios = []
    for row in results:
        ours, theirs = _cost(row, "chemdepot"), _cost(row, peer)
        if ours is None or theirs is None:
            return None
        ratios.append(ours / theirs)
    return ratios


def _summary(results: list[list[Outcome]]) -> list[str]:
    solvers = {o.solver for row in results for o in row}
    if "chemdepot" not in solvers:
        return []
    lines = []
    feasible = all(_cost(row, "chemdepot") is not None for row in results)
    targets = [f"feasible plan on every instance {_verdict(feasible)}"]
    if "pyvrp" in solvers:
        ratios = _ratios(results, "pyvrp")
        if ratios is None:
            lines.append("geomean chemdepot / PyVRP: n/a (a plan is missing)")
            targets.append("geomean <= PyVRP n/a; every instance within 1% of PyVRP n/a")
        else:
            gm, worst = _geomean(ratios), max(ratios)
            lines.append(f"geomean chemdepot / PyVRP: {gm:.4f} (worst instance {worst:.4f})")
            targets.append(f"geomean <= PyVRP {_verdict(gm <= 1.0)} ({gm:.4f})")
            targets.append(f"every instance within 1% of PyVRP {_verdict(worst <= 1.01)}")
    if "vroom" in solvers:
        ratios = _ratios(results, "vroom")
        if ratios is None:
            lines.append("geomean chemdepot / VROOM: n/a (a plan is missing)")
            targets.append("never worse than VROOM n/a")
        else:
            gm, worst = _geomean(ratios), max(ratios)
            lines.append(f"geomean chemdepot / VROOM: {gm:.4f} (worst instance {worst:.4f})")
            targets.append(f"never worse than VROOM {_verdict(worst <= 1.0)}")
    lines.append("targets: " + "; ".join(targets))
    return lines


def _verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"
