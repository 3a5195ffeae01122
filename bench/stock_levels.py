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
import platform
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table

from api.executors import DaskExecutor, ProcessExecutor
from api.levels_problem import LevelsInputs, build_levels_problem
from api.levels_service import MAX_SCENARIOS, LevelsCommand, current_levels, read_inputs, sample
from api.network_service import RoadContext
from api.services import Database, init_database, today
from api.settings import ROOT, Settings
from optimizer.levels_model import LevelsMethod, LevelsParams, LevelsProblem
from optimizer.stock_levels import MapFn, chunks_for, evaluate_levels, solve_stock_levels

from ._cli import run_main

METHODS: tuple[LevelsMethod, ...] = ("extensive", "decomposition", "auto")
DEFAULT_COUNTS = (50, 200, 1000, 5000)
#: VND for new stock. 20 billion binds on the seeded data: a 200-scenario run spends it all.
DEFAULT_BUDGET_VND = 20_000_000_000
TARGET_GAP = 0.01
MIB = 1024 * 1024


@dataclass(frozen=True)
class Target:
    count: int
    seconds: float
    memory_mib: float | None = None

    @property
    def label(self) -> str:
        memory = f", peak RSS < {self.memory_mib / 1024:g} GiB" if self.memory_mib else ""
        return f"{self.count:,} scenarios: gap < {TARGET_GAP:.0%}, < {self.seconds:g} s{memory}"


#: The issue's targets.
TARGETS = (Target(1000, 60.0), Target(5000, 300.0, 8 * 1024))


@dataclass(frozen=True)
class BenchParams:
    counts: tuple[int, ...] = DEFAULT_COUNTS
    methods: tuple[LevelsMethod, ...] = METHODS
    budget_vnd: int = DEFAULT_BUDGET_VND
    time_limit_s: float = 300.0
    gap: float = LevelsCommand().gap
    seed: int = 0
    eval_workers: int = 2
    eval_repeats: int = 3
    cluster: bool = True
    evaluate: bool = True


@dataclass(frozen=True)
class Instance:
    count: int
    items: int
    depots: int
    #: depot x item pairs the depot can store: the first stage's variables
    levels: int
    lines: int
    routes: int
    sample_s: float
    build_s: float


@dataclass(frozen=True)
class SolveRow:
    count: int
    method: str
    #: the method that ran (what `auto` chose)
    ran: str
    status: str
    objective: float
    bound: float
    gap: float
    wall_s: float
    peak_rss_mib: float
    iterations: int = 0
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("optimal", "feasible")


@dataclass(frozen=True)
class EvalRow:
    where: str
    scenarios: int
    chunks: int
    #: starting the workers (the processes, or the cluster and a client)
    start_s: float
    #: the first call, left out of the median: the workers import the model on it
    first_s: float
    walls: tuple[float, ...]
    #: the same readiness as in process, to the bit
    same: bool
    served_share: float

    @property
    def median_s(self) -> float:
        return float(np.median(self.walls))

    @property
    def rate(self) -> float:
        return self.scenarios / self.median_s if self.median_s > 0 else math.nan


@dataclass(frozen=True)
class Verdict:
    target: str
    method: str
    #: None: not measured
    met: bool | None
    detail: str


@dataclass
class Report:
    params: BenchParams
    memory: str
    instances: list[Instance] = field(default_factory=list)
    solves: list[SolveRow] = field(default_factory=list)
    evals: list[EvalRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    load: tuple[float, float] = (math.nan, math.nan)

    def row(self, count: int, method: str) -> SolveRow | None:
        return next((r for r in self.solves if (r.count, r.method) == (count, method)), None)

    def as_dict(self) -> dict[str, Any]:
        base = {r.count: r for r in self.solves if r.method == "extensive"}
        solves = [
            asdict(r)
            | {
                "ms_per_scenario": 1000 * r.wall_s / r.count,
                "growth_exponent": growth(self.solves, r),
                "wall_over_extensive": _ratio(r.wall_s, base[r.count].wall_s)
                if r.count in base
                else None,
            }
            for r in self.solves
        ]
        inproc = self.evals[0].rate if self.evals else math.nan
        evals = [
            asdict(e) | {"median_s": e.median_s, "rate": e.rate, "over_in_process": e.rate / inproc}
            for e in self.evals
        ]
        out: dict[str, Any] = _finite(
            {
                "machine": machine(),
                "params": asdict(self.params),
                "memory": self.memory,
                "load_average": list(self.load),
                "instances": [asdict(i) for i in self.instances],
                "solves": solves,
                "evaluations": evals,
                "verdicts": [asdict(v) for v in verdicts(self)],
                "errors": self.errors,
            }
        )
        return out


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
        shore={h: place.point for h, place in road.hazards.items()},
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


def growth(rows: Sequence[SolveRow], row: SolveRow) -> float:
    """d ln(wall) / d ln(count) from the same method's previous count: 1 is linear."""
    before = [r for r in rows if r.method == row.method and r.ok and r.count < row.count]
    if not row.ok or not before:
        return math.nan
    prev = max(before, key=lambda r: r.count)
    return math.log(row.wall_s / prev.wall_s) / math.log(row.count / prev.count)


def fitted_growth(rows: Sequence[SolveRow], method: str) -> float:
    """The least-squares slope of ln(wall) on ln(count) over a method's solved counts."""
    points = [(r.count, r.wall_s) for r in rows if r.method == method and r.ok and r.wall_s > 0]
    if len({n for n, _ in points}) < 2:
        return math.nan
    n, t = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(n, t, 1)[0])


