"""The stock-levels problem compiled to arrays, once per solve, so that every solver path
(extensive form, decomposition, evaluation) reads the same first-stage cells and the same
second-stage arcs, and so that the scenario subproblems can be vectorised and shipped to
worker processes as compact data.

A *cell* is a (depot, item) pair that may hold stock. A *line* is a scenario's demand for
one item at one site (lines equal in every cost are merged). A *group* is a scenario's lines
of one item: items share nothing in the second stage, so each group is its own recourse
problem. An *arc* ships from a cell to a line; it exists only where there is a route, the
depot keeps some stock in the scenario, and a unit costs less than leaving it unmet. A
*pair* is a group's capacity row at one cell: its arcs together take at most
`retention * x[cell]`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .levels_model import LevelsProblem, LevelsStatus

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Absolute tolerance on units (unmet, shipped, over a limit) below which a quantity is 0.
UNIT_TOL = 1e-6


def sum_by(index: IntArray, weights: FloatArray, n: int) -> FloatArray:
    """`out[k] = sum of weights[index == k]`, for k < n."""
    return np.bincount(index, weights=weights, minlength=n).astype(np.float64)


def relative_gap(upper: float, lower: float) -> float:
    """The result's gap: `(upper - lower) / max(1, |upper|)`, never below 0."""
    return max(0.0, upper - lower) / max(1.0, abs(upper))


@dataclass(frozen=True)
class Cells:
    keys: tuple[tuple[str, str], ...]
    depot: IntArray
    item: IntArray
    lower: FloatArray
    #: max_level, fixed level, or a level above which no scenario could use more (inf: none)
    upper: FloatArray
    current: FloatArray
    holding: FloatArray


@dataclass(frozen=True)
class CapacityRow:
    """`sum coef * x[cells] <= limit` at one depot (volume or weight)."""

    name: str
    cells: IntArray
    coef: FloatArray
    limit: float


@dataclass(frozen=True)
class FirstStage:
    cells: Cells
    item_ids: tuple[str, ...]
    unit_cost: FloatArray
    #: today's stock of each item over all depots (the budget pays only for more than this)
    item_current: FloatArray
    budget: float | None
    move_cost: float
    capacity: tuple[CapacityRow, ...]
    integer: bool
    #: each item's total stays at least `item_current` (LevelsProblem.keep_stock)
    keep_stock: bool = False

    def spent(self, x: FloatArray) -> float:
        total = sum_by(self.cells.item, x, len(self.item_ids))
        return float(self.unit_cost @ np.maximum(total - self.item_current, 0.0))

    def moved(self, x: FloatArray) -> float:
        return float(np.maximum(x - self.cells.current, 0.0).sum())

    def cost(self, x: FloatArray) -> float:
        return float(self.cells.holding @ x) + self.move_cost * self.moved(x)

    def violations(self, x: FloatArray) -> list[str]:
        """What `x` breaks of the first-stage limits (relative tolerance 1e-7)."""
        out = []
        c = self.cells
        over = (x < c.lower - UNIT_TOL) | (x > c.upper + UNIT_TOL)
        out += [f"{c.keys[k]} outside its bounds" for k in np.flatnonzero(over)]
        if self.budget is not None and self.spent(x) > self.budget * (1 + 1e-7) + UNIT_TOL:
            out.append(f"spends {self.spent(x):.6g} over the budget {self.budget:.6g}")
        if self.keep_stock:
            total = sum_by(self.cells.item, x, len(self.item_ids))
            short = np.flatnonzero(total < self.item_current * (1 - 1e-7) - UNIT_TOL)
            out += [f"{self.item_ids[k]} totals {total[k]:.6g}, below today's stock" for k in short]
        for row in self.capacity:
            used = float(row.coef @ x[row.cells])
            if used > row.limit * (1 + 1e-7) + UNIT_TOL:
                out.append(f"{row.name}: {used:.6g} over {row.limit:.6g}")
        return out


