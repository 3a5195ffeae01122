"""The sea leg of the dispatch model on instances small enough to check by hand: a depot,
a port the trucks drive to, and a site at sea only boats reach."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

from optimizer import (
    Boat,
    Demand,
    DepotStock,
    DispatchParams,
    DispatchPlan,
    DispatchProblem,
    IncidentDemand,
    ItemSpec,
    LotStock,
    SeaLeg,
    Vehicle,
    check_dispatch_plan,
    solve_dispatch,
)
from optimizer._allocation import Assignment, Line
from optimizer._boat_plan import FirstTrip
from optimizer._boats import _sail, _Waiting

H = 3600
#: loading and unloading take 30 and 15 min as in the product; transfer to a boat 30 min
PARAMS = DispatchParams(time_limit_s=2.0)
ITEMS = {
    "BOOM": ItemSpec("BOOM", "oil boom section", 100.0, 1.0),
    "PAD": ItemSpec("PAD", "sorbent pads", 10.0, 0.1),
    "ANCHOR": ItemSpec("ANCHOR", "mooring anchor", 900.0, 0.5),
}


def sea_problem(
    demands: list[Demand],
    boats: tuple[Boat, ...],
    *,
    closed: str = "",
    stock: dict[str, int] | None = None,
) -> DispatchProblem:
    """Depot A is 1 h by road from the port; the site lies 30 km out at sea."""
    secs: tuple[tuple[int | None, ...], ...] = (
        (0, H, H),
        (H, 0, 0),
        (H, 0, 0),
    )
    metres = ((0, 60_000, 60_000), (60_000, 0, 0), (60_000, 0, 0))
    lots = {
        item: (LotStock(n, f"{item}-1", qty),)
        for n, (item, qty) in enumerate(sorted((stock or {"BOOM": 50, "PAD": 50}).items()), 1)
    }
    depot = DepotStock("A", 0, lots)
    trucks = tuple(Vehicle(f"A/truck/{k}", "A", "truck", 10_000, 40) for k in (1, 2))
    sea = SeaLeg(2, "port P", 30.0, boats, 1800, closed)
    incident = IncidentDemand("1", 1, True, tuple(demands), priority=1, sea=sea)
    return DispatchProblem(
        ("A", "port P", "site at sea"), secs, metres, ITEMS, (depot,), trucks, (incident,)
    )


def solved(problem: DispatchProblem) -> DispatchPlan:
    plan = solve_dispatch(problem, PARAMS)
    assert check_dispatch_plan(problem, plan) == []
    return plan


def boat(capacity_kg: float = 5000, speed: float = 30.0) -> Boat:
    return Boat("A/boat/B1", "A", capacity_kg, 50.0, speed)


def test_goods_reach_a_site_at_sea_by_truck_to_the_port_then_by_boat() -> None:
    plan = solved(sea_problem([Demand("BOOM", 10, 12 * H)], (boat(),)))
    line = plan.fulfilment[0]
    assert (line.met, plan.unmet) == (10, ())
    # by hand: load 30 min, drive 1 h, unload at the port 15 min (1.75 h), aboard 30 min,
    # sail 30 km at 30 km/h (1 h), unload at sea 15 min: 3.5 h after t0
    assert line.first_arrival == line.last_arrival == int(3.5 * H)
    assert line.earliest == int(3.5 * H)  # the bound counts the sea leg too
    assert line.within_bound == 10
    sailing = [r for r in plan.routes if r.vehicle_type == "boat"]
    assert len(sailing) == 1
    kinds = [(s.kind, s.name) for s in sailing[0].stops]
    assert kinds == [
        ("start", "port P"),
        ("pickup", "port P"),
        ("delivery", "site at sea"),
        ("end", "port P"),
    ]
    assert sailing[0].metres == 60_000  # 30 km out, 30 km back
    trucks = [r for r in plan.routes if r.vehicle_type == "truck"]
    assert all(s.location != 2 for r in trucks for s in r.stops)  # no truck drives to sea


def test_a_boat_too_small_for_the_load_makes_several_trips_and_the_line_says_so() -> None:
    plan = solved(sea_problem([Demand("BOOM", 30, 12 * H)], (boat(capacity_kg=1000),)))
    sailing = next(r for r in plan.routes if r.vehicle_type == "boat")
    trips = [s for s in sailing.stops if s.kind == "delivery"]
    assert len(trips) == 3  # 30 sections of 100 kg on a 1 t boat
    assert all(s.load_kg <= 1000 for s in trips)
    # each round trip: 30 min aboard, 1 h out, 15 min unloading, 1 h back = 2.75 h
    gaps = [b.arrival - a.arrival for a, b in itertools.pairwise(trips)]
    assert gaps == [int(2.75 * H)] * 2
    line = plan.fulfilment[0]
    assert line.met == 30 and line.last_arrival == trips[-1].departure
    assert "make 3 trips" in line.reason


def test_the_boat_that_lands_the_goods_first_is_sent_not_the_first_free() -> None:
    slow = Boat("A/boat/SLOW", "A", 5000, 50, 10.0)  # in port now, 3 h out
    fast = Boat("A/boat/FAST", "A", 5000, 50, 60.0, available_from=2 * H)  # 30 min out
    plan = solved(sea_problem([Demand("PAD", 10, 12 * H)], (slow, fast)))
    used = {r.vehicle for r in plan.routes if r.vehicle_type == "boat"}
    assert used == {"A/boat/FAST"}
    # goods at the port at 1.75 h; the fast boat is there at 2 h: 2 + 0.5 + 0.5 + 0.25
    assert plan.fulfilment[0].last_arrival == int(3.25 * H)


def test_a_closed_sea_leaves_the_site_unmet_with_the_reason_and_sends_nothing() -> None:
    reason = "the sea is closed between port P and the site (storm): no boat may sail"
    plan = solved(sea_problem([Demand("BOOM", 10, 12 * H)], (boat(),), closed=reason))
    assert plan.routes == () and plan.picks == ()
    assert [(u.item, u.quantity, u.reason) for u in plan.unmet] == [("BOOM", 10, reason)]


def test_no_free_boat_is_a_plain_reason_too() -> None:
    plan = solved(sea_problem([Demand("BOOM", 10, 12 * H)], ()))
    assert plan.unmet[0].reason == "no boat is free at port P to sail to the site"


def test_a_unit_heavier_than_every_boat_is_unmet_and_says_why() -> None:
    problem = sea_problem(
        [Demand("ANCHOR", 1, 12 * H), Demand("PAD", 5, 12 * H)],
        (boat(capacity_kg=500),),
        stock={"ANCHOR": 2, "PAD": 5},
    )
    plan = solved(problem)
    unmet = {u.item: u for u in plan.unmet}
    assert set(unmet) == {"ANCHOR"}
    assert unmet["ANCHOR"].reason == (
        "no boat at port P can take a unit of mooring anchor aboard (900 kg, 0.5 m3)"
    )
    assert {f.item: f.met for f in plan.fulfilment} == {"ANCHOR": 0, "PAD": 5}
    # nothing is trucked to the port that no boat could take on
    carried = {item for r in plan.routes for s in r.stops for item, _ in s.cargo}
    assert "ANCHOR" not in carried


def _two_boats_one_slow_truck(hold_m3: float = 15.5) -> DispatchProblem:
    """A miniature Côn Đảo: depot A 2.4 h by road from the port (its pickup drives at 1.2
    of road speed, its flatbed at 0.8), the site 30 km out. The big boat is in port now
    and needs 3 h out; the fast one (1 h out) gets there at 3.5 h and holds `hold_m3`."""
    secs: tuple[tuple[int | None, ...], ...] = (
        (0, int(2.4 * H), int(2.4 * H)),
        (int(2.4 * H), 0, 0),
        (int(2.4 * H), 0, 0),
    )
    metres = ((0, 150_000, 150_000), (150_000, 0, 0), (150_000, 0, 0))
    depot = DepotStock("A", 0, {"BOOM": (LotStock(1, "BOOM-1", 18),)})
    trucks = (
        Vehicle("A/flatbed/1", "A", "flatbed", 10_000, 40, speed_factor=0.8),
        Vehicle("A/pickup/1", "A", "pickup", 800, 3.5, speed_factor=1.2),
    )
    big = Boat("A/boat/BIG", "A", 5000, 50, 10.0)
    fast = Boat("A/boat/FAST", "A", 5000, hold_m3, 30.0, available_from=int(3.5 * H))
    sea = SeaLeg(2, "port P", 30.0, (big, fast), 1800)
    incident = IncidentDemand("1", 1, True, (Demand("BOOM", 18, 12 * H, 5),), sea=sea)
    return DispatchProblem(
        ("A", "port P", "site at sea"), secs, metres, ITEMS, (depot,), trucks, (incident,)
    )


def test_the_quick_pickup_brings_what_the_slow_boat_in_port_can_still_land_in_time() -> None:
    # By hand: the pickup is at the port at 0.5 + 2.0 + 0.25 = 2.75 h, the flatbed at
    # 0.5 + 3.0 + 0.25 = 3.75 h. The bound lands everything on the fast boat (capacity
    # ignored) at 3.5 + 0.5 + 1 + 0.25 = 5.25 h; the rule allows until 5.25 h + 25 %.
    # The fast boat holds 15 of the 18 sections. The flatbed alone would leave 3 for the big
    # boat at 3.75 h, landing at 7.5 h, past the rule; the pickup's 3, sailed by the big
    # boat as soon as they are in (2.75 h), land at 2.75 + 0.5 + 3 + 0.25 = 6.5 h. The fast
    # boat, loading from 3.5 h, takes the flatbed's 15 aboard as they come in (3.75 h, as a
    # boat takes what lands while it loads) and lands them at 3.5 + 0.5 + 1 + 0.25 h.
    problem = _two_boats_one_slow_truck()
    plan = solved(problem)
    line = plan.fulfilment[0]
    assert line.earliest == int(5.25 * H)
    assert (line.met, line.within_bound, plan.within_bound_share) == (18, 18, 1.0)
    sent = {r.vehicle: next(s.cargo for s in r.stops if s.kind == "delivery") for r in plan.routes}
    assert sent["A/pickup/1"] == (("BOOM", 3),)
    assert sent["A/flatbed/1"] == (("BOOM", 15),)
    landed = {  # unloaded on site
        r.vehicle: next(s.departure for s in r.stops if s.kind == "delivery")
        for r in plan.routes
        if r.vehicle_type == "boat"
    }
    assert landed == {"A/boat/BIG": int(6.5 * H), "A/boat/FAST": int(5.25 * H)}
    assert sent["A/boat/BIG"] == (("BOOM", 3),)


def test_with_room_on_the_fast_boat_for_everything_one_truck_goes_and_one_boat_sails() -> None:
    plan = solved(_two_boats_one_slow_truck(hold_m3=20))
    assert {r.vehicle for r in plan.routes} == {"A/flatbed/1", "A/boat/FAST"}
    assert plan.within_bound_share == 1.0
    # the fast boat loads from when the flatbed is in: 3.75 + 0.5 + 1 + 0.25 h
    assert plan.fulfilment[0].last_arrival == int(5.5 * H)


def test_boats_planned_together_keep_their_holds_and_land_nothing_before_its_bound() -> None:
    rng = random.Random(11)
    for _ in range(25):
        problem = _two_boats_one_slow_truck(hold_m3=rng.choice([4.0, 9.5, 15.5, 30.0]))
        inc = problem.incidents[0]
        assert inc.sea is not None
        boats = tuple(
            Boat(
                b.id,
                "A",
                rng.choice([400.0, 1500.0, 5000.0]),
                b.capacity_m3,
                rng.choice([10.0, 20.0, 30.0]),
                available_from=rng.choice([0, 2 * H, int(3.5 * H)]),
            )
            for b in inc.sea.boats
        )
        demands = (
            Demand("BOOM", rng.randint(1, 18), 12 * H, rng.randint(1, 5)),
            Demand("PAD", rng.randint(0, 40) or 1, 12 * H, rng.randint(1, 5)),
        )
        depot = DepotStock(
            "A", 0, {"BOOM": (LotStock(1, "BOOM-1", 18),), "PAD": (LotStock(2, "PAD-1", 40),)}
        )
        problem = replace(
            problem,
            depots=(depot,),
            incidents=(replace(inc, demands=demands, sea=replace(inc.sea, boats=boats)),),
        )
        plan = solved(problem)
        for f in plan.fulfilment:
            assert f.met + sum(u.quantity for u in plan.unmet if u.item == f.item) == f.quantity
            if f.first_arrival is not None:
                assert f.first_arrival >= f.earliest


def test_units_that_waited_at_the_port_for_room_on_a_boat_say_so_not_second_trips() -> None:
    # The fast boat holds 4 sections: the flatbed's are at the port at 3.75 h, in time for a
    # boat to land them by 5.5 h, within the rule, but most go on the slow boat. Their
    # reason is the boats' holds; neither truck made a second trip.
    plan = solved(_two_boats_one_slow_truck(hold_m3=4.0))
    line = plan.fulfilment[0]
    assert line.within_bound < line.met == 18
    assert "at port P 3.8 h after the declaration" in line.reason
    assert "the boats' holds went to other goods first" in line.reason
    assert "more than one trip" not in line.reason


FAST = Boat("F", "A", 10_000, 10.0, 30.0)
LATE = Boat("L", "A", 10_000, 10.0, 30.0, available_from=3 * H)


def six_sections(sixth_at: int) -> tuple[DispatchProblem, SeaLeg, list[_Waiting]]:
    """Boats F (at the port now) and L (due at 3 h), 30 km out at 30 km/h; 5 boom sections
    at the port at 1 h and the sixth at `sixth_at`, waiting for a boat."""
    problem = sea_problem([Demand("BOOM", 6, 8 * H, 5)], (FAST, LATE))
    sea = problem.incidents[0].sea
    assert sea is not None
    first = Assignment("A", Line("1", 0, "BOOM", 6, 8 * H, 5), "BOOM", 0, 5, H)
    return (
        problem,
        sea,
        [
            _Waiting(H, 0, first, 5, "A/truck/1"),
            _Waiting(sixth_at, 1, replace(first, quantity=1), 1, "A/truck/2"),
        ],
    )


def test_goods_a_planned_first_trip_left_behind_go_on_it_where_it_has_room() -> None:
    # Boat F's planned first trip loads at 2 h with 5 of the 6 sections (the plan left one
    # out); the sixth is at the port at 1.5 h. Boat L, due at the port at 3 h, would land
    # it alone at 4.75 h; F, with room for 10, lands it with the others at 3.75 h.
    fast = FAST
    problem, sea, waiting = six_sections(H + H // 2)
    trips = _sail(problem, PARAMS, sea, waiting, {fast: FirstTrip(2 * H, ((0, 5),))})
    assert set(trips) == {fast}
    (trip,) = trips[fast]
    assert sum(units for _p, _a, units, _t in trip.cargo) == 6


def test_a_boat_waits_seconds_for_a_late_section_rather_than_another_boat_sailing_for_it() -> None:
    # F loads the first 5 sections from 1 h (aboard by 1.5 h); the sixth reaches the port 9 s
    # after that. L, due at 3 h, would land it alone at 4.25 h: F waits the 9 s and lands all
    # 6 at 2.25 h (Nghi Sơn: a partner boat sailed 524 km from Hải Phòng for one pump).
    fast, late = FAST, LATE
    problem, sea, waiting = six_sections(H + H // 2 + 9)
    trips = _sail(problem, PARAMS, sea, waiting, {})
    assert set(trips) == {fast}
    (trip,) = trips[fast]
    assert trip.start == H + 9
    assert sum(units for _p, _a, units, _t in trip.cargo) == 6
    # were the first 5 to land past their line's bound rule 5 s after their landing
    # unheld, holding would cost more than it saves: L sails for the sixth
    unheld = H + sea.transfer_s + H + PARAMS.unload_seconds
    _, _, waiting = six_sections(H + H // 2 + 9)
    held = _sail(problem, PARAMS, sea, waiting, {}, {("1", "BOOM"): unheld + 5})
    assert set(held) == {fast, late}
