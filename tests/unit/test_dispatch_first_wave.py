"""A depot's own vehicles loaded vehicle by vehicle for their first trip (`_first_wave`):
what the first trip can carry goes where it gains most, every load fits its vehicle, and
no vehicle is sent whose load would fit on the others."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from optimizer import (
    Boat,
    Demand,
    DispatchParams,
    DispatchProblem,
    InvalidProblemError,
    ItemSpec,
    SeaLeg,
    Vehicle,
    check_dispatch_plan,
    solve_dispatch,
)
from optimizer._allocation import Assignment, Line
from optimizer._first_wave import first_wave
from optimizer._fleets import Fleet
from optimizer._wave_loads import Load, fits, tidy
from tests.unit import test_dispatch_officer as officer

H = 3600
PARAMS = DispatchParams(time_limit_s=2.0)
ITEMS = {
    **officer.ITEMS,
    "PAD": ItemSpec("PAD", "sorbent pads, bale of 100", 4.1, 0.1),
}


def test_the_first_trip_fits_everything_the_vehicles_can_hold_not_what_was_sorted_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Depot N, 1 h away, holds everything; a second trip lands after every line's bound
    # rule. Its 2.5 t truck (12 m3) and its van (800 kg, 12 m3) take it all at once: for
    # example the van the 120 bales (492 kg, 12 m3), the truck the 3 boom sections and 47
    # breathing sets (1,830 kg, 6.85 m3). Cut greedily, the bales (priority 5) went first
    # onto the truck, 2 sections onto the van (750 kg), and the rest into loads for a second
    # trip, which the search did not recombine (measured: 0.935 of the weighted units in time).
    monkeypatch.setattr(officer, "ITEMS", ITEMS)
    fleet = (
        Vehicle("N/2t5/1", "N", "truck_2t5", 2500, 12),
        Vehicle("N/van/1", "N", "van", 800, 12),
    )
    demands = (Demand("SCBA", 47, 12 * H, 2), Demand("BOOM", 3, 12 * H, 4))
    problem = officer.two_depots(
        1.0,
        9.0,
        {"SCBA": 47, "BOOM": 3, "PAD": 120},
        {},
        fleet,
        (*demands, Demand("PAD", 120, 12 * H, 5)),
    )
    plan = solve_dispatch(problem, PARAMS)
    assert check_dispatch_plan(problem, plan) == []

    first = int(0.5 * H + 1.0 * H + 0.25 * H)  # load, drive, unload
    assert all(f.earliest == first and f.last_arrival == first for f in plan.fulfilment)
    assert plan.within_bound_share == 1.0
    assert len(plan.routes) == 2
    assert all(sum(s.kind == "delivery" for s in r.stops) == 1 for r in plan.routes)


def _assignments(rng: random.Random, incidents: list[str]) -> list[Assignment]:
    out = []
    for n, item in enumerate(("BOOM", "PAD", "SCBA")):
        for inc in incidents:
            quantity = rng.randint(1, 40)
            line = Line(inc, n, item, quantity, 12 * H, rng.randint(1, 5) * 3)
            out.append(Assignment("N", line, item, 0, quantity, 2 * H))
    return out


def test_every_first_load_fits_its_vehicle_goes_to_one_incident_and_takes_no_more_than_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(officer, "ITEMS", ITEMS)
    rng = random.Random(7)
    for _ in range(10):
        fleet = tuple(
            Vehicle(f"N/{k}", "N", "truck", rng.choice([800, 2500, 7000]), rng.choice([3, 12, 30]))
            for k in range(rng.randint(1, 4))
        )
        problem = officer.two_depots(1.0, 3.0, {"BOOM": 99, "PAD": 99}, {}, fleet, ())
        assignments = _assignments(rng, ["1"])
        loads = first_wave(problem, PARAMS, Fleet(0, fleet), assignments, {})
        assert loads is not None
        for load in loads:
            kg = sum(ITEMS[a.item].unit_weight_kg * n for a, n in load.lines)
            m3 = sum(ITEMS[a.item].unit_volume_m3 * n for a, n in load.lines)
            assert kg <= load.vehicle.capacity_kg + 1e-6
            assert m3 <= load.vehicle.capacity_m3 + 1e-6
            assert {a.line.incident for a, _ in load.lines} == {load.incident}
        for a in assignments:
            assert sum(n for load in loads for b, n in load.lines if b is a) <= a.quantity


def test_a_load_that_fits_one_vehicle_goes_on_one_vehicle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(officer, "ITEMS", ITEMS)
    fleet = tuple(Vehicle(f"N/2t5/{k}", "N", "truck_2t5", 2500, 12) for k in range(1, 4))
    problem = officer.two_depots(1.0, 3.0, {"PAD": 50}, {}, fleet, ())
    line = Line("1", 0, "PAD", 50, 12 * H, 9)

    loads = first_wave(
        problem, PARAMS, Fleet(0, fleet), [Assignment("N", line, "PAD", 0, 50, 0)], {}
    )

    assert loads is not None and len(loads) == 1
    assert loads[0].lines[0][1] == 50


def _pickup_and_slow_flatbed() -> DispatchProblem:
    """Depot N, 2 h from the site at road speed, holds 3 boom sections; its pickup drives
    at 1.25 of road speed and holds 2 of them, its flatbed at 0.7."""
    fleet = (
        Vehicle("N/flatbed/1", "N", "flatbed", 10_000, 40, speed_factor=0.7),
        Vehicle("N/pickup/1", "N", "pickup", 800, 3.5, speed_factor=1.25),
    )
    return officer.two_depots(2.0, 9.0, {"BOOM": 3}, {}, fleet, (Demand("BOOM", 3, 12 * H, 4),))


def test_goods_that_only_the_quick_vehicle_lands_within_their_bound_rule_go_on_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Depot N is 2 h from the site at road speed. Its pickup (speed 1.25) is there at
    # 0.5 + 1.6 + 0.25 = 2.35 h, which is the boom sections' bound, and their rule's limit
    # is 2.35 h + 25 %; its flatbed (0.7) gets there at 0.5 + 2.86 + 0.25 = 3.61 h, too late.
    # The pickup holds 2 of the 3 sections (375 kg each). All 3 fit on the flatbed alone,
    # which the first wave chose while it timed every vehicle at road speed (measured: 0 of
    # 3 sections in time).
    monkeypatch.setattr(officer, "ITEMS", ITEMS)
    problem = _pickup_and_slow_flatbed()
    plan = solve_dispatch(problem, PARAMS)
    assert check_dispatch_plan(problem, plan) == []
    boom = plan.fulfilment[0]
    assert boom.earliest == boom.first_arrival == int(2.35 * H)
    assert boom.within_bound == 2
    carried = {
        r.vehicle: dict(next(s.cargo for s in r.stops if s.kind == "delivery")) for r in plan.routes
    }
    assert carried == {"N/pickup/1": {"BOOM": 2}, "N/flatbed/1": {"BOOM": 1}}


def test_with_no_bonus_for_the_bound_rule_the_minutes_decide_and_one_flatbed_goes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The case above with `beyond_bound_h` 0: the first trip's hours, timed by the fleet,
    # are the same on either vehicle, so one vehicle takes all three and none is in time.
    monkeypatch.setattr(officer, "ITEMS", ITEMS)
    problem = _pickup_and_slow_flatbed()
    plan = solve_dispatch(problem, DispatchParams(time_limit_s=2.0, beyond_bound_h=0.0))
    assert check_dispatch_plan(problem, plan) == []
    assert [r.vehicle for r in plan.routes] == ["N/flatbed/1"]
    assert plan.fulfilment[0].within_bound == 0


@pytest.mark.parametrize("hours", [-1.0, 73.0])
def test_a_bonus_for_the_bound_rule_outside_0_to_72_hours_is_refused(hours: float) -> None:
    with pytest.raises(InvalidProblemError, match="beyond_bound_h"):
        DispatchParams(beyond_bound_h=hours)


def _split_loads(
    speed: float, weights: tuple[int, int] = (9, 9)
) -> tuple[DispatchProblem, list[Assignment], list[Load]]:
    """Depot N, 1 h from the site: a small truck (6 m3) with 30 of 100 bales of pads
    (0.1 m3) and 40 of 80 breathing sets (15 kg, 0.05 m3), a larger one (12 m3, at `speed`
    of road speed) with the rest: 4 lines, 14 m3; `weights` are the lines' priority weights."""
    fleet = (
        Vehicle("N/small/1", "N", "truck", 2500, 6),
        Vehicle("N/large/1", "N", "truck", 2500, 12, speed_factor=speed),
    )
    problem = officer.two_depots(1.0, 9.0, {"PAD": 100, "SCBA": 80}, {}, fleet, ())
    pads = Assignment("N", Line("1", 0, "PAD", 100, 12 * H, weights[0]), "PAD", 0, 100, 0)
    sets = Assignment("N", Line("1", 1, "SCBA", 80, 12 * H, weights[1]), "SCBA", 0, 80, 0)
    loads = [
        Load(fleet[0], "1", [(pads, 30), (sets, 40)]),
        Load(fleet[1], "1", [(pads, 70), (sets, 40)]),
    ]
    return problem, [pads, sets], loads


