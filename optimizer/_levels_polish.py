"""Integer levels polished on the master's cuts: a descent over one-unit moves (a unit of an
item from one depot to another, one unit more or one less), each judged by the first-stage
cost plus the blocks' cutting-plane estimates, then checked by solving every scenario.

Why: rounding the relaxation leaves levels 0.1-0.2 % above the best integer levels on the
format's instances, and the integer master pays for that gap twice: its cutoff sits higher,
so it proves less, and it wanders through levels its cuts misjudge. Near the relaxation's
optimum the cuts are dense, so the estimate is close, and a candidate costs a few
microseconds where solving every scenario costs tens of milliseconds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._levels_data import BoolArray, FirstStage, FloatArray, IntArray, sum_by

if TYPE_CHECKING:
    from ._levels_decomposition import Decomposition

#: moves whose linear estimate looks best are judged on the whole cut model, this many a step
SCREENED = 64
#: descent steps between two checks against every scenario, and checks in all
STEPS = 60
CHECKS = 4


@dataclass
class _CutModel:
    """The master's cuts as dense arrays, rows sorted by block: theta[b] >= max(0, alpha -
    A x) over the block's rows."""

    a: FloatArray  # rows x (cells + 1), the last column zero (a "no cell" for add/remove)
    alpha: FloatArray
    starts: IntArray  # first row of each block that has rows
    blocks: IntArray  # those blocks

    def theta(self, values: FloatArray) -> FloatArray:
        """Per block estimate from the rows' values (alpha - A x), on the last axis."""
        return np.maximum(np.maximum.reduceat(values, self.starts, axis=-1), 0.0)


def _cut_model(run: Decomposition, n_cells: int) -> _CutModel | None:
    rows = sorted(run.master.rows, key=lambda r: r[0])
    if not rows:
        return None
    a = np.zeros((len(rows), n_cells + 1))
    for r, (_, _, cells, coefs) in enumerate(rows):
        a[r, cells] = coefs
    block = np.array([r[0] for r in rows], dtype=np.int64)
    alpha = np.array([r[1] for r in rows])
    starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]]).astype(np.int64)
    return _CutModel(a, alpha, starts, block[starts])


def polish(run: Decomposition, x: FloatArray) -> FloatArray:
    """Better integer levels than `x` where the descent finds them and every scenario
    confirms them (offered to the run), else `x`; cuts made at each checked point go into
    the master, so they serve the integer master too."""
    first = run.data.first
    for _ in range(CHECKS):
        if run.time_left() <= 0:
            break
        model = _cut_model(run, len(x))
        if model is None:
            break
        y = _descend(first, model, x)
        if y is None:
            break
        value, sol = run.evaluate(y)
        run.add_cuts_at(y, sol, model_theta(model, y))
        if value < run.upper - 1e-9 * max(1.0, abs(run.upper)):
            run.offer(y, value)
            x = y
    return x


def model_theta(model: _CutModel, x: FloatArray) -> FloatArray:
    """The estimate of every block at `x` (0 where a block has no cut)."""
    out = np.zeros(int(model.blocks.max()) + 1 if len(model.blocks) else 0)
    out[model.blocks] = model.theta(model.alpha - model.a[:, :-1] @ x)
    return out


def _descend(first: FirstStage, model: _CutModel, x: FloatArray) -> FloatArray | None:
    """Steepest descent on the estimate over one-unit moves; None when no move improves."""
    y = x.copy()
    moved = False
    for _ in range(STEPS):
        move = _best_move(first, model, y)
        if move is None:
            break
        src, dst = move
        if src >= 0:
            y[src] -= 1
        if dst >= 0:
            y[dst] += 1
        moved = True
    return y if moved else None


