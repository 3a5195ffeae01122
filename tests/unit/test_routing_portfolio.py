"""The routing engine's second search: PyVRP runs beside the OR-Tools model, one per core,
only on problems it can express, and its plan is kept only when it is cheaper and passes
every rule. Dispatch problems (due times, pairs) stay with OR-Tools alone."""

from __future__ import annotations

import math
import random
import time

import pytest

from optimizer import _routing_portfolio
from optimizer._routing_portfolio import unexpressible
from optimizer._routing_pyvrp import solve_pyvrp
from optimizer.routing import (
    RoutingParams,
    RoutingProblem,
    RoutingRequest,
    RoutingVehicle,
    check_routing,
    solve_routing,
)
from optimizer.routing import _result as timed_plan  # the engine's own times and costs
from optimizer.routing_model import RoutingResult

from .test_routing import brute_force, grid, line

PARAMS = RoutingParams(time_limit_s=2.0, solution_limit=1000)


def cvrp(clients: int = 12, seed: int = 3) -> RoutingProblem:
    rng = random.Random(seed)
    points = [(rng.randint(0, 60), rng.randint(0, 60)) for _ in range(clients + 1)]
    matrix = grid(points)
    requests = tuple(RoutingRequest(i, (rng.randint(1, 5),)) for i in range(1, clients + 1))
    return RoutingProblem(matrix, matrix, (RoutingVehicle(0, 0, (12,)),) * 5, requests)


def expressible_problem(seed: int) -> RoutingProblem:
    """A tiny problem with what PyVRP can express drawn at random: several depots, a mixed
    fleet with fixed costs and start times, windows, optional requests, a horizon."""
    rng = random.Random(seed)
    n = rng.randint(2, 6)
    xs = [rng.randint(0, 50) for _ in range(n)]
    matrix = line(*xs)
    fleet = tuple(
        RoutingVehicle(
            rng.randrange(n),
            rng.randrange(n),
            (rng.randint(3, 10),),
            available_from=rng.choice([0, 5]),
            fixed_cost=rng.choice([0, 7]),
        )
        for _ in range(rng.randint(1, 3))
    )
    requests = tuple(
        RoutingRequest(
            rng.randrange(n),
            (rng.randint(1, 6),),
            delivery_service=rng.randint(0, 3),
            window=rng.choice([None, (0, 100), (rng.randint(0, 40), rng.randint(40, 90))]),
            drop_penalty=rng.choice([None, 50]),
        )
        for _ in range(rng.randint(1, 4))
    )
    return RoutingProblem(matrix, matrix, fleet, requests, rng.choice([None, 120]))


def checked(problem: RoutingProblem, result: RoutingResult) -> RoutingResult:
    assert result.feasible, result.message
    assert check_routing(problem, result) == []
    return result


def test_a_textbook_problem_is_searched_by_both_and_the_plan_names_its_search() -> None:
    problem = cvrp()

    result = checked(problem, solve_routing(problem, PARAMS))
    alone = checked(problem, solve_routing(problem, RoutingParams(2.0, parallel=False)))

    assert result.engine in ("pyvrp", "ortools")
    assert alone.engine == "ortools"
    assert result.objective <= alone.objective


@pytest.mark.parametrize("seed", range(12))
def test_pyvrps_plan_for_a_tiny_expressible_problem_is_the_brute_force_optimum(
    seed: int,
) -> None:
    problem = expressible_problem(seed)
    assert unexpressible(problem) == ""
    optimum = brute_force(problem)

    plan = solve_pyvrp(problem, time.monotonic() + 2.0, seed=0, max_iterations=300)

    if optimum == math.inf:
        assert plan is None
        return
    assert plan is not None
    result = solve_routing(problem, PARAMS)
    assert result.objective == optimum
    assert checked(problem, timed_plan(problem, plan, time.monotonic())).objective == optimum


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: RoutingRequest(r.delivery, r.load, pickup=0), "paired pickups"),
        (lambda r: RoutingRequest(r.delivery, r.load, due=5, late_cost=2), "soft due times"),
        (lambda r: RoutingRequest(r.delivery, r.load, vehicles=(0,)), "per-request vehicles"),
    ],
)
def test_a_dispatch_feature_leaves_the_problem_to_or_tools_alone(change, reason) -> None:  # type: ignore[no-untyped-def]
    base = cvrp(clients=6)
    problem = RoutingProblem(
        base.distances,
        base.durations,
        base.vehicles,
        (change(base.requests[0]), *base.requests[1:]),
    )

    assert reason in unexpressible(problem)
    assert checked(problem, solve_routing(problem, PARAMS)).engine == "ortools"


def test_crews_merged_stops_and_undrivable_pairs_are_not_given_to_pyvrp() -> None:
    base = cvrp(clients=4)
    crewed = RoutingVehicle(0, 0, (12,), crew=2)
    cut = tuple(
        tuple(None if (a, b) == (1, 2) else d for b, d in enumerate(row))
        for a, row in enumerate(base.distances)
    )

    with_crew = RoutingProblem(base.distances, base.durations, (crewed,), base.requests)
    merged = RoutingProblem(
        base.distances, base.durations, base.vehicles, base.requests, merge_stops=True
    )
    one_way = RoutingProblem(cut, base.durations, base.vehicles, base.requests)

    assert "driving rules" in unexpressible(with_crew)
    assert "merged stops" in unexpressible(merged)
    assert "cannot be driven" in unexpressible(one_way)


def test_a_crashing_second_search_does_not_hide_the_other_plans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = _routing_portfolio._pyvrp

    def crash_in_child(problem, deadline, seed, limit):  # type: ignore[no-untyped-def]
        if seed == PARAMS.seed:  # the child's seed; this process uses seed + 1
            raise RuntimeError("PyVRP crashed")
        return real(problem, deadline, seed, limit)

    monkeypatch.setattr(_routing_portfolio, "_pyvrp", crash_in_child)
    problem = cvrp()

    result = checked(problem, solve_routing(problem, PARAMS))

    assert result.objective == checked(problem, solve_routing(problem, PARAMS)).objective


def test_a_child_that_never_answers_is_ended_soon_after_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = _routing_portfolio._pyvrp

    def hang_in_child(problem, deadline, seed, limit):  # type: ignore[no-untyped-def]
        if seed == 0:
            time.sleep(3600)
        return real(problem, deadline, seed, limit)

    monkeypatch.setattr(_routing_portfolio, "_pyvrp", hang_in_child)
    monkeypatch.setattr(_routing_portfolio, "GRACE_S", 0.2)
    problem = cvrp()
    started = time.monotonic()

    result = checked(problem, solve_routing(problem, RoutingParams(time_limit_s=1.0)))

    assert time.monotonic() - started < 1.0 + 0.2 + 1.5
    assert result.engine in ("pyvrp", "ortools")


def test_the_same_seed_gives_the_same_plan_and_the_seed_must_not_be_negative() -> None:
    problem = cvrp(clients=20)
    params = RoutingParams(time_limit_s=20.0, solution_limit=200, seed=4)

    first, second = solve_routing(problem, params), solve_routing(problem, params)

    assert (first.routes, first.objective) == (second.routes, second.objective)
    with pytest.raises(ValueError, match="seed"):
        RoutingParams(seed=-1)
