"""The procurement MILP's variables and rows (PuLP), kept apart from solving and reporting.

Stock is never a variable: a depot x item's year-end usable stock is its held lots (a
constant) plus the order variables whose lots have arrived and not yet expired, so the
storage and shortfall rows read the orders directly. Money enters in millions of VND so
budget rows and the cost objective keep coefficients near 1 rather than 1e9."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import pulp

from .procurement_model import ProcItem, ProcurementProblem, Source, Upgrade

#: VND per model money unit
MONEY_SCALE = 1e6
#: storage rows are kept per depot, year and unit ("m3", "kg")
UNITS = ("m3", "kg")

Cell = tuple[str, str, int]  # depot, item, year


class OrderSlot(NamedTuple):
    """Units of one source delivered to one depot from one year's orders."""

    year: int
    source: Source
    depot: str
    arrives: int
    usable_through: int | None

    def counts_in(self, year: int) -> bool:
        return usable(self.arrives, self.usable_through, year)


class TargetRow(NamedTuple):
    depot: str
    item: str
    year: int
    quantity: int
    #: priority / max(quantity, 1): a unit short as a share of the target
    weight: float


def usable(arrives: int, through: int | None, year: int) -> bool:
    """Whether a lot that arrives in `arrives` counts in `year`'s year-end stock."""
    return arrives <= year and (through is None or through >= year)


@dataclass
class MilpModel:
    problem: ProcurementProblem
    prob: pulp.LpProblem
    orders: list[tuple[OrderSlot, pulp.LpVariable]] = field(default_factory=list)
    starts: list[tuple[Upgrade, int, pulp.LpVariable]] = field(default_factory=list)
    shortfalls: list[tuple[TargetRow, pulp.LpVariable]] = field(default_factory=list)
    shortfall_expr: pulp.LpAffineExpression = field(default_factory=pulp.LpAffineExpression)
    cost_expr: pulp.LpAffineExpression = field(default_factory=pulp.LpAffineExpression)
    #: constraint names, to read their duals after a solve
    budget_rows: dict[int, str] = field(default_factory=dict)
    capacity_rows: dict[tuple[str, int], str] = field(default_factory=dict)
    storage_rows: dict[tuple[str, int, str], str] = field(default_factory=dict)

    @property
    def priced_rows(self) -> list[str]:
        """The rows whose duals say what holds readiness back."""
        rows = [*self.budget_rows.values(), *self.capacity_rows.values()]
        return rows + list(self.storage_rows.values())

    #: (depot, year, unit, held, capacity) where held stock alone exceeds the capacity
    overfull: list[tuple[str, int, str, float, float]] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int, int]:
        """Rows, columns and integer columns."""
        n_int = len(self.orders) + len(self.starts)
        n_int += sum(v.cat == pulp.LpInteger for _, v in self.shortfalls)
        cols = len(self.orders) + len(self.starts) + len(self.shortfalls)
        return self.prob.numConstraints(), cols, n_int


def order_slots(problem: ProcurementProblem) -> list[OrderSlot]:
    """Every (year, source, depot) an order may use: the source takes orders by then, its
    lot arrives within the horizon and is usable on arrival."""
    shelf = {i.code: i.shelf_life_years for i in problem.items}
    all_depots = tuple(d.code for d in problem.depots)
    slots: list[OrderSlot] = []
    for s in problem.sources:
        if s.capacity_per_year <= 0:
            continue
        life = shelf[s.item]
        for year in range(max(problem.first_year, s.first_year), problem.last_year + 1):
            arrives = year + s.lead_time_years
            through = None if life is None else arrives + life - 1
            if arrives > problem.last_year or (through is not None and through < arrives):
                continue
            slots.extend(
                OrderSlot(year, s, depot, arrives, through) for depot in s.depots or all_depots
            )
    return slots


def held_units(problem: ProcurementProblem) -> dict[Cell, int]:
    """Units of today's lots that count in each cell's year-end stock."""
    held: dict[Cell, int] = defaultdict(int)
    for lot in problem.lots:
        for year in problem.years:
            if lot.quantity > 0 and usable(problem.first_year, lot.usable_through, year):
                held[lot.depot, lot.item, year] += lot.quantity
    return dict(held)


def target_rows(problem: ProcurementProblem) -> list[TargetRow]:
    """Targets inside the horizon, duplicates of one cell summed, zeros left out."""
    wanted: dict[Cell, int] = defaultdict(int)
    for t in problem.targets:
        if problem.first_year <= t.year <= problem.last_year:
            wanted[t.depot, t.item, t.year] += t.quantity
    priority = {i.code: i.priority for i in problem.items}
    return [
        TargetRow(d, i, y, q, priority[i] / max(q, 1))
        for (d, i, y), q in sorted(wanted.items())
        if q > 0
    ]


def build_model(problem: ProcurementProblem) -> MilpModel:
    """Phase 1's model (objective: weighted shortfall); phase 2 swaps the objective."""
    model = MilpModel(problem, pulp.LpProblem("procurement", pulp.LpMinimize))
    _add_orders(model)
    _add_starts(model)
    by_cell = _orders_by_cell(model)
    _add_shortfalls(model, by_cell)
    _add_storage(model, by_cell)
    _add_budgets(model)
    _add_source_capacity(model)
    model.prob.setObjective(model.shortfall_expr)
    return model


def _add_orders(model: MilpModel) -> None:
    for n, slot in enumerate(order_slots(model.problem)):
        cap = slot.source.capacity_per_year
        var = model.prob.add_variable(f"o{n}", 0, cap, cat=pulp.LpInteger)
        model.orders.append((slot, var))
        model.cost_expr.addterm(var, slot.source.unit_cost_vnd / MONEY_SCALE)


