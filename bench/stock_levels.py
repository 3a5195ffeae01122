"""Scaling benchmark of the stock-levels model on the seeded data: the extensive form solved by
HiGHS beside the L-shaped decomposition and the product's `auto`, for growing scenario
counts, then the throughput of `evaluate_levels` in process, on local worker processes and
on a Dask `LocalCluster`, in the same run.

    python -m bench.stock_levels [--counts 50,200,1000,5000] [--budget VND] [--time-limit S]
                                 [--gap G] [--seed N] [--methods extensive,decomposition,auto]
                                 [--eval-workers 2] [--eval-repeats 3] [--no-cluster]
                                 [--no-eval] [--json OUT]

The problem is the one a run solves (`api.levels_jobs`): today's books of a freshly seeded
SQLite database (`read_inputs`), scenarios sampled by `levels_service.sample`, priced by
`build_levels_problem`. The verdict against the issue's targets is printed, not asserted:
exit status 1 only if a solve or an evaluation errs, 2 for bad arguments."""

from __future__ import annotations

import argparse
import gc
import math
import os
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from api.executors import DaskExecutor, ProcessExecutor
from api.levels_problem import LevelsInputs, build_levels_problem
from api.levels_service import MAX_SCENARIOS, LevelsCommand, current_levels, read_inputs, sample
from api.network_service import RoadContext
from api.services import Database, init_database, today
from api.settings import ROOT, Settings
from optimizer.levels_model import LevelsMethod, LevelsParams, LevelsProblem
from optimizer.stock_levels import MapFn, chunks_for, evaluate_levels, solve_stock_levels

from ._cli import run_main
from ._stock_levels_report import (
    DEFAULT_BUDGET_VND,
    DEFAULT_COUNTS,
    METHODS,
    TARGET_GAP,
    TARGETS,
    BenchParams,
    EvalRow,
    Instance,
    Report,
    SolveRow,
    Target,
    Verdict,
    eval_table,
    fitted_growth,
    growth,
    machine,
    render,
    solve_table,
    verdict_table,
    verdicts,
)

__all__ = [
    "DEFAULT_BUDGET_VND",
    "DEFAULT_COUNTS",
    "METHODS",
    "MIB",
    "TARGETS",
    "TARGET_GAP",
    "BenchParams",
    "EvalRow",
    "Instance",
    "Report",
    "SolveRow",
    "Target",
    "Verdict",
    "build_problem",
    "eval_table",
    "evaluate",
    "fitted_growth",
    "growth",
    "machine",
    "main",
    "memory_source",
    "parse_args",
    "peak_rss_mib",
    "render",
    "reset_peak_rss",
    "run_bench",
    "seeded_inputs",
    "solve",
    "solve_table",
    "verdict_table",
    "verdicts",
]

MIB = 1024 * 1024


def run_bench(params: BenchParams, log: Callable[[str], None]) -> Report:
    """Every count with every method, smallest count first, then the evaluation of today's
    stock over the largest set."""
    report = Report(params, memory_source())
    load_before = _loadavg()
    log("seeding a SQLite database and reading today's books")
    inputs, road = seeded_inputs(ROOT / "data")
    problem: LevelsProblem | None = None
    for count in params.counts:
        problem, instance = build_problem(count, params, inputs, road)
        report.instances.append(instance)
        log(
            f"{count} scenarios: {instance.levels} levels, {instance.lines} demand lines, "
            f"{instance.routes} routes (sampled in {instance.sample_s:.1f} s, "
            f"built in {instance.build_s:.1f} s)"
        )
        for method in params.methods:
            row = solve(problem, count, method, params)
            report.solves.append(row)
            log(f"  {method}: {row.status}, gap {row.gap:.3%}, {row.wall_s:.1f} s")
            if row.status == "error":
                report.errors.append(f"{count} scenarios, {method}: {row.message}")
    if params.evaluate and problem is not None:
        report.evals = evaluate(problem, params, log)
        report.errors += [f"{e.where}: readiness differs" for e in report.evals if not e.same]
    report.load = (load_before, _loadavg())
    return report


