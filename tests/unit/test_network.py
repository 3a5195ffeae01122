"""The road network on a tiny graph whose answers can be checked by hand.

    A --10 km national-- B --10 km national-- C
     \\                                      /
      +------20 km provincial-- D --20 km provincial--+

National plain roads run at 50 km/h (720 s per 10 km), provincial at 40 km/h
(1800 s per 20 km)."""

from __future__ import annotations

import pytest

from network import (
    Closure,
    HazardZone,
    InvalidLocationError,
    InvalidOverlayError,
    MatrixTooLargeError,
    Overlay,
    RoadRouter,
    UnknownEdgeError,
    UnknownNodeError,
    compute_coverage,
)
from network.errors import GraphDataError
from network.graph import Edge, Node, RoadGraph, validate
from network.places import Place

SPEEDS = {("national", "plain"): 50.0, ("provincial", "plain"): 40.0, ("expressway", "plain"): 80.0}


def tiny(extra_edges: tuple[Edge, ...] = ()) -> RoadGraph:
    nodes = {
        "A": Node("A", "A", "A", 10.0, 106.0, "79", "town"),
        "B": Node("B", "B", "B", 10.0, 106.1, "79", "town"),
        "C": Node("C", "C", "C", 10.0, 106.2, "79", "town"),
        "D": Node("D", "D", "D", 10.15, 106.1, "79", "junction"),
    }
    edges = {
        e.id: e
        for e in (
            Edge("AB", "A", "B", "QL1", "national", "plain", 10.0),
            Edge("BC", "B", "C", "QL1", "national", "plain", 10.0),
            Edge("AD", "A", "D", "DT1", "provincial", "plain", 20.0),
            Edge("DC", "D", "C", "DT1", "provincial", "plain", 20.0),
            *extra_edges,
        )
    }
    return RoadGraph(nodes, edges, SPEEDS, 15.0, "tiny")


@pytest.fixture
def router() -> RoadRouter:
    return RoadRouter(tiny())


def test_the_fastest_route_follows_the_national_road(router: RoadRouter) -> None:
    route = router.route("A", "C")
    assert route is not None
    assert route.nodes == ["A", "B", "C"]
    assert route.seconds == 1440
    assert route.metres == 20_000
    assert [leg.seconds for leg in route.legs] == [720, 720]


def test_matrices_are_integer_seconds_and_metres(router: RoadRouter) -> None:
    m = router.matrix(["A", "D"], ["A", "C"])
    assert m.seconds == [[0, 1440], [1800, 1800]]
    assert m.metres == [[0, 20_000], [20_000, 20_000]]
    assert m.unreachable == []


def test_closing_a_road_sends_traffic_the_long_way(router: RoadRouter) -> None:
    overlay = Overlay(closures=(Closure(edge_id="AB"),))
    route = router.route("A", "C", overlay)
    assert route is not None and route.nodes == ["A", "D", "C"]
    assert route.seconds == 3600
    assert router.route("A", "C") is not None and router.route("A", "C").seconds == 1440  # type: ignore[union-attr]


def test_closing_a_node_closes_every_road_through_it(router: RoadRouter) -> None:
    route = router.route("A", "C", Overlay(closures=(Closure(node_id="B"),)))
    assert route is not None and route.nodes == ["A", "D", "C"]


def test_a_speed_reduction_slows_a_road_without_closing_it(router: RoadRouter) -> None:
    overlay = Overlay(closures=(Closure(edge_id="AB", speed_factor=0.5),))
    route = router.route("A", "C", overlay)
    assert route is not None and route.nodes == ["A", "B", "C"]
    assert route.seconds == 1440 + 720


def test_a_node_cut_off_by_closures_is_explicitly_unreachable(router: RoadRouter) -> None:
    overlay = Overlay(closures=(Closure(edge_id="AB"), Closure(edge_id="AD")))
    assert router.route("A", "C", overlay) is None
    m = router.matrix(["A"], ["B", "C"], overlay)
    assert m.seconds == [[None, None]]
    assert m.unreachable == [("A", "B"), ("A", "C")]


