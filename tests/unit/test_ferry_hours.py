"""Ferry hours judged when the trucks get to the ferry, not when the plan is made: a plan
made late in the afternoon whose trucks reach the terminal after its last departure waits
for the after-hours call-out, and one made before dawn meets the morning timetable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from api.dispatch_sea import LOAD_S, ferry_hours
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


def test_a_plan_made_at_half_past_four_meets_the_ha_tien_ferry_after_its_last_departure(
    router: RoadRouter,
) -> None:
    t0 = at(16, 30)
    sea = router.graph.sea
    assert "FERRY-HTN-BVG" not in sea.after_hours(t0.astimezone(VN).time())  # at t0: in hours
    arrives = first_truck(router, RACH_GIA, "port_ha_tien", t0)
    assert arrives > sea.ferries["FERRY-HTN-BVG"].last_departure  # checked by hand: after 18:00

    late = ferry_hours(router, NO_OVERLAY, [RACH_GIA, HA_NOI], [PHU_QUOC], t0)

    assert "FERRY-HTN-BVG" in late
    assert "FERRY-RGA-BVG" in late  # its last boat leaves at 13:00


def test_a_plan_made_before_the_first_boat_meets_the_morning_timetable(
    router: RoadRouter,
) -> None:
    t0 = at(5, 30)
    sea = router.graph.sea
    closed_at_t0 = sea.after_hours(t0.astimezone(VN).time())
    assert {"FERRY-HTN-BVG", "FERRY-RGA-BVG"} <= closed_at_t0  # both start at 06:00
    arrives = first_truck(router, RACH_GIA, "port_rach_gia", t0)
    assert sea.ferries["FERRY-RGA-BVG"].in_hours(arrives)  # 06:03

    late = ferry_hours(router, NO_OVERLAY, [RACH_GIA, HA_NOI], [PHU_QUOC], t0)

    assert "FERRY-RGA-BVG" not in late
    assert "FERRY-HTN-BVG" not in late


def test_an_incident_far_from_every_ferry_keeps_the_hours_at_the_plan_time(
    router: RoadRouter,
) -> None:
    for t0 in (at(4, 30), at(12), at(17, 45)):
        expected = router.graph.sea.after_hours(t0.astimezone(VN).time())
        assert ferry_hours(router, NO_OVERLAY, [RACH_GIA, HA_NOI], [PLEIKU], t0) == expected