def verdicts(report: Report) -> list[Verdict]:
    out = []
    for target in TARGETS:
        for method in report.params.methods:
            row = report.row(target.count, method)
            if row is None:
                out.append(Verdict(target.label, method, None, "not measured"))
                continue
            met = row.ok and row.gap < TARGET_GAP and row.wall_s < target.seconds
            detail = f"gap {row.gap:.2%}, {row.wall_s:.1f} s"
            if target.memory_mib is not None:
                met = met and row.peak_rss_mib < target.memory_mib
                detail += f", {row.peak_rss_mib:,.0f} MiB"
            out.append(Verdict(target.label, method, met, detail))
    label = "wall time grows no faster than linearly (fitted exponent <= 1)"
    for method in report.params.methods:
        exponent = fitted_growth(report.solves, method)
        # judged as printed, to two decimals: a linear fit is 1.0000000001 in floating point
        linear = None if math.isnan(exponent) else round(exponent, 2) <= 1.0
        detail = "fewer than 2 counts solved" if linear is None else f"exponent {exponent:.2f}"
        out.append(Verdict(label, method, linear, detail))
    return out


def render(report: Report, console: Console) -> None:
    p = report.params
    console.print(
        f"stock levels on the seeded data: budget {p.budget_vnd:,} VND, gap {p.gap:g}, "
        f"{p.time_limit_s:g} s per solve, seed {p.seed}; {machine()['summary']}; 1-min load "
        f"average {report.load[0]:.2f} before, {report.load[1]:.2f} after"
    )
    console.print(f"peak memory: {report.memory}")
    sizes = Table(box=box.SIMPLE_HEAD, title="problems")
    for column in ("scenarios", "items", "depots", "levels", "demand lines", "routes",
                   "sample s", "build s"):  # fmt: skip
        sizes.add_column(column, justify="right")
    for i in report.instances:
        sizes.add_row(*(f"{v:,}" for v in (i.count, i.items, i.depots, i.levels, i.lines,
                      i.routes)), f"{i.sample_s:.2f}", f"{i.build_s:.2f}")  # fmt: skip
    console.print(sizes)
    console.print(solve_table(report))
    if report.evals:
        console.print(eval_table(report.evals))
    console.print(verdict_table(report))
    for error in report.errors:
        console.print(f"error: {error}")


def solve_table(report: Report) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title="solves (in this process, as a run solves)")
    columns = ("scenarios", "method", "status", "objective", "bound", "gap", "wall s",
               "ms/scen.", "growth", "wall/ext", "obj/ext", "RSS MiB")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column in columns[1:3] else "right")
    for r in report.solves:
        ext = report.row(r.count, "extensive")
        method = r.method if r.ran in ("", r.method) else f"{r.method} ({r.ran})"
        table.add_row(
            f"{r.count:,}",
            method,
            r.status,
            _figure(r.objective, ",.2f"),
            _figure(r.bound, ",.2f"),
            _figure(r.gap, ".3%"),
            f"{r.wall_s:.2f}",
            f"{1000 * r.wall_s / r.count:.2f}",
            _figure(growth(report.solves, r), ".2f"),
            "-" if ext is None else _figure(_ratio(r.wall_s, ext.wall_s), ".2f"),
            "-" if ext is None else _figure(_ratio(r.objective, ext.objective), ".5f"),
            _figure(r.peak_rss_mib, ",.0f"),
        )
    return table


def eval_table(rows: Sequence[EvalRow]) -> Table:
    share = rows[0].served_share
    title = f"evaluate_levels of today's stock ({share:.1%} of scenarios served in time)"
    table = Table(box=box.SIMPLE_HEAD, title=title)
    columns = ("where", "scenarios", "chunks", "start s", "first call s", "median s",
               "scenarios / s", "/ in process", "same readiness")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "where" else "right")
    for e in rows:
        table.add_row(
            e.where, f"{e.scenarios:,}", str(e.chunks), f"{e.start_s:.2f}", f"{e.first_s:.3f}",
            f"{e.median_s:.3f}",
            f"{e.rate:,.0f}", f"{e.rate / rows[0].rate:.2f}", "yes" if e.same else "NO",
        )  # fmt: skip
    return table


def verdict_table(report: Report) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title="against the issue's targets")
    table.add_column("target")
    for method in report.params.methods:
        table.add_column(method)
    found = verdicts(report)
    for label in dict.fromkeys(v.target for v in found):
        cells = {v.method: v for v in found if v.target == label}
        table.add_row(label, *(_verdict(cells[m]) for m in report.params.methods))
    return table


def _verdict(v: Verdict) -> str:
    if v.met is None:
        return v.detail
    return f"{'met' if v.met else 'NOT met'}: {v.detail}"


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


def machine() -> dict[str, Any]:
    versions = {p: version(p) for p in ("highspy", "ortools", "numpy", "distributed")}
    cpu = platform.processor() or platform.machine()
    summary = f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, " + ", ".join(
        f"{p} {v}" for p, v in versions.items()
    )
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "versions": versions, "summary": summary}  # fmt: skip


def _ratio(a: float, b: float) -> float:
    return a / b if math.isfinite(a) and math.isfinite(b) and b > 0 else math.nan


def _figure(value: float, spec: str) -> str:
    return format(value, spec) if math.isfinite(value) else "-"


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


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
