"""The second stage for given levels: each group's least-cost shipments and unmet units,
its value, and the duals of its capacity rows (what one more unit of retained stock at a
depot would save), which are the decomposition's cuts.

Two paths, both exact. A group with one line (a scenario's demand for an item at one
site, the seeded data's case) is a fractional knapsack: fill from the cheapest depot up,
leave the rest unmet; all such groups are solved at once with numpy. Any other group (an
item demanded at several sites, or lines with different due times) is a small
transportation problem: all of a chunk's such groups form one block-diagonal LP in HiGHS,
kept between calls so that a new `x` only changes row bounds and the solve warm-starts.

`Chunk` is plain arrays and `solve_chunk` a module-level function, so a chunk can be
pickled to a worker process or a Dask worker. In this process the chunks run on threads, one
per core: HiGHS and numpy release the GIL while they work, so two cores solve two chunks at
once."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from ._levels_data import BoolArray, FloatArray, IntArray, SecondStage, sum_by

#: A map over a pool of workers, like the builtin `map` but returning a list in order: a
#: process pool's or a Dask client's. It receives a module-level function and picklable data.
MapFn = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]


@dataclass(frozen=True)
class FastPart:
    """Single-line groups, one row each, depots by unit cost left to right (padded)."""

    qty: FloatArray
    penalty: FloatArray
    #: (group, k) -> cell (the pad points at an extra cell whose level is 0)
    cell: IntArray
    retention: FloatArray
    cost: FloatArray
    valid: BoolArray


@dataclass(frozen=True)
class LpPart:
    """The other groups: lines, arcs and capacity pairs, indexed within the chunk."""

    n_groups: int
    line_group: IntArray
    line_qty: FloatArray
    line_penalty: FloatArray
    arc_line: IntArray
    arc_pair: IntArray
    arc_cost: FloatArray
    pair_cell: IntArray
    pair_retention: FloatArray


@dataclass(frozen=True)
class Chunk:
    fast: FastPart
    lp: LpPart


@dataclass(frozen=True)
class ChunkSolution:
    fast_value: FloatArray
    #: (group, k) -> dual of the capacity row (>= 0: cost saved per unit of room)
    fast_mu: FloatArray
    lp_value: FloatArray
    lp_mu: FloatArray
    #: shipments and unmet units, when asked for (evaluation), else empty
    fast_ship: FloatArray
    fast_unmet: FloatArray
    lp_ship: FloatArray
    lp_unmet: FloatArray


_EMPTY = np.zeros(0)


def solve_fast(part: FastPart, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Greedy fill of every single-line group: (value, mu, ship). The dual price of the
    demand row is the penalty when something is left unmet, else the unit cost of the last
    depot used; a depot's capacity row is worth the price less its own cost."""
    n, k = part.cell.shape
    if k == 0:
        return part.penalty * part.qty, np.zeros((n, 0)), np.zeros((n, 0))
    avail = part.retention * np.append(x, 0.0)[part.cell]
    cum = np.cumsum(avail, axis=1)
    ship = np.clip(part.qty[:, None] - (cum - avail), 0.0, avail)
    unmet = np.maximum(part.qty - cum[:, -1], 0.0)
    value = np.einsum("gk,gk->g", part.cost, ship) + part.penalty * unmet
    used = ship > 0
    last = k - 1 - np.argmax(used[:, ::-1], axis=1)
    price = np.where(used.any(axis=1), part.cost[np.arange(n), last], 0.0)
    price = np.where(unmet > 0, part.penalty, price)
    mu = np.where(part.valid, np.maximum(price[:, None] - part.cost, 0.0), 0.0)
    return value, mu, ship


