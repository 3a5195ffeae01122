"""The dispatch model on tiny instances whose best plan is known by hand. Every plan
is validated by the solver-independent checker."""

from __future__ import annotations

import itertools
import math

import pytest

from optimizer import (
    Demand,
    DepotStock,
    DispatchParams,
    DispatchPlan,
    DispatchProblem,
    IncidentDemand,
    InvalidProblemError,
    ItemSpec,
    LotStock,
    Vehicle,
    check_dispatch_plan,
    solve_dispatch,
)

H = 3600
#: No loading or unloading time, so arrival = travel time and the numbers stay round.
FAST = DispatchParams(time_limit_s=2.0, load_seconds=0, unload_seconds=0)
ITEMS = {
    "SCBA": ItemSpec("SCBA", "SCBA", 15.0, 0.05),
    "SUIT_B": ItemSpec("SUIT_B", "Level B suit", 1.0, 0.01, ("SUIT_A",)),
    "SUIT_A": ItemSpec("SUIT_A", "Level A suit", 6.0, 0.06),
}


def line_problem(
    *,
    a_stock: dict[str, int],
    b_stock: dict[str, int],
    demands: list[Demand],
    national: bool = True,
    a_floor: dict[str, int] | None = None,
    ab_open: bool = True,
    site_hours: tuple[float, float] = (1, 3),
    vehicles: tuple[Vehicle, ...] | None = None,
    incidents: tuple[IncidentDemand, ...] | None = None,
) -> DispatchProblem:
    """Depot A, depot B and one site: A is `site_hours[0]` away, B `site_hours[1]`."""
    ta, tb = int(site_hours[0] * H), int(site_hours[1] * H)
    secs: tuple[tuple[int | None, ...], ...] = (
        (0, ta + tb if ab_open else None, ta),
        (ta + tb if ab_open else None, 0, tb),
        (ta, tb, 0),
    )
    metres = tuple(tuple(None if s is None else s // 36 * 1 for s in row) for row in secs)

    def lots(stock: dict[str, int], base: int) -> dict[str, tuple[LotStock, ...]]:
        return {
            item: (LotStock(base + n, f"{item}-{base + n}", qty),)
            for n, (item, qty) in enumerate(sorted(stock.items()))
        }

    depots = (
        DepotStock("A", 0, lots(a_stock, 100), a_floor or {}),
        DepotStock("B", 1, lots(b_stock, 200)),
    )
    fleet = vehicles or (
        Vehicle("A/truck/1", "A", "truck", 5000, 30),
        Vehicle("B/truck/1", "B", "truck", 5000, 30),
    )
    incs = incidents or (IncidentDemand("1", 2, national, tuple(demands), priority=1),)
    return DispatchProblem(("A", "B", "site"), secs, metres, ITEMS, depots, fleet, incs)


def solved(problem: DispatchProblem, params: DispatchParams = FAST) -> DispatchPlan:
    plan = solve_dispatch(problem, params)
    assert check_dispatch_plan(problem, plan) == []
    return plan


def test_the_nearest_depot_serves_first_and_the_rest_comes_late_from_further_away() -> None:
    # 5 SCBA 1 h away, 10 SCBA 3 h away, 8 needed within 2 h at priority 1: the best plan
    # lands 5 at 1 h and 3 at 3 h = 14 unit-hours, which is also the bound.
    problem = line_problem(
        a_stock={"SCBA": 5}, b_stock={"SCBA": 10}, demands=[Demand("SCBA", 8, 2 * H, priority=1)]
    )
    plan = solved(problem)
    assert plan.objective == pytest.approx(14.0)
    assert plan.bound == pytest.approx(14.0)
    assert plan.status == "optimal"  # every unit lands at its bound
    (f,) = plan.fulfilment
    assert (f.met, f.met_on_time) == (8, 5)
    assert (f.first_arrival, f.last_arrival, f.earliest) == (H, 3 * H, 3 * H)
    assert f.within_bound == 8 and plan.within_bound_share == 1.0
    assert "comes from B, 3.0 h away" in f.reason
    assert plan.unmet == ()


def test_the_objective_equals_a_brute_force_over_every_split() -> None:
    problem = line_problem(
        a_stock={"SCBA": 4, "SUIT_B": 3},
        b_stock={"SCBA": 9, "SUIT_A": 6},
        demands=[Demand("SCBA", 7, 2 * H, priority=2), Demand("SUIT_B", 6, 4 * H, priority=1)],
    )
    plan = solved(problem)
    horizon_h = FAST.horizon_s / 3600
    best = math.inf
    # A is 1 h from the site, B 3 h: each unit costs its weight times the hours until it
    # lands; Level A suits from B stand in for Level B at a 1 h penalty; unmet units cost
    # twice the horizon.
    for a_scba, b_scba, a_suit, b_suit in itertools.product(
        range(5), range(10), range(4), range(7)
    ):
        if a_scba + b_scba > 7 or a_suit + b_suit > 6:
            continue
        cost = 2 * (a_scba * 1 + b_scba * 3 + (7 - a_scba - b_scba) * 2 * horizon_h)
        cost += 1 * (a_suit * 1 + b_suit * (3 + 1) + (6 - a_suit - b_suit) * 2 * horizon_h)
        best = min(best, cost)
    assert best == 41
    assert plan.objective == pytest.approx(best)


def test_a_level_a_suit_may_stand_in_for_level_b_but_not_the_reverse() -> None:
    b_for_a = line_problem(a_stock={"SUIT_A": 10}, b_stock={}, demands=[Demand("SUIT_B", 4, 5 * H)])
    plan = solved(b_for_a)
    assert plan.fulfilment[0].substituted == (("SUIT_A", 4),)
    a_for_b = line_problem(a_stock={"SUIT_B": 10}, b_stock={}, demands=[Demand("SUIT_A", 4, 5 * H)])
    plan = solved(a_for_b)
    assert plan.picks == ()
    assert [(u.item, u.quantity) for u in plan.unmet] == [("SUIT_A", 4)]
    assert "no usable Level A suit" in plan.unmet[0].reason


def test_a_reserve_floor_holds_back_stock_unless_the_incident_is_national() -> None:
    common = {
        "a_stock": {"SCBA": 10},
        "b_stock": {},
        "a_floor": {"SCBA": 6},
        "demands": [Demand("SCBA", 8, 5 * H)],
    }
    provincial = solved(line_problem(national=False, **common))  # type: ignore[arg-type]
    assert provincial.fulfilment[0].met == 4
    assert provincial.unmet[0].quantity == 4
    assert "reserve floor" in provincial.unmet[0].reason
    national = solved(line_problem(national=True, **common))  # type: ignore[arg-type]
    assert national.fulfilment[0].met == 8


def test_scarce_stock_goes_to_the_higher_priority_incident() -> None:
    incidents = (
        IncidentDemand("low", 2, True, (Demand("SCBA", 5, 5 * H),), priority=1),
        IncidentDemand("high", 2, True, (Demand("SCBA", 5, 5 * H),), priority=5),
    )
    plan = solved(line_problem(a_stock={"SCBA": 6}, b_stock={}, demands=[], incidents=incidents))
    met = {f.incident: f.met for f in plan.fulfilment}
    assert met == {"high": 5, "low": 1}


def test_a_tight_required_by_time_makes_the_plan_late_and_says_by_how_much() -> None:
    plan = solved(
        line_problem(
            a_stock={"SCBA": 5}, b_stock={}, demands=[Demand("SCBA", 5, H // 2, priority=1)]
        )
    )
    (f,) = plan.fulfilment
    assert f.met == 5 and f.met_on_time == 0
    assert f.last_arrival is not None and f.last_arrival - f.required_by == H // 2
    assert plan.lateness_unit_hours == pytest.approx(2.5)


def test_a_depot_cut_off_by_closures_cannot_serve_and_the_reason_says_so() -> None:
    problem = line_problem(
        a_stock={}, b_stock={"SCBA": 5}, demands=[Demand("SCBA", 3, 9 * H)], site_hours=(1, 3)
    )
    cut = DispatchProblem(
        problem.locations,
        ((0, None, 3600), (None, 0, None), (3600, None, 0)),
        ((0, None, 100), (None, 0, None), (100, None, 0)),
        problem.items,
        problem.depots,
        problem.vehicles,
        problem.incidents,
    )
    plan = solved(cut)
    assert plan.status == "infeasible"
    assert plan.unmet[0].quantity == 3
    assert "cannot reach the site" in plan.unmet[0].reason


def test_no_stock_at_all_gives_a_plan_of_unmet_demand_with_reasons_not_an_empty_answer() -> None:
    plan = solved(line_problem(a_stock={}, b_stock={}, demands=[Demand("SCBA", 3, 2 * H)]))
    assert plan.status == "infeasible"
    assert plan.unmet_units == 3
    assert plan.routes == () and plan.picks == ()
    assert plan.unmet[0].reason.startswith("no usable SCBA")


def test_a_load_bigger_than_a_truck_is_split_over_trips_or_trucks_within_capacity() -> None:
    small = (Vehicle("A/pickup/1", "A", "pickup", 100, 1.0),)  # 6 SCBA (90 kg) per trip
    plan = solved(
        line_problem(
            a_stock={"SCBA": 20}, b_stock={}, demands=[Demand("SCBA", 20, 40 * H)], vehicles=small
        )
    )
    assert plan.fulfilment[0].met == 20
    deliveries = [s for r in plan.routes for s in r.stops if s.kind == "delivery"]
    assert len(deliveries) >= 4  # 20 units at 6 per trip
    assert all(s.load_kg <= 100 for r in plan.routes for s in r.stops)


def test_the_same_input_and_seed_give_the_same_plan() -> None:
    problem = line_problem(
        a_stock={"SCBA": 4, "SUIT_B": 3},
        b_stock={"SCBA": 9, "SUIT_A": 6},
        demands=[Demand("SCBA", 7, 2 * H, priority=2), Demand("SUIT_B", 6, 4 * H, priority=1)],
    )
    first, second = solved(problem), solved(problem)
    assert first.picks == second.picks
    assert first.routes == second.routes
    assert first.objective == second.objective


def test_the_checker_catches_a_plan_that_ships_more_than_a_depot_holds() -> None:
    problem = line_problem(a_stock={"SCBA": 5}, b_stock={}, demands=[Demand("SCBA", 5, 5 * H)])
    plan = solved(problem)
    bad_pick = plan.picks[0].__class__(**{**plan.picks[0].__dict__, "quantity": 50})
    broken = plan.__class__(**{**plan.__dict__, "picks": (bad_pick,)})
    rules = {v.rule for v in check_dispatch_plan(problem, broken)}
    assert {"overdraw", "met"} <= rules


def test_malformed_problems_are_refused_with_a_clear_error() -> None:
    with pytest.raises(InvalidProblemError):
        Demand("SCBA", 0, H)
    with pytest.raises(InvalidProblemError):
        IncidentDemand("1", 0, True, (Demand("SCBA", 1, H), Demand("SCBA", 2, H)))
    with pytest.raises(InvalidProblemError):
        DispatchProblem(("A",), ((0, 1),), ((0,),), ITEMS, (), (), ())


def test_every_pick_is_first_expiry_first_out() -> None:
    problem = line_problem(a_stock={}, b_stock={}, demands=[Demand("SCBA", 6, 5 * H)])
    fefo = DepotStock("A", 0, {"SCBA": (LotStock(1, "EARLY", 4, 0), LotStock(2, "LATE", 9, 1))})
    problem = DispatchProblem(
        problem.locations,
        problem.seconds,
        problem.metres,
        ITEMS,
        (fefo, problem.depots[1]),
        problem.vehicles,
        problem.incidents,
    )
    plan = solved(problem)
    assert [(p.lot_no, p.quantity) for p in plan.picks] == [("EARLY", 4), ("LATE", 2)]
