"""L-shaped (Benders) decomposition of the stock-levels model, multi-cut.

The master holds the first stage and one estimate `theta[b]` per block of the expected
second stage; each iteration solves every scenario's second stage exactly at the master's
levels and adds a cut to each block the master underestimates. A block is one item's groups
in one cluster of scenarios: items share nothing in the second stage, so a cut of one item
has at most one term per depot, and a master with per-item cuts learns far more per row than
one with per-scenario cuts. Clusters keep the master small when there are thousands of
scenarios.

Bounds: the master's optimum is a lower bound (the cuts underestimate the recourse); the
first-stage cost plus the exact expected recourse at any feasible levels is an upper bound.
With integer levels the LP relaxation comes first (its bound holds for the integer problem),
then its levels rounded down and repaired, and, while the gap is above the target, the
master with integer levels, whose bound is the integer problem's."""

from __future__ import annotations

import datetime
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.math_opt.elemental.python import enums
from ortools.math_opt.python import mathopt

from ._levels_data import (
    FirstStage,
    FloatArray,
    IntArray,
    LevelsData,
    MethodOutcome,
    relative_gap,
    sum_by,
)
from ._levels_extensive import (
    CONFLICT,
    INFEASIBLE,
    SOLVERS,
    add_first_stage_limits,
    add_levels,
    add_objective,
)
from ._levels_hotlp import HotLp
from ._levels_integer import finish_integer
from ._levels_recourse import Recourse, RecourseSolution
from .levels_model import LevelsParams

Report = Callable[[str, float], None]
_COEFFICIENT = enums.DoubleAttr2.LINEAR_CONSTRAINT_COEFFICIENT

#: About this many blocks (each item's scenarios in clusters), unless there are fewer
#: (item, scenario) pairs. More blocks learn more per iteration, but every row of the master
#: costs in each of its (cold) solves. Measured on seeded-like problems (76 items, 17 depots,
#: integer, gap 1 %): 1,000 scenarios took 3.5-4.8 s with 4 to 1,000 clusters per item;
#: 5,000 took 9.5 s with 16 clusters, 23 s with 64, 33 s with 5,000.
TARGET_BLOCKS = 1200
#: ... and at most this many clusters per item. On the format's instances (3 items, integer,
#: gap 0.1 %) 100 clusters per item solved 1,000 scenarios in 1.0 s against 1.7 s with 400
#: (the cap of 1,200 blocks), and 200 scenarios in 0.3-0.4 s against 0.8-1.2 s with one
#: cluster per scenario; on the seeded problem (about 60 items asked for, so 20 clusters
#: each) the cap changes nothing.
MAX_CLUSTERS = 100
#: A cut is added when the master underestimates its block by more than this (absolute,
#: plus 1e-9 relative): HiGHS keeps rows to 1e-7, so a cut already in the master never is.
CUT_TOL = 1e-6


@dataclass(frozen=True)
class Blocks:
    """Groups -> blocks, and the (block, cell) terms the cuts can have (sorted by block)."""

    n: int
    group_block: IntArray
    pair_block: IntArray
    pair_term: IntArray
    term_cell: IntArray
    term_start: IntArray


def make_blocks(data: LevelsData, clusters: int) -> Blocks:
    sec = data.second
    n_scen = max(len(sec.prob), 1)
    cluster = sec.group_scen * clusters // n_scen
    raw = sec.group_item * clusters + cluster
    used, group_block = np.unique(raw, return_inverse=True)
    pair_block = group_block[sec.pair_group]
    n_cells = max(len(data.first.cells.keys), 1)
    term_key, pair_term = np.unique(pair_block * n_cells + sec.pair_cell, return_inverse=True)
    term_block = term_key // n_cells
    return Blocks(
        n=len(used),
        group_block=group_block.astype(np.int64),
        pair_block=pair_block.astype(np.int64),
        pair_term=pair_term.astype(np.int64),
        term_cell=term_key % n_cells,
        term_start=np.searchsorted(term_block, np.arange(len(used) + 1)).astype(np.int64),
    )


