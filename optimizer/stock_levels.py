"""Stock levels per depot and item (two-stage stochastic prepositioning, Rawls & Turnquist
2010 style): `solve_stock_levels` sets the levels, `evaluate_levels` tells what given levels
buy over the scenarios.

The model is in `levels_model.py`. Two ways to solve it: the deterministic equivalent in
MathOpt (the reference, and the faster one on few scenarios), and an L-shaped
decomposition whose scenario subproblems are solved exactly and can be fanned out to worker
processes through a `MapFn`."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping

import numpy as np

from ._levels_data import (
    FloatArray,
    LevelsData,
    MethodOutcome,
    cell_conflicts,
    compile_problem,
    relative_gap,
)
from ._levels_decomposition import solve_decomposition
from ._levels_extensive import solve_extensive
from ._levels_outcomes import readiness
from ._levels_recourse import MapFn, Recourse
from .errors import InvalidProblemError
from .levels_model import (
    Level,
    LevelsParams,
    LevelsProblem,
    LevelsResult,
    LevelsStatus,
    Readiness,
)

__all__ = ["MapFn", "Progress", "evaluate_levels", "solve_stock_levels"]

#: `progress(fraction done, a line of log)`; the fraction never decreases.
Progress = Callable[[float, str], None]

#: The decomposition's scenario subproblems go out in pieces of about this many scenarios,
#: at most this many pieces, and at least one per worker and two (in this process the pieces
#: run on a thread per core, so two pieces use both of this machine's cores).
SCENARIOS_PER_CHUNK = 125
MAX_CHUNKS = 16
#: "auto" decomposes above this many scenarios. Measured (2 shared cores): on seeded-like
#: problems (17 depots, 76 items, integer, gap 1 %) the extensive form took 0.6 s at 100
#: scenarios, 3.6 s at 200, 13 s at 1,000; the decomposition 0.4, 0.7 and 3.9 s. On the
#: format's instances (30 depots, 3 items, integer, gap 0.1 %) the decomposition was 8 and
#: 3 times faster at 50 and 200 scenarios but, at 10, 25 and 100, proved the gap later
#: than the extensive form or not within 120 s; continuous, both take under a second up to
#: 100 scenarios and the decomposition wins from there (1.2 s against 9.9 s at 400).
AUTO_DECOMPOSE_ABOVE = 100


def solve_stock_levels(
    problem: LevelsProblem,
    params: LevelsParams | None = None,
    *,
    map_fn: MapFn | None = None,
    progress: Progress | None = None,
) -> LevelsResult:
    """The levels that minimise the first-stage cost plus the expected second stage.

    `params.solver` solves the extensive form; the decomposition's master is HiGHS.
    `map_fn` runs the scenario subproblems (in this process when None), cut into pieces by
    the number of scenarios and `params.workers`, so the pieces do not depend on where they
    run. An infeasible or unsolved problem is a result with that status, not an error."""
    params = params or LevelsParams()
    clock = _Clock(params.time_limit_s, progress)
    method = _method(problem, params)
    conflicts = cell_conflicts(problem)
    if conflicts:
        return _failed("infeasible", method, "; ".join(conflicts), clock)
    data = compile_problem(problem)
    clock.report(
        f"{method}: {len(data.first.cells.keys)} levels, {len(problem.scenarios)} "
        f"scenarios, {len(data.second.arc_line)} routes"
    )
    recourse = Recourse(
        data.second,
        len(data.first.cells.keys),
        chunks=chunks_for(len(problem.scenarios), params.workers),
        map_fn=map_fn,
    )
    if method == "extensive":
        found = solve_extensive(data, params, clock.left, clock.report)
    else:
        found = solve_decomposition(data, params, recourse, clock.left, clock.report)
    return _result(data, params, method, found, recourse, clock)


def chunks_for(n_scenarios: int, workers: int = 1) -> int:
    """Pieces the scenarios are cut into: from the problem and the parameters only, not from
    whether a map is given, so that the same parameters cut the same LPs."""
    return max(workers, min(MAX_CHUNKS, n_scenarios // SCENARIOS_PER_CHUNK), min(2, n_scenarios), 1)


def _method(problem: LevelsProblem, params: LevelsParams) -> str:
    if params.method != "auto":
        return params.method
    return "decomposition" if len(problem.scenarios) > AUTO_DECOMPOSE_ABOVE else "extensive"


class _Clock:
    """Time left, and progress lines with a fraction that never goes back."""

    def __init__(self, limit: float, progress: Progress | None) -> None:
        self.start = time.monotonic()
        self.limit = limit
        self.progress = progress
        self.fraction = 0.0
        self.log: list[str] = []

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def left(self) -> float:
        return self.limit - self.elapsed()

    def report(self, line: str, fraction: float = 0.0) -> None:
        self.fraction = min(1.0, max(self.fraction, fraction, self.elapsed() / self.limit))
        self.log.append(line)
        if self.progress is not None:
            self.progress(self.fraction, line)


def _failed(status: str, method: str, message: str, clock: _Clock) -> LevelsResult:
    clock.report(message, 1.0)
    return LevelsResult(
        status="infeasible" if status == "infeasible" else "error",
        objective=math.inf,
        bound=math.inf if status == "infeasible" else -math.inf,
        gap=math.inf,
        wall_s=clock.elapsed(),
        method=method,
        levels=(),
        message=message,
        log=tuple(clock.log),
    )


def _result(
    data: LevelsData,
    params: LevelsParams,
    method: str,
    found: MethodOutcome,
    recourse: Recourse,
    clock: _Clock,
) -> LevelsResult:
    """The result at the method's levels, their objective evaluated exactly."""
    for line in found.log:
        if line not in clock.log:
            clock.log.append(line)
    if found.x is None:
        return _failed(found.status, method, found.message, clock)
    first = data.first
    x = _clean(data, found.x)
    if found.value is not None and np.array_equal(x, found.x):
        objective = found.value
    else:
        weights = data.second.prob[data.second.group_scen]
        objective = first.cost(x) + float(weights @ recourse.solve(x).group_value)
    bound = min(found.bound, objective)
    gap = relative_gap(objective, bound)
    status: LevelsStatus = "optimal" if gap <= params.gap + 1e-12 else "feasible"
    broken = first.violations(x)
    message = "; ".join([found.message, *broken]).strip("; ")
    clock.report(f"{status}: objective {objective:.8g}, bound {bound:.8g}, gap {gap:.4%}", 1.0)
    return LevelsResult(
        status=status if not broken else "error",
        objective=objective,
        bound=bound,
        gap=gap,
        wall_s=clock.elapsed(),
        method=method,
        levels=tuple(
            Level(d, i, float(q)) for (d, i), q in zip(first.cells.keys, x.tolist(), strict=True)
        ),
        spent=first.spent(x),
        moved=first.moved(x),
        iterations=found.iterations,
        message=message,
        log=tuple(clock.log),
    )


