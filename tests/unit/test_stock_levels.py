"""The stock-levels model: the extensive form and the decomposition against a brute force
over every integer level vector on tiny instances, against each other on random ones, and
the limits every answer must keep (the oracle is in `test_levels_oracle.py`)."""

from __future__ import annotations

import pytest

from optimizer.errors import InvalidProblemError
from optimizer.levels_model import (
    LevelDemand,
    LevelDepot,
    LevelItem,
    LevelScenario,
    LevelsParams,
    LevelsProblem,
    LevelsResult,
)
from optimizer.stock_levels import evaluate_levels, solve_stock_levels
from tests.unit.test_levels_oracle import (
    as_levels,
    brute_force,
    close,
    far_and_near,
    objective,
    pickling_map,
    random_problem,
    second_stage,
    tiny_problem,
    violations,
)

EXACT = 1e-9


def solve(problem: LevelsProblem, method: str, **kw: object) -> LevelsResult:
    params = LevelsParams(method=method, gap=EXACT, time_limit_s=30, **kw)  # type: ignore[arg-type]
    result = solve_stock_levels(problem, params)
    assert result.status == "optimal", result.message
    assert not violations(problem, as_levels(result))
    return result


@pytest.mark.parametrize("seed", range(8))
def test_both_methods_find_the_brute_force_optimum_of_a_tiny_integer_problem(seed: int) -> None:
    problem = tiny_problem(seed)
    best = brute_force(problem)
    for method in ("extensive", "decomposition"):
        result = solve(problem, method)
        assert close(result.objective, best), (method, result.objective, best)
        assert close(objective(problem, as_levels(result)), best)


def test_scip_finds_the_brute_force_optimum_too() -> None:
    problem = tiny_problem(3)
    assert close(solve(problem, "extensive", solver="scip").objective, brute_force(problem))


def test_the_decomposition_master_solves_with_scip_when_asked() -> None:
    problem = tiny_problem(5)
    best = brute_force(problem)
    result = solve(problem, "decomposition", solver="scip")
    assert close(result.objective, best)


def test_the_decomposition_equals_the_extensive_form_on_random_continuous_problems() -> None:
    for seed in range(20):
        problem = random_problem(100 + seed, depots=4, items=3, scenarios=6)
        ext = solve(problem, "extensive")
        dec = solve(problem, "decomposition")
        assert close(dec.objective, ext.objective), (seed, dec.objective, ext.objective)
        assert close(objective(problem, as_levels(dec)), dec.objective)
        assert dec.bound <= ext.objective * (1 + 1e-9) + 1e-9


def restricted_problem(integer: bool) -> LevelsProblem:
    """A site next to D0 asks for far more than any depot may hold: D0 cannot store the
    cold item and has little room, D1 is limited by weight, D2 by a max level, D3's level
    of the kit is fixed; D4 is far away and unlimited."""
    kit = LevelItem(id="KIT", unit_cost=1.0, unmet_penalty=100.0, volume=0.5, weight=2.0)
    cold = LevelItem(id="COLD", unit_cost=1.0, unmet_penalty=100.0, storage_class="cold")
    depots = (
        LevelDepot(id="D0", capacity_volume=3.2, storage_classes=frozenset({"general"})),
        LevelDepot(id="D1", capacity_weight=9.0),
        LevelDepot(id="D2", max_level={"KIT": 2.5, "COLD": 1.5}),
        LevelDepot(id="D3", fixed={"KIT": 3.0}, current={"KIT": 7.0}),
        LevelDepot(id="D4"),
    )
    cost = {"D0": 1.0, "D1": 2.0, "D2": 3.0, "D3": 4.0, "D4": 60.0}
    demand = (LevelDemand("S", "KIT", 40.0), LevelDemand("S", "COLD", 40.0))
    return LevelsProblem(
        items=(kit, cold),
        depots=depots,
        sites=("S",),
        ship_cost={(d, "S"): c for d, c in cost.items()},
        scenarios=(LevelScenario("s", 1.0, demand),),
        integer_levels=integer,
    )


@pytest.mark.parametrize("method", ["extensive", "decomposition"])
@pytest.mark.parametrize("integer", [False, True])
def test_levels_never_exceed_what_a_depot_may_store(method: str, integer: bool) -> None:
    problem = restricted_problem(integer)
    result = solve(problem, method)
    levels = as_levels(result)
    assert ("D0", "COLD") not in levels
    assert set(levels) == {(d.id, i.id) for d in problem.depots for i in problem.items} - {
        ("D0", "COLD")
    }
    assert levels[("D3", "KIT")] == 3.0
    # each limited depot full to its limit (rounded down when integer)
    assert levels[("D0", "KIT")] == pytest.approx(6.0 if integer else 6.4)
    assert levels[("D1", "KIT")] == pytest.approx(4.0 if integer else 4.5)
    assert levels[("D2", "KIT")] == pytest.approx(2.0 if integer else 2.5)
    # D1 stores COLD without limit and ships it cheaper, so D2's COLD is free to be anything
    # up to its limit: every such choice is optimal
    assert levels[("D2", "COLD")] <= (1.0 if integer else 1.5) + 1e-9
    assert close(result.objective, objective(problem, levels))