def _add_starts(model: MilpModel) -> None:
    """A start only where the upgrade is ready within the horizon: a later one costs money
    and adds nothing the plan can count."""
    last = model.problem.last_year
    for n, up in enumerate(model.problem.upgrades):
        chosen = []
        for year in model.problem.years:
            if year + up.build_years <= last:
                var = model.prob.add_variable(f"u{n}_{year}", 0, 1, cat=pulp.LpInteger)
                model.starts.append((up, year, var))
                model.cost_expr.addterm(var, up.cost_vnd / MONEY_SCALE)
                chosen.append(var)
        if len(chosen) > 1:
            model.prob.addConstraint(pulp.lpSum(chosen) <= 1, f"once_{n}")


def _orders_by_cell(model: MilpModel) -> dict[Cell, list[pulp.LpVariable]]:
    by_cell: dict[Cell, list[pulp.LpVariable]] = defaultdict(list)
    for slot, var in model.orders:
        for year in model.problem.years:
            if slot.counts_in(year):
                by_cell[slot.depot, slot.source.item, year].append(var)
    return by_cell


def _add_shortfalls(model: MilpModel, by_cell: dict[Cell, list[pulp.LpVariable]]) -> None:
    """shortfall >= target - held - orders counted, one row per target cell. A shortfall
    with a row is an integer column: targets, held lots and orders are whole units, so at
    any integer plan its least value is whole and the model's optimum is unchanged, while
    HiGHS gets integer rows to cut on (phase 1 proved sooner, phase 2's bound higher)."""
    held = held_units(model.problem)
    for n, row in enumerate(target_rows(model.problem)):
        cell = (row.depot, row.item, row.year)
        need = row.quantity - held.get(cell, 0)
        orders = by_cell.get(cell, [])
        var = model.prob.add_variable(f"s{n}", 0)
        model.shortfalls.append((row, var))
        model.shortfall_expr.addterm(var, row.weight)
        if need > 0 and orders:
            var.cat = pulp.LpInteger
            expr = pulp.LpAffineExpression([(var, 1.0)] + [(o, 1.0) for o in orders])
            model.prob.addConstraint(expr >= need, f"short_{n}")
        else:
            var.lowBound = max(need, 0)


def _add_storage(model: MilpModel, by_cell: dict[Cell, list[pulp.LpVariable]]) -> None:
    """Per depot, year and unit: orders' space <= capacity + ready upgrades - held space,
    with the capacity raised to the held space where today's stock already overfills it."""
    problem = model.problem
    items = {i.code: i for i in problem.items}
    held = held_units(problem)
    for d, depot in enumerate(problem.depots):
        for year in problem.years:
            cells = [(i, by_cell.get((depot.code, i, year), [])) for i in items]
            for unit, capacity in zip(UNITS, (depot.capacity_m3, depot.capacity_kg), strict=True):
                taken = sum(
                    _per_unit(items[i], unit) * held.get((depot.code, i, year), 0) for i in items
                )
                if taken > capacity + 1e-9:
                    model.overfull.append((depot.code, year, unit, taken, capacity))
                terms = [(v, _per_unit(items[i], unit)) for i, vs in cells for v in vs]
                terms += [
                    (var, -_added(up, unit))
                    for up, start, var in model.starts
                    if up.depot == depot.code and start + up.build_years <= year
                ]
                terms = [(v, c) for v, c in terms if c != 0]
                if any(c > 0 for _, c in terms):
                    name = f"store_{d}_{year}_{unit}"
                    rhs = max(capacity, taken) - taken
                    model.prob.addConstraint(pulp.LpAffineExpression(terms) <= rhs, name)
                    model.storage_rows[depot.code, year, unit] = name


def _per_unit(item: ProcItem, unit: str) -> float:
    return item.volume_m3 if unit == "m3" else item.weight_kg


def _added(up: Upgrade, unit: str) -> float:
    return up.added_m3 if unit == "m3" else up.added_kg


def _add_budgets(model: MilpModel) -> None:
    """Orders are paid in the order year, upgrades in the start year."""
    spend: dict[int, list[tuple[pulp.LpVariable, float]]] = defaultdict(list)
    for slot, var in model.orders:
        spend[slot.year].append((var, slot.source.unit_cost_vnd / MONEY_SCALE))
    for up, year, var in model.starts:
        spend[year].append((var, up.cost_vnd / MONEY_SCALE))
    for year in model.problem.years:
        terms = [(v, c) for v, c in spend.get(year, []) if c > 0]
        if terms:
            money = model.problem.budgets.get(year, 0) / MONEY_SCALE
            name = f"budget_{year}"
            model.prob.addConstraint(pulp.LpAffineExpression(terms) <= money, name)
            model.budget_rows[year] = name


def _add_source_capacity(model: MilpModel) -> None:
    """A source's yearly capacity is shared by the depots it delivers to; kept as a row even
    for one depot (where the bound alone would do) so its dual can be read."""
    per: dict[tuple[str, int], list[pulp.LpVariable]] = defaultdict(list)
    for slot, var in model.orders:
        per[slot.source.code, slot.year].append(var)
    index = {s.code: n for n, s in enumerate(model.problem.sources)}
    for (code, year), vars_ in sorted(per.items()):
        name = f"cap_{index[code]}_{year}"
        model.prob.addConstraint(pulp.lpSum(vars_) <= vars_[0].upBound, name)
        model.capacity_rows[code, year] = name