def seeded_inputs(data_dir: Path) -> tuple[LevelsInputs, RoadContext]:
    """Today's books of a freshly seeded SQLite database, read as a run reads them."""
    with tempfile.TemporaryDirectory(prefix="chemdepot-bench-levels-") as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}", data_dir=data_dir)
        init_database(settings)
        db = Database(settings.database_url)
        try:
            uow = db.uow()
            with uow.reading():
                inputs, _version = read_inputs(uow, (), today())
        finally:
            db.dispose()
    return inputs, RoadContext.load(data_dir)


def build_problem(
    count: int, params: BenchParams, inputs: LevelsInputs, road: RoadContext
) -> tuple[LevelsProblem, Instance]:
    """The problem a run of `count` scenarios solves, with the product's own functions."""
    settings = Settings(data_dir=ROOT / "data")
    cmd = LevelsCommand(budget_vnd=params.budget_vnd, scenarios=count, seed=params.seed)
    started = time.perf_counter()
    scenarios = sample(settings.data_dir, cmd.scenario_params())
    sampled = time.perf_counter()
    problem = build_levels_problem(
        inputs,
        scenarios.scenarios,
        road.router,
        national_level=settings.national_level,
        budget=float(params.budget_vnd),
        move_cost=cmd.move_cost,
        shore=road.shore(),
    )
    built = time.perf_counter()
    levels = sum(d.can_store(i) for d in problem.depots for i in problem.items)
    lines = sum(len(s.demand) for s in problem.scenarios)
    instance = Instance(
        count, len(problem.items), len(problem.depots), levels, lines, len(problem.ship_cost),
        sampled - started, built - sampled,
    )  # fmt: skip
    return problem, instance


def solve(
    problem: LevelsProblem, count: int, method: LevelsMethod, params: BenchParams
) -> SolveRow:
    """One solve in this process, as the product's job solves; a crash is a row, so that it
    does not hide the other figures."""
    levels_params = LevelsParams(
        time_limit_s=params.time_limit_s, gap=params.gap, method=method, seed=params.seed
    )
    gc.collect()
    reset_peak_rss()
    started = time.perf_counter()
    try:
        res = solve_stock_levels(problem, levels_params)
    except Exception as exc:
        wall = time.perf_counter() - started
        nan = math.nan
        return SolveRow(
            count, method, "", "error", nan, nan, nan, wall, peak_rss_mib(), 0, repr(exc)
        )
    wall = time.perf_counter() - started
    return SolveRow(
        count, method, res.method, res.status, res.objective, res.bound, res.gap, wall,
        peak_rss_mib(), res.iterations, res.message,
    )  # fmt: skip


def evaluate(
    problem: LevelsProblem, params: BenchParams, log: Callable[[str], None]
) -> list[EvalRow]:
    """Readiness of today's stock: in process, on local processes, on a local Dask cluster."""
    levels = current_levels(problem)
    chunks = max(chunks_for(len(problem.scenarios)), params.eval_workers)
    workers = params.eval_workers

    def timed(where: str, map_fn: MapFn | None, start_s: float) -> EvalRow:
        log(f"evaluating today's stock over {len(problem.scenarios)} scenarios: {where}")
        started = time.perf_counter()
        first = evaluate_levels(problem, levels, map_fn=map_fn, chunks=chunks)
        first_s = time.perf_counter() - started
        walls, same = [], first == reference
        for _ in range(params.eval_repeats):
            started = time.perf_counter()
            again = evaluate_levels(problem, levels, map_fn=map_fn, chunks=chunks)
            walls.append(time.perf_counter() - started)
            same = same and again == first
        n = len(problem.scenarios)
        return EvalRow(where, n, chunks, start_s, first_s, tuple(walls), same, first.served_share)

    reference = evaluate_levels(problem, levels, chunks=chunks)
    rows = [timed("in process", None, 0.0)]
    started = time.perf_counter()
    with ProcessExecutor(workers) as local:
        local.map(abs, list(range(workers)))  # start the processes
        rows.append(timed(f"{workers} local processes", local.map, time.perf_counter() - started))
    if params.cluster:
        from distributed import LocalCluster  # the bench pays for the import only when asked

        started = time.perf_counter()
        with (
            LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            DaskExecutor(cluster.scheduler_address) as dask,
        ):
            start_s = time.perf_counter() - started
            rows.append(timed(f"Dask LocalCluster, {workers} workers", dask.map, start_s))
    return rows


