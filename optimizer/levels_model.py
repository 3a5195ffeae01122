"""Typed, validated input and output of the stock-levels model (no solver code here).

A two-stage stochastic prepositioning problem (Rawls & Turnquist 2010 style): the first
stage sets how much of each item each depot holds; each scenario then ships from depots to
its sites at a cost per unit, or leaves demand unmet at a penalty. This is the general form
of `docs/prepositioning-format.md` plus what the seeded data adds: weight and storage
classes, a due time per demand line with a penalty per unit shipped from a depot too far
to arrive in time, today's stock with a cost per unit moved, and levels a planner fixes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from .errors import InvalidProblemError

LevelsStatus = Literal["optimal", "feasible", "infeasible", "error"]
LevelsMethod = Literal["auto", "extensive", "decomposition"]
LevelsSolver = Literal["highs", "scip"]

#: Probabilities may exceed 1 by rounding only this much.
PROBABILITY_SLACK = 1e-9


@dataclass(frozen=True)
class LevelItem:
    id: str
    #: money per unit bought: what the budget is spent on
    unit_cost: float
    #: cost per unit of demand a scenario leaves unmet (unless its line says otherwise)
    unmet_penalty: float
    volume: float = 0.0
    weight: float = 0.0
    storage_class: str = "general"
    #: cost per unit held (per planning period); 0 in the seeded data
    holding_cost: float = 0.0

    def __post_init__(self) -> None:
        for name in ("unit_cost", "unmet_penalty", "volume", "weight", "holding_cost"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InvalidProblemError(f"item {self.id}: {name} must be a number >= 0")


@dataclass(frozen=True)
class LevelDepot:
    id: str
    capacity_volume: float | None = None
    capacity_weight: float | None = None
    #: storage classes the depot can hold; None holds every class
    storage_classes: frozenset[str] | None = None
    #: item -> the most the depot may hold of it
    max_level: Mapping[str, float] = field(default_factory=dict)
    #: item -> what the depot holds today (the start for moves and the budget)
    current: Mapping[str, float] = field(default_factory=dict)
    #: item -> a level the planner fixed; the model keeps it exactly
    fixed: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("capacity_volume", "capacity_weight"):
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or value < 0):
                raise InvalidProblemError(f"depot {self.id}: {name} must be a number >= 0")
        for name in ("max_level", "current", "fixed"):
            for item, qty in getattr(self, name).items():
                if not math.isfinite(qty) or qty < 0:
                    raise InvalidProblemError(f"depot {self.id}: {name}[{item}] must be >= 0")

    def can_store(self, item: LevelItem) -> bool:
        return self.storage_classes is None or item.storage_class in self.storage_classes


@dataclass(frozen=True)
class LevelDemand:
    """One demand line of a scenario: `quantity` of `item` at `site`.

    A unit shipped from depot d costs `weight * ship_cost[d, site]`, plus `late_penalty`
    when `due` is set and `ship_time[d, site] > due`. A unit unmet costs `unmet_penalty`,
    or the item's when None."""

    site: str
    item: str
    quantity: float
    weight: float = 1.0
    due: float | None = None
    late_penalty: float = 0.0
    unmet_penalty: float | None = None

    def __post_init__(self) -> None:
        values = [self.quantity, self.weight, self.late_penalty]
        if self.due is not None:
            values.append(self.due)
        if self.unmet_penalty is not None:
            values.append(self.unmet_penalty)
        if any(not math.isfinite(v) or v < 0 for v in values):
            raise InvalidProblemError(
                f"demand {self.item} at {self.site}: quantities, weights, times and "
                "penalties must be numbers >= 0"
            )


@dataclass(frozen=True)
class LevelScenario:
    id: str
    probability: float
    demand: tuple[LevelDemand, ...]
    #: depot -> share of its stock lost or unreachable in this scenario (0..1)
    depot_loss: Mapping[str, float] = field(default_factory=dict)
    #: labels readiness is broken down by (the seeded data: type, level, zone, source)
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not math.isfinite(self.probability) or self.probability <= 0:
            raise InvalidProblemError(f"scenario {self.id}: probability must be > 0")
        for depot, loss in self.depot_loss.items():
            if not 0 <= loss <= 1:
                raise InvalidProblemError(f"scenario {self.id}: depot_loss[{depot}] not in 0..1")


