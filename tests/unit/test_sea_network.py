"""The sea layer of the road network (issue 15) on the bundled data: ports as graph nodes,
vehicle ferries as edges trucks cross on, storms that close the sea, points only boats
reach, and the boats' courses. Every number is checked by hand against data/ports.csv,
data/ferry_links.csv and data/boats.csv, read here, not copied."""

from __future__ import annotations

import csv
import math
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import networkx as nx
import pytest

from network import (
    Closure,
    GraphDataError,
    HazardZone,
    InvalidLocationError,
    Overlay,
    RoadGraph,
    RoadRouter,
    Route,
    SeaSite,
    Snap,
    UnknownBoatError,
    load_road_graph,
)
from network.sea import SEA_DETOUR, TRANSFER_SECONDS
from network.sea_reach import SHORE_KM

DATA = Path(__file__).resolve().parents[2] / "data"
#: A point on Phú Quốc, 2 km from Dương Đông: no road from the mainland, only ferries.
PHU_QUOC = (10.2, 103.97)
#: About 20 km off Dung Quất port, out at sea.
OFF_DUNG_QUAT = (15.55, 108.95)
#: Côn Đảo: an island with no vehicle ferry.
CON_DAO = (8.7, 106.62)
#: In the Trường Sa archipelago, hundreds of km out.
TRUONG_SA = (8.65, 111.92)
#: Pleiku, on the central highlands: far from any sea.
PLEIKU = (13.98333, 108.0)
#: The storm over both Phú Quốc crossings.
PHU_QUOC_STORM = HazardZone(centre=(10.2, 104.2), radius_km=60.0, label="storm")