def _set_coefficients(model: mathopt.Model, keys: IntArray, values: FloatArray) -> None:
    """Row x variable coefficients ((row id, variable id) per line), in one call where this
    OR-Tools has its model's bulk setter: one call per coefficient costs more than the
    master's solve once there are a few thousand cuts (measured: 0.2 s of 1.1 s at 1,000
    scenarios). The setter is not public API, so the public one-by-one path is kept."""
    bulk = getattr(getattr(model, "_elemental", None), "set_attrs", None)
    if bulk is not None:
        bulk(_COEFFICIENT, keys, values)
        return
    for (row_id, var_id), value in zip(keys.tolist(), values.tolist(), strict=True):
        model.get_linear_constraint(row_id).set_coefficient(model.get_variable(var_id), value)


@dataclass(frozen=True)
class MasterSolution:
    x: FloatArray
    theta: FloatArray
    bound: float


@dataclass(frozen=True)
class NoSolution:
    reason: str
    bound: float


class Master:
    """The first stage with the blocks' estimates, in MathOpt; with HiGHS it is solved in a
    copy kept warm between iterations (`_levels_hotlp`), with SCIP from the model itself."""

    def __init__(self, first: FirstStage, n_blocks: int, params: LevelsParams) -> None:
        self.first = first
        self.params = params
        self.model = mathopt.Model(name="levels_master")
        self.x = add_levels(self.model, first, integer=False)
        add_first_stage_limits(self.model, first, self.x)
        self.theta = [self.model.add_variable(lb=0.0, name=f"theta{b}") for b in range(n_blocks)]
        add_objective(self.model, first, self.x, [(t, 1.0) for t in self.theta])
        self.integer = False
        self.cuts = 0
        self.cutoff: mathopt.LinearConstraint | None = None
        #: each cut's block, right-hand side, and its terms' cells and coefficients
        self.rows: list[tuple[int, float, IntArray, FloatArray]] = []
        #: the continuous master kept warm in HiGHS (`_levels_hotlp`), once first solved
        self.hot: HotLp | None = None

    def make_integer(self) -> None:
        """Integer levels from now on, and a row that keeps the objective below a cutoff
        (MathOpt's HiGHS takes no cutoff parameter): the search then skips every node that
        cannot beat the best levels known, and an infeasible master proves them."""
        for var in self.x:
            var.integer = True
        self.integer = True
        if self.hot is not None:
            self.hot.make_integer(np.array([v.id for v in self.x], dtype=np.int64))
        objective = self.model.objective
        self.cutoff = self.model.add_linear_constraint(name="cutoff")
        for term in objective.linear_terms():
            self.cutoff.set_coefficient(term.variable, term.coefficient)

    def set_cutoff(self, value: float) -> None:
        if self.cutoff is not None:
            self.cutoff.upper_bound = value - self.model.objective.offset
        if self.hot is not None and self.hot.integer:
            self.hot.set_cutoff(value)

    def add_cuts(
        self, blocks: Blocks, which: IntArray, alpha: FloatArray, beta: FloatArray
    ) -> None:
        """`theta[b] >= alpha[b] - sum beta[term] x[cell]` for each block b in `which`: into
        the HiGHS copy once there is one (then it alone is solved), else into MathOpt."""
        x_ids = np.array([v.id for v in self.x], dtype=np.int64)
        ids: list[IntArray] = []
        values: list[FloatArray] = []
        for b in which.tolist():
            lo, hi = int(blocks.term_start[b]), int(blocks.term_start[b + 1])
            positive = beta[lo:hi] > 0
            cells, coefs = blocks.term_cell[lo:hi][positive], beta[lo:hi][positive]
            ids.append(np.append(x_ids[cells], self.theta[b].id))
            values.append(np.append(coefs, 1.0))
            self.rows.append((b, float(alpha[b]), cells, coefs))
        if not ids:
            return
        if self.hot is not None:
            self.hot.add_cuts(alpha[which], ids, values)
        else:
            keys = []
            for b, var_ids in zip(which.tolist(), ids, strict=True):
                row = self.model.add_linear_constraint(lb=float(alpha[b]))
                keys.append(np.column_stack([np.full(len(var_ids), row.id), var_ids]))
            _set_coefficients(self.model, np.concatenate(keys), np.concatenate(values))
        self.cuts += len(which)

    def solve(self, time_limit: float, gap: float) -> MasterSolution | NoSolution:
        """The master's optimum, or why there is none and the bound proven anyway."""
        if self.params.solver == "highs" and (self.hot is not None or not self.integer):
            return self._solve_hot(time_limit, gap)
        result = mathopt.solve(
            self.model,
            SOLVERS[self.params.solver],
            params=mathopt.SolveParameters(
                time_limit=datetime.timedelta(seconds=max(0.05, time_limit)),
                relative_gap_tolerance=gap,
                random_seed=self.params.seed,
                # a master of cuts has little for presolve to find; measured on the format's
                # instances: a 1,000-scenario run took 0.90 s without it, 1.04 s with it
                presolve=None if self.integer else mathopt.Emphasis.OFF,
            ),
        )
        reason = result.termination.reason
        bound = float(result.termination.objective_bounds.dual_bound)
        if reason in INFEASIBLE:
            # with a cutoff row: no levels beat it, so the cutoff is a bound
            return NoSolution("infeasible" if self.cutoff is None else "cutoff", math.inf)
        if not result.has_primal_feasible_solution():
            return NoSolution(f"the master stopped ({reason.name.lower()})", bound)
        c = self.first.cells
        x = np.clip(np.array(result.variable_values(self.x)), c.lower, c.upper)
        if self.integer:
            x = np.round(x)
        return MasterSolution(x, np.array(result.variable_values(self.theta)), bound)

    def _solve_hot(self, time_limit: float, gap: float) -> MasterSolution | NoSolution:
        """The master re-solved in its HiGHS copy (`_levels_hotlp`), as `solve` says."""
        if self.hot is None:
            self.hot = HotLp(self.model, self.params.seed)
        found = self.hot.solve(time_limit, gap)
        if found.infeasible:
            return NoSolution("infeasible" if self.cutoff is None else "cutoff", math.inf)
        if not found.feasible:
            return NoSolution("the master stopped before a solution", found.bound)
        c = self.first.cells
        x_ids = np.array([v.id for v in self.x], dtype=np.int64)
        theta_ids = np.array([t.id for t in self.theta], dtype=np.int64)
        x = np.clip(found.values[x_ids], c.lower, c.upper)
        if self.integer:
            x = np.round(x)
        return MasterSolution(x, found.values[theta_ids], found.bound)


