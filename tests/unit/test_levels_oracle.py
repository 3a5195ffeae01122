"""An oracle for the stock-levels tests, independent of the model's own arrays: the second
stage of any levels by scipy's LP straight from the problem's fields, the first stage and
its limits by hand, a brute force over every integer level vector, and random problems with
every feature of the model. Checked here on problems solved by hand."""

from __future__ import annotations

import itertools
import math
import pickle
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from optimizer.levels_model import (
    LevelDemand,
    LevelDepot,
    LevelItem,
    LevelScenario,
    LevelsProblem,
    LevelsResult,
)

Levels = Mapping[tuple[str, str], float]


def second_stage(problem: LevelsProblem, levels: Levels, s: LevelScenario) -> float:
    """One scenario's least cost by LP, built from the problem's fields alone."""
    lines = list(s.demand)
    items = {i.id: i for i in problem.items}
    cost, rows = [], []
    for k, line in enumerate(lines):
        for d in problem.depots:
            unit = problem.ship_cost.get((d.id, line.site))
            if unit is None:
                continue
            t = problem.ship_time.get((d.id, line.site), unit)
            late = line.late_penalty if line.due is not None and t > line.due else 0.0
            cost.append(line.weight * unit + late)
            rows.append((k, d.id, line.item))
    for line in lines:
        penalty = line.unmet_penalty
        cost.append(items[line.item].unmet_penalty if penalty is None else penalty)
    n = len(cost)
    a_eq = np.zeros((len(lines), n))
    for col, (k, _, _) in enumerate(rows):
        a_eq[k, col] = 1.0
    for k in range(len(lines)):
        a_eq[k, len(rows) + k] = 1.0
    caps = sorted({(depot, item) for _, depot, item in rows})
    a_ub = np.zeros((len(caps), n))
    b_ub = np.zeros(len(caps))
    for r, cap in enumerate(caps):
        b_ub[r] = (1 - s.depot_loss.get(cap[0], 0.0)) * levels.get(cap, 0.0)
        for col, (_, depot, item) in enumerate(rows):
            if (depot, item) == cap:
                a_ub[r, col] = 1.0
    res = linprog(
        cost,
        A_ub=a_ub if len(caps) else None,
        b_ub=b_ub if len(caps) else None,
        A_eq=a_eq,
        b_eq=[line.quantity for line in lines],
        method="highs",
    )
    assert res.status == 0
    return float(res.fun)


def objective(problem: LevelsProblem, levels: Levels) -> float:
    items = {i.id: i for i in problem.items}
    first = 0.0
    for d in problem.depots:
        for i in problem.items:
            x = levels.get((d.id, i.id), 0.0)
            first += items[i.id].holding_cost * x
            first += problem.move_cost * max(0.0, x - d.current.get(i.id, 0.0))
    return first + sum(s.probability * second_stage(problem, levels, s) for s in problem.scenarios)


def violations(problem: LevelsProblem, levels: Levels) -> list[str]:
    """Every first-stage limit the levels break (budget on net new units only)."""
    out = []
    for d in problem.depots:
        volume = weight = 0.0
        for i in problem.items:
            x = levels.get((d.id, i.id), 0.0)
            volume += i.volume * x
            weight += i.weight * x
            if x > 1e-9 and not d.can_store(i):
                out.append(f"{d.id} holds {i.id} it cannot store")
            if x > d.max_level.get(i.id, math.inf) + 1e-9:
                out.append(f"{d.id} holds {i.id} above its max")
            if i.id in d.fixed and abs(x - d.fixed[i.id]) > 1e-9:
                out.append(f"{d.id} moved the fixed level of {i.id}")
            if problem.integer_levels and abs(x - round(x)) > 1e-9:
                out.append(f"{d.id} holds a fraction of {i.id}")
        if d.capacity_volume is not None and volume > d.capacity_volume * (1 + 1e-9) + 1e-9:
            out.append(f"{d.id} over its volume")
        if d.capacity_weight is not None and weight > d.capacity_weight * (1 + 1e-9) + 1e-9:
            out.append(f"{d.id} over its weight")
    if problem.budget is not None and spent(problem, levels) > problem.budget * (1 + 1e-9):
        out.append("over the budget")
    if problem.keep_stock:
        for i in problem.items:
            held = sum(levels.get((d.id, i.id), 0.0) for d in problem.depots)
            today = sum(d.current.get(i.id, 0.0) for d in problem.depots)
            if held < today - 1e-9:
                out.append(f"{i.id} totals less than today's stock")
    return out + [f"unknown or negative level {k}" for k, q in levels.items() if q < -1e-9]


