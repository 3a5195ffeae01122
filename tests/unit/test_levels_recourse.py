"""The second stage at given levels: the greedy fast path against the LP path, the cuts
both give, and what `evaluate_levels` reports per scenario and over the set."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizer._levels_data import compile_problem
from optimizer._levels_recourse import Recourse
from optimizer.errors import InvalidProblemError
from optimizer.levels_model import (
    LevelDemand,
    LevelDepot,
    LevelItem,
    LevelScenario,
    LevelsProblem,
)
from optimizer.stock_levels import evaluate_levels
from tests.unit.test_levels_oracle import close, pickling_map, random_problem, second_stage


def single_site_problem(seed: int) -> LevelsProblem:
    """Every scenario at one site with one line per item: all on the fast path."""
    base = random_problem(seed, depots=5, items=3, scenarios=12)
    scenarios = []
    for s in base.scenarios:
        site = s.demand[0].site
        lines: dict[str, LevelDemand] = {}
        for line in s.demand:
            lines.setdefault(line.item, LevelDemand(site, line.item, line.quantity + 1, 1.5))
        scenarios.append(
            LevelScenario(s.id, s.probability, tuple(lines.values()), s.depot_loss, s.tags)
        )
    return LevelsProblem(
        items=base.items,
        depots=base.depots,
        sites=base.sites,
        ship_cost=base.ship_cost,
        ship_time=base.ship_time,
        scenarios=tuple(scenarios),
    )


@pytest.mark.parametrize("seed", range(10))
def test_the_greedy_fast_path_equals_the_lp_path(seed: int) -> None:
    problem = single_site_problem(seed)
    data = compile_problem(problem)
    assert data.second.group_fast.all()
    n = len(data.first.cells.keys)
    fast = Recourse(data.second, n)
    slow = Recourse(data.second, n, fast=False)
    rng = np.random.default_rng(seed)
    weight = data.second.prob[data.second.group_scen]
    pair_weight = weight[data.second.pair_group] * data.second.pair_retention
    for _ in range(5):
        x = rng.integers(0, 30, n).astype(float)
        a, b = fast.solve(x, detail=True), slow.solve(x, detail=True)
        np.testing.assert_allclose(a.group_value, b.group_value, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(a.line_unmet, b.line_unmet, atol=1e-9)
        # both duals give a cut that is exact at x and below the recourse elsewhere
        other = rng.integers(0, 30, n).astype(float)
        at_other = weight @ fast.solve(other).group_value
        for sol in (a, b):
            slope = pair_weight * sol.pair_mu
            cut_x = weight @ sol.group_value
            cut_other = cut_x - slope @ (other - x)[data.second.pair_cell]
            assert cut_other <= at_other + 1e-7


def test_the_lp_path_serves_lines_that_share_an_item_at_different_due_times() -> None:
    """The near depot is slow, the far one fast: the urgent line takes the fast depot and
    the other line the slow one, which a greedy by cost alone would get wrong."""
    kit = LevelItem(id="KIT", unit_cost=1.0, unmet_penalty=1000.0)
    problem = LevelsProblem(
        items=(kit,),
        depots=(LevelDepot(id="SLOW"), LevelDepot(id="FAST")),
        sites=("S",),
        ship_cost={("SLOW", "S"): 1.0, ("FAST", "S"): 3.0},
        ship_time={("SLOW", "S"): 10.0, ("FAST", "S"): 2.0},
        scenarios=(
            LevelScenario(
                "s",
                1.0,
                (
                    LevelDemand("S", "KIT", 5.0, due=4.0, late_penalty=100.0),
                    LevelDemand("S", "KIT", 5.0),
                ),
            ),
        ),
    )
    levels = {("SLOW", "KIT"): 5.0, ("FAST", "KIT"): 5.0}
    outcome = evaluate_levels(problem, levels).outcomes[0]
    assert outcome.cost == pytest.approx(5 * 3.0 + 5 * 1.0)
    assert outcome.late == 0
    assert outcome.served_in_time
    assert outcome.time_to_full == 10.0


def timing_problem() -> LevelsProblem:
    """Depot A (2 h) and B (8 h) serve one site; a line is due in 5 h."""
    kit = LevelItem(id="KIT", unit_cost=1.0, unmet_penalty=100.0)

    def scenario(sid: str, p: float, qty: float, kind: str) -> LevelScenario:
        line = LevelDemand("S", "KIT", qty, due=5.0, late_penalty=10.0)
        return LevelScenario(sid, p, (line,), tags={"type": kind})

    return LevelsProblem(
        items=(kit,),
        depots=(LevelDepot(id="A"), LevelDepot(id="B"), LevelDepot(id="C")),
        sites=("S",),
        ship_cost={("A", "S"): 2.0, ("B", "S"): 8.0, ("C", "S"): 9.0},
        ship_time={("C", "S"): 1.0},
        scenarios=(
            scenario("late", 0.2, 5.0, "spill"),
            scenario("short", 0.1, 20.0, "fire"),
            scenario("easy", 0.3, 2.0, "spill"),
        ),
    )


def test_evaluate_levels_reports_late_unmet_and_time_to_full_per_scenario() -> None:
    """A holds 3, B 10, C (1 h away, but dearer) 0."""
    readiness = evaluate_levels(timing_problem(), {("A", "KIT"): 3.0, ("B", "KIT"): 10.0})
    late, short, easy = readiness.outcomes
    assert (late.unmet, late.late, late.served_in_time, late.time_to_full) == (0, 2, False, 8)
    assert late.cost == pytest.approx(3 * 2 + 2 * (8 + 10))
    assert (short.unmet, short.late, short.time_to_full) == (7, 10, math.inf)
    assert (easy.unmet, easy.late, easy.served_in_time, easy.time_to_full) == (0, 0, True, 2)
    assert readiness.expected_unmet == pytest.approx(0.1 * 7)
    assert readiness.expected_demand == pytest.approx(0.2 * 5 + 0.1 * 20 + 0.3 * 2)
    assert readiness.served_share == pytest.approx(0.3 / 0.6)
    assert readiness.by_tag == {"type": pytest.approx({"spill": 0.3 / 0.5, "fire": 0.0})}
    assert readiness.expected_time_to_full == pytest.approx((0.2 * 8 + 0.3 * 2) / 0.5)


def test_evaluate_levels_counts_stock_a_depot_may_no_longer_hold() -> None:
    problem = timing_problem()
    cold = LevelDepot(id="A", storage_classes=frozenset({"cold"}))
    problem = LevelsProblem(
        items=problem.items,
        depots=(cold, *problem.depots[1:]),
        sites=problem.sites,
        ship_cost=problem.ship_cost,
        scenarios=problem.scenarios,
    )
    assert evaluate_levels(problem, {("A", "KIT"): 5.0}).outcomes[0].unmet == 0


def test_a_depot_loss_takes_its_share_of_the_stock() -> None:
    problem = timing_problem()
    s = problem.scenarios[1]
    lossy = LevelScenario(s.id, s.probability, s.demand, depot_loss={"A": 0.5, "B": 1.0})
    problem = LevelsProblem(
        items=problem.items,
        depots=problem.depots,
        sites=problem.sites,
        ship_cost=problem.ship_cost,
        scenarios=(lossy,),
    )
    outcome = evaluate_levels(problem, {("A", "KIT"): 6.0, ("B", "KIT"): 10.0}).outcomes[0]
    assert outcome.unmet == 17


@pytest.mark.parametrize("seed", range(3))
def test_evaluate_levels_in_chunks_through_a_map_agrees_with_an_lp_per_scenario(
    seed: int,
) -> None:
    problem = random_problem(40 + seed, depots=4, items=3, scenarios=7)
    rng = np.random.default_rng(seed)
    levels = {
        (d.id, i.id): float(rng.integers(0, 20))
        for d in problem.depots
        for i in problem.items
        if d.can_store(i)
    }
    here = evaluate_levels(problem, levels)
    there = evaluate_levels(problem, levels, map_fn=pickling_map, chunks=3)
    for s, a, b in zip(problem.scenarios, here.outcomes, there.outcomes, strict=True):
        assert close(a.cost, second_stage(problem, levels, s))
        assert close(a.cost, b.cost)
        assert close(a.unmet, b.unmet)
    assert close(here.expected_unmet, there.expected_unmet)


@pytest.mark.parametrize(
    ("levels", "chunks"),
    [({("NOPE", "KIT"): 1.0}, 1), ({("A", "KIT"): -1.0}, 1), ({("A", "KIT"): 1.0}, 0)],
)
def test_evaluate_levels_refuses_unknown_pairs_negative_levels_and_no_chunks(
    levels: dict[tuple[str, str], float], chunks: int
) -> None:
    with pytest.raises(InvalidProblemError):
        evaluate_levels(timing_problem(), levels, chunks=chunks)