@dataclass(frozen=True)
class SecondStage:
    scenario_ids: tuple[str, ...]
    prob: FloatArray
    tags: tuple[Mapping[str, str], ...]
    #: total demand per scenario (merged lines with quantity 0 are dropped)
    demand: FloatArray
    # groups, sorted by (scenario, item)
    group_scen: IntArray
    group_item: IntArray
    group_fast: BoolArray
    # lines, sorted by group
    line_group: IntArray
    line_qty: FloatArray
    line_penalty: FloatArray
    # arcs, sorted by (line, cost, time, depot)
    arc_line: IntArray
    arc_pair: IntArray
    arc_cost: FloatArray
    arc_time: FloatArray
    arc_late: BoolArray
    # pairs, sorted by group
    pair_group: IntArray
    pair_cell: IntArray
    pair_retention: FloatArray


@dataclass(frozen=True)
class LevelsData:
    first: FirstStage
    second: SecondStage


def compile_problem(
    problem: LevelsProblem, extra_cells: frozenset[tuple[str, str]] = frozenset()
) -> LevelsData:
    """`extra_cells`: pairs to treat as cells although the problem lets them hold nothing
    (an evaluation of today's stock where a depot holds what it may no longer keep)."""
    cells = _cells(problem, extra_cells)
    second = _second_stage(problem, cells)
    cells = _cap_by_demand(problem, cells, second)
    return LevelsData(_first_stage(problem, cells), second)


def cell_conflicts(problem: LevelsProblem) -> list[str]:
    """Fixed levels the problem's own limits forbid: the model has no answer then."""
    out = []
    for d in problem.depots:
        for item in problem.items:
            fixed = d.fixed.get(item.id)
            if fixed is None:
                continue
            if fixed > 0 and not d.can_store(item):
                out.append(
                    f"depot {d.id} fixes {item.id} at {fixed:g} but cannot store "
                    f"its class {item.storage_class}"
                )
            cap = d.max_level.get(item.id)
            if cap is not None and fixed > cap:
                out.append(f"depot {d.id} fixes {item.id} at {fixed:g}, above its max {cap:g}")
            if problem.integer_levels and fixed != math.floor(fixed):
                out.append(f"depot {d.id} fixes {item.id} at {fixed:g}, not a whole number")
    return out


def _cells(problem: LevelsProblem, extra: frozenset[tuple[str, str]]) -> Cells:
    keys, depot, item, lower, upper, current, holding = [], [], [], [], [], [], []
    for di, d in enumerate(problem.depots):
        for ii, it in enumerate(problem.items):
            fixed = d.fixed.get(it.id)
            cap = d.max_level.get(it.id, math.inf)
            storable = d.can_store(it) and (cap > 0 or bool(fixed))
            if not storable and (d.id, it.id) not in extra:
                continue
            keys.append((d.id, it.id))
            depot.append(di)
            item.append(ii)
            lower.append(0.0 if fixed is None else fixed)
            upper.append(cap if fixed is None else fixed)
            if not storable:
                upper[-1] = 0.0
            current.append(d.current.get(it.id, 0.0))
            holding.append(it.holding_cost)
    return Cells(
        keys=tuple(keys),
        depot=np.array(depot, dtype=np.int64),
        item=np.array(item, dtype=np.int64),
        lower=np.array(lower, dtype=np.float64),
        upper=np.array(upper, dtype=np.float64),
        current=np.array(current, dtype=np.float64),
        holding=np.array(holding, dtype=np.float64),
    )


