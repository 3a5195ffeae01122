"""The rebalancing plan: the cheapest transfers from today's stock towards the targets."""

from __future__ import annotations

import itertools

import pytest

from optimizer.errors import InvalidProblemError
from optimizer.rebalance import RebalanceProblem, solve_rebalance

ROADS = {
    ("A", "B"): 3600,
    ("B", "A"): 3600,
    ("A", "C"): 7200,
    ("C", "A"): 7200,
    ("B", "C"): 1800,
    ("C", "B"): 1800,
}


def _total_seconds(transfers: tuple) -> int:  # type: ignore[type-arg]
    return sum(t.quantity * (t.road_seconds or 0) for t in transfers if t.from_depot)


def test_surplus_goes_to_the_nearest_depot_short_of_its_target() -> None:
    problem = RebalanceProblem(
        current={("A", "X"): 10, ("B", "X"): 0, ("C", "X"): 0},
        target={("A", "X"): 6, ("B", "X"): 4, ("C", "X"): 0},
        road_seconds=ROADS,
    )
    (move,) = solve_rebalance(problem)
    assert (move.from_depot, move.to_depot, move.quantity, move.road_seconds) == ("A", "B", 4, 3600)


def test_what_no_surplus_covers_is_bought_and_moves_come_before_purchases() -> None:
    problem = RebalanceProblem(
        current={("A", "X"): 5, ("B", "X"): 0},
        target={("A", "X"): 2, ("B", "X"): 10},
        road_seconds=ROADS,
    )
    moves = solve_rebalance(problem)
    assert [(m.from_depot, m.to_depot, m.quantity) for m in moves] == [
        ("A", "B", 3),
        (None, "B", 7),
    ]


def test_a_depot_no_road_reaches_gets_its_shortfall_bought() -> None:
    problem = RebalanceProblem(
        current={("A", "X"): 5, ("D", "X"): 0},
        target={("A", "X"): 0, ("D", "X"): 5},
        road_seconds=ROADS,
    )
    assert [(m.from_depot, m.quantity) for m in solve_rebalance(problem)] == [(None, 5)]


def test_the_plan_reaches_every_target_with_the_least_road_time_of_any_assignment() -> None:
    """Brute force over every way to split B's and C's shortfalls between A's and B's
    surplus: none drives less than the plan."""
    current = {("A", "X"): 6, ("B", "X"): 5, ("C", "X"): 0}
    target = {("A", "X"): 2, ("B", "X"): 3, ("C", "X"): 6}
    moves = solve_rebalance(RebalanceProblem(current, target, ROADS))
    after = dict(current)
    for m in moves:
        if m.from_depot:
            after[(m.from_depot, "X")] -= m.quantity
        after[(m.to_depot, "X")] += m.quantity
    assert after == target
    best = min(
        a * ROADS[("A", "C")] + b * ROADS[("B", "C")]
        for a, b in itertools.product(range(5), range(3))
        if a + b == 6
    )
    assert _total_seconds(moves) == best


def test_a_negative_target_is_refused() -> None:
    with pytest.raises(InvalidProblemError, match="target"):
        RebalanceProblem(current={}, target={("A", "X"): -1}, road_seconds={})
