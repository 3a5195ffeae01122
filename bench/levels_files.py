"""Stock-levels benchmark on prepositioning files: the product's method beside the
extensive form solved by HiGHS, the same time limit each, in the same run.

    python -m bench.levels_files FILE... [--time-limit S] [--json OUT]
                                         [--solvers chemdepot,extensive-highs]
                                         [--seed N] [--workers N] [--repeats N]

Files are `chemdepot-prepositioning/1` documents (`bench.levels_instances` writes random
ones). Every run's levels are checked here, apart from the model: budget, capacity, maximum
levels, whole units, and the reported objective against each scenario's second stage
re-solved by scipy's HiGHS for those levels. OUT is the format's result array. Exit status
1 if a run errs or fails a check, 2 for bad arguments or a file that is not an instance."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table
from scipy.optimize import linprog

from api.executors import Executor, make_executor
from optimizer.levels_model import (
    LevelScenario,
    LevelsMethod,
    LevelsParams,
    LevelsProblem,
    LevelsResult,
    LevelsSolver,
)
from optimizer.prepositioning import read_prepositioning, result_record
from optimizer.stock_levels import solve_stock_levels

#: solver name -> the method and MIP solver it runs
SOLVERS: dict[str, tuple[LevelsMethod, LevelsSolver]] = {
    "chemdepot": ("auto", "highs"),
    "extensive-highs": ("extensive", "highs"),
}
PEER = "extensive-highs"
#: relative slack of the checks: the solvers' feasibility tolerances are about 1e-6
TOLERANCE = 1e-5


@dataclass(frozen=True)
class BenchParams:
    instances: tuple[tuple[str, LevelsProblem], ...]
    time_limit_s: float = 60.0
    solvers: tuple[str, ...] = tuple(SOLVERS)
    seed: int = 0
    workers: int = 1
    #: runs per instance and solver; the median wall time is reported (the machine is noisy)
    repeats: int = 1


@dataclass(frozen=True)
class Run:
    instance: str
    solver: str
    result: LevelsResult
    violations: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.result.status in ("optimal", "feasible") and not self.violations


def load_instance(path: Path) -> tuple[str, LevelsProblem]:
    """The instance's name and problem; a ValueError naming the file and the field else."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    try:
        problem = read_prepositioning(data, default_name=path.stem)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return problem.name, problem


def run_bench(params: BenchParams, log: Callable[[str], None]) -> list[Run]:
    """Each instance with each solver in turn, chemdepot first, the same limit for all."""
    runs = []
    with make_executor(workers=params.workers) as executor:
        for name, problem in params.instances:
            log(
                f"{name}: {len(problem.depots)} depots, {len(problem.sites)} sites, "
                f"{len(problem.items)} items, {len(problem.scenarios)} scenarios"
            )
            for solver in params.solvers:
                result = _median_run(problem, solver, params, executor)
                log(f"  {solver}: {result.status} {result.objective:,.2f} in {result.wall_s:.1f} s")
                violations = check_levels(problem, result)
                runs.append(Run(name, solver, result, tuple(violations)))
    return runs


def _median_run(
    problem: LevelsProblem, solver: str, params: BenchParams, executor: Executor
) -> LevelsResult:
    """The run of median wall time out of `params.repeats` (each solve is deterministic
    for a seed, so the runs differ in their time only)."""
    results = sorted(
        (_solve(problem, solver, params, executor) for _ in range(params.repeats)),
        key=lambda r: r.wall_s,
    )
    return results[len(results) // 2]


def _solve(
    problem: LevelsProblem, solver: str, params: BenchParams, executor: Executor
) -> LevelsResult:
    method, engine = SOLVERS[solver]
    levels_params = LevelsParams(
        time_limit_s=params.time_limit_s,
        method=method,
        solver=engine,
        seed=params.seed,
        workers=params.workers,
    )
    map_fn = executor.map if executor.kind != "serial" else None
    started = time.perf_counter()
    try:
        return solve_stock_levels(problem, levels_params, map_fn=map_fn)
    except Exception as exc:  # one broken run must not hide the other instances' figures
        wall = time.perf_counter() - started
        return LevelsResult(
            "error", math.nan, math.nan, math.nan, wall, method, (), message=repr(exc)
        )


def render(
    params: BenchParams, runs: list[Run], console: Console, load: tuple[float, float]
) -> None:
    versions = ", ".join(f"{p} {_version(p)}" for p in ("highspy", "ortools", "scipy"))
    console.print(
        f"stock levels: {len(params.instances)} instances, {params.time_limit_s:g} s per "
        f"solver, median of {params.repeats} run(s), seed {params.seed}, "
        f"{params.workers} worker(s); {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {versions}; 1-min load average "
        f"{load[0]:.2f} before, {load[1]:.2f} after"
    )
    table = Table(box=box.SIMPLE_HEAD)
    columns = ("instance", "solver", "status", "objective", "bound", "gap", "wall s",
               "wall / peer", "obj / peer", "check")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column in (*columns[:3], "check") else "right")
    peers = {r.instance: r.result for r in runs if r.solver == PEER}
    for run in runs:
        res, peer = run.result, peers.get(run.instance)
        table.add_row(
            run.instance,
            run.solver,
            res.status,
            _figure(res.objective, ",.2f"),
            _figure(res.bound, ",.2f"),
            _figure(res.gap, ".2%"),
            f"{res.wall_s:.2f}",
            "-" if peer is None else _figure(_ratio(res.wall_s, peer.wall_s), ".3f"),
            "-" if peer is None else _figure(_ratio(res.objective, peer.objective), ".5f"),
            "ok" if run.ok else "; ".join([res.message, *run.violations][:3]).strip("; "),
        )
    console.print(table)


