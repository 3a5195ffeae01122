"""Typed, validated input and output of the multi-year procurement model (no solver code).

Years are calendar years. Stock is counted at each year's end: a lot counts in year Y's
year-end stock if it has arrived by then and `usable_through >= Y`. A lot bought from a
source arrives in `order year + lead_time_years` and, for an item with a shelf life of L
whole years, is usable through `arrival + L - 1`. An upgrade started in year S adds its
space from year `S + build_years` on. Money is whole VND, spent in the order (start) year."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from .errors import InvalidProblemError

SourceKind = Literal["domestic", "import", "production"]
Solver = Literal["highs", "cbc"]
Keep = Literal["cells", "total"]
#: the latest horizon the product plans to (the issue's bound)
LAST_YEAR_ALLOWED = 2040


@dataclass(frozen=True)
class ProcItem:
    code: str
    weight_kg: float
    volume_m3: float
    #: whole years a new lot stays usable; None: it does not expire
    shelf_life_years: int | None = None
    #: how much one unit short of its target weighs against the others (default 1)
    priority: float = 1.0


@dataclass(frozen=True)
class ProcDepot:
    code: str
    capacity_m3: float
    capacity_kg: float


@dataclass(frozen=True)
class HeldLot:
    """Stock held today: `quantity` units usable through the end of `usable_through`
    (None: no expiry)."""

    depot: str
    item: str
    quantity: int
    usable_through: int | None = None


@dataclass(frozen=True)
class Source:
    """A supplier (domestic or imported) or a domestic production line for one item."""

    code: str
    item: str
    kind: SourceKind
    #: units it can deliver from orders of one year
    capacity_per_year: int
    unit_cost_vnd: int
    #: 0: delivered in the year ordered; 1: the year after
    lead_time_years: int = 0
    #: the first year it takes orders (a production line not yet built, a delay)
    first_year: int = 0
    #: depots it may deliver to; None: any
    depots: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Upgrade:
    """An option to enlarge a depot's storage, started at most once."""

    code: str
    depot: str
    added_m3: float
    added_kg: float
    cost_vnd: int
    build_years: int = 1


@dataclass(frozen=True)
class Target:
    """Units of `item` that `depot` should hold at the end of `year`."""

    depot: str
    item: str
    year: int
    quantity: int


@dataclass(frozen=True)
class ProcurementProblem:
    first_year: int
    last_year: int
    items: tuple[ProcItem, ...]
    depots: tuple[ProcDepot, ...]
    lots: tuple[HeldLot, ...]
    sources: tuple[Source, ...]
    upgrades: tuple[Upgrade, ...]
    targets: tuple[Target, ...]
    #: year -> budget in VND for that year's orders and upgrade starts
    budgets: Mapping[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.last_year < self.first_year:
            raise InvalidProblemError(
                f"the horizon ends ({self.last_year}) before it starts ({self.first_year})",
                field="last_year",
            )
        if self.last_year > LAST_YEAR_ALLOWED:
            raise InvalidProblemError(
                f"the horizon may not end after {LAST_YEAR_ALLOWED}", field="last_year"
            )
        _check_references(self)

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.first_year, self.last_year + 1))


def _check_references(p: ProcurementProblem) -> None:
    items = {i.code for i in p.items}
    depots = {d.code for d in p.depots}
    for year, money in p.budgets.items():
        if money < 0:
            raise InvalidProblemError(f"the {year} budget is negative", field="budgets")
    for lot in p.lots:
        if lot.item not in items or lot.depot not in depots or lot.quantity < 0:
            raise InvalidProblemError(f"held lot {lot}: unknown item or depot", field="lots")
    for s in p.sources:
        if s.item not in items:
            raise InvalidProblemError(f"source {s.code}: unknown item {s.item}", field="sources")
        if s.depots is not None and not set(s.depots) <= depots:
            raise InvalidProblemError(f"source {s.code}: unknown depot", field="sources")
        if min(s.capacity_per_year, s.unit_cost_vnd, s.lead_time_years) < 0:
            raise InvalidProblemError(f"source {s.code}: negative figure", field="sources")
    for u in p.upgrades:
        if u.depot not in depots or u.build_years < 0 or u.cost_vnd < 0:
            raise InvalidProblemError(f"upgrade {u.code}: bad depot or figure", field="upgrades")
    for t in p.targets:
        if t.item not in items or t.depot not in depots or t.quantity < 0:
            raise InvalidProblemError(f"target {t}: unknown item or depot", field="targets")