def spent(problem: LevelsProblem, levels: Levels) -> float:
    total = 0.0
    for i in problem.items:
        held = sum(levels.get((d.id, i.id), 0.0) for d in problem.depots)
        today = sum(d.current.get(i.id, 0.0) for d in problem.depots)
        total += i.unit_cost * max(0.0, held - today)
    return total


def as_levels(result: LevelsResult) -> dict[tuple[str, str], float]:
    return {(lv.depot, lv.item): lv.quantity for lv in result.levels}


def brute_force(problem: LevelsProblem) -> float:
    """The least objective over every integer level vector up to what a scenario could use."""
    cells = [(d, i) for d in problem.depots for i in problem.items if d.can_store(i)]
    most = {
        i.id: max(sum(ln.quantity for ln in s.demand if ln.item == i.id) for s in problem.scenarios)
        for i in problem.items
    }
    best = math.inf
    ranges = [range(math.ceil(most[i.id]) + 1) for _, i in cells]
    for combo in itertools.product(*ranges):
        levels = {(d.id, i.id): float(q) for (d, i), q in zip(cells, combo, strict=True)}
        if not violations(problem, levels):
            best = min(best, objective(problem, levels))
    return best


def random_problem(
    seed: int,
    *,
    depots: int = 3,
    items: int = 2,
    scenarios: int = 4,
    integer: bool = False,
    most: int = 40,
) -> LevelsProblem:
    """Storage classes, capacities, today's stock, fixed and max levels, losses, due times,
    line weights and penalties, missing routes; scenarios at one site or several."""
    rng = random.Random(seed)
    kinds = ["general", "cold"]
    item_list = tuple(
        LevelItem(
            id=f"I{k}",
            unit_cost=rng.choice([1.0, 2.0, 5.0]),
            unmet_penalty=rng.uniform(50, 200),
            volume=rng.choice([0.0, 0.5, 1.0]),
            weight=rng.choice([0.0, 2.0]),
            storage_class=rng.choice(kinds),
            holding_cost=rng.choice([0.0, 0.3]),
        )
        for k in range(items)
    )
    sites = tuple(f"S{k}" for k in range(3))
    depot_list = []
    for k in range(depots):
        ids = [it.id for it in item_list]
        depot_list.append(
            LevelDepot(
                id=f"D{k}",
                capacity_volume=rng.choice([None, rng.uniform(5, 40)]),
                capacity_weight=rng.choice([None, rng.uniform(20, 80)]),
                storage_classes=rng.choice([None, frozenset({"general"})]),
                max_level={i: float(rng.randint(0, most)) for i in ids if rng.random() < 0.3},
                current={i: float(rng.randint(0, most // 2)) for i in ids if rng.random() < 0.5},
            )
        )
    ship_cost = {
        (d.id, s): round(rng.uniform(1, 30), 1)
        for d in depot_list
        for s in sites
        if rng.random() < 0.85
    }
    ship_time = {k: v * rng.choice([0.5, 1.0, 2.0]) for k, v in ship_cost.items()}
    scen = [
        random_scenario(rng, f"s{k}", 0.9 / scenarios, sites, item_list, depot_list, most)
        for k in range(scenarios)
    ]
    return LevelsProblem(
        items=item_list,
        depots=tuple(depot_list),
        sites=sites,
        ship_cost=ship_cost,
        ship_time=ship_time,
        scenarios=tuple(scen),
        budget=rng.choice([None, rng.uniform(10, 30 * most)]),
        move_cost=rng.choice([0.0, 0.5]),
        integer_levels=integer,
    )


def random_scenario(
    rng: random.Random,
    sid: str,
    probability: float,
    sites: tuple[str, ...],
    items: tuple[LevelItem, ...],
    depots: list[LevelDepot],
    most: int,
) -> LevelScenario:
    """At one site or two; an item once or twice per site (with other due times)."""
    lines = []
    for site in rng.sample(sites, rng.choice([1, 1, 2])):
        for it in rng.sample(items, rng.randint(1, len(items))):
            for _ in range(rng.choice([1, 1, 2])):
                lines.append(
                    LevelDemand(
                        site=site,
                        item=it.id,
                        quantity=float(rng.randint(0, most)),
                        weight=rng.choice([1.0, 2.0]),
                        due=rng.choice([None, 10.0, 30.0]),
                        late_penalty=rng.choice([0.0, 20.0]),
                        unmet_penalty=rng.choice([None, 400.0]),
                    )
                )
    loss = {d.id: rng.choice([0.5, 1.0]) for d in depots if rng.random() < 0.2}
    return LevelScenario(sid, probability, tuple(lines), depot_loss=loss)


def tiny_problem(seed: int) -> LevelsProblem:
    """Two depots that can hold everything, one or two items, a budget and room for a few
    units and a fraction (so the LP relaxation is fractional), and scenarios of up to
    three or four units: small enough to try every level vector."""
    rng = random.Random(seed)
    items = 1 + seed % 2
    most = 4 if items == 1 else 3
    base = random_problem(seed, depots=2, items=items, scenarios=2 + seed % 2, most=most)
    depots = tuple(
        LevelDepot(
            id=d.id,
            capacity_volume=rng.choice([None, 2.5, 3.5]),
            max_level=d.max_level if rng.random() < 0.5 else {},
            current={i: min(q, 1.0) for i, q in d.current.items()},
            fixed={base.items[0].id: 1.0} if k == 0 and rng.random() < 0.3 else {},
        )
        for k, d in enumerate(base.depots)
    )
    items_ = tuple(
        LevelItem(
            id=i.id, unit_cost=i.unit_cost, unmet_penalty=i.unmet_penalty, volume=i.volume or 0.7
        )
        for i in base.items
    )
    return LevelsProblem(
        items=items_,
        depots=depots,
        sites=base.sites,
        ship_cost=base.ship_cost,
        ship_time=base.ship_time,
        scenarios=base.scenarios,
        budget=min(i.unit_cost for i in items_) * rng.uniform(1, 3),
        move_cost=base.move_cost,
        integer_levels=True,
    )


def close(a: float, b: float, rel: float = 1e-6) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def pickling_map(fn: Callable[[Any], Any], tasks: Sequence[Any]) -> list[Any]:
    """A map that pickles both ways, as a process pool would."""
    out = []
    for task in tasks:
        sent = pickle.loads(pickle.dumps((fn, task)))
        out.append(pickle.loads(pickle.dumps(sent[0](sent[1]))))
    return out


def far_and_near() -> LevelsProblem:
    """Ten units sit at a depot far from the only site; the budget buys two more."""
    kit = LevelItem(id="KIT", unit_cost=5.0, unmet_penalty=100.0)
    return LevelsProblem(
        items=(kit,),
        depots=(LevelDepot(id="FAR", current={"KIT": 10.0}), LevelDepot(id="NEAR")),
        sites=("S",),
        ship_cost={("FAR", "S"): 50.0, ("NEAR", "S"): 1.0},
        scenarios=(LevelScenario("s", 1.0, (LevelDemand("S", "KIT", 20.0),)),),
        budget=10.0,
        move_cost=0.5,
        integer_levels=True,
    )


def test_the_oracle_prices_a_scenario_as_by_hand() -> None:
    problem = far_and_near()
    s = problem.scenarios[0]
    assert second_stage(problem, {("FAR", "KIT"): 10.0}, s) == pytest.approx(500 + 1000)
    assert second_stage(problem, {("NEAR", "KIT"): 12.0}, s) == pytest.approx(12 + 800)
    assert objective(problem, {("NEAR", "KIT"): 12.0}) == pytest.approx(6 + 12 + 800)


def test_the_oracle_counts_only_net_new_units_against_the_budget() -> None:
    problem = far_and_near()
    assert not violations(problem, {("NEAR", "KIT"): 12.0})
    assert violations(problem, {("NEAR", "KIT"): 13.0}) == ["over the budget"]
    assert violations(problem, {("FAR", "KIT"): 10.0, ("NEAR", "KIT"): 3.0})


def test_the_brute_force_finds_the_optimum_solved_by_hand() -> None:
    assert brute_force(far_and_near()) == pytest.approx(6 + 12 + 800)