def reset_peak_rss() -> bool:
    """Start the process's peak RSS (VmHWM) afresh: Linux, /proc/self/clear_refs."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mib() -> float:
    """The process's peak RSS since the last reset, or since it started without /proc."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        status = ""
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    if found:
        return int(found.group(1)) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux, bytes on macOS
    return peak / MIB if sys.platform == "darwin" else peak / 1024


def memory_source() -> str:
    if reset_peak_rss():
        return (
            "peak RSS of this process during each solve (VmHWM, reset before it through "
            "/proc/self/clear_refs); worker processes are not counted"
        )
    return "ru_maxrss: this process's peak RSS since it started (no reset on this system)"


def _loadavg() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return math.nan


def parse_args(argv: Sequence[str] | None) -> tuple[BenchParams, Path | None]:
    """The parameters and the JSON path; a ValueError naming the bad option."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.stock_levels",
        description="The stock-levels model on the seeded data: extensive form, decomposition "
        "and auto for growing scenario counts, then evaluation throughput.",
    )
    parser.add_argument("--counts", default=",".join(map(str, DEFAULT_COUNTS)),
                        help="comma-separated scenario counts")  # fmt: skip
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated")
    parser.add_argument("--budget", type=int, default=DEFAULT_BUDGET_VND, help="VND for new stock")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per solve")
    parser.add_argument("--gap", type=float, default=LevelsCommand().gap, help="relative gap")
    parser.add_argument("--seed", type=int, default=0, help="the scenarios' and solvers' seed")
    parser.add_argument("--eval-workers", type=int, default=2, help="processes / Dask workers")
    parser.add_argument("--eval-repeats", type=int, default=3, help="timed evaluations each")
    parser.add_argument("--no-cluster", action="store_true", help="no Dask LocalCluster")
    parser.add_argument("--no-eval", action="store_true", help="no evaluation throughput")
    parser.add_argument("--json", type=Path, help="write every row here")
    args = parser.parse_args(argv)
    try:
        counts = sorted({int(c) for c in args.counts.split(",") if c.strip()})
    except ValueError:
        raise ValueError(f"--counts: not a list of whole numbers: {args.counts!r}") from None
    if not counts or not all(1 <= c <= MAX_SCENARIOS for c in counts):
        raise ValueError(f"--counts must be between 1 and {MAX_SCENARIOS}")
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    if not methods or set(methods) - set(METHODS):
        raise ValueError(f"--methods: choose among {', '.join(METHODS)}")
    if args.budget < 0 or not args.time_limit > 0 or not 0 < args.gap < 0.5 or args.seed < 0:
        raise ValueError("--budget must be >= 0, --time-limit > 0, --gap in (0, 0.5), --seed >= 0")
    if args.eval_workers < 1 or args.eval_repeats < 1:
        raise ValueError("--eval-workers and --eval-repeats must be >= 1")
    params = BenchParams(
        counts=tuple(counts),
        methods=tuple(m for m in METHODS if m in methods),
        budget_vnd=args.budget,
        time_limit_s=args.time_limit,
        gap=args.gap,
        seed=args.seed,
        eval_workers=args.eval_workers,
        eval_repeats=args.eval_repeats,
        cluster=not args.no_cluster,
        evaluate=not args.no_eval,
    )
    return params, args.json


def main(argv: Sequence[str] | None = None) -> int:
    """0 once every figure is printed, whatever the verdict; 1 if a solve or an evaluation
    errs; 2 for bad arguments."""
    return run_main(
        "bench.stock_levels",
        lambda: parse_args(argv),
        run_bench,
        render,
        lambda report: not report.errors,
    )


if __name__ == "__main__":
    sys.exit(main())
