"""Dispatch plans read as an officer would, on tiny problems: the depot's own vehicles
first, loads shaped to the vehicles that are there, one loading stop per depot, legal
ETAs, far vehicles caught, and a reason for every slow or short line."""

from __future__ import annotations

from dataclasses import replace

from optimizer import (
    Demand,
    DepotStock,
    DispatchParams,
    DispatchPlan,
    DispatchProblem,
    IncidentDemand,
    ItemSpec,
    LotStock,
    Vehicle,
    check_dispatch_plan,
    solve_dispatch,
)
from optimizer.dispatch_bounds import far_vehicles, rule_limit
from optimizer.dispatch_model import Stop, VehicleRoute

H = 3600
PARAMS = DispatchParams(time_limit_s=2.0)
ITEMS = {
    "SCBA": ItemSpec("SCBA", "SCBA", 15.0, 0.05),
    "BOOM": ItemSpec("BOOM", "oil boom section", 375.0, 1.5),
}


def two_depots(
    near_h: float,
    far_h: float,
    near_stock: dict[str, int],
    far_stock: dict[str, int],
    vehicles: tuple[Vehicle, ...],
    demands: tuple[Demand, ...],
    national: bool = True,
) -> DispatchProblem:
    """Depot N `near_h` from the site, depot F `far_h` from it, N-F = near_h + far_h."""
    a, b = int(near_h * H), int(far_h * H)
    secs: tuple[tuple[int | None, ...], ...] = ((0, a + b, a), (a + b, 0, b), (a, b, 0))
    metres = tuple(tuple(None if s is None else s * 14 for s in row) for row in secs)

    def lots(stock: dict[str, int], base: int) -> dict[str, tuple[LotStock, ...]]:
        return {i: (LotStock(base + k, None, q),) for k, (i, q) in enumerate(sorted(stock.items()))}

    return DispatchProblem(
        ("N", "F", "site"),
        secs,
        metres,
        ITEMS,
        (DepotStock("N", 0, lots(near_stock, 100)), DepotStock("F", 1, lots(far_stock, 200))),
        vehicles,
        (IncidentDemand("1", 2, national, demands, priority=3),),
    )


def solved(problem: DispatchProblem) -> DispatchPlan:
    plan = solve_dispatch(problem, PARAMS)
    assert check_dispatch_plan(problem, plan) == []
    return plan


def test_the_depot_next_door_sends_its_own_idle_truck_not_a_big_one_from_far_away() -> None:
    fleet = (
        Vehicle("N/2t5/1", "N", "truck_2t5", 2500, 12),
        Vehicle("F/15t/1", "F", "truck_15t", 15000, 50),
    )
    problem = two_depots(
        0.1, 1.5, {"SCBA": 40}, {"SCBA": 40}, fleet, (Demand("SCBA", 30, 6 * H, 5),)
    )
    plan = solved(problem)
    assert [r.vehicle for r in plan.routes] == ["N/2t5/1"]
    assert all(s.depot in (None, "N") for s in plan.routes[0].stops)
    assert far_vehicles(problem, plan) == []


def test_a_big_load_is_carried_by_the_small_trucks_the_depot_has_not_cut_for_a_big_one() -> None:
    fleet = tuple(Vehicle(f"N/2t5/{k}", "N", "truck_2t5", 2500, 12) for k in range(1, 5))
    problem = two_depots(1.0, 9.0, {"BOOM": 24}, {}, fleet, (Demand("BOOM", 24, 12 * H, 5),))
    plan = solved(problem)
    assert plan.fulfilment[0].met == 24
    assert len(plan.routes) == 4  # 6 sections of 375 kg per 2.5 t truck, all in one wave
    assert plan.fulfilment[0].last_arrival is not None
    assert plan.fulfilment[0].last_arrival <= rule_limit(plan.fulfilment[0].earliest or 0)


def test_a_truck_loading_several_parcels_at_its_depot_loads_once() -> None:
    fleet = (Vehicle("N/7t/1", "N", "truck_7t", 7000, 30),)
    demands = (Demand("SCBA", 10, 6 * H, 5), Demand("BOOM", 4, 6 * H, 3))
    plan = solved(two_depots(1.0, 5.0, {"SCBA": 10, "BOOM": 4}, {}, fleet, demands))
    (route,) = plan.routes
    pickups = [s for s in route.stops if s.kind == "pickup"]
    assert len(pickups) == 1 and pickups[0].departure - pickups[0].arrival == PARAMS.load_seconds
    assert dict(pickups[0].cargo) == {"BOOM": 4, "SCBA": 10}


def test_a_lone_driver_on_a_twelve_hour_leg_rests_and_the_eta_says_so() -> None:
    lone = (Vehicle("N/2t5/1", "N", "truck_2t5", 2500, 12, crew=1),)
    problem = two_depots(12.0, 12.0, {"SCBA": 5}, {}, lone, (Demand("SCBA", 5, 48 * H, 3),))
    plan = solved(problem)
    (route,) = plan.routes
    delivery = next(s for s in route.stops if s.kind == "delivery")
    # the crew's day begins when it starts loading: 30 min loading, 10 h of driving with
    # two 15 min breaks, rest until 24 h after the day began, then the last 2 h
    assert delivery.arrival == 24 * H + 2 * H
    assert route.rest_seconds > 10 * H
    pair = replace(problem, vehicles=(replace(lone[0], crew=2),))
    two = solved(pair)
    assert next(s for s in two.routes[0].stops if s.kind == "delivery").arrival == (
        PARAMS.load_seconds + 12 * H
    )