def _ratio(a: float, b: float) -> float:
    return a / b if math.isfinite(a) and math.isfinite(b) and b > 0 else math.nan


def _figure(value: float, spec: str) -> str:
    return format(value, spec) if math.isfinite(value) else "-"


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _params_from_args(argv: Sequence[str] | None) -> tuple[BenchParams, Path | None]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.levels_files",
        description="chemdepot's stock-levels model against the extensive form solved by "
        "HiGHS on prepositioning files, the same time limit each, every run checked.",
    )
    parser.add_argument("files", nargs="+", type=Path, help="chemdepot-prepositioning/1 files")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per solver")
    parser.add_argument("--solvers", default=",".join(SOLVERS), help="comma-separated")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="processes for scenarios")
    parser.add_argument("--json", type=Path, help="write the format's result array here")
    parser.add_argument(
        "--repeats", type=int, default=1, help="runs per solver; the median wall is reported"
    )
    args = parser.parse_args(argv)
    if not args.time_limit > 0 or args.seed < 0 or args.workers < 1 or args.repeats < 1:
        raise ValueError("--time-limit must be > 0, --seed >= 0, --workers >= 1 and --repeats >= 1")
    solvers = tuple(s.strip() for s in args.solvers.split(",") if s.strip())
    unknown = sorted(set(solvers) - set(SOLVERS))
    if unknown or not solvers:
        raise ValueError(f"--solvers: unknown {', '.join(unknown) or '(none)'}; use {SOLVERS}")
    instances = tuple(load_instance(p) for p in args.files)
    params = BenchParams(instances, args.time_limit, solvers, args.seed, args.workers, args.repeats)
    return params, args.json


def main(argv: Sequence[str] | None = None) -> int:
    """0 if every run found levels that pass the checks, 1 if not, 2 for bad arguments."""
    try:
        params, json_path = _params_from_args(argv)
    except ValueError as exc:
        print(f"bench.levels_files: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    load_before = _loadavg()
    runs = run_bench(params, log)
    console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
    render(params, runs, console, (load_before, _loadavg()))
    if json_path is not None:
        records = [result_record(r.instance, r.solver, r.result) for r in runs]
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(records, indent=1, allow_nan=False) + "\n")
    return 0 if all(r.ok for r in runs) else 1


def _loadavg() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return math.nan


def check_levels(problem: LevelsProblem, result: LevelsResult) -> list[str]:
    """What is wrong with a run's levels and figures, found without the model's code:
    limits broken, fractions where whole units are asked, an objective that is not the
    expected cost of the levels, a bound above it. Empty for runs without levels."""
    if result.status not in ("optimal", "feasible"):
        return []
    levels = {(lv.depot, lv.item): lv.quantity for lv in result.levels}
    out = _limit_violations(problem, levels)
    if any(line.due is not None for s in problem.scenarios for line in s.demand):
        return out  # lateness needs the model's travel times; the format has none
    expected = expected_cost(problem, levels)
    slack = TOLERANCE * max(1.0, abs(expected))
    if not abs(result.objective - expected) <= slack:
        out.append(f"objective {result.objective:,.4f} but the levels cost {expected:,.4f}")
    if not result.bound <= expected + slack:
        out.append(f"bound {result.bound:,.4f} above the levels' cost {expected:,.4f}")
    return out