def _tidied(
    speed: float, weights: tuple[int, int] = (9, 9), at_sea: bool = False
) -> list[list[tuple[str, int]]]:
    problem, assignments, loads = _split_loads(speed, weights)
    if at_sea:  # the same site reached by boat from a port: the trucks' loads catch boats
        inc = problem.incidents[0]
        boat = Boat("N/boat/1", "N", 5000, 50, 20.0)
        sea = SeaLeg(inc.location, "port P", 10.0, (boat,))
        problem = replace(problem, incidents=(replace(inc, sea=sea),))
    gains = {ld.vehicle.id: [1.0, 1.0] for ld in loads}
    tidied = tidy(problem, PARAMS, loads, assignments, gains)
    assert all(fits(problem, ld.vehicle, ld.lines) for ld in tidied)
    return [sorted((a.item, n) for a, n in ld.lines) for ld in tidied]


def test_lines_split_between_two_trucks_are_brought_together_where_they_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Loaded again, the small truck takes 60 bales (6 m3) and the large one 40 bales and
    # all 80 sets: one line split where two were, the same units on the way.
    monkeypatch.setattr(officer, "ITEMS", ITEMS)
    assert _tidied(1.0) == [[("PAD", 60)], [("PAD", 40), ("SCBA", 80)]]


def test_lines_are_not_brought_together_on_a_truck_that_lands_them_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The large truck drives at 0.8 of road speed: every way of loading the pair with
    # fewer lines puts more units on it, so the loads stay as they were.
    monkeypatch.setattr(officer, "ITEMS", ITEMS)
    assert _tidied(0.8) == [[("PAD", 30), ("SCBA", 40)], [("PAD", 70), ("SCBA", 40)]]


def test_at_sea_no_unit_moves_onto_the_truck_that_reaches_the_port_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pads weigh 15, sets 3, the large truck drives at 0.9. On land the pads go on the small
    # quick truck and the sets on the large one: less weight arrives later in all. At sea
    # that would put 40 more sets on the truck that reaches the port later, where they could
    # miss a boat the first wave counted on, so the loads stay as they were.
    monkeypatch.setattr(officer, "ITEMS", ITEMS)
    assert _tidied(0.9, (15, 3)) == [[("PAD", 60)], [("PAD", 40), ("SCBA", 80)]]
    assert _tidied(0.9, (15, 3), at_sea=True) == [
        [("PAD", 30), ("SCBA", 40)],
        [("PAD", 70), ("SCBA", 40)],
    ]