def _best_move(first: FirstStage, model: _CutModel, x: FloatArray) -> tuple[int, int] | None:
    c = first.cells
    n = len(x)
    values = model.alpha - model.a[:, :-1] @ x
    now = float(model.theta(values).sum()) + first.cost(x)
    src, dst = _candidates(first, x)
    if len(src) == 0:
        return None
    # linear screening by the active row of each block
    active = model.starts + _argmax_by_block(values, model.starts)
    slope = -np.append(model.a[active, :-1][values[active] > 0].sum(axis=0), 0.0)
    hold = np.append(c.holding, 0.0)
    estimate = slope[dst] - slope[src] + hold[dst] - hold[src]
    keep = np.argsort(estimate, kind="stable")[:SCREENED]
    src, dst = src[keep], dst[keep]
    after = values[None, :] + model.a[:, src].T - model.a[:, dst].T
    total = model.theta(after).sum(axis=1) + _first_costs(first, x, src, dst, n)
    best = int(np.argmin(total))
    if total[best] >= now - 1e-9 * max(1.0, abs(now)):
        return None
    return int(src[best]) if src[best] < n else -1, int(dst[best]) if dst[best] < n else -1


def _argmax_by_block(values: FloatArray, starts: IntArray) -> IntArray:
    """Each block's first row of largest value, counted from the block's first row."""
    counts = np.diff(np.r_[starts, len(values)])
    pos = np.repeat(np.arange(len(starts)), counts)
    top = np.flatnonzero(values == np.repeat(np.maximum.reduceat(values, starts), counts))
    first = top[np.r_[True, pos[top][1:] != pos[top][:-1]]]
    return (first - starts).astype(np.int64)


def _candidates(first: FirstStage, x: FloatArray) -> tuple[IntArray, IntArray]:
    """Every feasible move as (source cell, destination cell); n stands for "none" (a unit
    added to the destination, or taken from the source)."""
    c = first.cells
    n = len(x)
    can_take = x - 1 >= c.lower - 1e-9
    can_give = x + 1 <= c.upper + 1e-9
    total = sum_by(c.item, x, len(first.item_ids))
    spent = first.spent(x)
    src, dst = [], []
    for item in range(len(first.item_ids)):
        cells = np.flatnonzero(c.item == item)
        take, give = cells[can_take[cells]], cells[can_give[cells]]
        if len(take) and len(give):
            s, d = np.meshgrid(take, give, indexing="ij")
            pair = s != d
            src.append(s[pair])
            dst.append(d[pair])
        extra = first.unit_cost[item] * float(total[item] + 1 > first.item_current[item])
        if first.budget is None or spent + extra <= first.budget * (1 + 1e-12):
            src.append(np.full(len(give), n))
            dst.append(give)
        if not first.keep_stock or total[item] - 1 >= first.item_current[item] - 1e-9:
            src.append(take)
            dst.append(np.full(len(take), n))
    if not src:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    s_all, d_all = np.concatenate(src).astype(np.int64), np.concatenate(dst).astype(np.int64)
    fits = _fits_capacity(first, x, s_all, d_all)
    return s_all[fits], d_all[fits]


def _fits_capacity(first: FirstStage, x: FloatArray, src: IntArray, dst: IntArray) -> BoolArray:
    n = len(x)
    ok = np.ones(len(src), dtype=bool)
    for row in first.capacity:
        coef = np.zeros(n + 1)
        coef[row.cells] = row.coef
        used = float(row.coef @ x[row.cells])
        ok &= used + coef[dst] - coef[src] <= row.limit * (1 + 1e-12)
    return ok


def _first_costs(
    first: FirstStage, x: FloatArray, src: IntArray, dst: IntArray, n: int
) -> FloatArray:
    """The first-stage cost after each move (holding plus moving)."""
    c = first.cells
    hold = np.append(c.holding, 0.0)
    over = np.append(x - c.current, 0.0)  # units above today's stock, per cell
    up = np.maximum(over[dst] + 1, 0) - np.maximum(over[dst], 0)
    down = np.maximum(over[src] - 1, 0) - np.maximum(over[src], 0)
    moved = np.where(dst < n, up, 0.0) + np.where(src < n, down, 0.0)
    out: FloatArray = first.cost(x) + hold[dst] - hold[src] + first.move_cost * moved
    return out
