"""Routing benchmark on standard instances: chemdepot's production engine beside PyVRP and
VROOM, each with the same wall-clock budget, in the same run.

    python -m bench.routing FILE... [--time-limit S] [--seed N] [--json FILE]
                                    [--solvers chemdepot,pyvrp,vroom[,ortools]]

`chemdepot` is `solve_routing` as plans call it: on these instances, which PyVRP can
express, it runs PyVRP and the OR-Tools model one per core. `ortools` (asked for by
name) is the same engine with `parallel=False`: the OR-Tools model alone, which is all a
dispatch problem gets (PyVRP cannot express its due times and paired pickups).

Every plan, ours and the peers', goes through `check_vrp_solution`; the JSON file keeps
every route in the file's numbering so anyone can check the plans independently. Exit
status 1 if a plan breaks a rule, 2 for bad arguments or a file that is not an instance.
bench/README.md explains the numbers."""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from ._cli import run_main
from .vrp_check import VrpSolution, check_vrp_solution
from .vrp_instances import VrpInstance, read_instance
from .vrp_solvers import solve_chemdepot, solve_pyvrp, solve_vroom

SOLVERS = ("chemdepot", "pyvrp", "vroom")
#: solvers run only when named in --solvers
EXTRA_SOLVERS = ("ortools",)
#: the dispatch issue's target: every instance within 1 % of PyVRP
WITHIN_PYVRP = 1.01
#: per solver, the package it needs and the module that package provides
_PACKAGES = {
    "chemdepot": ("ortools", "ortools"),
    "ortools": ("ortools", "ortools"),
    "pyvrp": ("pyvrp", "pyvrp"),
    "vroom": ("pyvroom", "vroom"),
}


@dataclass(frozen=True)
class BenchParams:
    instances: tuple[tuple[str, VrpInstance], ...]
    time_limit_s: float = 5.0
    seed: int = 0
    solvers: tuple[str, ...] = SOLVERS


@dataclass(frozen=True)
class Outcome:
    """One solver's plan for one instance, with the checker's verdict."""

    instance: str
    solver: str
    solution: VrpSolution
    violations: tuple[str, ...]

    @property
    def cost(self) -> float | None:
        """The plan's cost if it exists and passed the checker, else None."""
        ok = self.solution.feasible and not self.violations
        return self.solution.cost if ok else None

    def as_dict(self, instance: VrpInstance) -> dict[str, Any]:
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
            "feasible": self.cost is not None,
            "message": "; ".join([s.message, *self.violations]).strip("; "),
        }


@dataclass
class Report:
    params: BenchParams
    load_before: float
    rows: list[list[Outcome]] = field(default_factory=list)
    load_after: float = math.nan
    seconds: float = 0.0

    def ratios(self, solver: str, peer: str) -> list[float | None]:
        """solver / peer per instance; None where either plan is missing."""
        out: list[float | None] = []
        for row in self.rows:
            mine, theirs = _cost(row, solver), _cost(row, peer)
            out.append(None if mine is None or theirs is None else mine / theirs)
        return out

    def targets(self) -> dict[str, bool | None]:
        """The dispatch issue's routing targets; None where a solver did not run or a
        plan is missing, so the target cannot be judged."""
        solvers = self.params.solvers
        if "chemdepot" not in solvers:
            return {}
        feasible = all(_cost(row, "chemdepot") is not None for row in self.rows)
        out: dict[str, bool | None] = {"feasible plan on every instance": feasible}
        pyvrp = _complete(self.ratios("chemdepot", "pyvrp")) if "pyvrp" in solvers else None
        vroom = _complete(self.ratios("chemdepot", "vroom")) if "vroom" in solvers else None
        out["geomean cost <= PyVRP's"] = None if pyvrp is None else geomean(pyvrp) <= 1.0
        out["every instance within 1% of PyVRP"] = (
            None if pyvrp is None else max(pyvrp) <= WITHIN_PYVRP
        )
        out["never worse than VROOM"] = None if vroom is None else max(vroom) <= 1.0
        return out

    def as_dict(self) -> dict[str, Any]:
        instances = dict(self.params.instances)
        return {
            "time_limit_s": self.params.time_limit_s,
            "seed": self.params.seed,
            "load_average_before": self.load_before,
            "load_average_after": self.load_after,
            "targets": self.targets(),
            "plans": [o.as_dict(instances[o.instance]) for row in self.rows for o in row],
        }


