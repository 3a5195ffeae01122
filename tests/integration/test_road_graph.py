"""The bundled road graph of Vietnam: it loads, and its answers look like the roads
people know (each within 25% of the usual distance and duration)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from network import (
    Closure,
    HazardZone,
    InvalidLocationError,
    InvalidOverlayError,
    Overlay,
    RoadRouter,
    compute_coverage,
    load_hazard_sources,
    load_province_centres,
    load_road_graph,
)

DATA = Path(__file__).resolve().parents[2] / "data"

#: (from, to, road km, heavy-truck hours): common knowledge of Vietnam's roads (distances
#: from national road km posts and expressway lengths quoted in data/README.md).
KNOWN = [
    ("ha_noi", "hai_phong", 120, 2.0),
    ("ha_noi", "vinh", 290, 5.0),
    ("da_nang", "hue", 95, 1.75),  # via the Hải Vân tunnel and La Sơn-Túy Loan expressway
    ("hcm", "can_tho", 170, 3.0),
    ("ha_noi", "lang_son", 155, 3.0),
    ("ha_noi", "lao_cai", 260, 4.5),
    ("da_nang", "quy_nhon", 320, 5.5),
    ("nha_trang", "da_lat", 135, 3.5),
    ("hcm", "vung_tau", 100, 2.2),
    ("ha_noi", "hcm", 1700, 30.0),
    ("ha_noi", "thanh_hoa", 155, 2.5),
    ("quy_nhon", "pleiku", 170, 4.0),  # QL19 over the An Khê and Mang Yang passes
]


@pytest.fixture(scope="module")
def router() -> RoadRouter:
    return RoadRouter(load_road_graph(DATA))


def test_the_bundled_graph_loads_and_every_node_is_inside_vietnam(router: RoadRouter) -> None:
    g = router.graph
    assert len(g.nodes) >= 100 and len(g.edges) >= 150
    assert all(e.length_km > 0 for e in g.edges.values())
    assert len(g.version) == 16
    for node in g.nodes.values():
        assert router.check_point(node.point) == node.province_code, node.id


def test_every_depot_province_centre_and_hazard_source_has_a_node(router: RoadRouter) -> None:
    with (DATA / "depots.csv").open(encoding="utf-8") as fh:
        depot_nodes = {row["node_id"] for row in csv.DictReader(fh)}
    assert depot_nodes <= set(router.graph.nodes)
    for place in load_province_centres(DATA):
        assert router.snap(place.point).distance_km < 5, place.name
    for hazard in load_hazard_sources(DATA):
        assert router.snap(hazard.point, max_km=60).node_id in router.graph.nodes


@pytest.mark.parametrize(("a", "b", "km", "hours"), KNOWN, ids=[f"{a}-{b}" for a, b, *_ in KNOWN])
def test_travel_between_known_city_pairs_is_within_a_quarter_of_what_people_know(
    router: RoadRouter, a: str, b: str, km: float, hours: float
) -> None:
    route = router.route(a, b)
    assert route is not None
    assert route.metres / 1000 == pytest.approx(km, rel=0.25)
    assert route.seconds / 3600 == pytest.approx(hours, rel=0.25)


def test_closing_the_expressway_and_qL5_between_hanoi_and_haiphong_takes_longer(
    router: RoadRouter,
) -> None:
    before = router.route("ha_noi", "hai_phong")
    assert before is not None
    closures = tuple(Closure(edge_id=leg.edge_id) for leg in before.legs if leg.edge_id)
    after = router.route("ha_noi", "hai_phong", Overlay(closures=closures))
    assert after is not None
    assert after.seconds > before.seconds
    assert not {leg.edge_id for leg in after.legs} & {c.edge_id for c in closures}


def test_a_hazard_zone_around_a_city_keeps_through_traffic_out(router: RoadRouter) -> None:
    hue = router.graph.nodes["hue"]
    zone = HazardZone(centre=hue.point, radius_km=8)
    route = router.route("dong_ha", "da_nang", Overlay(zones=(zone,)))
    if route is not None:
        assert "hue" not in route.nodes
    into = router.route("da_nang", "hue", Overlay(zones=(zone,)))
    assert into is not None and into.nodes[-1] == "hue"


def test_a_point_in_laos_or_far_out_at_sea_is_refused(router: RoadRouter) -> None:
    with pytest.raises(InvalidLocationError):
        router.snap((19.9, 102.2))  # Luang Prabang, Laos
    with pytest.raises(InvalidLocationError, match="outside Vietnam"):
        router.snap((14.0, 109.5))  # the East Sea, ~100 km off the coast


def test_a_zone_wholly_outside_vietnam_is_refused_and_one_off_its_coasts_is_not(
    router: RoadRouter,
) -> None:
    with pytest.raises(InvalidOverlayError, match="outside Vietnam") as laos:
        Overlay(zones=(HazardZone(centre=(19.9, 102.2), radius_km=5),)).check(router.graph)
    assert laos.value.field == "centre"
    pacific = HazardZone(polygon=((9.9, 119.9), (10.1, 119.9), (10.1, 120.1)))
    with pytest.raises(InvalidOverlayError, match="outside Vietnam") as far:
        Overlay(zones=(pacific,)).check(router.graph)
    assert far.value.field == "polygon"
    slick = HazardZone(centre=(10.2, 107.3), radius_km=10)  # ~20 km off Vũng Tàu
    reef = HazardZone(polygon=((16.45, 111.55), (16.55, 111.55), (16.55, 111.65)))  # Hoàng Sa
    Overlay(zones=(slick, reef)).check(router.graph)


def test_coverage_finds_a_depot_for_every_province_within_a_day(router: RoadRouter) -> None:
    with (DATA / "depots.csv").open(encoding="utf-8") as fh:
        depots = {row["code"]: row["node_id"] for row in csv.DictReader(fh)}
    cov = compute_coverage(
        router, depots, load_province_centres(DATA), load_hazard_sources(DATA), hours=24
    )
    assert cov.uncovered_provinces == []
    assert all(f.depot is not None and f.hours is not None and f.hours < 24 for f in cov.provinces)
