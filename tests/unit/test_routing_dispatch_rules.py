"""What the routing engine does for dispatch beyond textbook instances: loading several
parcels at one place is one stop, a crew's legal driving time, the cost of a vehicle's
hours, and a first plan handed to the search."""

from __future__ import annotations

from optimizer.driving import BREAK_S
from optimizer.routing import (
    RoutingParams,
    RoutingProblem,
    RoutingRequest,
    RoutingVehicle,
    check_routing,
    solve_routing,
)

PARAMS = RoutingParams(time_limit_s=2.0, solution_limit=500)
H = 3600
#: a depot (0) and a site (1) five hours apart
FAR = ((0, 5 * H), (5 * H, 0))


def parcels(n: int, crew: int | None = None, merge: bool = True, span: int = 0) -> RoutingProblem:
    request = RoutingRequest(1, (10,), 0, delivery_service=900, pickup_service=1800)
    return RoutingProblem(
        FAR,
        FAR,
        (RoutingVehicle(0, 0, (100,), crew=crew),),
        (request,) * n,
        merge_stops=merge,
        span_cost=span,
    )


def test_three_parcels_loaded_at_one_depot_are_loaded_in_one_stop() -> None:
    problem = parcels(3)
    result = solve_routing(problem, PARAMS)
    assert check_routing(problem, result) == []
    visits = result.routes[0].visits
    deliveries = [v for v in visits if v.kind == "delivery"]
    assert {v.arrival for v in deliveries} == {1800 + 5 * H}  # one 30 min loading
    unmerged = parcels(3, merge=False)
    later = solve_routing(unmerged, PARAMS)
    assert min(v.arrival for v in later.routes[0].visits if v.kind == "delivery") == (
        3 * 1800 + 5 * H
    )


def test_a_lone_driver_takes_a_break_on_a_five_hour_leg_and_a_crew_of_two_does_not() -> None:
    for crew, extra in ((1, BREAK_S), (2, 0), (None, 0)):
        problem = parcels(1, crew=crew)
        result = solve_routing(problem, PARAMS)
        assert check_routing(problem, result) == []
        delivery = next(v for v in result.routes[0].visits if v.kind == "delivery")
        assert delivery.arrival == 1800 + 5 * H + extra


def test_a_vehicles_hours_are_part_of_the_objective_and_the_checker_recomputes_them() -> None:
    problem = parcels(1, span=2)
    result = solve_routing(problem, PARAMS)
    assert check_routing(problem, result) == []
    out = result.routes[0].visits[-1].arrival - result.routes[0].visits[0].arrival
    assert result.objective == result.distance + 2 * out


def test_a_first_plan_handed_to_the_search_is_kept_or_improved() -> None:
    problem = RoutingProblem(
        FAR,
        FAR,
        (RoutingVehicle(0, 0, (100,)), RoutingVehicle(0, 0, (100,))),
        (RoutingRequest(1, (60,), 0, due=0, late_cost=1),) * 2,
        merge_stops=True,
    )
    start = {0: [(0, True), (0, False), (1, True), (1, False)]}  # one truck, two trips
    result = solve_routing(problem, PARAMS, start)
    assert check_routing(problem, result) == []
    assert len(result.routes) == 2  # two trucks at once land both loads earlier