def test_stock_held_only_beyond_a_provincial_reach_is_unmet_with_that_reason() -> None:
    fleet = (Vehicle("F/2t5/1", "F", "truck_2t5", 2500, 12),)
    problem = two_depots(
        1.0, 30.0, {}, {"SCBA": 10}, fleet, (Demand("SCBA", 4, 6 * H, 5),), national=False
    )
    plan = solved(problem)
    assert plan.picks == ()
    assert "beyond the 12.0 h reach of a provincial-level response" in plan.unmet[0].reason
    national = solved(
        two_depots(1.0, 30.0, {}, {"SCBA": 10}, fleet, (Demand("SCBA", 4, 6 * H, 5),))
    )
    assert national.fulfilment[0].met == 4


def test_a_depot_whose_pickup_lands_within_the_provincial_reach_is_drawn_on() -> None:
    # F is 11.5 h from the site at road speed: its truck would land at 12.25 h, past the
    # 12 h reach, but its pickup (1.2 x road speed, two drivers) lands at about 10.3 h.
    # The lines' bounds counted F's stock while the allocation left it out, so the units
    # went unmet (Côn Đảo: 4 solid booms D-VTU's pickup could have brought).
    truck = Vehicle("F/truck/1", "F", "truck_7t", 7000, 30, crew=2)
    pickup = Vehicle("F/pickup/1", "F", "pickup", 800, 3, speed_factor=1.2, crew=2)
    demand = (Demand("SCBA", 4, 6 * H, 5),)
    problem = two_depots(1.0, 11.5, {}, {"SCBA": 10}, (truck, pickup), demand, national=False)
    plan = solved(problem)
    assert plan.fulfilment[0].met == 4 and not plan.unmet
    landed = max(s.arrival for r in plan.routes for s in r.stops if s.kind == "delivery")
    assert landed <= PARAMS.provincial_reach_s
    only_truck = solved(replace(problem, vehicles=(truck,)))
    assert "beyond the 12.0 h reach" in only_truck.unmet[0].reason


def test_a_depot_without_vehicles_waits_for_one_and_the_line_says_so() -> None:
    fleet = (Vehicle("F/2t5/1", "F", "truck_2t5", 2500, 12),)
    problem = two_depots(0.5, 4.0, {"SCBA": 10}, {}, fleet, (Demand("SCBA", 10, 2 * H, 5),))
    plan = solved(problem)
    (line,) = plan.fulfilment
    assert line.met == 10 and line.earliest == PARAMS.load_seconds + H // 2 + PARAMS.unload_seconds
    assert line.within_bound == 0
    assert "no free vehicle at N: F/2t5/1 came from F" in line.reason


def test_a_load_taken_from_afar_while_the_depot_keeps_an_idle_truck_is_a_far_vehicle() -> None:
    fleet = (
        Vehicle("N/2t5/1", "N", "truck_2t5", 2500, 12),
        Vehicle("F/2t5/1", "F", "truck_2t5", 2500, 12),
    )
    problem = two_depots(0.5, 2.0, {"SCBA": 10}, {}, fleet, (Demand("SCBA", 10, 6 * H, 5),))
    plan = solved(problem)
    stops = (
        Stop(1, "F", "start", 0, 0, 0, 0, "F"),
        Stop(0, "N", "pickup", 9000, 10800, 0, 0, "N", None, (("SCBA", 10),)),
        Stop(2, "site", "delivery", 12600, 13500, 150, 0.5, None, "1", (("SCBA", 10),)),
        Stop(1, "F", "end", 20700, 20700, 0, 0, "F"),
    )
    bad = DispatchPlan(
        **{**plan.__dict__, "routes": (VehicleRoute("F/2t5/1", "F", "truck_2t5", stops, 1, 20700),)}
    )
    (found,) = far_vehicles(problem, bad)
    assert "F/2t5/1 from F" in found and "N/2t5/1 stands idle" in found


def test_the_checker_refuses_an_eta_that_skips_the_drivers_rest() -> None:
    lone = (Vehicle("N/2t5/1", "N", "truck_2t5", 2500, 12, crew=1),)
    problem = two_depots(12.0, 12.0, {"SCBA": 5}, {}, lone, (Demand("SCBA", 5, 48 * H, 3),))
    plan = solved(problem)
    (route,) = plan.routes
    hurried = tuple(
        Stop(**{**s.__dict__, "arrival": 13 * H, "departure": 13 * H + 900})
        if s.kind == "delivery"
        else s
        for s in route.stops
    )
    broken = DispatchPlan(
        **{**plan.__dict__, "routes": (VehicleRoute(**{**route.__dict__, "stops": hurried}),)}
    )
    assert "timing" in {v.rule for v in check_dispatch_plan(problem, broken)}
