"""What it would take (bench/dispatch_means.py), on problems worked by hand."""

from __future__ import annotations

from bench.dispatch_means import PLAN, Outcome, candidates, search, taken_together, with_means
from bench.dispatch_sweep import Row
from optimizer import (
    Demand,
    DepotStock,
    DispatchProblem,
    IncidentDemand,
    ItemSpec,
    LotStock,
    Vehicle,
    solve_dispatch,
)
from tests.bench.test_dispatch_ceiling import far_stock_at_sea, one_depot

H = 3600


def row_for(problem: DispatchProblem) -> Row:
    plan = solve_dispatch(problem, PLAN)
    return Row("case", "template", 200, within_share=plan.within_bound_share, objective=1.0)


def test_a_depot_short_of_trucks_is_given_the_trucks_its_stock_needs_and_no_more() -> None:
    # 20 boom sections of 375 kg; a 2.5 t truck takes 6, and only first loads land within
    # the bound rule (test_dispatch_ceiling): 19 of 20 need four trucks, so three more.
    problem = one_depot(trucks=1)
    out = search("one depot", problem, [("1", "BOOM")], row_for(problem))
    assert out.added == ["+1 truck_2t5 at N"] * 3
    assert out.steps[-1][1] is not None and out.steps[-1][1] >= 0.95
    assert out.verdict == "meets the target"


def test_a_plan_that_meets_the_target_is_given_nothing() -> None:
    problem = one_depot(trucks=4)
    out = search("one depot", problem, [("1", "BOOM")], row_for(problem))
    assert out.added == [] and out.verdict == "meets it as it is"


def test_stock_at_a_depot_with_no_vehicles_of_its_own_is_said_to_be_out_of_any_means() -> None:
    # N holds the booms an hour from the site but runs no vehicle; M's truck is 3 h from N,
    # so nothing lands within the rule, and there is no kind of vehicle at N to add more of.
    secs: tuple[tuple[int | None, ...], ...] = ((0, H, 3 * H), (H, 0, 4 * H), (3 * H, 4 * H, 0))
    problem = DispatchProblem(
        ("N", "site", "M"),
        secs,
        tuple(tuple(60_000 * (t or 0) // H for t in r) for r in secs),
        {"BOOM": ItemSpec("BOOM", "oil boom section", 375.0, 1.5)},
        (DepotStock("N", 0, {"BOOM": (LotStock(1, None, 6),)}), DepotStock("M", 2, {})),
        (Vehicle("M/2t5/1", "M", "truck_2t5", 2500, 12),),
        (IncidentDemand("1", 1, True, (Demand("BOOM", 6, 12 * H, 5),), priority=3),),
    )
    out = search("no vehicles", problem, [("1", "BOOM")], row_for(problem))
    assert out.added == []
    assert out.verdict.startswith("no more of the means there lifts it")


def test_a_boat_is_added_at_the_port_where_the_one_boat_needs_two_trips() -> None:
    # test_dispatch_ceiling: the one boat lands 5 of the 10 sections within the rule; a
    # second like it lands the other 5 on its first trip.
    problem = far_stock_at_sea()
    kinds = [m.label for m in candidates(problem, [("1", "BOOM")])]
    assert kinds == ["+1 truck at C", "+1 boat like 1 at port P"]
    out = search("at sea", problem, [("1", "BOOM")], row_for(problem))
    assert out.added == ["+1 boat like 1 at port P"]
    assert out.steps == [(1.0, 1.0)]


def test_an_added_vehicle_or_boat_is_named_apart_from_the_one_it_copies() -> None:
    problem = far_stock_at_sea()
    truck, boat = candidates(problem, [("1", "BOOM")])
    more = with_means(with_means(problem, truck, 1), boat, 2)
    assert [v.id for v in more.vehicles] == ["A/truck/1", "C/truck/1", "C/truck/1+1"]
    sea = more.incidents[0].sea
    assert sea is not None and [b.id for b in sea.boats] == ["P/boat/1", "P/boat/1+2"]


def test_plans_taken_together_need_of_each_kind_the_most_any_one_of_them_was_given() -> None:
    a = Outcome("a", 0.8, 0.8, 1.0, added=["+1 flatbed_10t at D-QNG"] * 4)
    b = Outcome("b", 0.7, 0.7, 1.0, added=["+1 boat like B-QNG-1", "+1 flatbed_10t at D-QNG"])
    assert taken_together([a, b]) == {"boat like B-QNG-1": 1, "flatbed_10t at D-QNG": 4}
