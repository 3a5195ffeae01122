"""The sea over HTTP (issue 15): the ports, ferries and boats of data/, a boat's course,
and ferry and sea closures that change the routes trucks take to the islands.

Expected values are read from data/ports.csv, data/ferry_links.csv and data/boats.csv and
computed by hand here (great-circle km x 1.2 at the boat's speed)."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import httpx

from tests.api.api_support import Api, assert_problem, new_key

DATA = Path(__file__).resolve().parents[2] / "data"
#: A point on Phú Quốc: trucks reach it only across a ferry.
PHU_QUOC = "10.2,103.97"
#: About 20 km off Dung Quất port, out at sea.
OFF_DUNG_QUAT = (15.55, 108.95)
#: In the Trường Sa archipelago, far beyond a small workboat's range.
TRUONG_SA = (8.65, 111.92)
#: A storm over both Phú Quốc crossings.
PHU_QUOC_STORM = {"kind": "sea", "centre": [10.2, 104.2], "radius_km": 60, "reason": "storm"}


# ------------------------------------------------------------------ helpers
def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def place(point: tuple[float, float]) -> str:
    return f"{point[0]},{point[1]}"


def course(api: Api, boat_id: str, to: str) -> httpx.Response:
    response: httpx.Response = api.client.get(f"/network/boats/{boat_id}/course", params={"to": to})
    return response


def post_closure(api: Api, body: dict[str, Any]) -> httpx.Response:
    response: httpx.Response = api.client.post(
        "/network/closures", json=body, headers={"Idempotency-Key": new_key()}
    )
    return response


def closures(api: Api) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = api.get("/network/closures", include_lifted="true")
    return listed


def route_to_phu_quoc(api: Api) -> httpx.Response:
    response: httpx.Response = api.client.get(
        "/network/route", params={"from": "D-RGA", "to": PHU_QUOC}
    )
    return response


def ferry_legs(feature: dict[str, Any]) -> list[dict[str, Any]]:
    return [leg for leg in feature["properties"]["legs"] if leg["mode"] == "ferry"]


# ---------------------------------------------------------------- the sea
def test_the_sea_lists_every_port_ferry_and_boat_of_the_data_files(api: Api) -> None:
    sea = api.get("/network/sea")

    assert sea["graph_version"] == api.get("/network/nodes")["graph_version"]
    ports = {p["id"]: p for p in sea["ports"]}
    assert set(ports) == {r["port_id"] for r in rows("ports.csv")}
    for r in rows("ports.csv"):
        port = ports[r["port_id"]]
        assert (port["lat"], port["lon"]) == (float(r["lat"]), float(r["lon"]))
        assert port["kind"] == r["kind"] and port["name_vi"] == r["name_vi"]
        assert port["road_node"] == (r["road_node"] or None)
        assert port["access_km"] == (float(r["access_km"]) if r["access_km"] else None)

    ferries = {f["id"]: f for f in sea["ferries"]}
    assert set(ferries) == {r["link_id"] for r in rows("ferry_links.csv")}
    for r in rows("ferry_links.csv"):
        ferry = ferries[r["link_id"]]
        assert (ferry["from_port"], ferry["to_port"]) == (r["from_port"], r["to_port"])
        assert ferry["crossing_min"] == float(r["crossing_min"])
        assert ferry["wait_min"] == float(r["wait_min"])
        assert ferry["after_hours_wait_min"] == float(r["after_hours_wait_min"])
        # Operating hours as "HH:MM", as in the CSV.
        assert ferry["first_departure"] == r["first_departure"]
        assert ferry["last_departure"] == r["last_departure"]
        for hhmm in (ferry["first_departure"], ferry["last_departure"]):
            assert len(hhmm) == 5 and hhmm[2] == ":" and hhmm.replace(":", "").isdigit()

    boats = {b["id"]: b for b in sea["boats"]}
    assert set(boats) == {r["boat_id"] for r in rows("boats.csv")}
    for r in rows("boats.csv"):
        boat = boats[r["boat_id"]]
        assert (boat["depot"], boat["port"], boat["owner"]) == (r["depot"], r["port"], r["owner"])
        assert boat["speed_kmh"] == float(r["speed_kmh"])
        assert boat["range_km"] == float(r["range_km"])
        assert boat["payload_kg"] == float(r["payload_kg"])


# ---------------------------------------------------------------- courses
def test_a_boat_course_to_a_point_at_sea_gives_its_km_and_hours(api: Api) -> None:
    boat = next(r for r in rows("boats.csv") if r["boat_id"] == "B-QNG-1")
    port = next(r for r in rows("ports.csv") if r["port_id"] == boat["port"])
    km = haversine_km((float(port["lat"]), float(port["lon"])), OFF_DUNG_QUAT) * 1.2

    response = course(api, "B-QNG-1", place(OFF_DUNG_QUAT))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["boat"] == "B-QNG-1"
    assert body["from_port"] == boat["port"] == "port_dung_quat"
    assert body["to"] == list(OFF_DUNG_QUAT)
    assert body["km"] == round(km, 1)
    assert abs(body["hours"] - km / float(boat["speed_kmh"])) <= 0.006
    assert body["closed_by"] is None


def test_a_sea_closure_over_the_course_names_the_storm_that_keeps_the_boat_in_port(
    api: Api,
) -> None:
    storm = {"kind": "sea", "centre": list(OFF_DUNG_QUAT), "radius_km": 10, "reason": "typhoon"}
    assert post_closure(api, storm).status_code == 201

    body = course(api, "B-QNG-1", place(OFF_DUNG_QUAT)).json()

    assert body["closed_by"] == "typhoon"


def test_a_boat_course_to_an_inland_depot_is_refused_for_want_of_sea_access(api: Api) -> None:
    response = course(api, "B-QNG-1", "D-PKU")

    problem = assert_problem(response, 422, "to")
    assert "no sea access" in problem["detail"]


def test_a_boat_course_beyond_the_boats_range_is_refused(api: Api) -> None:
    response = course(api, "B-QNG-2", place(TRUONG_SA))

    problem = assert_problem(response, 422, "to")
    assert "range" in problem["detail"]


def test_a_course_for_an_unknown_boat_is_a_404_naming_the_boat(api: Api) -> None:
    response = course(api, "B-NOPE-9", place(OFF_DUNG_QUAT))

    problem = assert_problem(response, 404, "boat_id")
    assert "B-NOPE-9" in problem["detail"]


# --------------------------------------------------------------- closures
def test_a_ferry_closure_naming_an_unknown_link_is_a_404_and_stores_nothing(api: Api) -> None:
    before = closures(api)

    response = post_closure(
        api, {"kind": "ferry", "edge_id": "FERRY-NOWHERE", "reason": "no such ferry"}
    )

    problem = assert_problem(response, 404, "edge_id")
    for r in rows("ferry_links.csv"):
        assert r["link_id"] in problem["detail"]
    assert closures(api) == before


def test_a_ferry_closure_naming_a_road_is_a_404_too(api: Api) -> None:
    road = next(r["edge_id"] for r in rows("road_edges.csv"))

    response = post_closure(api, {"kind": "ferry", "edge_id": road, "reason": "not a ferry"})

    assert_problem(response, 404, "edge_id")
    assert closures(api) == []


def test_closing_the_ferry_in_use_sends_the_route_to_phu_quoc_on_the_other(api: Api) -> None:
    before = route_to_phu_quoc(api)
    assert before.status_code == 200, before.text
    (used,) = ferry_legs(before.json())

    made = post_closure(api, {"kind": "ferry", "edge_id": used["edge_id"], "reason": "engine"})

    assert made.status_code == 201, made.text
    stored = made.json()
    assert stored["kind"] == "ferry" and stored["edge_id"] == used["edge_id"]
    assert [c["id"] for c in closures(api)] == [stored["id"]]
    after = route_to_phu_quoc(api)
    assert after.status_code == 200, after.text
    (other,) = ferry_legs(after.json())
    assert other["edge_id"] != used["edge_id"]
    assert other["road_ref"] != used["road_ref"]
    names = {r["link_id"]: r["name_vi"] for r in rows("ferry_links.csv")}
    assert other["road_ref"] == names[other["edge_id"]]
    assert after.json()["properties"]["seconds"] > before.json()["properties"]["seconds"]


def test_a_sea_closure_over_the_phu_quoc_crossings_makes_the_island_unreachable(
    api: Api,
) -> None:
    assert route_to_phu_quoc(api).status_code == 200

    made = post_closure(api, PHU_QUOC_STORM)

    assert made.status_code == 201, made.text
    assert made.json()["kind"] == "sea"
    assert made.json()["centre"] == PHU_QUOC_STORM["centre"]
    problem = assert_problem(route_to_phu_quoc(api), 404, "to")
    assert problem["title"] == "Unreachable"
    mainland = api.client.get("/network/route", params={"from": "D-RGA", "to": "D-CTO"})
    assert mainland.status_code == 200, mainland.text
    # The storm is a closure like any other: without closures the ferry still runs.
    ignored = api.client.get(
        "/network/route", params={"from": "D-RGA", "to": PHU_QUOC, "apply_closures": "false"}
    )
    assert ignored.status_code == 200, ignored.text
    assert ferry_legs(ignored.json())
