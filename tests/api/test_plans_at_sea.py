"""Incidents at sea and on the islands, planned on the seeded dataset and read as a
logistics officer would: which port the goods go to, which boat or ferry takes them on,
every leg with its mode, arriving when against the bound, and what a storm leaves unmet."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from network.geometry import haversine_km
from tests.api.api_support import Api

DUNG_QUAT_OFFSHORE = (15.55, 108.95)  # about 20 km off the refinery's shore
DUNG_QUAT_PORT = (15.405, 108.795)  # data/ports.csv
PHU_QUOC = (10.2, 103.97)  # Dương Đông
CON_DAO = (8.7, 106.62)


def declare(api: Api, kind: str, level: str, point: tuple[float, float]) -> int:
    body = {
        "incident_type": kind,
        "level": level,
        "location": {"lat": point[0], "lon": point[1]},
    }
    resp = api.client.post("/incidents", json=body)
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def plan(api: Api, incident: int) -> dict[str, Any]:
    resp = api.client.post(f"/incidents/{incident}/dispatch-plans", json={})
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def close_sea(api: Api, centre: tuple[float, float], radius_km: float, reason: str) -> None:
    body = {"kind": "sea", "centre": list(centre), "radius_km": radius_km, "reason": reason}
    key = f"storm-{centre[0]}-{centre[1]}"
    resp = api.client.post("/network/closures", json=body, headers={"Idempotency-Key": key})
    assert resp.status_code == 201, resp.text


def minutes(a: str, b: str) -> float:
    return (dt.datetime.fromisoformat(b) - dt.datetime.fromisoformat(a)).total_seconds() / 60


def boats(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in body["routes"] if r["vehicle_type"] == "boat"]


def legs(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [leg for r in body["routes"] for s in r["stops"] for leg in s["legs"]]


def test_a_spill_twenty_km_off_dung_quat_is_served_by_boat_from_the_dung_quat_port(
    api: Api,
) -> None:
    body = plan(api, declare(api, "oil_spill_water", "national", DUNG_QUAT_OFFSHORE))
    assert body["summary"]["unmet_units"] == 0
    sailing = boats(body)
    assert sailing, "boats carry the booms out to sea"
    home = [r for r in sailing if r["vehicle"].endswith("/boat/B-QNG-1")]
    assert home, "the boat berthed at Dung Quất sails"
    for route in sailing:
        assert all(s["node"] == "port_dung_quat" for s in route["stops"])
    # trucks unload at the port, never drive an off-road leg out to sea
    for route in body["routes"]:
        if route["vehicle_type"] == "boat":
            continue
        for stop in route["stops"]:
            if stop["kind"] == "delivery":
                assert stop["node"] == "port_dung_quat"
    assert all(leg["mode"] != "offroad" or leg["km"] < 5 for leg in legs(body))
    # hand-checked: 27.8 km (straight line x 1.2) at 18.5 km/h is 90 min
    km = haversine_km(DUNG_QUAT_PORT, DUNG_QUAT_OFFSHORE) * 1.2
    stops = home[0]["stops"]
    first_out = next(n for n, s in enumerate(stops) if s["kind"] == "delivery")
    sea = stops[first_out]["legs"]
    assert [leg["mode"] for leg in sea] == ["sea"]
    assert sea[0]["km"] == round(km, 1)
    sailed = minutes(stops[first_out - 1]["departure"], stops[first_out]["arrival"])
    assert math.isclose(sailed, km / 18.5 * 60, abs_tol=1)
    for line in body["fulfilment"]:
        assert line["earliest_arrival"] <= line["last_arrival"]
    # the depot's pick list tells the loaders the goods go on by boat
    for pick_list in body["pick_lists"]:
        for pick in pick_list["lines"]:
            assert pick["onward"].startswith("by boat from Cảng Dung Quất (")


def test_an_incident_on_phu_quoc_is_served_by_a_truck_aboard_the_ferry(api: Api) -> None:
    body = plan(api, declare(api, "chemical_release", "provincial", PHU_QUOC))
    assert body["summary"]["unmet_units"] == 0
    assert not boats(body)
    assert all(p["onward"] is None for pl in body["pick_lists"] for p in pl["lines"])
    ferried = [
        (route["vehicle"], leg)
        for route in body["routes"]
        for stop in route["stops"]
        if stop["kind"] == "delivery"
        for leg in stop["legs"]
        if leg["mode"] == "ferry"
    ]
    assert len(ferried) == len(body["routes"])  # every truck crosses on a ferry
    assert all("Phú Quốc" in leg["via"] for _, leg in ferried)
    for line in body["fulfilment"]:
        assert line["earliest_arrival"] <= line["last_arrival"]
    assert body["solve"]["within_bound_share"] >= 0.95


def test_an_oil_spill_off_con_dao_goes_by_boat_since_no_ferry_carries_trucks(api: Api) -> None:
    body = plan(api, declare(api, "oil_spill_water", "national", CON_DAO))
    sailing = boats(body)
    assert sailing
    out = [s for r in sailing for s in r["stops"] if s["kind"] == "delivery" and s["legs"]]
    assert out and all(s["legs"][0]["mode"] == "sea" for s in out)
    assert body["summary"]["met_units"] > 0
    for line in body["fulfilment"]:
        if line["met"]:
            assert line["earliest_arrival"] <= line["last_arrival"]


def test_closing_the_sea_leaves_phu_quoc_unmet_with_a_plain_reason(api: Api) -> None:
    close_sea(api, (10.2, 104.2), 60, "bão số 9")
    body = plan(api, declare(api, "chemical_release", "provincial", PHU_QUOC))
    assert body["routes"] == []
    assert body["summary"]["met_units"] == 0
    for unmet in body["unmet"]:
        assert "Phú Quốc" in unmet["reason"]
        assert "the sea is closed: bão số 9" in unmet["reason"]


def test_a_storm_off_dung_quat_keeps_the_boats_in_port_and_says_so(api: Api) -> None:
    close_sea(api, (15.5, 108.9), 40, "áp thấp nhiệt đới")
    body = plan(api, declare(api, "oil_spill_water", "national", DUNG_QUAT_OFFSHORE))
    assert body["routes"] == []
    assert body["unmet"]
    for unmet in body["unmet"]:
        assert unmet["reason"].startswith("the sea is closed between Cảng Dung Quất")
        assert "áp thấp nhiệt đới" in unmet["reason"]


def test_boats_a_storm_keeps_from_the_loading_port_are_not_sent(api: Api) -> None:
    clear = plan(api, declare(api, "oil_spill_water", "national", DUNG_QUAT_OFFSHORE))
    assert any("/boat/B-DNG-" in r["vehicle"] for r in boats(clear))  # Đà Nẵng's join
    # a storm across the course from Đà Nẵng to Dung Quất, clear of the site's own
    close_sea(api, (15.8, 108.48), 15, "dông lốc")
    body = plan(api, declare(api, "oil_spill_water", "national", DUNG_QUAT_OFFSHORE))
    sailing = {r["vehicle"] for r in boats(body)}
    assert sailing and not any("/boat/B-DNG-" in v for v in sailing)
    assert any(v.endswith("/boat/B-QNG-1") for v in sailing)
