"""The /network routes over HTTP: nodes, routes, matrices, closures and coverage.

Edges, towns and leaf nodes are picked from what the API itself lists (a route's legs, the
edges of /network/nodes), so the tests follow whatever road data `data/` holds. Depot codes
and the hazard-source id are the seeded ones; the hazard's coordinates are read from
data/hazard_sources.csv, since no route lists them."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.api_support import Api, assert_problem, new_key
from tests.auth_support import TEST_ADMIN

DATA = Path(__file__).resolve().parents[2] / "data"
DEPOT = "D-HNI"
HAZARD = "F01"
#: Mainland Vietnam's bounding box (lat_min, lon_min, lat_max, lon_max): every road node is in it.
VN_BBOX = (8.3, 102.1, 23.5, 109.6)


# ------------------------------------------------------------------ helpers
def hazard_point(hazard_id: str) -> tuple[float, float]:
    """(lat, lon) of a hazard source, from data/hazard_sources.csv."""
    with (DATA / "hazard_sources.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["id"] == hazard_id:
                return float(row["lat"]), float(row["lon"])
    raise LookupError(hazard_id)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def network(api: Api) -> dict[str, Any]:
    page: dict[str, Any] = api.get("/network/nodes")
    return page


def depot_node(api: Api, code: str) -> str:
    return str(api.get(f"/depots/{code}")["node_id"])


def route(api: Api, frm: str, to: str, **params: Any) -> dict[str, Any]:
    """A route that must exist."""
    feature: dict[str, Any] = api.get("/network/route", **{"from": frm, "to": to, **params})
    return feature


def edge_ids(feature: dict[str, Any]) -> list[str]:
    return [leg["edge_id"] for leg in feature["properties"]["legs"] if leg["edge_id"]]


def closures(api: Api) -> list[dict[str, Any]]:
    """Every closure on record, lifted ones included."""
    rows: list[dict[str, Any]] = api.get("/network/closures", include_lifted="true")
    return rows


def post_closure(
    api: Api, body: dict[str, Any], *, key: str | None = None, actor: str | None = None
) -> httpx.Response:
    headers = {"Idempotency-Key": key or new_key()}
    who = api if actor is None else api.as_user(actor, "logistics_officer")
    response: httpx.Response = who.client.post("/network/closures", json=body, headers=headers)
    return response


def closed(api: Api, body: dict[str, Any], *, actor: str | None = None) -> dict[str, Any]:
    """Post a closure that must be accepted; returns it."""
    response = post_closure(api, body, actor=actor)
    assert response.status_code == 201, response.text
    closure: dict[str, Any] = response.json()
    return closure


def lift(api: Api, closure_id: int, *, actor: str | None = None) -> httpx.Response:
    who = api if actor is None else api.as_user(actor, "logistics_officer")
    response: httpx.Response = who.client.delete(f"/network/closures/{closure_id}")
    return response


def matrix(api: Api, sources: list[str], targets: list[str], **extra: Any) -> httpx.Response:
    body = {"sources": sources, "targets": targets, **extra}
    response: httpx.Response = api.client.post("/network/matrix", json=body)
    return response


def degrees(page: dict[str, Any]) -> Counter[str]:
    out: Counter[str] = Counter()
    for edge in page["edges"]:
        out[edge["from_node"]] += 1
        out[edge["to_node"]] += 1
    return out


def middle_town(page: dict[str, Any], feature: dict[str, Any]) -> dict[str, Any]:
    """The town halfway along a route (neither of its ends)."""
    nodes: dict[str, dict[str, Any]] = {n["id"]: n for n in page["nodes"]}
    inner = feature["properties"]["nodes"][1:-1]
    towns = [n for n in inner if nodes[n]["kind"] == "town"]
    assert towns, feature["properties"]["nodes"]
    return nodes[towns[len(towns) // 2]]


# -------------------------------------------------------------------- nodes
def test_nodes_list_every_town_and_every_road_between_them_with_a_graph_version(
    api: Api,
) -> None:
    page = network(api)

    assert page["graph_version"]
    ids = [n["id"] for n in page["nodes"]]
    assert len(ids) == len(set(ids)) > 10
    lat_min, lon_min, lat_max, lon_max = VN_BBOX
    for node in page["nodes"]:
        assert lat_min <= node["lat"] <= lat_max and lon_min <= node["lon"] <= lon_max, node
        assert node["name_vi"] and node["name_en"] and node["kind"], node
    edge_ids_ = [e["id"] for e in page["edges"]]
    assert len(edge_ids_) == len(set(edge_ids_)) > 10
    for edge in page["edges"]:
        assert {edge["from_node"], edge["to_node"]} <= set(ids), edge
        assert edge["from_node"] != edge["to_node"]
        assert edge["length_km"] > 0 and edge["minutes"] > 0, edge
    depot_nodes = {d["node_id"] for d in api.get("/depots") if d["node_id"]}
    assert depot_nodes and depot_nodes <= set(ids)


# ------------------------------------------------------------------- routes
def test_a_route_from_a_depot_to_a_hazard_source_is_a_geojson_line_from_the_depot_to_the_hazard(
    api: Api,
) -> None:
    page = network(api)
    nodes = {n["id"]: n for n in page["nodes"]}
    start = nodes[depot_node(api, DEPOT)]
    lat, lon = hazard_point(HAZARD)

    feature = route(api, DEPOT, HAZARD)

    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "LineString"
    coords = feature["geometry"]["coordinates"]
    assert len(coords) >= 2
    assert coords[0] == pytest.approx([start["lon"], start["lat"]], abs=1e-5)
    assert coords[-1] == pytest.approx([lon, lat], abs=1e-5)
    props = feature["properties"]
    assert 0.1 < props["hours"] < 30
    assert props["hours"] == round(props["seconds"] / 3600, 2)
    assert props["km"] == round(props["metres"] / 1000, 1)
    assert props["graph_version"] == page["graph_version"]
    assert props["nodes"][0] == start["id"]
    # Each leg starts where the previous one ended, the last one off-road to the hazard.
    legs = props["legs"]
    assert [leg["from_node"] for leg in legs[1:]] == [leg["to_node"] for leg in legs[:-1]]
    assert legs[-1]["to_node"] == "(end)" and legs[-1]["edge_id"] is None
    assert all(leg["edge_id"] in {e["id"] for e in page["edges"]} for leg in legs[:-1])
    assert sum(leg["seconds"] for leg in legs) == pytest.approx(props["seconds"], abs=1)
    assert [s["point"] for s in props["snaps"]] == [[lat, lon]]
    assert props["snaps"][0]["node_id"] == props["nodes"][-1]


def test_a_route_between_coordinates_snaps_each_end_to_a_node_with_an_off_road_leg(
    api: Api,
) -> None:
    nodes = {n["id"]: n for n in network(api)["nodes"]}
    hanoi = nodes[depot_node(api, DEPOT)]
    near = f"{hanoi['lat'] + 0.02},{hanoi['lon'] + 0.02}"
    lat, lon = hazard_point(HAZARD)

    feature = route(api, near, f"{lat},{lon}")

    props = feature["properties"]
    assert props["nodes"][0] == hanoi["id"]
    assert [s["node_id"] for s in props["snaps"]] == [props["nodes"][0], props["nodes"][-1]]
    assert props["legs"][0]["from_node"] == "(start)"
    assert props["legs"][-1]["to_node"] == "(end)"
    assert all(s["snap_km"] > 0 and s["offroad_minutes"] > 0 for s in props["snaps"])
    via_nodes = route(api, DEPOT, HAZARD)["properties"]
    assert props["seconds"] > via_nodes["seconds"]


def test_a_route_from_a_place_to_itself_is_still_a_geojson_line_of_two_positions(
    api: Api,
) -> None:
    node = {n["id"]: n for n in network(api)["nodes"]}[depot_node(api, DEPOT)]

    feature = route(api, DEPOT, node["id"])

    assert feature["properties"]["seconds"] == 0 and feature["properties"]["legs"] == []
    # RFC 7946 3.1.4: a LineString has two or more positions.
    coords = feature["geometry"]["coordinates"]
    assert len(coords) == 2
    assert coords[0] == coords[1] == pytest.approx([node["lon"], node["lat"]], abs=1e-5)


def test_closing_an_edge_of_the_route_changes_it_and_lifting_the_closure_restores_it(
    any_api: Api,
) -> None:
    before = route(any_api, DEPOT, HAZARD)
    on_route = edge_ids(before)
    edge = on_route[len(on_route) // 2]

    closure = closed(any_api, {"kind": "edge", "edge_id": edge, "reason": "bridge down"})
    during = route(any_api, DEPOT, HAZARD)

    assert edge not in edge_ids(during)
    assert (
        during["properties"]["seconds"] > before["properties"]["seconds"]
        or during["properties"]["nodes"] != before["properties"]["nodes"]
    )
    assert during["properties"]["overlay"] != before["properties"]["overlay"]
    assert route(any_api, DEPOT, HAZARD, apply_closures="false") == before

    assert lift(any_api, closure["id"]).status_code == 200
    assert route(any_api, DEPOT, HAZARD) == before


def test_closing_a_town_on_the_route_diverts_the_route_around_it(api: Api) -> None:
    before = route(api, DEPOT, HAZARD)
    town = middle_town(network(api), before)

    closed(api, {"kind": "node", "node_id": town["id"], "reason": "town flooded"})
    after = route(api, DEPOT, HAZARD)

    assert town["id"] not in after["properties"]["nodes"]
    assert after["properties"]["seconds"] > before["properties"]["seconds"]
    assert after["properties"]["nodes"][0] == before["properties"]["nodes"][0]
    assert after["geometry"]["coordinates"][-1] == before["geometry"]["coordinates"][-1]


def test_a_hazard_zone_over_a_town_on_the_route_diverts_the_route_out_of_the_zone(
    api: Api,
) -> None:
    before = route(api, DEPOT, HAZARD)
    town = middle_town(network(api), before)
    centre, radius_km = (town["lat"], town["lon"]), 10.0

    closed(
        api,
        {"kind": "zone_circle", "centre": list(centre), "radius_km": radius_km, "reason": "gas"},
    )
    after = route(api, DEPOT, HAZARD)

    assert town["id"] not in after["properties"]["nodes"]
    assert after["properties"]["seconds"] > before["properties"]["seconds"]
    for lon, lat in after["geometry"]["coordinates"]:
        assert haversine_km(centre, (lat, lon)) > radius_km, (lat, lon)
    assert route(api, DEPOT, HAZARD, apply_closures="false") == before


def test_slowing_an_edge_of_the_route_makes_the_trip_longer(api: Api) -> None:
    before = route(api, DEPOT, HAZARD)
    edge = edge_ids(before)[0]

    closed(api, {"kind": "slow", "edge_id": edge, "speed_factor": 0.25, "reason": "roadworks"})
    after = route(api, DEPOT, HAZARD)

    assert after["properties"]["seconds"] > before["properties"]["seconds"]


def test_a_node_cut_off_by_closures_is_null_in_the_matrix_and_listed_as_unreachable(
    any_api: Api,
) -> None:
    page = network(any_api)
    depot_nodes = {d["node_id"] for d in any_api.get("/depots")}
    degree = degrees(page)
    leaf = min(
        (n for n in degree if degree[n] <= 2 and n not in depot_nodes), key=degree.__getitem__
    )
    source, other = depot_node(any_api, DEPOT), depot_node(any_api, "D-VIN")
    for edge in page["edges"]:
        if leaf in (edge["from_node"], edge["to_node"]):
            closed(any_api, {"kind": "edge", "edge_id": edge["id"], "reason": "landslide"})

    response = matrix(any_api, [source], [leaf, other])

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["seconds"][0][0] is None and result["metres"][0][0] is None
    assert isinstance(result["seconds"][0][1], int) and result["seconds"][0][1] > 0
    assert result["unreachable"] == [[source, leaf]]
    unreachable = any_api.client.get("/network/route", params={"from": DEPOT, "to": leaf})
    assert assert_problem(unreachable, 404, "to")["title"] == "Unreachable"
    assert route(any_api, DEPOT, leaf, apply_closures="false")["properties"]["seconds"] > 0
    opened = matrix(any_api, [source], [leaf], apply_closures=False).json()
    assert opened["unreachable"] == [] and opened["seconds"][0][0] > 0


# ------------------------------------------------------------------- matrix
def test_matrix_times_and_distances_equal_the_route_for_every_pair(api: Api) -> None:
    sources = [depot_node(api, DEPOT), depot_node(api, "D-VIN")]
    targets = [depot_node(api, "D-QNG"), depot_node(api, "D-DNG"), depot_node(api, "D-HPG")]

    response = matrix(api, sources, targets)

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["sources"] == sources and result["targets"] == targets
    assert result["unreachable"] == []
    for i, s in enumerate(sources):
        for j, t in enumerate(targets):
            props = route(api, s, t)["properties"]
            assert result["seconds"][i][j] == props["seconds"], (s, t)
            # Metres are summed in another order (tree vs legs): allow the last unit.
            assert abs(result["metres"][i][j] - props["metres"]) <= 1, (s, t)


def test_with_a_hazard_zone_active_the_matrix_still_equals_the_route(api: Api) -> None:
    before = route(api, DEPOT, "D-QNG")
    town = middle_town(network(api), before)
    closed(
        api,
        {
            "kind": "zone_circle",
            "centre": [town["lat"], town["lon"]],
            "radius_km": 10.0,
            "reason": "chlorine plume",
        },
    )
    source, target = depot_node(api, DEPOT), depot_node(api, "D-QNG")

    result = matrix(api, [source], [target]).json()

    props = route(api, DEPOT, "D-QNG")["properties"]
    assert result["seconds"] == [[props["seconds"]]]
    assert result["overlay"] == props["overlay"] != before["properties"]["overlay"]
    assert props["seconds"] > before["properties"]["seconds"]


# ----------------------------------------------------------------- closures
def test_closures_are_stored_with_who_set_them_and_when_and_lifted_ones_on_request(
    any_api: Api,
) -> None:
    edge = edge_ids(route(any_api, DEPOT, HAZARD))[0]
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    bodies: list[dict[str, Any]] = [
        {"kind": "edge", "edge_id": edge, "reason": "bridge down"},
        {"kind": "slow", "edge_id": edge, "speed_factor": 0.5, "reason": "roadworks"},
        {"kind": "zone_circle", "centre": [16.05, 108.2], "radius_km": 12.5, "reason": "plume"},
        {
            "kind": "zone_polygon",
            "polygon": [[10.7, 106.6], [10.8, 106.6], [10.8, 106.8], [10.7, 106.8]],
            "reason": "spill",
        },
    ]

    made = [closed(any_api, body, actor="duty-officer") for body in bodies]
    listed = any_api.get("/network/closures")

    assert [c["id"] for c in listed] == [c["id"] for c in made]
    for row, body in zip(listed, bodies, strict=True):
        assert {k: row[k] for k in body} == body
        assert row["created_by"] == "duty-officer"
        assert start <= dt.datetime.fromisoformat(row["created_at"]) <= dt.datetime.now(dt.UTC)
        assert row["active"] is True and row["lifted_at"] is None and row["lifted_by"] is None

    lifted = lift(any_api, made[0]["id"], actor="night-shift")

    assert lifted.status_code == 200, lifted.text
    assert [c["id"] for c in any_api.get("/network/closures")] == [c["id"] for c in made[1:]]
    everything = closures(any_api)
    assert [c["id"] for c in everything] == [c["id"] for c in made]
    gone = everything[0]
    assert gone["active"] is False and gone["lifted_by"] == "night-shift"
    assert dt.datetime.fromisoformat(gone["lifted_at"]) >= dt.datetime.fromisoformat(
        gone["created_at"]
    )
    assert gone["created_by"] == "duty-officer"


def test_a_closure_is_set_by_the_user_of_the_token(api: Api) -> None:
    edge = edge_ids(route(api, DEPOT, HAZARD))[0]

    closure = closed(api, {"kind": "edge", "edge_id": edge, "reason": "x"})

    assert closure["created_by"] == TEST_ADMIN


def test_the_same_idempotency_key_twice_creates_one_closure(any_api: Api) -> None:
    edge = edge_ids(route(any_api, DEPOT, HAZARD))[0]
    body = {"kind": "edge", "edge_id": edge, "reason": "bridge down"}
    key = new_key()

    first = post_closure(any_api, body, key=key)
    second = post_closure(any_api, body, key=key)

    assert first.status_code == second.status_code == 201, second.text
    assert second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert [c["id"] for c in closures(any_api)] == [first.json()["id"]]


def test_reusing_an_idempotency_key_for_another_closure_is_a_conflict_and_writes_nothing(
    api: Api,
) -> None:
    first, other = edge_ids(route(api, DEPOT, HAZARD))[:2]
    key = new_key()
    made = post_closure(api, {"kind": "edge", "edge_id": first, "reason": "x"}, key=key)
    assert made.status_code == 201, made.text
    before = closures(api)

    response = post_closure(api, {"kind": "edge", "edge_id": other, "reason": "x"}, key=key)

    assert_problem(response, 409, "Idempotency-Key")
    assert closures(api) == before


def test_a_closure_without_an_idempotency_key_is_refused_and_writes_nothing(api: Api) -> None:
    edge = edge_ids(route(api, DEPOT, HAZARD))[0]

    response = api.client.post(
        "/network/closures", json={"kind": "edge", "edge_id": edge, "reason": "x"}
    )

    assert_problem(response, 422, "Idempotency-Key")
    assert closures(api) == []


def test_lifting_a_closure_twice_is_a_conflict_and_keeps_the_first_lift(any_api: Api) -> None:
    edge = edge_ids(route(any_api, DEPOT, HAZARD))[0]
    closure = closed(any_api, {"kind": "edge", "edge_id": edge, "reason": "x"})
    assert lift(any_api, closure["id"], actor="first").status_code == 200
    before = closures(any_api)

    response = lift(any_api, closure["id"], actor="second")

    assert_problem(response, 409, "closure_id")
    assert closures(any_api) == before
    assert before[0]["lifted_by"] == "first"


def test_lifting_an_unknown_closure_is_a_404_problem(any_api: Api) -> None:
    response = lift(any_api, 999_999)

    assert_problem(response, 404, "closure_id")
    assert closures(any_api) == []


@pytest.mark.parametrize("closure_id", [0, -1, 2**31, 10**11])
def test_lifting_a_closure_id_out_of_range_is_a_422_problem_not_a_server_error(
    any_api: Api, closure_id: int
) -> None:
    # Beyond 2**31-1, PostgreSQL's INTEGER key used to fail the lookup with a 500.
    response = lift(any_api, closure_id)

    # assert_problem knows body/query/header fields; this one is in the path.
    assert assert_problem(response, 422)["field"] == "path.closure_id"
    assert closures(any_api) == []


# ----------------------------------------------------------------- coverage
def test_coverage_lists_every_depot_and_the_fastest_depot_for_every_province(api: Api) -> None:
    depots = {d["code"]: d["node_id"] for d in api.get("/depots") if d["node_id"]}

    cov = api.get("/network/coverage", hours=6)

    assert cov["hours"] == 6
    assert {d["depot"]: d["node_id"] for d in cov["depots"]} == depots
    reach: dict[tuple[str, str], float] = {}
    for depot in cov["depots"]:
        for kind in ("provinces", "hazard_sources"):
            hours = [r["hours"] for r in depot[kind]]
            assert hours == sorted(hours) and all(0 <= h <= 6 for h in hours), depot
        reach |= {(depot["depot"], r["place_id"]): r["hours"] for r in depot["provinces"]}
    codes = [p["province_code"] for p in cov["provinces"]]
    assert len(codes) == len(set(codes)) > 0
    for province in cov["provinces"]:
        assert province["depot"] in depots, province
        reached = [h for (_, code), h in reach.items() if code == province["province_code"]]
        if reached:
            assert province["hours"] == min(reached), province
            assert reach[(province["depot"], province["province_code"])] == province["hours"]
        else:
            assert province["hours"] > 6, province
    assert cov["uncovered_provinces"] == sorted(set(codes) - {code for _, code in reach})
    hazards = {r["place_id"] for d in cov["depots"] for r in d["hazard_sources"]}
    assert HAZARD in hazards | set(cov["uncovered_hazard_sources"])
    assert not hazards & set(cov["uncovered_hazard_sources"])


def test_a_larger_time_budget_covers_at_least_as_much(api: Api) -> None:
    budgets = [api.get("/network/coverage", hours=h) for h in (3, 6, 12)]

    for small, large in itertools.pairwise(budgets):
        assert set(large["uncovered_provinces"]) <= set(small["uncovered_provinces"])
        assert set(large["uncovered_hazard_sources"]) <= set(small["uncovered_hazard_sources"])
        assert large["provinces"] == small["provinces"]
        for s, lg in zip(small["depots"], large["depots"], strict=True):
            assert s["depot"] == lg["depot"]
            for kind in ("provinces", "hazard_sources"):
                wide = {r["place_id"]: r["hours"] for r in lg[kind]}
                assert {r["place_id"]: r["hours"] for r in s[kind]}.items() <= wide.items()
    assert len(budgets[-1]["uncovered_provinces"]) < len(budgets[0]["uncovered_provinces"])


# --------------------------------------------------------------- bad input
OUTSIDE_OR_NOT_A_NUMBER = ["48.85,2.35", "19.9,102.2", "abc,def", "10.5,"]


@pytest.mark.parametrize("side", ["from", "to"])
@pytest.mark.parametrize("place", OUTSIDE_OR_NOT_A_NUMBER)
def test_a_route_to_or_from_a_coordinate_outside_vietnam_or_not_a_number_is_refused(
    api: Api, side: str, place: str
) -> None:
    params = {"from": DEPOT, "to": HAZARD} | {side: place}

    response = api.client.get("/network/route", params=params)

    body = assert_problem(response, 422, side)
    assert place in body["detail"] or place.replace(",", ", ") in body["detail"]
    assert closures(api) == []


@pytest.mark.parametrize("side", ["from", "to"])
def test_a_route_to_or_from_an_unknown_node_is_a_404_problem_naming_it(api: Api, side: str) -> None:
    params = {"from": DEPOT, "to": HAZARD} | {side: "atlantis"}

    response = api.client.get("/network/route", params=params)

    body = assert_problem(response, 404, side)
    assert "atlantis" in body["detail"]
    assert closures(api) == []


def _refusal(
    case_id: str, body: dict[str, Any], status: int, field: str
) -> Any:  # a pytest ParameterSet
    return pytest.param(body, status, field, id=case_id)


#: (id, body, status, field). "C01-01" is any edge: those bodies are refused before
#: the graph is consulted.
REFUSED_CLOSURES = [
    _refusal(
        "unknown edge",
        {"kind": "edge", "edge_id": "NO-SUCH-EDGE", "reason": "x"},
        404,
        "edge_id",
    ),
    _refusal(
        "unknown node",
        {"kind": "node", "node_id": "atlantis", "reason": "x"},
        404,
        "node_id",
    ),
    _refusal(
        "unknown slowed edge",
        {"kind": "slow", "edge_id": "NO-SUCH-EDGE", "speed_factor": 0.5, "reason": "x"},
        404,
        "edge_id",
    ),
    _refusal(
        "empty polygon", {"kind": "zone_polygon", "polygon": [], "reason": "x"}, 422, "polygon"
    ),
    _refusal(
        "two-point polygon",
        {"kind": "zone_polygon", "polygon": [[16.0, 108.0], [16.1, 108.1]], "reason": "x"},
        422,
        "polygon",
    ),
    _refusal(
        "polygon of two distinct points",
        {
            "kind": "zone_polygon",
            "polygon": [[16.0, 108.0], [16.1, 108.1], [16.0, 108.0], [16.1, 108.1]],
            "reason": "x",
        },
        422,
        "polygon",
    ),
    _refusal(
        "zero radius",
        {"kind": "zone_circle", "centre": [16.0, 108.0], "radius_km": 0, "reason": "x"},
        422,
        "radius_km",
    ),
    _refusal(
        "negative radius",
        {"kind": "zone_circle", "centre": [16.0, 108.0], "radius_km": -3, "reason": "x"},
        422,
        "radius_km",
    ),
    _refusal(
        "speed factor 1",
        {"kind": "slow", "edge_id": "C01-01", "speed_factor": 1, "reason": "x"},
        422,
        "speed_factor",
    ),
    _refusal(
        "speed factor above 1",
        {"kind": "slow", "edge_id": "C01-01", "speed_factor": 1.5, "reason": "x"},
        422,
        "speed_factor",
    ),
    _refusal(
        "centre outside Vietnam",
        {"kind": "zone_circle", "centre": [48.85, 2.35], "radius_km": 5, "reason": "x"},
        422,
        "centre",
    ),
    _refusal("no reason", {"kind": "edge", "edge_id": "C01-01"}, 422, "reason"),
    _refusal(
        "edge without edge_id",
        {"kind": "edge", "reason": "x"},
        422,
        "edge_id",
    ),
    _refusal(
        "node without node_id",
        {"kind": "node", "reason": "x"},
        422,
        "node_id",
    ),
    _refusal(
        "slow without speed_factor",
        {"kind": "slow", "edge_id": "C01-01", "reason": "x"},
        422,
        "speed_factor",
    ),
    _refusal(
        "slow without edge_id",
        {"kind": "slow", "speed_factor": 0.5, "reason": "x"},
        422,
        "edge_id",
    ),
    _refusal(
        "circle without radius",
        {"kind": "zone_circle", "centre": [16.0, 108.0], "reason": "x"},
        422,
        "radius_km",
    ),
    _refusal(
        "circle without centre",
        {"kind": "zone_circle", "radius_km": 5, "reason": "x"},
        422,
        "centre",
    ),
    _refusal(
        "polygon zone without polygon",
        {"kind": "zone_polygon", "reason": "x"},
        422,
        "polygon",
    ),
]


@pytest.mark.parametrize(("body", "status", "field"), REFUSED_CLOSURES)
def test_a_bad_closure_is_a_4xx_problem_naming_the_field_and_writes_nothing(
    api: Api, body: dict[str, Any], status: int, field: str
) -> None:
    before = closures(api)

    response = post_closure(api, body)

    assert_problem(response, status, field)
    assert closures(api) == before


@pytest.mark.parametrize("side", ["sources", "targets"])
def test_a_matrix_with_401_nodes_on_a_side_is_refused(api: Api, side: str) -> None:
    node = depot_node(api, DEPOT)
    body = {"sources": [node], "targets": [node]} | {side: [node] * 401}

    response = api.client.post("/network/matrix", json=body)

    assert_problem(response, 422, side)
    assert closures(api) == []


def test_a_matrix_with_400_nodes_on_a_side_is_answered(api: Api) -> None:
    node = depot_node(api, DEPOT)

    response = matrix(api, [node] * 400, [node])

    assert response.status_code == 200, response.text
    assert response.json()["seconds"] == [[0]] * 400


@pytest.mark.parametrize(("side", "index"), [("sources", 0), ("targets", 1)])
def test_a_matrix_naming_an_unknown_node_is_a_404_problem_naming_its_position(
    api: Api, side: str, index: int
) -> None:
    node = depot_node(api, DEPOT)
    body = {"sources": [node], "targets": [node, node]}
    body[side][index] = "atlantis"

    response = api.client.post("/network/matrix", json=body)

    problem = assert_problem(response, 404, f"{side}[{index}]")
    assert "atlantis" in problem["detail"]
    assert closures(api) == []


@pytest.mark.parametrize("hours", ["0", "-1", "72.5", "abc"])
def test_coverage_with_hours_not_in_0_to_72_is_refused(api: Api, hours: str) -> None:
    response = api.client.get("/network/coverage", params={"hours": hours})

    assert_problem(response, 422, "hours")
    assert closures(api) == []