def _first_stage(problem: LevelsProblem, cells: Cells) -> FirstStage:
    item_current = np.zeros(len(problem.items))
    index = {it.id: k for k, it in enumerate(problem.items)}
    for d in problem.depots:
        for item_id, qty in d.current.items():
            item_current[index[item_id]] += qty
    rows = []
    volume = np.array([it.volume for it in problem.items])
    weight = np.array([it.weight for it in problem.items])
    for di, d in enumerate(problem.depots):
        at = np.flatnonzero(cells.depot == di)
        for kind, limit, per_item in (
            ("volume", d.capacity_volume, volume),
            ("weight", d.capacity_weight, weight),
        ):
            coef = per_item[cells.item[at]]
            if limit is None or not coef.any():
                continue
            keep = coef > 0
            rows.append(CapacityRow(f"depot {d.id} {kind}", at[keep], coef[keep], limit))
    return FirstStage(
        cells=cells,
        item_ids=tuple(it.id for it in problem.items),
        unit_cost=np.array([it.unit_cost for it in problem.items]),
        item_current=item_current,
        budget=problem.budget,
        move_cost=problem.move_cost,
        capacity=tuple(rows),
        integer=problem.integer_levels,
        keep_stock=problem.keep_stock,
    )


def _cap_by_demand(problem: LevelsProblem, cells: Cells, second: SecondStage) -> Cells:
    """A level above what the largest scenario could draw from the cell buys nothing and
    costs no less, so the bound is exact; it keeps the decomposition's master bounded.
    Today's stock stays allowed (keeping it costs nothing)."""
    arc_qty = second.line_qty[second.arc_line]
    pair_qty = sum_by(second.arc_pair, arc_qty, len(second.pair_cell))
    need = np.zeros(len(cells.keys))
    np.maximum.at(need, second.pair_cell, pair_qty / second.pair_retention)
    if problem.integer_levels:
        need = np.ceil(need - 1e-9)
    free = cells.lower < cells.upper
    upper = np.where(free, np.minimum(cells.upper, np.maximum(need, cells.current)), cells.upper)
    if problem.integer_levels:
        upper = np.where(free, np.floor(upper + 1e-9), upper)
    return Cells(
        cells.keys, cells.depot, cells.item, cells.lower, upper, cells.current, cells.holding
    )


@dataclass(frozen=True)
class _Lines:
    scen: IntArray
    item: IntArray
    site: IntArray
    qty: FloatArray
    weight: FloatArray
    due: FloatArray
    late: FloatArray
    penalty: FloatArray


def _merged_lines(problem: LevelsProblem) -> _Lines:
    """Lines equal in site, item, weight, due time and penalties merged (their quantities
    summed), in (scenario, item) order; lines of quantity 0 dropped."""
    items = {it.id: k for k, it in enumerate(problem.items)}
    sites = {s: k for k, s in enumerate(problem.sites)}
    rows: list[tuple[int, int, int, float, float, float, float, float]] = []
    for si, s in enumerate(problem.scenarios):
        merged: dict[tuple[int, int, float, float, float, float], float] = {}
        for line in s.demand:
            ii = items[line.item]
            penalty = line.unmet_penalty
            if penalty is None:
                penalty = problem.items[ii].unmet_penalty
            due = math.inf if line.due is None else line.due
            key = (ii, sites[line.site], line.weight, due, line.late_penalty, penalty)
            merged[key] = merged.get(key, 0.0) + line.quantity
        rows.extend(
            (si, ii, site, qty, weight, due, late, penalty)
            for (ii, site, weight, due, late, penalty), qty in sorted(merged.items())
            if qty > 0
        )
    cols = list(zip(*rows, strict=True)) if rows else [()] * 8
    ints = [np.array(c, dtype=np.int64) for c in cols[:3]]
    floats = [np.array(c, dtype=np.float64) for c in cols[3:]]
    return _Lines(ints[0], ints[1], ints[2], *floats)