def test_a_hazard_zone_diverts_routes_that_would_cross_it(router: RoadRouter) -> None:
    zone = HazardZone(centre=(10.0, 106.1), radius_km=2.0)
    route = router.route("A", "C", Overlay(zones=(zone,)))
    assert route is not None and route.nodes == ["A", "D", "C"]


def test_a_destination_inside_a_zone_is_reached_through_the_nearest_entry(
    router: RoadRouter,
) -> None:
    zone = HazardZone(centre=(10.0, 106.1), radius_km=2.0)
    overlay = Overlay(zones=(zone,))
    into = router.route("D", "B", overlay)
    assert into is not None
    # D -> B has no direct road; the entry points are A and C (720 s from B each).
    assert into.nodes in (["D", "A", "B"], ["D", "C", "B"])
    assert into.seconds == 1800 + 720
    assert router.matrix(["D"], ["B"], overlay).seconds == [[2520]]


def test_a_polygon_zone_that_a_road_crosses_closes_that_road(router: RoadRouter) -> None:
    # A thin box across the A-B road (between A and B), containing no node.
    box = ((9.95, 106.04), (10.05, 106.04), (10.05, 106.06), (9.95, 106.06))
    route = router.route("A", "C", Overlay(zones=(HazardZone(polygon=box),)))
    assert route is not None and route.nodes == ["A", "D", "C"]


def test_a_polygon_zone_crossed_between_two_of_its_corners_closes_the_road() -> None:
    # A diamond whose corners all lie off the segment, which enters by one edge and
    # leaves by another: no end inside, no corner on it.
    diamond = HazardZone(polygon=((10.0, 106.03), (10.02, 106.05), (10.0, 106.07), (9.98, 106.05)))
    assert diamond.crosses((10.0, 106.0), (10.0, 106.1))
    assert not diamond.crosses((10.03, 106.0), (10.03, 106.1))
    assert diamond.contains((10.0, 106.05)) and not diamond.contains((10.0, 106.08))


def test_a_road_through_the_notch_of_a_concave_zone_is_not_crossed() -> None:
    # A U open to the north; the road runs north-south through the notch.
    u = HazardZone(
        polygon=(
            (10.0, 106.0),
            (10.0, 106.3),
            (10.3, 106.3),
            (10.3, 106.2),
            (10.1, 106.2),
            (10.1, 106.1),
            (10.3, 106.1),
            (10.3, 106.0),
        )
    )
    assert not u.crosses((10.35, 106.15), (10.15, 106.15))
    assert u.crosses((10.35, 106.15), (10.05, 106.15))
    assert not u.contains((10.2, 106.15)) and u.contains((10.2, 106.05))


def test_a_circle_zone_closes_a_road_passing_within_its_radius() -> None:
    zone = HazardZone(centre=(10.0, 106.05), radius_km=2.0)
    assert zone.crosses((10.0135, 106.0), (10.0135, 106.1))  # passes 1.5 km north
    assert not zone.crosses((10.0225, 106.0), (10.0225, 106.1))  # passes 2.5 km north


@pytest.mark.parametrize(
    ("polygon", "says"),
    [
        (((10.0, 106.0), (10.1, 106.1), (10.0, 106.1), (10.1, 106.0)), "edges cross"),
        (((10.0, 106.0), (10.05, 106.05), (10.1, 106.1)), "zero area"),
        (((10.0, 106.0), (10.05, 106.05), (10.1, 106.1), (10.0, 106.0)), "zero area"),
    ],
    ids=["bow tie", "three points on a line", "closed line"],
)
def test_a_self_intersecting_or_flat_polygon_is_refused_naming_the_polygon(
    polygon: tuple[tuple[float, float], ...], says: str
) -> None:
    with pytest.raises(InvalidOverlayError, match=says) as refused:
        HazardZone(polygon=polygon)
    assert refused.value.field == "polygon"


def test_the_bow_tie_refusal_says_where_its_edges_cross() -> None:
    bow_tie = ((10.0, 106.0), (10.1, 106.1), (10.0, 106.1), (10.1, 106.0))
    with pytest.raises(InvalidOverlayError, match=r"at \(10\.05, 106\.05\)"):
        HazardZone(polygon=bow_tie)


