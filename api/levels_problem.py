"""The seeded data as a stock-levels problem: depots, items and today's usable stock from
the books, sampled incident scenarios from data/, arrival times over the road network with
today's closures, priced as the dispatch objective prices them.

Planning assumptions (docs/stock-levels.md): a unit costs its priority times the hours
until it lands (loading, road time with the legal driving rules for a crew of two,
unloading), as in a dispatch plan; a unit landing after its line's required-by time costs
`LATE_PENALTY_H` more hours; an unmet unit costs twice the dispatch horizon. Provincial
incidents draw on depots within the dispatch's provincial reach; national ones on all."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from inventory.models import Depot, Item
from inventory.scenarios import SampledScenario
from network import Overlay, RoadRouter
from network.errors import InvalidLocationError
from network.routing import Snap
from optimizer.dispatch_model import DispatchParams
from optimizer.driving import leg_seconds
from optimizer.levels_model import (
    LevelDemand,
    LevelDepot,
    LevelItem,
    LevelScenario,
    LevelsProblem,
)

HOUR = 3600.0
#: The crew a depot's truck drives with on a long run to an incident (two drivers take
#: turns, so the 4 h / 10 h rules add no rest).
CREW = 2
#: Hours a unit landing after its required-by time costs on top of its arrival.
LATE_PENALTY_H = 24.0
_DISPATCH = DispatchParams()
#: An unmet unit costs twice the dispatch horizon, as in a dispatch plan.
UNMET_PENALTY_H = 2 * _DISPATCH.horizon_s / HOUR


@dataclass(frozen=True)
class DepotFacts:
    code: str
    node_id: str | None
    capacity_m3: float
    capacity_kg: float
    storage_classes: tuple[str, ...]

    @classmethod
    def of(cls, d: Depot) -> DepotFacts:
        return cls(d.code, d.node_id, d.capacity_m3, d.capacity_kg, tuple(d.storage_classes))


@dataclass(frozen=True)
class ItemFacts:
    code: str
    unit_cost_vnd: int
    unit_volume_m3: float
    unit_weight_kg: float
    storage_class: str

    @classmethod
    def of(cls, i: Item) -> ItemFacts:
        return cls(i.code, i.unit_cost_vnd, i.unit_volume_m3, i.unit_weight_kg, i.storage_class)


@dataclass(frozen=True)
class LevelsInputs:
    """What the books say, read in one snapshot (plain values: solved after it closes)."""

    depots: Sequence[DepotFacts]
    items: Sequence[ItemFacts]
    #: (depot, item) -> usable units not reserved
    stock: Mapping[tuple[str, str], int]
    overlay: Overlay
    #: (depot, item) -> a level the planner fixed
    fixed: Mapping[tuple[str, str], int]


def scenario_items(scenarios: Sequence[SampledScenario]) -> set[str]:
    return {line.item for s in scenarios for line in s.lines}


def build_levels_problem(
    inputs: LevelsInputs,
    scenarios: Sequence[SampledScenario],
    router: RoadRouter,
    *,
    national_level: str,
    budget: float | None,
    move_cost: float,
    shore: Mapping[str, tuple[float, float]],
    name: str = "seeded",
) -> LevelsProblem:
    """Every item some scenario asks for, at every depot with a road node. `shore`: hazard
    source -> its own coordinates, where a scenario placed off the road network (an oil
    spill at sea) is served from."""
    wanted = scenario_items(scenarios) | {i for _, i in inputs.fixed}
    items = {i.code: i for i in inputs.items if i.code in wanted}
    depots = [d for d in inputs.depots if d.node_id]
    arrival = _arrival_hours(depots, scenarios, router, inputs.overlay, shore)
    reach_h = _DISPATCH.provincial_reach_s / HOUR
    ship_cost: dict[tuple[str, str], float] = {}
    for s in scenarios:
        for d in depots:
            hours = arrival.get((d.code, s.id))
            if hours is None or (s.level != national_level and hours > reach_h):
                continue
            ship_cost[(d.code, s.id)] = hours
    return LevelsProblem(
        items=tuple(_item(i) for i in items.values()),
        depots=tuple(_depot(d, items, inputs) for d in depots),
        sites=tuple(s.id for s in scenarios),
        ship_cost=ship_cost,
        scenarios=tuple(_scenario(s) for s in scenarios),
        budget=budget,
        move_cost=move_cost,
        integer_levels=True,
        keep_stock=True,
        name=name,
    )


def _item(item: ItemFacts) -> LevelItem:
    return LevelItem(
        id=item.code,
        unit_cost=float(item.unit_cost_vnd),
        unmet_penalty=UNMET_PENALTY_H,
        volume=item.unit_volume_m3,
        weight=item.unit_weight_kg,
        storage_class=item.storage_class,
    )


def _depot(depot: DepotFacts, items: Mapping[str, ItemFacts], inputs: LevelsInputs) -> LevelDepot:
    """The depot's room for the modelled items: its capacity less what the items no
    scenario asks for take up today."""
    other_m3 = other_kg = 0.0
    catalogue = {i.code: i for i in inputs.items}
    current: dict[str, float] = {}
    for (code, item), qty in inputs.stock.items():
        if code != depot.code:
            continue
        if item in items:
            current[item] = float(qty)
        elif item in catalogue:
            other_m3 += catalogue[item].unit_volume_m3 * qty
            other_kg += catalogue[item].unit_weight_kg * qty
    return LevelDepot(
        id=depot.code,
        capacity_volume=max(0.0, depot.capacity_m3 - other_m3),
        capacity_weight=max(0.0, depot.capacity_kg - other_kg),
        storage_classes=frozenset(depot.storage_classes),
        current=current,
        fixed={i: float(q) for (d, i), q in inputs.fixed.items() if d == depot.code},
    )


def _scenario(s: SampledScenario) -> LevelScenario:
    return LevelScenario(
        id=s.id,
        probability=s.probability,
        demand=tuple(
            LevelDemand(
                site=s.id,
                item=line.item,
                quantity=float(line.quantity),
                weight=float(line.priority),
                due=line.required_by_h,
                late_penalty=line.priority * LATE_PENALTY_H,
                unmet_penalty=line.priority * UNMET_PENALTY_H,
            )
            for line in s.lines
        ),
        tags={"type": s.incident_type, "level": s.level, "zone": s.zone, "source": s.source},
    )


def _arrival_hours(
    depots: Sequence[DepotFacts],
    scenarios: Sequence[SampledScenario],
    router: RoadRouter,
    overlay: Overlay,
    shore: Mapping[str, tuple[float, float]],
) -> dict[tuple[str, str], float]:
    """(depot, scenario) -> hours from the call to the first load landing on site."""
    snaps = {s.id: _snap(router, s, shore.get(s.source)) for s in scenarios}
    targets = sorted({snap.node_id for snap in snaps.values() if snap is not None})
    if not targets or not depots:
        return {}
    sources = [d.node_id for d in depots if d.node_id]
    matrix = router.matrix(sources, targets, overlay)
    column = {node: j for j, node in enumerate(targets)}
    fixed_s = _DISPATCH.load_seconds + _DISPATCH.unload_seconds
    out: dict[tuple[str, str], float] = {}
    for sid, snap in snaps.items():
        if snap is None:
            continue
        for row, depot in enumerate(depots):
            secs = matrix.seconds[row][column[snap.node_id]]
            if secs is None:
                continue
            drive = leg_seconds(math.ceil(secs + snap.seconds), CREW)
            out[(depot.code, sid)] = (drive + fixed_s) / HOUR
    return out


def _snap(router: RoadRouter, s: SampledScenario, shore: tuple[float, float] | None) -> Snap | None:
    """The scenario's place on the road network, or its source's when the place is off it
    (at sea: the response stages on the shore); None when neither has a road (an island,
    served by sea, which this model does not plan: its demand counts as unmet)."""
    for point in ((s.lat, s.lon), shore):
        if point is None:
            continue
        try:
            return router.snap(point)
        except InvalidLocationError:
            continue
    return None