# ------------------------------------------------------------------ helpers
def rows(name: str, data_dir: Path = DATA) -> list[dict[str, str]]:
    with (data_dir / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def ferry_row(link_id: str) -> dict[str, str]:
    return next(r for r in rows("ferry_links.csv") if r["link_id"] == link_id)


def port_row(port_id: str) -> dict[str, str]:
    return next(r for r in rows("ports.csv") if r["port_id"] == port_id)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance, written out again so the product's is checked, not reused."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def ferry_legs(route: Route) -> list[str]:
    return [leg.edge_id or "" for leg in route.legs if leg.mode == "ferry"]


def write_csv(path: Path, table: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)


@pytest.fixture(scope="module")
def graph() -> RoadGraph:
    return load_road_graph(DATA)


@pytest.fixture(scope="module")
def router(graph: RoadGraph) -> RoadRouter:
    return RoadRouter(graph)


@pytest.fixture(scope="module")
def islands(graph: RoadGraph) -> set[str]:
    """The nodes cut off from Hà Nội once the ferries are taken out: those on islands."""
    g = nx.Graph()
    g.add_nodes_from(graph.nodes)
    g.add_edges_from((e.u, e.v) for e in graph.edges.values() if e.mode != "ferry")
    mainland: set[str] = nx.node_connected_component(g, "ha_noi")
    return set(graph.nodes) - mainland


@pytest.fixture
def data_copy(tmp_path: Path) -> Iterator[Path]:
    """A private copy of data/ a test may rewrite."""
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    yield copy


# ------------------------------------------------------------- the layer
def test_the_planning_constants_are_a_fifth_longer_at_sea_and_half_an_hour_to_transfer() -> None:
    assert SEA_DETOUR == 1.2
    assert TRANSFER_SECONDS == 1800
    assert SHORE_KM == 2.0


def test_the_sea_layer_holds_every_port_ferry_and_boat_of_the_csv_files(graph: RoadGraph) -> None:
    assert set(graph.sea.ports) == {r["port_id"] for r in rows("ports.csv")}
    assert set(graph.sea.ferries) == {r["link_id"] for r in rows("ferry_links.csv")}
    assert set(graph.sea.boats) == {r["boat_id"] for r in rows("boats.csv")}
    for r in rows("boats.csv"):
        boat = graph.sea.boats[r["boat_id"]]
        assert (boat.port, boat.speed_kmh, boat.range_km) == (
            r["port"],
            float(r["speed_kmh"]),
            float(r["range_km"]),
        )


def test_ports_a_truck_reaches_are_nodes_of_kind_port_with_their_access_road(
    graph: RoadGraph,
) -> None:
    ferried = {r[end] for r in rows("ferry_links.csv") for end in ("from_port", "to_port")}
    on_graph = 0
    for r in rows("ports.csv"):
        port_id = r["port_id"]
        if not r["road_node"] and port_id not in ferried:
            # A port only boats call at (Cô Tô, Lý Sơn, Côn Đảo...) stays off the graph.
            assert port_id not in graph.nodes
            continue
        on_graph += 1
        node = graph.nodes[port_id]
        assert node.kind == "port"
        assert node.point == (float(r["lat"]), float(r["lon"]))
        if r["road_node"]:
            access = graph.edges[f"ACCESS-{port_id}"]
            assert access.mode == "access"
            assert {access.u, access.v} == {port_id, r["road_node"]}
            assert access.length_km == float(r["access_km"])
    assert on_graph >= 20


def test_each_vehicle_ferry_is_an_edge_of_mode_ferry_between_its_two_ports(
    graph: RoadGraph,
) -> None:
    for r in rows("ferry_links.csv"):
        edge = graph.edges[r["link_id"]]
        assert edge.mode == "ferry"
        assert {edge.u, edge.v} == {r["from_port"], r["to_port"]}
        assert edge.length_km == float(r["km"])
        minutes = float(r["crossing_min"]) + float(r["wait_min"])
        assert graph.edge_seconds(edge) == pytest.approx(minutes * 60)


def test_every_island_a_ferry_serves_is_reached_from_ha_noi_across_a_ferry(
    router: RoadRouter, islands: set[str]
) -> None:
    assert {"duong_dong", "an_thoi", "cat_ba"} <= islands

    for node in sorted(islands):
        route = router.route("ha_noi", node)

        assert route is not None, node
        assert ferry_legs(route), node


# ---------------------------------------------------------- ferry routes
def test_a_truck_crosses_to_phu_quoc_on_the_ferry(router: RoadRouter) -> None:
    route = router.route_between_points("rach_gia", PHU_QUOC)

    assert route is not None
    assert route.nodes[0] == "rach_gia"
    assert len(ferry_legs(route)) == 1
    assert {leg.mode for leg in route.legs} <= {"road", "ferry", "offroad"}
    last = route.legs[-1]
    assert last.mode == "offroad" and last.to_node == "(end)"
    assert 0 < last.km < 5
    assert route.nodes[-1] in {"duong_dong", "an_thoi"}
    assert route.seconds == round(sum(leg.seconds for leg in route.legs))


def test_the_ferry_leg_takes_the_crossing_plus_the_wait(router: RoadRouter) -> None:
    route = router.route_between_points("rach_gia", PHU_QUOC)
    assert route is not None
    (leg,) = [leg for leg in route.legs if leg.mode == "ferry"]
    row = ferry_row(str(leg.edge_id))

    assert leg.seconds == (float(row["crossing_min"]) + float(row["wait_min"])) * 60
    assert leg.km == float(row["km"])


def test_the_ha_tien_ferry_takes_its_crossing_and_wait_by_the_csv(router: RoadRouter) -> None:
    row = ferry_row("FERRY-HTN-BVG")

    route = router.route("port_ha_tien", "port_bai_vong")

    assert route is not None
    (leg,) = route.legs
    assert leg.edge_id == "FERRY-HTN-BVG" and leg.mode == "ferry"
    assert leg.seconds == (float(row["crossing_min"]) + float(row["wait_min"])) * 60
    assert route.seconds == (180 + 70) * 60  # as the CSV says today


def test_after_hours_the_ferry_waits_for_its_call_out(router: RoadRouter) -> None:
    row = ferry_row("FERRY-HTN-BVG")
    late = Overlay(ferry_waits=(("FERRY-HTN-BVG", float(row["after_hours_wait_min"])),))

    day = router.route("port_ha_tien", "port_bai_vong")
    night = router.route("port_ha_tien", "port_bai_vong", late)

    assert day is not None and night is not None
    assert night.legs[0].edge_id == "FERRY-HTN-BVG"
    expected = (float(row["crossing_min"]) + float(row["after_hours_wait_min"])) * 60
    assert night.legs[0].seconds == expected
    assert night.seconds > day.seconds


def test_after_hours_the_whole_trip_to_phu_quoc_takes_longer(router: RoadRouter) -> None:
    late = Overlay(
        ferry_waits=tuple(
            (r["link_id"], float(r["after_hours_wait_min"])) for r in rows("ferry_links.csv")
        )
    )

    day = router.route_between_points("rach_gia", PHU_QUOC)
    night = router.route_between_points("rach_gia", PHU_QUOC, late)

    assert day is not None and night is not None
    assert night.seconds > day.seconds
    (leg,) = [leg for leg in night.legs if leg.mode == "ferry"]
    row = ferry_row(str(leg.edge_id))
    assert leg.seconds == (float(row["crossing_min"]) + float(row["after_hours_wait_min"])) * 60


def test_a_storm_over_the_crossings_cuts_phu_quoc_off_but_not_the_mainland(
    router: RoadRouter,
) -> None:
    storm = Overlay(seas=(PHU_QUOC_STORM,))

    assert router.route_between_points("rach_gia", PHU_QUOC, storm) is None
    assert router.route("rach_gia", "duong_dong", storm) is None
    mainland = router.route("rach_gia", "can_tho", storm)
    assert mainland is not None
    assert mainland == router.route("rach_gia", "can_tho")


def test_a_storm_elsewhere_leaves_the_phu_quoc_ferries_running(router: RoadRouter) -> None:
    far = Overlay(seas=(HazardZone(centre=(16.0, 108.5), radius_km=60.0, label="storm"),))

    assert router.route_between_points("rach_gia", PHU_QUOC, far) is not None


def test_closing_the_ferry_in_use_sends_the_trucks_on_the_other(router: RoadRouter) -> None:
    before = router.route_between_points("rach_gia", PHU_QUOC)
    assert before is not None
    (used,) = ferry_legs(before)
    phu_quoc_links = {
        r["link_id"] for r in rows("ferry_links.csv") if r["to_port"] == "port_bai_vong"
    }
    assert used in phu_quoc_links and len(phu_quoc_links) == 2

    after = router.route_between_points(
        "rach_gia", PHU_QUOC, Overlay(closures=(Closure(edge_id=used),))
    )

    assert after is not None
    assert ferry_legs(after) == sorted(phu_quoc_links - {used})
    assert after.seconds > before.seconds


def test_closing_both_phu_quoc_ferries_cuts_the_island_off(router: RoadRouter) -> None:
    both = tuple(
        Closure(edge_id=r["link_id"])
        for r in rows("ferry_links.csv")
        if r["to_port"] == "port_bai_vong"
    )

    assert router.route_between_points("rach_gia", PHU_QUOC, Overlay(closures=both)) is None


# ----------------------------------------------------------------- sites
def test_a_point_at_sea_off_dung_quat_is_reached_by_boat_from_dung_quat(
    router: RoadRouter,
) -> None:
    row = port_row("port_dung_quat")
    port = (float(row["lat"]), float(row["lon"]))

    site = router.site(OFF_DUNG_QUAT)

    assert isinstance(site, SeaSite)
    assert site.port == "port_dung_quat" == site.node_id
    assert site.sea_km == round(haversine_km(port, OFF_DUNG_QUAT) * 1.2, 3)
    assert 20 < site.sea_km < 35
    assert site.point == OFF_DUNG_QUAT


@pytest.mark.parametrize(
    ("point", "node"),
    [(PHU_QUOC, "duong_dong"), ((10.05, 104.0), "an_thoi")],
)
def test_a_point_on_phu_quoc_is_driven_to_from_an_island_town(
    router: RoadRouter, islands: set[str], point: tuple[float, float], node: str
) -> None:
    site = router.site(point)

    assert isinstance(site, Snap)
    assert site.node_id == node
    assert site.node_id in islands


@pytest.mark.parametrize("point", [(10.3, 103.9), (10.4, 104.0), (10.1, 104.0)])
def test_anywhere_on_phu_quoc_is_tied_to_an_island_node_never_to_the_mainland(
    router: RoadRouter, islands: set[str], point: tuple[float, float]
) -> None:
    site = router.site(point)

    assert isinstance(site, Snap)
    assert site.node_id in islands - {"cat_ba", "port_cai_vieng"}


def test_con_dao_has_no_vehicle_ferry_so_only_a_boat_reaches_it(
    router: RoadRouter, graph: RoadGraph
) -> None:
    site = router.site(CON_DAO)

    assert isinstance(site, SeaSite)
    assert "Côn Đảo" in site.where
    assert site.port in graph.nodes
    assert graph.nodes[site.port].kind == "port"
    port = graph.sea.ports[site.port]
    assert site.sea_km == round(haversine_km(port.point, CON_DAO) * SEA_DETOUR, 3)
    assert any(b.reaches(site.sea_km) for b in graph.sea.boats_at(site.port))


def test_truong_sa_is_reached_from_a_port_whose_boats_go_that_far(
    router: RoadRouter, graph: RoadGraph
) -> None:
    site = router.site(TRUONG_SA)

    assert isinstance(site, SeaSite)
    assert "Trường Sa" in site.where
    port = graph.sea.ports[site.port]
    assert site.sea_km == round(haversine_km(port.point, TRUONG_SA) * SEA_DETOUR, 3)
    boats = graph.sea.boats_at(site.port)
    assert any(2 * site.sea_km <= b.range_km for b in boats)
    # No port with a boat making the round trip is nearer.
    for other in graph.sea.ports.values():
        if other.id in graph.nodes and any(
            2 * haversine_km(other.point, TRUONG_SA) * SEA_DETOUR <= b.range_km
            for b in graph.sea.boats_at(other.id)
        ):
            assert haversine_km(other.point, TRUONG_SA) * SEA_DETOUR >= site.sea_km - 1e-3


# ----------------------------------------------------------- boat courses
def test_a_boat_sails_its_course_at_its_speed(router: RoadRouter) -> None:
    boat = next(r for r in rows("boats.csv") if r["boat_id"] == "B-QNG-1")
    row = port_row(boat["port"])
    km = haversine_km((float(row["lat"]), float(row["lon"])), OFF_DUNG_QUAT) * 1.2

    course = router.sea_course("B-QNG-1", OFF_DUNG_QUAT)

    assert course.boat.id == "B-QNG-1" and course.port.id == boat["port"]
    assert course.point == OFF_DUNG_QUAT
    assert course.km == round(km, 1)
    assert course.seconds == round(km / float(boat["speed_kmh"]) * 3600)
    assert course.closed_by is None


def test_a_storm_on_the_course_keeps_the_boat_in_port(router: RoadRouter) -> None:
    storm = Overlay(seas=(HazardZone(centre=OFF_DUNG_QUAT, radius_km=10.0, label="typhoon"),))

    course = router.sea_course("B-QNG-1", OFF_DUNG_QUAT, storm)

    assert course.closed_by == "typhoon"


def test_an_unknown_boat_is_refused_naming_the_boat_id(router: RoadRouter) -> None:
    with pytest.raises(UnknownBoatError) as caught:
        router.sea_course("B-NOPE-9", OFF_DUNG_QUAT)

    assert caught.value.field == "boat_id"
    assert "B-NOPE-9" in caught.value.message


def test_a_boat_cannot_sail_to_pleiku_which_has_no_sea_access(
    router: RoadRouter, graph: RoadGraph
) -> None:
    assert graph.territory.inland_km(PLEIKU) > SHORE_KM
    assert graph.territory.inland_km(OFF_DUNG_QUAT) == 0

    with pytest.raises(InvalidLocationError) as caught:
        router.sea_course("B-QNG-1", PLEIKU)

    assert caught.value.field == "to"
    assert "no sea access" in caught.value.message


def test_a_small_boat_cannot_make_the_round_trip_to_truong_sa(
    router: RoadRouter, graph: RoadGraph
) -> None:
    boat = graph.sea.boats["B-QNG-2"]
    km = haversine_km(graph.sea.ports[boat.port].point, TRUONG_SA) * SEA_DETOUR
    assert 2 * km > boat.range_km

    with pytest.raises(InvalidLocationError) as caught:
        router.sea_course("B-QNG-2", TRUONG_SA)

    assert caught.value.field == "to"
    assert "range" in caught.value.message


def test_a_boat_may_sail_to_a_point_a_ferry_also_serves(router: RoadRouter) -> None:
    # Phú Quốc is on land but within reach of its ports: a boat can still go there.
    course = router.sea_course("B-RGA-2", PHU_QUOC)

    assert course.km > 0 and course.seconds > 0


# ---------------------------------------------------------- other data sets
def test_beyond_every_boats_range_a_point_at_sea_is_refused(data_copy: Path) -> None:
    boats = rows("boats.csv", data_copy)
    write_csv(data_copy / "boats.csv", [{**boats[0], "range_km": "10"}])
    router = RoadRouter(load_road_graph(data_copy))

    with pytest.raises(InvalidLocationError) as caught:
        router.site(TRUONG_SA, field_name="to")

    assert caught.value.field == "to"
    assert "beyond every boat's range" in caught.value.message


Spoil = Callable[[list[dict[str, str]]], list[dict[str, str]]]


def _break_ferry(table: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**table[0], "to_port": "port_atlantis"}, *table[1:]]


