"""Today's stock stays in the books: with `keep_stock` a run moves stock, never drops it,
so a depot holding what no scenario asks for keeps it rather than getting an arbitrary
lower target."""

from __future__ import annotations

import dataclasses

import pytest

from optimizer.levels_model import (
    LevelDemand,
    LevelDepot,
    LevelItem,
    LevelScenario,
    LevelsParams,
    LevelsProblem,
)
from optimizer.stock_levels import solve_stock_levels
from tests.unit.test_levels_oracle import as_levels, brute_force, close, tiny_problem, violations

KIT = LevelItem(id="KIT", unit_cost=10.0, unmet_penalty=100.0, volume=1.0)


def _idle_stock(keep: bool, budget: float = 0.0) -> LevelsProblem:
    """Depot FAR holds 30 kits no scenario can use (no route); NEAR holds 2 and serves
    the only site, which needs 5."""
    return LevelsProblem(
        items=(KIT,),
        depots=(
            LevelDepot(id="NEAR", capacity_volume=10.0, current={"KIT": 2.0}),
            LevelDepot(id="FAR", capacity_volume=40.0, current={"KIT": 30.0}),
        ),
        sites=("S",),
        ship_cost={("NEAR", "S"): 1.0},
        scenarios=(LevelScenario("s", 1.0, (LevelDemand(site="S", item="KIT", quantity=5.0),)),),
        budget=budget,
        move_cost=0.1,
        integer_levels=True,
        keep_stock=keep,
    )


@pytest.mark.parametrize("method", ["extensive", "decomposition"])
def test_stock_no_scenario_uses_stays_where_it_is_and_only_what_is_needed_moves(
    method: str,
) -> None:
    result = solve_stock_levels(_idle_stock(keep=True), LevelsParams(method=method, gap=1e-9))

    levels = {(lv.depot, lv.item): lv.quantity for lv in result.levels}
    assert result.status == "optimal"
    assert levels == {("NEAR", "KIT"): 5.0, ("FAR", "KIT"): 27.0}
    assert result.spent == 0.0 and result.moved == 3.0


@pytest.mark.parametrize("seed", range(8))
def test_keeping_stock_still_finds_the_brute_force_optimum(seed: int) -> None:
    problem = dataclasses.replace(tiny_problem(seed), keep_stock=True)
    best = brute_force(problem)
    for method in ("extensive", "decomposition"):
        result = solve_stock_levels(problem, LevelsParams(method=method, gap=1e-9))
        assert result.status == "optimal", result.message
        assert not violations(problem, as_levels(result))
        assert close(result.objective, best), (method, result.objective, best)
