"""Integer levels from the decomposition's LP relaxation: round down (which keeps every
first-stage limit, their coefficients being >= 0), put back units where the recourse's
subgradient says they pay most, polish them on the master's cuts (`_levels_polish`), and,
while the gap to the relaxation's bound is above the target, continue the decomposition with
an integer master (whose bound is the integer problem's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._levels_data import FirstStage, FloatArray, relative_gap, sum_by
from ._levels_polish import polish
from ._levels_recourse import RecourseSolution

if TYPE_CHECKING:
    from ._levels_decomposition import Decomposition

#: Rounds of one-unit-per-item additions after the first repair.
REPAIR_ROUNDS = 8


def finish_integer(run: Decomposition) -> str:
    """Sets the run's best integer levels; returns why it stopped early ("" if not)."""
    if run.relaxed_x is None:
        return ""
    lp = run.relaxed_x
    first = run.data.first
    x = np.clip(np.floor(lp + 1e-9), first.cells.lower, first.cells.upper)
    if first.keep_stock:
        x = restore_kept(first, x, lp)
    lost = sum_by(first.cells.item, lp - x, len(first.item_ids))
    x = repair(run, x, np.ceil(lost - 1e-9))
    for _ in range(REPAIR_ROUNDS):
        if run.time_left() <= 0:
            break
        nxt = repair(run, x, np.ones(len(first.item_ids)))
        if nxt is x:
            break
        x = nxt
    x = polish(run, x)
    run.log.append(f"rounded and repaired: {run.upper:.8g}, bound {run.lower:.8g}")
    run.report(run.log[-1], 0.0)
    if relative_gap(run.upper, run.lower) <= run.params.gap or run.time_left() <= 0:
        return ""
    # every cut stays: those the polish made at whole levels near the best are the ones the
    # integer master needs (measured on the format's instances, dropping the cuts slack at
    # the relaxation's optimum, as before the polish, made two of six 3-5x slower)
    run.master.make_integer()
    return run.loop(run.params.gap, "integer")


def restore_kept(first: FirstStage, x: FloatArray, lp: FloatArray) -> FloatArray:
    """Rounding down may leave an item's total under today's stock: put units back, first
    where the relaxation had the largest fraction, then where stock is today, within the
    cells' bounds and the depots' capacity (moves cost no budget)."""
    c = first.cells
    x = x.copy()
    usage, rows_of = _capacity_use(first, x)
    total = sum_by(c.item, x, len(first.item_ids))
    order = np.lexsort((-(c.current - x), -(lp - x)))
    for cell in order.tolist():
        item = int(c.item[cell])
        while total[item] < first.item_current[item] - 1e-9 and x[cell] + 1 <= c.upper[cell]:
            rows = rows_of.get(cell, [])
            if any(usage[r] + coef > first.capacity[r].limit * (1 + 1e-12) for r, coef in rows):
                break
            for r, coef in rows:
                usage[r] += coef
            x[cell] += 1
            total[item] += 1
    return x


def repair(run: Decomposition, x: FloatArray, per_item: FloatArray) -> FloatArray:
    """`x` with up to `per_item` units more of each item, each where the subgradient at `x`
    saves most net of holding and moving; kept only if the exact value improves."""
    value, sol = run.evaluate(x)
    run.offer(x, value)
    first = run.data.first
    trial = _add_units(first, x, _net_gain(run, sol, x), per_item)
    if trial is None:
        return x
    trial_value, _ = run.evaluate(trial)
    if trial_value < value - 1e-9 * max(1.0, abs(value)):
        run.offer(trial, trial_value)
        return trial
    return x


def _net_gain(run: Decomposition, sol: RecourseSolution, x: FloatArray) -> FloatArray:
    first = run.data.first
    sec = run.data.second
    slope = run.cuts.pair_weight * sol.pair_mu
    gain = sum_by(sec.pair_cell, slope, len(x))
    moved = np.where(x + 1 > first.cells.current, first.move_cost, 0.0)
    return gain - first.cells.holding - moved


def _add_units(
    first: FirstStage, x: FloatArray, net: FloatArray, per_item: FloatArray
) -> FloatArray | None:
    """Greedy by net gain: one unit per cell, within the budget, capacities and bounds."""
    c = first.cells
    usage, rows_of = _capacity_use(first, x)
    total = sum_by(c.item, x, len(first.item_ids))
    spent = first.spent(x)
    left = per_item.copy()
    trial = x.copy()
    for cell in np.argsort(-net, kind="stable").tolist():
        item = int(c.item[cell])
        if net[cell] <= 0:
            break
        if left[item] < 1 or trial[cell] + 1 > c.upper[cell] + 1e-9:
            continue
        extra = first.unit_cost[item] * (
            max(0.0, total[item] + 1 - first.item_current[item])
            - max(0.0, total[item] - first.item_current[item])
        )
        if first.budget is not None and spent + extra > first.budget * (1 + 1e-12):
            continue
        rows = rows_of.get(cell, [])
        if any(usage[r] + coef > first.capacity[r].limit * (1 + 1e-12) for r, coef in rows):
            continue
        for r, coef in rows:
            usage[r] += coef
        trial[cell] += 1
        total[item] += 1
        spent += extra
        left[item] -= 1
    return None if np.array_equal(trial, x) else trial


def _capacity_use(
    first: FirstStage, x: FloatArray
) -> tuple[list[float], dict[int, list[tuple[int, float]]]]:
    """Each capacity row's use at `x`, and cell -> the rows (index, coefficient) it is in."""
    usage = [float(row.coef @ x[row.cells]) for row in first.capacity]
    rows_of: dict[int, list[tuple[int, float]]] = {}
    for r, row in enumerate(first.capacity):
        for cell, coef in zip(row.cells.tolist(), row.coef.tolist(), strict=True):
            rows_of.setdefault(cell, []).append((r, coef))
    return usage, rows_of