def _break_boat(table: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**table[0], "port": "port_atlantis"}, *table[1:]]


def _break_port_node(table: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**table[0], "road_node": "atlantis"}, *table[1:]]


def _duplicate_port(table: list[dict[str, str]]) -> list[dict[str, str]]:
    return [*table, table[0]]


@pytest.mark.parametrize(
    ("file", "spoil", "words"),
    [
        ("ferry_links.csv", _break_ferry, "unknown port port_atlantis"),
        ("boats.csv", _break_boat, "unknown port port_atlantis"),
        ("ports.csv", _break_port_node, "unknown road node atlantis"),
        ("ports.csv", _duplicate_port, "duplicate port"),
    ],
    ids=["ferry-unknown-port", "boat-unknown-port", "port-unknown-node", "duplicate-port"],
)
def test_sea_files_naming_what_does_not_exist_are_refused_when_the_graph_loads(
    data_copy: Path,
    file: str,
    spoil: Spoil,
    words: str,
) -> None:
    write_csv(data_copy / file, spoil(rows(file, data_copy)))

    with pytest.raises(GraphDataError, match=words):
        load_road_graph(data_copy)


def test_every_boat_is_called_up_through_a_depot_of_the_data() -> None:
    """Plans store a boat's route under its depot, so a boat naming no depot could
    never be stored."""
    depots = {r["code"] for r in rows("depots.csv")}
    assert {r["boat_id"]: r["depot"] for r in rows("boats.csv") if r["depot"] not in depots} == {}