class LpSolver:
    """One HiGHS model for a chunk's transportation groups; `solve` changes only the
    capacity rows' upper bounds, so HiGHS restarts from the last basis."""

    def __init__(self, part: LpPart) -> None:
        self.part = part
        self.highs = highspy.Highs()
        self.highs.silent()
        self.highs.setOptionValue("threads", 1)
        if part.n_groups:
            self._load()

    def _load(self) -> None:
        p, inf = self.part, highspy.kHighsInf
        n_lines, n_pairs, n_arcs = len(p.line_qty), len(p.pair_cell), len(p.arc_line)
        self.highs.addRows(
            n_lines + n_pairs,
            np.concatenate([p.line_qty, np.full(n_pairs, -inf)]),
            np.concatenate([p.line_qty, np.zeros(n_pairs)]),
            0,
            np.zeros(n_lines + n_pairs, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        # arc columns: its line's demand row and its pair's capacity row; unmet: its line's
        rows = np.concatenate(
            [np.column_stack([p.arc_line, n_lines + p.arc_pair]).ravel(), np.arange(n_lines)]
        )
        starts = np.concatenate([np.arange(n_arcs) * 2, 2 * n_arcs + np.arange(n_lines)])
        self.highs.addCols(
            n_arcs + n_lines,
            np.concatenate([p.arc_cost, p.line_penalty]),
            np.zeros(n_arcs + n_lines),
            np.full(n_arcs + n_lines, inf),
            len(rows),
            starts.astype(np.int32),
            rows.astype(np.int32),
            np.ones(len(rows)),
        )
        self._pair_rows = (n_lines + np.arange(n_pairs)).astype(np.int32)

    def solve(self, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """(value per group, mu per pair, ship per arc, unmet per line)."""
        p = self.part
        if not p.n_groups:
            return _EMPTY, _EMPTY, _EMPTY, _EMPTY
        n_pairs, n_arcs = len(p.pair_cell), len(p.arc_line)
        room = p.pair_retention * np.append(x, 0.0)[p.pair_cell]
        self.highs.changeRowsBounds(
            n_pairs, self._pair_rows, np.full(n_pairs, -highspy.kHighsInf), room
        )
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS did not solve a recourse LP: {status}")
        solution = self.highs.getSolution()
        col = np.maximum(np.asarray(solution.col_value), 0.0)
        ship, unmet = col[:n_arcs], col[n_arcs:]
        mu = np.maximum(-np.asarray(solution.row_dual)[len(p.line_qty) :], 0.0)
        value = sum_by(p.line_group[p.arc_line], p.arc_cost * ship, p.n_groups) + sum_by(
            p.line_group, p.line_penalty * unmet, p.n_groups
        )
        return value, mu, ship, unmet


def solve_chunk(
    task: tuple[Chunk, FloatArray, bool], solver: LpSolver | None = None
) -> ChunkSolution:
    """Both paths over one chunk at levels `x` (per cell). `task[2]`: also return the
    shipments. Module-level, so a process pool or Dask can run it."""
    chunk, x, detail = task
    value, mu, ship = solve_fast(chunk.fast, x)
    lp_value, lp_mu, lp_ship, lp_unmet = (solver or LpSolver(chunk.lp)).solve(x)
    if not detail:
        ship = lp_ship = lp_unmet = _EMPTY
    unmet = np.maximum(chunk.fast.qty - ship.sum(axis=1), 0.0) if detail else _EMPTY
    return ChunkSolution(value, mu, lp_value, lp_mu, ship, unmet, lp_ship, lp_unmet)


@dataclass(frozen=True)
class ChunkIndex:
    """Where a chunk's rows sit in the whole problem (kept by the caller, not shipped)."""

    fast_group: IntArray
    fast_line: IntArray
    #: (group, k) -> arc (-1 in the pad)
    fast_arc: IntArray
    lp_group: IntArray
    lp_line: IntArray
    lp_arc: IntArray
    lp_pair: IntArray


def split(
    second: SecondStage, n_cells: int, chunks: int, *, fast: bool = True
) -> list[tuple[Chunk, ChunkIndex]]:
    """The scenarios cut into `chunks` runs of about equal size, each as a chunk.
    `fast=False` sends every group to the LP path (to check one path by the other)."""
    n_scen = len(second.prob)
    bounds = np.linspace(0, n_scen, max(1, min(chunks, n_scen)) + 1).round().astype(np.int64)
    group_start = np.searchsorted(second.group_scen, bounds)
    return [
        _chunk(second, n_cells, np.arange(group_start[c], group_start[c + 1]), fast)
        for c in range(len(bounds) - 1)
    ]


def _chunk(
    second: SecondStage, n_cells: int, groups: IntArray, fast: bool
) -> tuple[Chunk, ChunkIndex]:
    is_fast = second.group_fast[groups] & fast
    fast_groups, lp_groups = groups[is_fast], groups[~is_fast]
    fast_part, fast_arc = _fast_part(second, n_cells, fast_groups)
    lp, lp_index = _lp_part(second, lp_groups)
    fast_line = np.searchsorted(second.line_group, fast_groups)
    index = ChunkIndex(fast_groups, fast_line, fast_arc, lp_groups, *lp_index)
    return Chunk(fast_part, lp), index


def _fast_part(second: SecondStage, n_cells: int, groups: IntArray) -> tuple[FastPart, IntArray]:
    n_lines = len(second.line_group)
    line = np.searchsorted(second.line_group, groups)
    arc_start = np.searchsorted(second.arc_line, np.arange(n_lines + 1))
    count = arc_start[line + 1] - arc_start[line]
    width = int(count.max()) if len(count) else 0
    k = np.arange(width)
    valid = k[None, :] < count[:, None]
    arc = np.where(valid, arc_start[line][:, None] + k[None, :], -1)
    safe = np.maximum(arc, 0)
    pair = second.arc_pair[safe]
    part = FastPart(
        qty=second.line_qty[line],
        penalty=second.line_penalty[line],
        cell=np.where(valid, second.pair_cell[pair], n_cells),
        retention=np.where(valid, second.pair_retention[pair], 0.0),
        cost=np.where(valid, second.arc_cost[safe], 0.0),
        valid=valid,
    )
    return part, arc


def _lp_part(
    second: SecondStage, groups: IntArray
) -> tuple[LpPart, tuple[IntArray, IntArray, IntArray]]:
    local_group = np.full(len(second.group_scen), -1, dtype=np.int64)
    local_group[groups] = np.arange(len(groups))
    lines = np.flatnonzero(local_group[second.line_group] >= 0)
    local_line = np.full(len(second.line_group), -1, dtype=np.int64)
    local_line[lines] = np.arange(len(lines))
    arcs = np.flatnonzero(local_line[second.arc_line] >= 0)
    pairs = np.flatnonzero(local_group[second.pair_group] >= 0)
    local_pair = np.full(len(second.pair_group), -1, dtype=np.int64)
    local_pair[pairs] = np.arange(len(pairs))
    part = LpPart(
        n_groups=len(groups),
        line_group=local_group[second.line_group[lines]],
        line_qty=second.line_qty[lines],
        line_penalty=second.line_penalty[lines],
        arc_line=local_line[second.arc_line[arcs]],
        arc_pair=local_pair[second.arc_pair[arcs]],
        arc_cost=second.arc_cost[arcs],
        pair_cell=second.pair_cell[pairs],
        pair_retention=second.pair_retention[pairs],
    )
    return part, (lines, arcs, pairs)


@dataclass(frozen=True)
class RecourseSolution:
    """Over the whole problem: value per group, mu per pair; with detail, ship per arc and
    unmet per line."""

    group_value: FloatArray
    pair_mu: FloatArray
    arc_ship: FloatArray
    line_unmet: FloatArray


_POOL: ThreadPoolExecutor | None = None


def _threads() -> ThreadPoolExecutor:
    """One pool for the process, a thread per core: every chunk's LP is its own HiGHS."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="recourse")
    return _POOL


def _forget_pool() -> None:
    """A forked child inherits the pool but not its threads: it starts its own."""
    global _POOL
    _POOL = None


os.register_at_fork(after_in_child=_forget_pool)


class Recourse:
    """Every scenario's second stage at given levels, chunk by chunk, in this process (each
    chunk's LP kept warm, the chunks on threads) or through `map_fn`."""

    def __init__(
        self,
        second: SecondStage,
        n_cells: int,
        *,
        chunks: int = 1,
        map_fn: MapFn | None = None,
        fast: bool = True,
    ) -> None:
        self.second = second
        self.parts = split(second, n_cells, chunks, fast=fast)
        self.map_fn = map_fn
        self._solvers: list[LpSolver] | None = None

    def solve(self, x: FloatArray, *, detail: bool = False) -> RecourseSolution:
        tasks = [(chunk, x, detail) for chunk, _ in self.parts]
        if self.map_fn is not None:
            sols: list[ChunkSolution] = self.map_fn(solve_chunk, tasks)
        else:
            if self._solvers is None:
                self._solvers = [LpSolver(chunk.lp) for chunk, _ in self.parts]
            sols = list(_threads().map(solve_chunk, tasks, self._solvers))
        return self._assemble(sols, detail)

    def _assemble(self, sols: list[ChunkSolution], detail: bool) -> RecourseSolution:
        sec = self.second
        value = np.zeros(len(sec.group_scen))
        mu = np.zeros(len(sec.pair_cell))
        ship = np.zeros(len(sec.arc_line) if detail else 0)
        unmet = np.zeros(len(sec.line_qty) if detail else 0)
        for (_, idx), sol in zip(self.parts, sols, strict=True):
            valid = idx.fast_arc >= 0
            value[idx.fast_group] = sol.fast_value
            value[idx.lp_group] = sol.lp_value
            mu[sec.arc_pair[idx.fast_arc[valid]]] = sol.fast_mu[valid]
            mu[idx.lp_pair] = sol.lp_mu
            if detail:
                ship[idx.fast_arc[valid]] = sol.fast_ship[valid]
                ship[idx.lp_arc] = sol.lp_ship
                unmet[idx.fast_line] = sol.fast_unmet
                unmet[idx.lp_line] = sol.lp_unmet
        return RecourseSolution(value, mu, ship, unmet)