def geomean(values: Sequence[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _complete(ratios: list[float | None]) -> list[float] | None:
    done = [r for r in ratios if r is not None]
    return done if ratios and len(done) == len(ratios) else None


def _cost(row: list[Outcome], solver: str) -> float | None:
    return next((o.cost for o in row if o.solver == solver), None)


def run_bench(params: BenchParams, log: Callable[[str], None]) -> Report:
    """Each instance with each solver in turn, chemdepot first, the same budget for all."""
    started = time.perf_counter()
    runners: dict[str, Callable[[VrpInstance], VrpSolution]] = {
        "chemdepot": lambda i: solve_chemdepot(i, params.time_limit_s, params.seed),
        "ortools": lambda i: solve_chemdepot(i, params.time_limit_s, params.seed, False),
        "pyvrp": lambda i: solve_pyvrp(i, params.time_limit_s, params.seed),
        "vroom": lambda i: solve_vroom(i, params.time_limit_s),
    }
    report = Report(params, load_before=_loadavg())
    for name, instance in params.instances:
        log(f"{name}: {len(instance.clients)} clients, {instance.kind}")
        row = []
        for solver in params.solvers:
            solution = runners[solver](instance)
            violations = tuple(check_vrp_solution(instance, solution)) if solution.feasible else ()
            row.append(Outcome(name, solver, solution, violations))
        report.rows.append(row)
    report.load_after = _loadavg()
    report.seconds = time.perf_counter() - started
    return report


def _loadavg() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return math.nan


def render(report: Report, console: Console) -> None:
    params = report.params
    versions = ", ".join(f"{p} {_version(p)}" for p, _ in _PACKAGES.values())
    console.print(
        f"routing: {len(params.instances)} instances, {params.time_limit_s:g} s per solver, "
        f"seed {params.seed}; {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{versions}; 1-min load average {report.load_before:.2f} before, "
        f"{report.load_after:.2f} after"
    )
    instances = dict(params.instances)
    for row in report.rows:
        console.print(_instance_table(row[0].instance, instances[row[0].instance], row))
    console.print(_ratio_table(report))
    for target, met in report.targets().items():
        verdict = "n/a (a solver did not run or a plan is missing)" if met is None else "NOT MET"
        console.print(f"target {target}: {'MET' if met else verdict}", soft_wrap=True)
    console.print(f"total {report.seconds:.0f} s")


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _instance_table(name: str, instance: VrpInstance, row: list[Outcome]) -> Table:
    pyvrp = _cost(row, "pyvrp")
    table = Table(
        title=f"{name}: {instance.kind}, {len(instance.clients)} clients",
        caption=instance.convention,
        box=box.SIMPLE_HEAD,
    )
    for column in ("solver", "cost", "vehicles", "wall s", "vs PyVRP", "check"):
        table.add_column(column, justify="left" if column in ("solver", "check") else "right")
    for o in row:
        s, cost = o.solution, o.cost
        table.add_row(
            o.solver,
            "-" if cost is None else f"{cost:,.{1 if instance.scale > 1 else 0}f}",
            str(s.vehicles) if s.feasible else "-",
            f"{s.wall_s:.2f}",
            "-" if cost is None or pyvrp is None else f"{cost / pyvrp:.4f}",
            "ok" if cost is not None else "; ".join([s.message, *o.violations][:3]).strip("; "),
        )
    return table


def _ratio_table(report: Report) -> Table:
    pairs = [
        (a, b)
        for a, b in (
            ("chemdepot", "pyvrp"),
            ("vroom", "pyvrp"),
            ("chemdepot", "vroom"),
            ("ortools", "pyvrp"),
        )
        if a in report.params.solvers and b in report.params.solvers
    ]
    table = Table(title="cost ratios (lower is better for the first)", box=box.SIMPLE_HEAD)
    table.add_column("instance")
    for a, b in pairs:
        table.add_column(f"{a} / {b}", justify="right")
    columns = [report.ratios(a, b) for a, b in pairs]
    for i, (name, _) in enumerate(report.params.instances):
        table.add_row(name, *("-" if c[i] is None else f"{c[i]:.4f}" for c in columns))
    for label, pick in (("geomean", geomean), ("worst", max)):
        cells = []
        for c in columns:
            done = _complete(c)
            cells.append("n/a" if done is None else f"{pick(done):.4f}")
        table.add_row(label, *cells)
    return table


def _params_from_args(argv: Sequence[str] | None) -> tuple[BenchParams, Path | None]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.routing",
        description="chemdepot's routing engine against PyVRP and VROOM on VRPLIB / "
        "Solomon instances, the same wall-clock budget each, every plan checked.",
    )
    parser.add_argument("files", nargs="+", type=Path, help="VRPLIB (.vrp) or Solomon files")
    parser.add_argument("--time-limit", type=float, default=5.0, help="seconds per solver")
    parser.add_argument(
        "--seed", type=int, default=0, help="PyVRP's seed, and the engine's (default 0)"
    )
    parser.add_argument("--solvers", default=",".join(SOLVERS), help="comma-separated")
    parser.add_argument("--json", type=Path, help="also write every plan to this JSON file")
    args = parser.parse_args(argv)
    if not args.time_limit >= 0.1 or args.seed < 0:
        raise ValueError("--time-limit must be >= 0.1 and --seed >= 0")
    solvers = tuple(s.strip() for s in args.solvers.split(",") if s.strip())
    known = SOLVERS + EXTRA_SOLVERS
    unknown = sorted(set(solvers) - set(known))
    if unknown or not solvers:
        raise ValueError(f"--solvers: unknown {', '.join(unknown) or '(none)'}; use {known}")
    for solver in solvers:
        package, module = _PACKAGES[solver]
        try:
            __import__(module)
        except ImportError:
            raise ValueError(f"{solver} needs {package}: pip install -e '.[bench]'") from None
    # Instance folders carry their README; skipping it keeps `bench/instances/*` working.
    files = [p for p in args.files if p.suffix.lower() != ".md"]
    if not files:
        raise ValueError("no instance files given")
    instances = tuple((p.name, read_instance(p)) for p in files)
    return BenchParams(instances, args.time_limit, args.seed, solvers), args.json


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(
        "bench.routing",
        lambda: _params_from_args(argv),
        run_bench,
        render,
        lambda report: all(not o.violations for row in report.rows for o in row),
    )


if __name__ == "__main__":
    sys.exit(main())
