"""The incidents a new user tried, planned on the seeded dataset and read as a logistics
officer would: who sends what on which vehicles, arriving when, against the bound."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.services import Database
from inventory.models import ClosureKind, RoadClosure
from network import HazardZone
from tests.api.api_support import Api
from tests.auth_support import client_as


def declare(api: Api, kind: str, level: str, place: str, **extra: Any) -> int:
    body = {"incident_type": kind, "level": level, "location": {"hazard_source": place}}
    resp = api.client.post("/incidents", json={**body, **extra})
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def plan(api: Api, incident: int, *others: int) -> dict[str, Any]:
    resp = api.client.post(
        f"/incidents/{incident}/dispatch-plans", json={"with_incidents": list(others)}
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def hours_after_t0(plan_body: dict[str, Any], stamp: str) -> float:
    t0 = dt.datetime.fromisoformat(plan_body["t0"])
    return (dt.datetime.fromisoformat(stamp) - t0).total_seconds() / 3600


def first_delivery(plan_body: dict[str, Any], incident: int) -> tuple[str, float]:
    """(vehicle, hours after t0) of the first delivery at the incident."""
    arrivals = [
        (hours_after_t0(plan_body, s["arrival"]), r["vehicle"])
        for r in plan_body["routes"]
        for s in r["stops"]
        if s["kind"] == "delivery" and s["incident"] == incident
    ]
    at, vehicle = min(arrivals)
    return vehicle, at


def test_viet_tri_chlorine_is_served_first_by_the_viet_tri_depots_own_vehicles(api: Api) -> None:
    f12 = declare(api, "chemical_release", "national", "F12", priority=3)
    body = plan(api, f12)
    vehicle, at = first_delivery(body, f12)
    assert vehicle.startswith("D-VTR/")  # the depot 4.7 km away, not a Hà Nội truck
    assert at < 1.0
    assert body["solve"]["far_vehicles"] == 0
    for route in body["routes"]:  # every vehicle loads only at its own depot
        pickups = {s["depot"] for s in route["stops"] if s["kind"] == "pickup"}
        assert pickups == {route["depot"]}, route["vehicle"]
    assert body["summary"]["unmet_units"] == 0
    assert body["solve"]["within_bound_share"] >= 0.95
    assert body["summary"]["km"] < 600  # no detour through Hải Phòng for a 7 kg set


def test_every_line_carries_its_bound_and_slower_lines_say_why(api: Api) -> None:
    f01 = declare(api, "oil_spill_water", "national", "F01", priority=4)
    body = plan(api, f01)
    for line in body["fulfilment"]:
        assert line["earliest_arrival"] is not None
        assert line["within_bound"] <= line["met"]
        if line["met"] and line["within_bound"] < line["met"]:
            assert line["reason"], line
    assert body["solve"]["bound"] <= body["solve"]["objective"]
    depots = body["summary"]["depots"]
    assert "D-QNG" in depots  # the Quảng Ngãi depot next to the refinery sends its stock
    qng = [r for r in body["routes"] if r["depot"] == "D-QNG"]
    assert qng, "D-QNG's own trucks carry the first loads"
    assert body["solve"]["far_vehicles"] == 0


def test_bien_hoa_chlorine_planned_with_phu_my_ammonia_keeps_the_bien_hoa_trucks_at_home(
    api: Api,
) -> None:
    f13 = declare(api, "chemical_release", "national", "F13", priority=4)
    f05 = declare(api, "toxic_gas", "provincial", "F05", priority=3)
    body = plan(api, f13, f05)
    vehicle, at = first_delivery(body, f13)
    assert vehicle.startswith("D-BHA/")  # 3 km away
    assert at < 1.0
    assert body["solve"]["far_vehicles"] == 0
    longest = max(r["km"] for r in body["routes"])
    assert longest < 1000  # no Buôn Ma Thuột truck driving 777 km for 14 kg


def test_a_provincial_lost_source_in_bac_kan_draws_only_on_depots_within_reach(api: Api) -> None:
    i14 = declare(api, "radiological", "provincial", "I14", priority=3, size=10)
    body = plan(api, i14)
    far_south = {"D-CMU", "D-CTO", "D-RGA", "D-BHA", "D-VTU", "D-DLT", "D-BMT", "D-NTR"}
    assert not far_south & set(body["summary"]["depots"])
    assert max(r["km"] for r in body["routes"]) < 1500  # no 4,370 km round trip
    for line in body["unmet"]:
        assert line["reason"]


def test_a_long_haul_eta_includes_the_rests_the_driving_rules_require(api: Api) -> None:
    f13 = declare(api, "radiological", "national", "F13", priority=2)  # Biên Hòa, national
    body = plan(api, f13)
    for route in body["routes"]:
        driven_h = hours_after_t0(body, route["returns_at"]) - hours_after_t0(
            body, route["stops"][0]["departure"]
        )
        if route["crew"] == 1 and driven_h > 10:
            assert route["rest_hours"] > 0, route["vehicle"]


def test_plan_times_are_shown_in_vietnam_local_time(api: Api) -> None:
    f12 = declare(api, "chemical_release", "national", "F12")
    body = plan(api, f12)
    assert body["t0"].endswith("+07:00")
    assert all(s["arrival"].endswith("+07:00") for r in body["routes"] for s in r["stops"])
    assert all(
        f["earliest_arrival"].endswith("+07:00")
        for f in body["fulfilment"]
        if f["earliest_arrival"]
    )


def test_a_template_for_another_kind_of_incident_is_refused_naming_the_template(api: Api) -> None:
    body = {
        "incident_type": "chemical_release",
        "level": "national",
        "template": "oil_spill_water.national",
        "location": {"hazard_source": "F12"},
    }
    resp = api.client.post("/incidents", json=body)
    assert resp.status_code == 422
    assert resp.json()["field"] == "template"
    assert "oil_spill_water" in resp.json()["detail"]
    unknown = api.client.post("/incidents", json={**body, "template": "no_such.template"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "template"
    assert api.client.get("/incidents").json() == []


def test_a_time_limit_over_the_documented_maximum_is_refused_and_nothing_is_planned(
    api: Api,
) -> None:
    f12 = declare(api, "chemical_release", "national", "F12")
    resp = api.client.post(f"/incidents/{f12}/dispatch-plans", json={"time_limit_s": 121})
    assert resp.status_code == 422
    assert "time_limit_s" in resp.text
    assert api.client.get(f"/incidents/{f12}/dispatch-plans").json() == []


def test_a_self_crossing_zone_stored_before_zones_had_to_be_simple_still_closes_roads(
    seeded_sqlite: Database,
) -> None:
    # A bow tie around Việt Trì, as the service accepted before polygons were checked.
    bow_tie = [[21.25, 105.3], [21.4, 105.5], [21.25, 105.5], [21.4, 105.3]]
    with seeded_sqlite.sessions.begin() as session:
        session.add(
            RoadClosure(
                kind=ClosureKind.ZONE_POLYGON,
                polygon=bow_tie,
                reason="legacy plume",
                created_by="old-version",
                created_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
            )
        )
    api = Api(client_as(seeded_sqlite))
    f13 = declare(api, "chemical_release", "national", "F13")
    body = plan(api, f13)  # a plan is made, not a 422 about a stored polygon
    assert body["summary"]["met_units"] > 0
    zone = HazardZone.covering(tuple((p[0], p[1]) for p in bow_tie))
    assert zone.contains((21.3, 105.4)) and zone.contains((21.26, 105.31))


def test_an_island_without_a_road_is_reached_by_sea_and_never_called_foreign(api: Api) -> None:
    def declare_at(lat: float, lon: float, status: int = 201) -> dict[str, Any]:
        body = {
            "incident_type": "oil_spill_water",
            "level": "national",
            "location": {"lat": lat, "lon": lon},
        }
        resp = api.client.post("/incidents", json=body)
        assert resp.status_code == status, resp.text
        return dict(resp.json())

    phu_quoc = declare_at(10.22, 103.96)  # by the vehicle ferry: its road node is on the island
    assert (phu_quoc["node_id"], phu_quoc["province_code"]) == ("duong_dong", "91")
    hoang_sa = declare_at(16.5, 111.6)  # by boat: its port is where the trucks unload
    assert hoang_sa["province_code"] == "48"  # Đà Nẵng
    assert hoang_sa["node_id"].startswith("port_")
    truong_sa = declare_at(8.64, 111.92)
    assert truong_sa["province_code"] == "56"  # Khánh Hòa
    abroad = declare_at(17.97, 102.6, 422)  # Vientiane
    assert "outside Vietnam" in abroad["detail"] and abroad["field"] == "location"
    assert len(api.client.get("/incidents").json()) == 3