@dataclass(frozen=True)
class LevelsProblem:
    items: tuple[LevelItem, ...]
    depots: tuple[LevelDepot, ...]
    sites: tuple[str, ...]
    #: (depot, site) -> cost per unit shipped (before the line's weight); absent: no route
    ship_cost: Mapping[tuple[str, str], float]
    scenarios: tuple[LevelScenario, ...]
    #: money for new stock, valued at unit cost; None: no limit
    budget: float | None = None
    #: (depot, site) -> travel time, compared with each line's `due`; absent: ship_cost
    ship_time: Mapping[tuple[str, str], float] = field(default_factory=dict)
    #: cost per unit placed above a depot's current level (a transfer in or a delivery)
    move_cost: float = 0.0
    integer_levels: bool = False
    #: today's stock stays in the books: each item's total over the depots is at least
    #: what they hold today (stock is moved, never thrown away). Without it a level below
    #: today's is free, so the model may drop stock no scenario uses.
    keep_stock: bool = False
    name: str = "levels"

    def __post_init__(self) -> None:
        self._check_codes()
        total = sum(s.probability for s in self.scenarios)
        if total > 1 + PROBABILITY_SLACK:
            raise InvalidProblemError(f"scenario probabilities sum to {total:.6g}, over 1")
        if self.budget is not None and (not math.isfinite(self.budget) or self.budget < 0):
            raise InvalidProblemError("budget must be a number >= 0")
        if not math.isfinite(self.move_cost) or self.move_cost < 0:
            raise InvalidProblemError("move_cost must be a number >= 0")
        for (depot, site), cost in self.ship_cost.items():
            if not math.isfinite(cost) or cost < 0:
                raise InvalidProblemError(f"ship_cost[{depot}, {site}] must be a number >= 0")

    def _check_codes(self) -> None:
        items = {i.id for i in self.items}
        depots = {d.id for d in self.depots}
        sites = set(self.sites)
        if len(items) != len(self.items) or len(depots) != len(self.depots):
            raise InvalidProblemError("item and depot ids must be unique")
        for d in self.depots:
            for name in ("max_level", "current", "fixed"):
                unknown = set(getattr(d, name)) - items
                if unknown:
                    raise InvalidProblemError(
                        f"depot {d.id}: {name} names unknown item(s) {sorted(unknown)}"
                    )
        for depot, site in (*self.ship_cost, *self.ship_time):
            if depot not in depots or site not in sites:
                raise InvalidProblemError(f"ship cost or time names unknown ({depot}, {site})")
        for s in self.scenarios:
            for line in s.demand:
                if line.item not in items or line.site not in sites:
                    raise InvalidProblemError(
                        f"scenario {s.id}: demand names unknown item {line.item} "
                        f"or site {line.site}"
                    )
            if set(s.depot_loss) - depots:
                raise InvalidProblemError(f"scenario {s.id}: depot_loss names an unknown depot")


@dataclass(frozen=True)
class LevelsParams:
    time_limit_s: float = 60.0
    #: relative gap at which the solve stops
    gap: float = 1e-3
    method: LevelsMethod = "auto"
    solver: LevelsSolver = "highs"
    seed: int = 0
    #: worker processes for scenario subproblems (1: in this process)
    workers: int = 1

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise InvalidProblemError("time_limit_s must be > 0")
        if not 0 <= self.gap < 1:
            raise InvalidProblemError("gap must be in [0, 1)")
        if self.workers < 1:
            raise InvalidProblemError("workers must be >= 1")
        if self.method not in get_args(LevelsMethod):
            raise InvalidProblemError(f"method must be one of {', '.join(get_args(LevelsMethod))}")
        if self.solver not in get_args(LevelsSolver):
            raise InvalidProblemError(f"solver must be one of {', '.join(get_args(LevelsSolver))}")
        if self.seed < 0:
            raise InvalidProblemError("seed must be >= 0")


@dataclass(frozen=True)
class Level:
    depot: str
    item: str
    quantity: float


@dataclass(frozen=True)
class LevelsResult:
    """`objective`: first stage plus the expected second stage, each scenario's second
    stage solved to optimality for `levels`. `bound`: a proven lower bound.
    `gap = (objective - bound) / max(1, |objective|)`."""

    status: LevelsStatus
    objective: float
    bound: float
    gap: float
    wall_s: float
    method: str
    levels: tuple[Level, ...]
    #: money spent on new stock, units moved
    spent: float = 0.0
    moved: float = 0.0
    iterations: int = 0
    message: str = ""
    log: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScenarioOutcome:
    id: str
    probability: float
    demand: float
    unmet: float
    #: units shipped from a depot that cannot arrive by the line's due time
    late: float
    #: every line met in full from depots that arrive in time
    served_in_time: bool
    #: the latest ship_time used (inf when something is unmet)
    time_to_full: float
    cost: float
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Readiness:
    """What a stock buys over a scenario set (probability-weighted)."""

    scenarios: int
    expected_unmet: float
    expected_demand: float
    #: probability-weighted share of scenarios fully served in time
    served_share: float
    #: tag name -> tag value -> weighted share served in time (e.g. "type" -> "oil_spill_water")
    by_tag: Mapping[str, Mapping[str, float]]
    #: probability-weighted mean time to full service over the scenarios fully served
    expected_time_to_full: float
    outcomes: tuple[ScenarioOutcome, ...] = ()
