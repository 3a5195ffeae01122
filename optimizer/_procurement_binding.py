"""What holds readiness back, in plain words: the phase-1 LP relaxation's non-zero duals
(budgets, source capacities, storage), then facts read from the plan itself (depots whose
stock already overfills them, items nobody supplies or supplies only too late)."""

from __future__ import annotations

from collections import defaultdict

from ._procurement_milp import MONEY_SCALE, MilpModel
from ._procurement_tables import Plan
from .procurement_model import Binding

#: at most this many bindings are reported, of which at most STRUCTURAL are not from duals
MAX_BINDINGS = 20
STRUCTURAL = 8
#: duals below this (in weighted shortfall per unit) are numerical noise
DUAL_EPS = 1e-7
#: the budget's shadow price is quoted per this many VND
BILLION = 1e9


def bindings(model: MilpModel, duals: dict[str, float], plan: Plan) -> tuple[Binding, ...]:
    priced = sorted(
        _budget(model, duals, plan) + _capacity(model, duals) + _storage(model, duals),
        key=lambda b: -(b.shadow_price or 0.0),
    )
    facts = (_overfull(model) + _unsupplied(model, plan))[:STRUCTURAL]
    return tuple(priced[: MAX_BINDINGS - len(facts)] + facts)


def _price(duals: dict[str, float], name: str) -> float:
    """A <= row of a minimisation has a dual <= 0; its size is what relaxing it is worth."""
    return abs(duals.get(name, 0.0))


def _budget(model: MilpModel, duals: dict[str, float], plan: Plan) -> list[Binding]:
    spent = {y.year: y.spend_vnd for y in plan.years}
    out = []
    for year, name in model.budget_rows.items():
        price = _price(duals, name) * BILLION / MONEY_SCALE
        if price <= DUAL_EPS:
            continue
        money = model.problem.budgets.get(year, 0)
        state = "is all spent and " if spent.get(year, 0) >= 0.99 * money else ""
        text = (
            f"the {year} budget of {money / BILLION:,.1f} bn VND {state}holds readiness back: "
            f"each 1 bn VND more would remove about {price:.3g} weighted shortfall"
        )
        out.append(Binding("budget", "budget", year, text, price))
    return out


def _capacity(model: MilpModel, duals: dict[str, float]) -> list[Binding]:
    sources = {s.code: s for s in model.problem.sources}
    out = []
    for (code, year), name in model.capacity_rows.items():
        price = _price(duals, name)
        if price <= DUAL_EPS:
            continue
        s = sources[code]
        who = "production line" if s.kind == "production" else f"{s.kind} supplier"
        text = (
            f"{who} {code} makes only {s.capacity_per_year:,} {s.item} a year ({year} orders): "
            f"one more would remove about {price:.3g} weighted shortfall"
        )
        out.append(Binding("supplier_capacity", code, year, text, price))
    return out


def _storage(model: MilpModel, duals: dict[str, float]) -> list[Binding]:
    out = []
    for (depot, year, unit), name in model.storage_rows.items():
        price = _price(duals, name)
        if price <= DUAL_EPS:
            continue
        text = (
            f"depot {depot} is full ({unit}) at the end of {year}: "
            f"1 {unit} more would remove about {price:.3g} weighted shortfall"
        )
        out.append(Binding("storage", depot, year, text, price))
    return out


def _overfull(model: MilpModel) -> list[Binding]:
    return [
        Binding(
            "storage",
            depot,
            year,
            f"depot {depot} already holds {held:,.0f} {unit} at the end of {year}, more than its "
            f"{capacity:,.0f} {unit}: nothing more can be stored there that year",
        )
        for depot, year, unit, held, capacity in model.overfull
    ]


def _unsupplied(model: MilpModel, plan: Plan) -> list[Binding]:
    """Items short in the plan with no source at all, or whose sources deliver too late."""
    problem = model.problem
    short: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in plan.stock:
        if row.shortfall > 0:
            short[row.item][row.year] += row.shortfall
    out = []
    for item, by_year in sorted(short.items()):
        sources = [s for s in problem.sources if s.item == item and s.capacity_per_year > 0]
        if not sources:
            units = sum(by_year.values())
            text = f"no source supplies {item}: {units:,} units short over the horizon"
            out.append(Binding("no_source", item, None, text))
            continue
        earliest = min(max(problem.first_year, s.first_year) + s.lead_time_years for s in sources)
        early = sum(q for y, q in by_year.items() if y < earliest)
        if early > 0:
            text = (
                f"{item} can arrive from {earliest} at the earliest (its sources' first orders "
                f"and lead times): {early:,} units short before then"
            )
            out.append(Binding("lead_time", item, earliest, text))
    return out
