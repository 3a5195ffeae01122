"""What the stock-levels bench reports, apart from how it measures: its rows, the verdicts
against the issue's targets with the growth arithmetic behind them, the tables and the JSON.
Kept apart so that `bench.stock_levels` stays the running of the solves and evaluations."""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from typing import Any

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table

from api.levels_service import LevelsCommand
from optimizer.levels_model import LevelsMethod

METHODS: tuple[LevelsMethod, ...] = ("extensive", "decomposition", "auto")
DEFAULT_COUNTS = (50, 200, 1000, 5000)
#: VND for new stock. 20 billion binds on the seeded data: a 200-scenario run spends it all.
DEFAULT_BUDGET_VND = 20_000_000_000
TARGET_GAP = 0.01


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
