"""The ceiling of the bound rule (bench/dispatch_ceiling.py) on problems worked by hand."""

from __future__ import annotations

from bench.dispatch_ceiling import within_ceiling
from optimizer import (
    Demand,
    DepotStock,
    DispatchParams,
    DispatchProblem,
    IncidentDemand,
    ItemSpec,
    LotStock,
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