def _clean(data: LevelsData, x: FloatArray) -> FloatArray:
    """Within the cells' bounds, whole numbers when levels are integer; a continuous level
    within 1e-9 of a whole number is that number (a solver's 7e-15 is no stock, and would
    spend a zero budget)."""
    c = data.first.cells
    x = np.clip(x, c.lower, c.upper)
    whole = np.round(x)
    return whole if data.first.integer else np.where(np.abs(x - whole) < 1e-9, whole, x)


def evaluate_levels(
    problem: LevelsProblem,
    levels: Mapping[tuple[str, str], float],
    *,
    map_fn: MapFn | None = None,
    chunks: int = 1,
) -> Readiness:
    """Each scenario's second stage solved exactly at `levels` ((depot, item) -> units;
    absent pairs hold 0), and the readiness that buys. `map_fn` runs the `chunks` pieces of
    the scenario set (in this process when None)."""
    if chunks < 1:
        raise InvalidProblemError("chunks must be >= 1")
    _check_levels(problem, levels)
    held = frozenset(k for k, q in levels.items() if q > 0)
    data = compile_problem(problem, extra_cells=held)
    x = np.array([float(levels.get(k, 0.0)) for k in data.first.cells.keys])
    sol = Recourse(data.second, len(x), chunks=chunks, map_fn=map_fn).solve(x, detail=True)
    return readiness(data.second, sol)


def _check_levels(problem: LevelsProblem, levels: Mapping[tuple[str, str], float]) -> None:
    depots = {d.id for d in problem.depots}
    items = {i.id for i in problem.items}
    for (depot, item), qty in levels.items():
        if depot not in depots or item not in items:
            raise InvalidProblemError(f"levels name an unknown depot or item ({depot}, {item})")
        if not math.isfinite(qty) or qty < 0:
            raise InvalidProblemError(f"level of ({depot}, {item}) must be a number >= 0")