def _limit_violations(problem: LevelsProblem, levels: Mapping[tuple[str, str], float]) -> list[str]:
    items = {i.id: i for i in problem.items}
    out = []
    spent = 0.0
    for depot in problem.depots:
        volume = 0.0
        for item_id, item in items.items():
            q = levels.get((depot.id, item_id), 0.0)
            where = f"{depot.id}/{item_id} = {q:g}"
            if q < -TOLERANCE or (q > TOLERANCE and not depot.can_store(item)):
                out.append(f"{where}: not a level this depot may hold")
            if problem.integer_levels and abs(q - round(q)) > 1e-6:
                out.append(f"{where}: not a whole number of units")
            if q > depot.max_level.get(item_id, math.inf) * (1 + TOLERANCE) + TOLERANCE:
                out.append(f"{where}: over the maximum {depot.max_level[item_id]:g}")
            volume += item.volume * q
            spent += item.unit_cost * max(0.0, q - depot.current.get(item_id, 0.0))
        cap = depot.capacity_volume
        if cap is not None and volume > cap * (1 + TOLERANCE) + TOLERANCE:
            out.append(f"{depot.id}: volume {volume:,.2f} over its capacity {cap:,.2f}")
    budget = problem.budget
    if budget is not None and spent > budget * (1 + TOLERANCE) + TOLERANCE:
        out.append(f"spends {spent:,.2f}, over the budget {budget:,.2f}")
    unknown = sorted(set(levels) - {(d.id, i) for d in problem.depots for i in items})
    out.extend(f"a level for unknown depot/item {d}/{i}" for d, i in unknown)
    return out


def expected_cost(problem: LevelsProblem, levels: Mapping[tuple[str, str], float]) -> float:
    """The format's objective for `levels`: holding (and moving) cost plus the expected
    cost of each scenario's second stage, solved to optimality by scipy's HiGHS."""
    first = 0.0
    for depot in problem.depots:
        for item in problem.items:
            q = levels.get((depot.id, item.id), 0.0)
            moved = max(0.0, q - depot.current.get(item.id, 0.0))
            first += item.holding_cost * q + problem.move_cost * moved
    second = sum(s.probability * _second_stage(problem, s, levels) for s in problem.scenarios)
    return first + second


def _second_stage(
    problem: LevelsProblem, scenario: LevelScenario, levels: Mapping[tuple[str, str], float]
) -> float:
    """Items share nothing in the second stage, so each is its own transportation LP:
    y[d, line] shipped, u[line] unmet; supply (1 - loss) x[d]; each line met or unmet."""
    total = 0.0
    for item in problem.items:
        lines = [line for line in scenario.demand if line.item == item.id]
        if not lines:
            continue
        supply = {
            d.id: (1 - scenario.depot_loss.get(d.id, 0.0)) * levels.get((d.id, item.id), 0.0)
            for d in problem.depots
        }
        arcs = [
            (d, k)
            for k, line in enumerate(lines)
            for d in supply
            if supply[d] > 0 and (d, line.site) in problem.ship_cost
        ]
        n = len(arcs) + len(lines)
        penalty = [item.unmet_penalty if ln.unmet_penalty is None else ln.unmet_penalty
                   for ln in lines]  # fmt: skip
        cost = [lines[k].weight * problem.ship_cost[d, lines[k].site] for d, k in arcs] + penalty
        a_eq = np.zeros((len(lines), n))
        depots = sorted({d for d, _ in arcs})
        a_ub = np.zeros((len(depots), n))
        for col, (d, k) in enumerate(arcs):
            a_eq[k, col] = 1.0
            a_ub[depots.index(d), col] = 1.0
        for k in range(len(lines)):
            a_eq[k, len(arcs) + k] = 1.0
        res = linprog(
            cost,
            A_ub=a_ub if depots else None,
            b_ub=[supply[d] for d in depots] if depots else None,
            A_eq=a_eq,
            b_eq=[line.quantity for line in lines],
            bounds=(0, None),
            method="highs",
        )
        if res.status != 0:
            raise RuntimeError(f"scenario {scenario.id}, {item.id}: the check's LP failed")
        total += float(res.fun)
    return total


if __name__ == "__main__":
    sys.exit(main())
