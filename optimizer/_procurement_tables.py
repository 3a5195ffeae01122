"""The chosen plan as result tables, recounted from whole units rather than read from the
solver's continuous columns, so every figure agrees with the orders it reports."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ._procurement_milp import Cell, MilpModel, target_rows, usable
from .procurement_model import Order, UpgradeStart, YearStock, YearSummary


@dataclass(frozen=True)
class Plan:
    orders: tuple[Order, ...]
    upgrades: tuple[UpgradeStart, ...]
    stock: tuple[YearStock, ...]
    years: tuple[YearSummary, ...]

    @property
    def weighted_shortfall(self) -> float:
        return sum(y.weighted_shortfall for y in self.years)

    @property
    def cost_vnd(self) -> int:
        return sum(o.cost_vnd for o in self.orders) + sum(u.cost_vnd for u in self.upgrades)


def read_plan(model: MilpModel, values: dict[str, float]) -> Plan:
    orders = tuple(
        Order(
            slot.year,
            slot.source.code,
            slot.depot,
            slot.source.item,
            qty,
            qty * slot.source.unit_cost_vnd,
            slot.arrives,
            slot.usable_through,
        )
        for slot, var in model.orders
        if (qty := round(values.get(var.name, 0.0))) > 0
    )
    upgrades = tuple(
        UpgradeStart(up.code, up.depot, year, year + up.build_years, up.cost_vnd)
        for up, year, var in model.starts
        if values.get(var.name, 0.0) > 0.5
    )
    stock = _stock_rows(model, orders)
    return Plan(orders, upgrades, stock, _summaries(model, orders, upgrades, stock))


def _lots(model: MilpModel, orders: tuple[Order, ...]) -> list[tuple[Cell, int, int | None]]:
    """(depot, item, arrival year), quantity, usable through: held lots and orders alike."""
    first = model.problem.first_year
    lots: list[tuple[Cell, int, int | None]] = [
        ((lot.depot, lot.item, first), lot.quantity, lot.usable_through)
        for lot in model.problem.lots
        if lot.quantity > 0
    ]
    lots += [((o.depot, o.item, o.arrives_year), o.quantity, o.usable_through) for o in orders]
    return lots


def _stock_rows(model: MilpModel, orders: tuple[Order, ...]) -> tuple[YearStock, ...]:
    """One row per cell with a target or any stock; shortfall in whole units."""
    held: dict[Cell, int] = defaultdict(int)
    expiring: dict[Cell, int] = defaultdict(int)
    arriving: dict[Cell, int] = defaultdict(int)
    for (depot, item, arrives), qty, through in _lots(model, orders):
        for year in model.problem.years:
            if usable(arrives, through, year):
                held[depot, item, year] += qty
                if through == year:
                    expiring[depot, item, year] += qty
    for o in orders:
        arriving[o.depot, o.item, o.arrives_year] += o.quantity
    targets = {(r.depot, r.item, r.year): r.quantity for r in target_rows(model.problem)}
    cells = sorted(set(targets) | {c for c, q in held.items() if q > 0} | set(arriving))
    return tuple(
        YearStock(
            year,
            depot,
            item,
            targets.get((depot, item, year), 0),
            held.get((depot, item, year), 0),
            max(0, targets.get((depot, item, year), 0) - held.get((depot, item, year), 0)),
            expiring.get((depot, item, year), 0),
            arriving.get((depot, item, year), 0),
        )
        for depot, item, year in sorted(cells, key=lambda c: (c[2], c[0], c[1]))
    )


def _summaries(
    model: MilpModel,
    orders: tuple[Order, ...],
    upgrades: tuple[UpgradeStart, ...],
    stock: tuple[YearStock, ...],
) -> tuple[YearSummary, ...]:
    problem = model.problem
    spend: dict[int, int] = defaultdict(int)
    for o in orders:
        spend[o.year] += o.cost_vnd
    for u in upgrades:
        spend[u.year] += u.cost_vnd
    weight = {(r.depot, r.item, r.year): r.weight for r in target_rows(problem)}
    volume = {i.code: i.volume_m3 for i in problem.items}
    added = {u.code: u.added_m3 for u in problem.upgrades}
    out = []
    for year in problem.years:
        rows = [s for s in stock if s.year == year]
        ready = sum(added[u.upgrade] for u in upgrades if u.ready_year <= year)
        out.append(
            YearSummary(
                year,
                problem.budgets.get(year, 0),
                spend.get(year, 0),
                sum(s.target for s in rows),
                sum(s.shortfall for s in rows),
                sum(weight.get((s.depot, s.item, year), 0.0) * s.shortfall for s in rows),
                sum(volume[s.item] * s.held for s in rows),
                sum(d.capacity_m3 for d in problem.depots) + ready,
            )
        )
    return tuple(out)