class Cuts:
    """A recourse solution turned into one cut per block."""

    def __init__(self, data: LevelsData, blocks: Blocks) -> None:
        sec = data.second
        self.blocks = blocks
        self.group_weight = sec.prob[sec.group_scen]
        self.pair_weight = sec.prob[sec.group_scen[sec.pair_group]] * sec.pair_retention
        self.pair_cell = sec.pair_cell

    def make(
        self, sol: RecourseSolution, x: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(value of each block at x, alpha per block, beta per term)."""
        b = self.blocks
        value = sum_by(b.group_block, self.group_weight * sol.group_value, b.n)
        slope = self.pair_weight * sol.pair_mu
        alpha = value + sum_by(b.pair_block, slope * x[self.pair_cell], b.n)
        return value, alpha, sum_by(b.pair_term, slope, len(b.term_cell))

    def expected(self, sol: RecourseSolution) -> float:
        return float(self.group_weight @ sol.group_value)


def clusters_for(data: LevelsData) -> int:
    """Scenario clusters per item, so that there are about `TARGET_BLOCKS` blocks."""
    items = len(np.unique(data.second.group_item))
    most = min(MAX_CLUSTERS, max(len(data.second.prob), 1))
    return int(np.clip(round(TARGET_BLOCKS / max(items, 1)), 1, most))


class Decomposition:
    """One run: the master, the scenario subproblems, the bounds and the best levels."""

    def __init__(
        self,
        data: LevelsData,
        params: LevelsParams,
        recourse: Recourse,
        time_left: Callable[[], float],
        report: Report,
    ) -> None:
        self.data = data
        self.params = params
        self.recourse = recourse
        self.time_left = time_left
        self.report = report
        self.blocks = make_blocks(data, clusters_for(data))
        self.cuts = Cuts(data, self.blocks)
        self.master = Master(data.first, self.blocks.n, params)
        self.lower = -math.inf
        self.upper = math.inf
        self.best: FloatArray | None = None
        #: the LP relaxation's best levels and value (integer levels only)
        self.relaxed = math.inf
        self.relaxed_x: FloatArray | None = None
        self.iterations = 0
        self.log: list[str] = []

    def evaluate(self, x: FloatArray) -> tuple[float, RecourseSolution]:
        sol = self.recourse.solve(x)
        return self.data.first.cost(x) + self.cuts.expected(sol), sol

    def offer(self, x: FloatArray, value: float) -> None:
        if value < self.upper:
            self.upper, self.best = value, x

    def loop(self, target: float, phase: str) -> str:
        """Benders iterations until the gap is within `target`, no cut is violated, no
        levels can beat the best, or the time is up; returns why it stopped ("" when it
        converged). With integer levels and a continuous master, the gap is the
        relaxation's; with an integer master, a cutoff row asks only for levels 0.9 x
        `target` better than the best, so that none proves the target."""
        relaxed = self.data.first.integer and not self.master.integer
        while self.time_left() > 0:
            started = time.monotonic()
            cutoff = math.inf
            if math.isfinite(self.upper) and self.master.integer:
                cutoff = self.upper - 0.9 * target * max(1.0, abs(self.upper))
            self.master.set_cutoff(cutoff)
            found = self.master.solve(self.time_left(), 0.0 if relaxed else target / 2)
            master_s = time.monotonic() - started
            self.lower = max(self.lower, min(found.bound, cutoff))
            if isinstance(found, NoSolution):
                if found.reason != "cutoff":
                    return found.reason
                gap = relative_gap(self.upper, self.lower)
                self._note(phase, "none better", gap, 0, master_s, master_s)
                return ""
            self.iterations += 1
            value, added = self._separate(found, relaxed)
            gap = relative_gap(self.relaxed if relaxed else self.upper, self.lower)
            self._note(phase, f"{value:.8g}", gap, added, master_s, time.monotonic() - started)
            if gap <= target or not added:
                return ""
        return "time limit"

    def _separate(self, found: MasterSolution, relaxed: bool) -> tuple[float, int]:
        """Evaluates the recourse at the master's levels, keeps the best, adds the cuts the
        master violates; (the value there, cuts added)."""
        value, sol = self.evaluate(found.x)
        if not relaxed:
            self.offer(found.x, value)
        elif value < self.relaxed:
            self.relaxed, self.relaxed_x = value, found.x
        return value, self._cut(found, sol)

    def add_cuts_at(self, x: FloatArray, sol: RecourseSolution, theta: FloatArray) -> int:
        """Adds the cuts at `x` (whose scenarios `sol` solved) that the estimates `theta`
        violate; how many."""
        return self._cut(MasterSolution(x, theta, -math.inf), sol)

    def _cut(self, found: MasterSolution, sol: RecourseSolution) -> int:
        """Adds the cuts at the master's levels that its estimates violate; how many."""
        block_value, alpha, beta = self.cuts.make(sol, found.x)
        tol = CUT_TOL + 1e-9 * np.abs(block_value)
        violated = np.flatnonzero(found.theta < block_value - tol)
        self.master.add_cuts(self.blocks, violated, alpha, beta)
        return len(violated)

    def _note(
        self, phase: str, value: str, gap: float, added: int, master_s: float, all_s: float
    ) -> None:
        line = (
            f"{phase} {self.iterations}: lower {self.lower:.8g}, at the master's {value}, "
            f"gap {gap:.3%}, {added} cuts ({self.master.cuts} in all), "
            f"master {master_s:.2f} s, all {all_s:.2f} s"
        )
        self.log.append(line)
        target = max(self.params.gap, 1e-6)
        closed = math.log(1 / max(gap, target)) / math.log(1 / target) if gap > 0 else 1.0
        self.report(line, 0.99 * closed)


def solve_decomposition(
    data: LevelsData,
    params: LevelsParams,
    recourse: Recourse,
    time_left: Callable[[], float],
    report: Report,
) -> MethodOutcome:
    run = Decomposition(data, params, recourse, time_left, report)
    stop = run.loop(params.gap / 2 if data.first.integer else params.gap, "lp")
    if stop == "infeasible":
        return MethodOutcome("infeasible", None, math.inf, run.iterations, CONFLICT, run.log)
    if data.first.integer:
        stop = finish_integer(run) or stop
    if run.best is None:
        return MethodOutcome("error", None, run.lower, run.iterations, stop, run.log)
    proven = relative_gap(run.upper, run.lower) <= params.gap
    return MethodOutcome(
        "optimal" if proven else "feasible",
        run.best,
        run.lower,
        run.iterations,
        stop,
        run.log,
        value=run.upper,
    )