def _routes(problem: LevelsProblem) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Routes by site (CSR): start offsets per site, then depot, cost and time per route."""
    depots = {d.id: k for k, d in enumerate(problem.depots)}
    sites = {s: k for k, s in enumerate(problem.sites)}
    rows = sorted(
        (sites[site], depots[depot], cost, problem.ship_time.get((depot, site), cost))
        for (depot, site), cost in problem.ship_cost.items()
    )
    site = np.array([r[0] for r in rows], dtype=np.int64)
    start = np.searchsorted(site, np.arange(len(problem.sites) + 1)).astype(np.int64)
    return (
        start,
        np.array([r[1] for r in rows], dtype=np.int64),
        np.array([r[2] for r in rows], dtype=np.float64),
        np.array([r[3] for r in rows], dtype=np.float64),
    )


@dataclass(frozen=True)
class _Arcs:
    line: IntArray
    cell: IntArray
    cost: FloatArray
    time: FloatArray
    late: BoolArray
    retention: FloatArray


def _arcs(problem: LevelsProblem, cells: Cells, lines: _Lines) -> _Arcs:
    """Every route from a cell to a line that can carry something worth carrying, sorted
    by (line, cost, time, depot): the fast path's greedy order."""
    start, r_depot, r_cost, r_time = _routes(problem)
    deg = start[lines.site + 1] - start[lines.site]
    line = np.repeat(np.arange(len(lines.qty)), deg)
    offset = np.arange(len(line)) - np.repeat(np.cumsum(deg) - deg, deg)
    route = np.repeat(start[lines.site], deg) + offset
    depot = r_depot[route]
    cell_of = np.full((len(problem.depots), len(problem.items)), -1, dtype=np.int64)
    cell_of[cells.depot, cells.item] = np.arange(len(cells.keys))
    cell = cell_of[depot, lines.item[line]]
    time = r_time[route]
    late = time > lines.due[line]
    cost = lines.weight[line] * r_cost[route] + np.where(late, lines.late[line], 0.0)
    loss = np.zeros((len(problem.scenarios), len(problem.depots)))
    depots = {d.id: k for k, d in enumerate(problem.depots)}
    for si, s in enumerate(problem.scenarios):
        for d, share in s.depot_loss.items():
            loss[si, depots[d]] = share
    retention = 1.0 - loss[lines.scen[line], depot]
    keep = (cell >= 0) & (cost < lines.penalty[line]) & (retention > 0)
    order = np.lexsort((depot[keep], time[keep], cost[keep], line[keep]))
    return _Arcs(
        line=line[keep][order],
        cell=cell[keep][order],
        cost=cost[keep][order],
        time=time[keep][order],
        late=late[keep][order],
        retention=retention[keep][order],
    )


def _second_stage(problem: LevelsProblem, cells: Cells) -> SecondStage:
    n_items = max(len(problem.items), 1)
    n_cells = max(len(cells.keys), 1)
    lines = _merged_lines(problem)
    # lines are in (scenario, item) order already: groups are runs of that key
    group_key, line_group = np.unique(lines.scen * n_items + lines.item, return_inverse=True)
    lines_per_group = np.bincount(line_group, minlength=len(group_key))
    arcs = _arcs(problem, cells, lines)
    pair_key, arc_pair = np.unique(line_group[arcs.line] * n_cells + arcs.cell, return_inverse=True)
    pair_retention = np.zeros(len(pair_key))
    pair_retention[arc_pair] = arcs.retention  # a pair's arcs share scenario and depot
    n_scen = len(problem.scenarios)
    return SecondStage(
        scenario_ids=tuple(s.id for s in problem.scenarios),
        prob=np.array([s.probability for s in problem.scenarios], dtype=np.float64),
        tags=tuple(s.tags for s in problem.scenarios),
        demand=sum_by(lines.scen, lines.qty, n_scen),
        group_scen=group_key // n_items,
        group_item=group_key % n_items,
        group_fast=lines_per_group == 1,
        line_group=line_group.astype(np.int64),
        line_qty=lines.qty,
        line_penalty=lines.penalty,
        arc_line=arcs.line,
        arc_pair=arc_pair.astype(np.int64),
        arc_cost=arcs.cost,
        arc_time=arcs.time,
        arc_late=arcs.late,
        pair_group=pair_key // n_cells,
        pair_cell=pair_key % n_cells,
        pair_retention=pair_retention,
    )


@dataclass
class MethodOutcome:
    """What a solve method found: levels per cell (None when it found none), a proven lower
    bound, and its own account of the run."""

    status: LevelsStatus
    x: FloatArray | None
    bound: float
    iterations: int
    message: str
    log: list[str]
    #: the objective at `x`, when the method has already solved every scenario there
    value: float | None = None
