"""Ferry waits judged when the trucks get to the ferry, not when the plan is made: a plan
made late in the afternoon whose trucks reach the terminal after its last departure waits
for the after-hours call-out; one whose trucks get there just before the first boat waits
for that boat, not for a call-out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from api.dispatch_sea import LOAD_S, ferry_waits
from network import NO_OVERLAY, RoadRouter, load_road_graph

DATA = Path(__file__).resolve().parents[2] / "data"
PHU_QUOC = (10.2, 103.97)
PLEIKU = (13.98333, 108.0)
#: Rạch Giá and Hà Nội depots' road nodes (data/depots.csv)
RACH_GIA, HA_NOI = "rach_gia", "ha_noi"
VN = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture(scope="module")
def router() -> RoadRouter:
    return RoadRouter(load_road_graph(DATA))


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, 1, hour, minute, tzinfo=VN).astimezone(dt.UTC)


def first_truck(router: RoadRouter, depot: str, port: str, t0: dt.datetime) -> dt.time:
    drive = router.matrix([depot], [port]).seconds[0][0]
    assert drive is not None
    return (t0 + dt.timedelta(seconds=LOAD_S + drive)).astimezone(VN).time()


def local(t0: dt.datetime) -> dt.time:
    return t0.astimezone(VN).time()


def test_a_ferry_waits_its_average_in_hours_and_the_sooner_of_call_out_or_first_boat_outside(
    router: RoadRouter,
) -> None:
    f = router.graph.sea.ferries["FERRY-RGA-BVG"]  # 06:00-13:00, wait 150, call-out 240
    assert f.wait_at(dt.time(9, 0)) == f.wait_min
    assert f.wait_at(dt.time(5, 0)) == 60 + f.wait_min  # the 06:00 boat beats the call-out
    assert f.wait_at(dt.time(3, 0)) == f.after_hours_wait_min  # 180 + 150 > 240
    assert f.wait_at(dt.time(20, 0)) == f.after_hours_wait_min


def test_a_plan_made_at_half_past_four_meets_the_ha_tien_ferry_after_its_last_departure(
    router: RoadRouter,
) -> None:
    t0 = at(16, 30)
    sea = router.graph.sea
    htn = sea.ferries["FERRY-HTN-BVG"]
    assert htn.in_hours(local(t0))  # judged at t0, it would be the in-hours wait
    assert first_truck(router, RACH_GIA, "port_ha_tien", t0) > htn.last_departure  # 18:00

    waits = dict(ferry_waits(router, NO_OVERLAY, [RACH_GIA, HA_NOI], [PHU_QUOC], t0))

    assert waits["FERRY-HTN-BVG"] == htn.after_hours_wait_min
    assert waits["FERRY-RGA-BVG"] == sea.ferries["FERRY-RGA-BVG"].after_hours_wait_min


def test_a_plan_made_before_the_first_boat_meets_the_morning_timetable(
    router: RoadRouter,
) -> None:
    t0 = at(5, 30)
    sea = router.graph.sea
    rga = sea.ferries["FERRY-RGA-BVG"]
    assert not rga.in_hours(local(t0))  # both Phú Quốc ferries start at 06:00
    assert rga.in_hours(first_truck(router, RACH_GIA, "port_rach_gia", t0))  # 06:03

    waits = dict(ferry_waits(router, NO_OVERLAY, [RACH_GIA, HA_NOI], [PHU_QUOC], t0))

    assert "FERRY-RGA-BVG" not in waits  # the in-hours average
    assert "FERRY-HTN-BVG" not in waits


def test_an_incident_far_from_every_ferry_keeps_the_waits_at_the_plan_time(
    router: RoadRouter,
) -> None:
    for t0 in (at(4, 30), at(12), at(17, 45)):
        expected = router.graph.sea.waits(local(t0))
        assert ferry_waits(router, NO_OVERLAY, [RACH_GIA, HA_NOI], [PLEIKU], t0) == expected
