"""The ceiling of the bound rule (bench/dispatch_ceiling.py) on problems worked by hand."""

from __future__ import annotations

from bench.dispatch_ceiling import within_ceiling
from optimizer import (
    Boat,
    Demand,
    DepotStock,
    DispatchParams,
    DispatchProblem,
    IncidentDemand,
    ItemSpec,
    LotStock,
    SeaLeg,
    Vehicle,
    solve_dispatch,
)

H = 3600
BOOM = {"BOOM": ItemSpec("BOOM", "oil boom section", 375.0, 1.5)}


def one_depot(trucks: int, stock: int = 20) -> DispatchProblem:
    """Depot N one hour from the site, holding `stock` boom sections; 2.5 t trucks there."""
    secs: tuple[tuple[int | None, ...], ...] = ((0, H), (H, 0))
    return DispatchProblem(
        ("N", "site"),
        secs,
        ((0, 50_000), (50_000, 0)),
        BOOM,
        (DepotStock("N", 0, {"BOOM": (LotStock(1, None, stock),)}),),
        tuple(Vehicle(f"N/2t5/{k}", "N", "truck_2t5", 2500, 12) for k in range(trucks)),
        (IncidentDemand("1", 1, True, (Demand("BOOM", 20, 12 * H, 5),), priority=3),),
    )


def test_one_truck_can_land_only_its_first_load_within_the_bound_rule() -> None:
    # bound: 30 min loading + 1 h + 15 min unloading = 1.75 h; rule limit 2.25 h. The truck
    # lands 6 sections (2,250 kg) at 1.75 h; its second load cannot land before 4.5 h.
    problem = one_depot(trucks=1)
    assert within_ceiling(problem, DispatchParams(), [("1", "BOOM")]) == 0.3
    plan = solve_dispatch(problem, DispatchParams())
    assert plan.within_bound_share == 0.3  # the plan reaches its ceiling


def test_enough_trucks_lift_the_ceiling_to_every_unit() -> None:
    problem = one_depot(trucks=4)
    assert within_ceiling(problem, DispatchParams(), [("1", "BOOM")]) == 1.0


def test_no_fully_met_line_has_no_ceiling() -> None:
    assert within_ceiling(one_depot(trucks=1), DispatchParams(), []) is None


def far_stock_at_sea() -> DispatchProblem:
    """Depot A, 1 h from port P, holds nothing; depot C, 3 h from it, holds 10 boom
    sections (1 m3 each); one boat at P takes 5 m3 and sails 30 km to the site in 1 h."""
    secs: tuple[tuple[int | None, ...], ...] = (
        (0, 2 * H, H, H),
        (2 * H, 0, 3 * H, 3 * H),
        (H, 3 * H, 0, 0),
        (H, 3 * H, 0, 0),
    )
    km = tuple(tuple(60_000 * (t or 0) // H for t in row) for row in secs)
    boat = Boat("P/boat/1", "A", 5000, 5.0, 30.0)
    sea = SeaLeg(3, "port P", 30.0, (boat,), 1800)
    return DispatchProblem(
        ("A", "C", "port P", "site at sea"),
        secs,
        km,
        {"BOOM": ItemSpec("BOOM", "oil boom section", 100.0, 1.0)},
        (DepotStock("A", 0, {}), DepotStock("C", 1, {"BOOM": (LotStock(1, None, 10),)})),
        (
            Vehicle("A/truck/1", "A", "truck", 10_000, 40),
            Vehicle("C/truck/1", "C", "truck", 10_000, 40),
        ),
        (IncidentDemand("1", 2, True, (Demand("BOOM", 10, 12 * H, 5),), priority=3, sea=sea),),
    )


def test_a_boat_at_sea_counts_only_the_trips_it_can_sail_once_the_goods_reach_port() -> None:
    # bound: C's truck lands the booms at P at 3.75 h (30 min loading, 3 h, 15 min
    # unloading), aboard 30 min, 1 h at sea, 15 min unloading: 5.5 h; rule limit 6.875 h.
    # The boat lands its first 5 sections at 5.5 h and is back at P at 6.5 h: its second
    # trip lands at 8.25 h. An empty truck from A reaching P at 1.75 h does not make the
    # boat's capacity before 3.75 h count (it did: the ceiling was 1.0).
    problem = far_stock_at_sea()
    assert within_ceiling(problem, DispatchParams(), [("1", "BOOM")]) == 0.5
    plan = solve_dispatch(problem, DispatchParams())
    assert plan.fulfilment[0].met == 10
    assert plan.within_bound_share == 0.5  # the plan reaches its ceiling