@pytest.mark.parametrize("method", ["extensive", "decomposition"])
def test_the_budget_pays_only_for_net_new_units_and_moving_stock_is_free(method: str) -> None:
    """Ten units sit at a depot far from the only site; the budget buys two more. The best
    levels move all ten next to the site and add two there."""
    problem = far_and_near()
    result = solve(problem, method)
    assert as_levels(result) == {("FAR", "KIT"): 0.0, ("NEAR", "KIT"): 12.0}
    assert result.spent == 10.0
    assert result.moved == 12.0
    assert close(result.objective, 0.5 * 12 + 12 * 1.0 + 8 * 100.0)


@pytest.mark.parametrize("method", ["extensive", "decomposition"])
def test_the_objective_is_the_first_stage_plus_what_evaluate_levels_finds(method: str) -> None:
    problem = random_problem(7, depots=4, items=3, scenarios=8, integer=True)
    result = solve(problem, method)
    levels = as_levels(result)
    readiness = evaluate_levels(problem, levels)
    first = objective(problem, levels) - sum(
        s.probability * second_stage(problem, levels, s) for s in problem.scenarios
    )
    expected = sum(o.probability * o.cost for o in readiness.outcomes)
    assert close(result.objective, first + expected)


@pytest.mark.parametrize("method", ["extensive", "decomposition"])
def test_the_same_problem_and_seed_give_the_same_result(method: str) -> None:
    problem = random_problem(11, depots=4, items=3, scenarios=10, integer=True)
    a, b = solve(problem, method), solve(problem, method)
    assert (a.levels, a.objective, a.bound) == (b.levels, b.objective, b.bound)


@pytest.mark.parametrize("method", ["extensive", "decomposition"])
def test_no_budget_and_no_stock_leave_every_unit_unmet(method: str) -> None:
    base = random_problem(5, depots=3, items=2, scenarios=5)
    problem = LevelsProblem(
        items=base.items,
        depots=tuple(LevelDepot(id=d.id) for d in base.depots),
        sites=base.sites,
        ship_cost=base.ship_cost,
        scenarios=base.scenarios,
        budget=0.0,
    )
    result = solve(problem, method)
    assert all(lv.quantity == 0 for lv in result.levels)
    assert result.spent == 0
    readiness = evaluate_levels(problem, as_levels(result))
    assert readiness.expected_demand > 0
    assert close(readiness.expected_unmet, readiness.expected_demand)
    assert readiness.served_share == 0
    assert all(o.unmet == o.demand for o in readiness.outcomes)


@pytest.mark.parametrize(
    "change",
    [
        {"gap": 1.0},
        {"gap": -0.1},
        {"time_limit_s": 0.0},
        {"workers": 0},
        {"seed": -1},
        {"method": "simplex"},
        {"solver": "cplex"},
    ],
)
def test_invalid_params_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(InvalidProblemError):
        LevelsParams(**change)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["extensive", "decomposition"])
def test_fixed_levels_the_depots_cannot_hold_make_the_problem_infeasible(method: str) -> None:
    base = restricted_problem(True)
    too_big = LevelDepot(id="D3", capacity_volume=1.0, fixed={"KIT": 3.0})
    problem = LevelsProblem(
        items=base.items,
        depots=(*base.depots[:3], too_big, base.depots[4]),
        sites=base.sites,
        ship_cost=base.ship_cost,
        scenarios=base.scenarios,
    )
    result = solve_stock_levels(problem, LevelsParams(method=method))  # type: ignore[arg-type]
    assert result.status == "infeasible"
    assert result.levels == ()
    wrong_class = LevelDepot(id="D0", storage_classes=frozenset({"general"}), fixed={"COLD": 1})
    problem = LevelsProblem(
        items=base.items,
        depots=(wrong_class, *base.depots[1:]),
        sites=base.sites,
        ship_cost=base.ship_cost,
        scenarios=base.scenarios,
    )
    result = solve_stock_levels(problem, LevelsParams(method=method))  # type: ignore[arg-type]
    assert result.status == "infeasible"
    assert "cannot store" in result.message


def test_the_decomposition_fanned_out_through_a_map_finds_the_same_optimum() -> None:
    """A worker's LP starts cold where this process's starts warm, so the two may pick
    different optimal duals; the optimum is the same."""
    problem = random_problem(21, depots=4, items=3, scenarios=9)
    here = solve(problem, "decomposition")
    params = LevelsParams(method="decomposition", gap=EXACT, workers=3)
    there = solve_stock_levels(problem, params, map_fn=pickling_map)
    assert there.status == "optimal"
    assert close(there.objective, here.objective)
    assert close(objective(problem, as_levels(there)), here.objective)


def test_progress_only_goes_forward_and_ends_at_one() -> None:
    seen: list[float] = []
    result = solve_stock_levels(
        random_problem(3, scenarios=8, integer=True),
        LevelsParams(method="decomposition", gap=EXACT),
        progress=lambda fraction, line: seen.append(fraction),
    )
    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    assert len(result.log) >= len(seen) > 2