@dataclass(frozen=True)
class ProcurementParams:
    time_limit_s: float = 30.0
    #: relative gap at which each phase may stop
    gap: float = 1e-4
    solver: Solver = "highs"
    #: what the cost phase keeps of the readiness phase's plan. "cells": no target cell
    #: (depot, item, year) ends further from its target, so saving money never moves a
    #: shortfall from one depot or item to another that the weights merely rate equal, and
    #: the cost phase is proved in seconds. "total": only the weighted sum is kept, which
    #: may find a slightly cheaper plan (0.14 % on the seeded data) but cannot prove it
    #: (bench/README.md, issue 13)
    keep: Keep = "cells"

    def __post_init__(self) -> None:
        if not 0 < self.time_limit_s <= 3600:
            raise InvalidProblemError("time_limit_s must be in (0, 3600]", field="time_limit_s")
        if not 0 <= self.gap < 1:
            raise InvalidProblemError("gap must be in [0, 1)", field="gap")
        if self.solver not in get_args(Solver):
            raise InvalidProblemError("solver is highs or cbc", field="solver")
        if self.keep not in get_args(Keep):
            raise InvalidProblemError("keep is cells or total", field="keep")


# --------------------------------------------------------------------------- what-ifs


def cut_budget(problem: ProcurementProblem, year: int, percent: float) -> ProcurementProblem:
    """The problem with `year`'s budget cut by `percent` (0-100)."""
    if year not in problem.years:
        raise InvalidProblemError(f"{year} is outside the horizon", field="year")
    if not 0 <= percent <= 100:
        raise InvalidProblemError("a cut is 0 to 100 %", field="percent")
    budgets = dict(problem.budgets)
    budgets[year] = int(budgets.get(year, 0) * (100 - percent) / 100)
    return replace(problem, budgets=budgets)


def delay_source(problem: ProcurementProblem, code: str, years: int) -> ProcurementProblem:
    """The problem with source `code` taking its first orders `years` later."""
    if code not in {s.code for s in problem.sources}:
        raise InvalidProblemError(f"unknown source {code}", field="source")
    if years < 0:
        raise InvalidProblemError("a delay is >= 0 years", field="years")
    sources = tuple(
        replace(s, first_year=max(s.first_year, problem.first_year) + years)
        if s.code == code
        else s
        for s in problem.sources
    )
    return replace(problem, sources=sources)


def drop_source(problem: ProcurementProblem, code: str) -> ProcurementProblem:
    """The problem without source `code` (a supplier lost)."""
    if code not in {s.code for s in problem.sources}:
        raise InvalidProblemError(f"unknown source {code}", field="source")
    return replace(problem, sources=tuple(s for s in problem.sources if s.code != code))


# --------------------------------------------------------------------------- results

Status = Literal["optimal", "feasible", "no_solution", "infeasible"]


@dataclass(frozen=True)
class Order:
    year: int
    source: str
    depot: str
    item: str
    quantity: int
    cost_vnd: int
    arrives_year: int
    usable_through: int | None


@dataclass(frozen=True)
class UpgradeStart:
    upgrade: str
    depot: str
    year: int
    ready_year: int
    cost_vnd: int


@dataclass(frozen=True)
class YearStock:
    """One depot x item at one year's end."""

    year: int
    depot: str
    item: str
    target: int
    held: int
    shortfall: int
    #: units counted this year that are not usable the next (to be replaced)
    expiring: int
    arriving: int


@dataclass(frozen=True)
class YearSummary:
    year: int
    budget_vnd: int
    spend_vnd: int
    target_units: int
    shortfall_units: int
    #: the phase-1 objective's share of this year (weighted shortfall)
    weighted_shortfall: float
    storage_used_m3: float
    storage_capacity_m3: float


@dataclass(frozen=True)
class Binding:
    """A constraint that holds readiness back, said in plain words."""

    kind: Literal["budget", "supplier_capacity", "storage", "lead_time", "no_source"]
    subject: str
    year: int | None
    text: str
    #: weighted shortfall removed per unit relaxed (per 1e9 VND for a budget), from the LP
    #: relaxation's duals; None where it gives none
    shadow_price: float | None = None


@dataclass(frozen=True)
class ProcurementResult:
    status: Status
    solver: str
    #: phase 1: weighted shortfall over all years; phase 2: cost at that shortfall
    shortfall: float
    shortfall_bound: float | None
    cost_vnd: int
    cost_bound: float | None
    #: the larger of the two phases' relative gaps (None if a phase has no bound)
    gap: float | None
    wall_s: float
    orders: tuple[Order, ...] = ()
    upgrades: tuple[UpgradeStart, ...] = ()
    stock: tuple[YearStock, ...] = ()
    years: tuple[YearSummary, ...] = ()
    binding: tuple[Binding, ...] = ()
    message: str = ""
    #: the model's size (rows, columns, integer columns), for benchmarks and logs
    rows: int = 0
    columns: int = 0
    integer_columns: int = 0