def test_an_empty_polygon_or_a_bad_radius_is_refused() -> None:
    with pytest.raises(InvalidOverlayError):
        HazardZone(polygon=())
    with pytest.raises(InvalidOverlayError):
        HazardZone(polygon=((10.0, 106.0), (10.0, 106.0), (10.0, 106.0)))
    with pytest.raises(InvalidOverlayError):
        HazardZone(centre=(10.0, 106.0), radius_km=0)


def test_unknown_nodes_and_edges_are_refused(router: RoadRouter) -> None:
    with pytest.raises(UnknownNodeError):
        router.route("A", "Z")
    with pytest.raises(UnknownEdgeError):
        router.route("A", "C", Overlay(closures=(Closure(edge_id="XX"),)))
    with pytest.raises(UnknownNodeError):
        router.matrix(["A"], ["Q"])


def test_a_matrix_over_the_size_limit_is_refused(router: RoadRouter) -> None:
    with pytest.raises(MatrixTooLargeError):
        router.matrix(["A"] * 401, ["C"])


def test_a_coordinate_snaps_to_the_nearest_node_with_an_off_road_leg(router: RoadRouter) -> None:
    snap = router.snap((10.01, 106.2))
    assert snap.node_id == "C"
    assert snap.distance_km == pytest.approx(1.11, abs=0.01)
    assert snap.seconds == pytest.approx(snap.distance_km * 1.3 / 15 * 3600, rel=1e-3)
    route = router.route_between_points("A", (10.01, 106.2))
    assert route is not None
    assert route.seconds == round(1440 + snap.seconds)
    feature = route.geojson()
    assert feature["geometry"]["type"] == "LineString"
    assert feature["geometry"]["coordinates"][0] == [106.0, 10.0]  # GeoJSON is [lon, lat]
    assert feature["geometry"]["coordinates"][-1] == [106.2, 10.01]


@pytest.mark.parametrize("point", [(48.85, 2.35), (float("nan"), 106.0), (95.0, 106.0)])
def test_a_coordinate_outside_vietnam_or_not_a_number_is_refused(
    router: RoadRouter, point: tuple[float, float]
) -> None:
    with pytest.raises(InvalidLocationError):
        router.snap(point)


def test_a_coordinate_far_from_any_road_is_beyond_reach(router: RoadRouter) -> None:
    with pytest.raises(InvalidLocationError, match="beyond reach"):
        router.snap((12.0, 108.0))


def test_coverage_lists_what_each_depot_reaches_in_time_and_the_fastest_depot(
    router: RoadRouter,
) -> None:
    places = [
        Place("pB", "B", (10.0, 106.1), "79", "province"),
        Place("pC", "C", (10.0, 106.2), "79", "province"),
    ]
    cov = compute_coverage(router, {"DEP-A": "A", "DEP-D": "D"}, places, [], hours=0.25)
    by_depot = {d.depot: [r.place_id for r in d.provinces] for d in cov.depots}
    assert by_depot == {"DEP-A": ["pB"], "DEP-D": []}
    fastest = {f.province_code: (f.depot, f.hours) for f in cov.provinces}
    assert fastest["pB"] == ("DEP-A", 0.2)
    assert fastest["pC"] == ("DEP-A", 0.4)
    assert cov.uncovered_provinces == ["pC"]


def test_views_are_cached_per_overlay_and_do_not_leak_between_overlays(
    router: RoadRouter,
) -> None:
    closed = Overlay(closures=(Closure(edge_id="AB"),))
    assert router.view(closed) is router.view(Overlay(closures=(Closure(edge_id="AB"),)))
    assert router.view(closed) is not router.view()


def test_a_disconnected_graph_is_refused_at_load() -> None:
    g = tiny()
    g.nodes["E"] = Node("E", "E", "E", 11.0, 106.0, "79", "town")
    with pytest.raises(GraphDataError, match="not connected"):
        validate(g)
