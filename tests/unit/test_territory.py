"""Where a point is: inside Vietnam (every island too, Hoàng Sa and Trường Sa included),
reachable by road or only by sea, or outside.

First on a hand-made layer whose answers can be checked on paper, then on the bundled
province layer (data/provinces.geojson) with places anyone can find on a map."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import shapely
from shapely.geometry import MultiPolygon, box

from network import (
    TERRITORIAL_SEA_KM,
    InvalidLocationError,
    NoRoadLinkError,
    RoadRouter,
    Territory,
    load_road_graph,
)
from network.geometry import Province, SpecialZone, distance_km

DATA = Path(__file__).resolve().parents[2] / "data"


# --------------------------------------------------------------- a layer on paper
def _land(*boxes: tuple[float, float, float, float]) -> MultiPolygon:
    """Boxes given as (lat_min, lon_min, lat_max, lon_max)."""
    return MultiPolygon([box(lon0, lat0, lon1, lat1) for lat0, lon0, lat1, lon1 in boxes])


MAINLAND = (10.0, 106.0, 10.5, 106.5)
#: 0.3 km east of the mainland (0.00274° of longitude at 10.25° N): a bridge away.
BRIDGED = (10.2, 106.50274, 10.3, 106.55)
#: 30 km east of the bridged island: a ferry away.
FAR_ISLAND = (10.2, 106.82, 10.25, 106.85)
#: 2.2 km off the mainland, with no bridge.
NEAR_ISLAND = (10.05, 106.52, 10.1, 106.55)
#: An archipelago of one reef, 250 km offshore, with its territorial sea.
REEF = (12.0, 108.0, 12.01, 108.01)


@pytest.fixture(scope="module")
def paper() -> Territory:
    coast = Province("01", "Coast", _land(MAINLAND, BRIDGED, FAR_ISLAND, NEAR_ISLAND))
    reef = _land(REEF)
    sea = Province("02", "Sea", reef)
    zone = SpecialZone("99", "Reef", "02", reef, territorial_sea=True)
    return Territory([coast, sea], [zone], road_points=[(10.25, 106.25)])


def test_land_holding_a_road_node_is_road_linked(paper: Territory) -> None:
    where = paper.locate((10.4, 106.1))
    assert where is not None and where.province is not None
    assert (where.province.code, where.on_land, where.road_linked) == ("01", True, True)


def test_an_island_a_bridge_away_is_road_linked(paper: Territory) -> None:
    where = paper.locate((10.25, 106.52))
    assert where is not None and where.on_land and where.road_linked


def test_an_island_a_ferry_away_is_inside_but_has_no_road_link(paper: Territory) -> None:
    where = paper.locate((10.22, 106.83))
    assert where is not None and where.province is not None
    assert (where.province.code, where.on_land, where.road_linked) == ("01", True, False)
    assert where.describe() == "Coast (on an island)"


def test_the_sea_near_an_island_without_roads_needs_sea_transport(paper: Territory) -> None:
    where = paper.locate((10.22, 106.87))  # ~2 km east of the far island
    assert where is not None
    assert (where.on_land, where.road_linked) == (False, False)
    assert where.describe() == "the waters of Coast (by an island)"


def test_the_sea_within_the_coast_tolerance_is_inside_and_tied_to_the_road_linked_coast(
    paper: Territory,
) -> None:
    where = paper.locate((10.25, 105.973))  # ~3 km west of the mainland
    assert where is not None and where.road_linked and not where.on_land
    assert where.offshore_km == pytest.approx(2.96, abs=0.05)


def test_the_sea_beyond_the_coast_tolerance_is_outside_unless_the_caller_reaches_further(
    paper: Territory,
) -> None:
    eight_km_off = (10.25, 105.927)
    assert paper.locate(eight_km_off) is None
    reached = paper.locate(eight_km_off, coast_km=10)
    assert reached is not None and reached.road_linked


def test_road_linked_land_wins_over_a_nearer_island_without_roads(paper: Territory) -> None:
    # 0.55 km west of the near island, 1.6 km east of the mainland.
    where = paper.locate((10.075, 106.515))
    assert where is not None and where.road_linked
    beyond = paper.locate((10.075, 106.56))  # 1.1 km east of the near island, 6.6 km off
    assert beyond is not None and not beyond.road_linked


def test_the_territorial_sea_of_an_archipelago_is_inside_without_road_link(
    paper: Territory,
) -> None:
    twenty_km_north = (12.01 + 20 / 111.2, 108.005)
    where = paper.locate(twenty_km_north)
    assert where is not None and where.province is not None and where.zone is not None
    assert (where.province.code, where.zone.name, where.road_linked) == ("02", "Reef", False)
    assert where.describe() == "the waters of Sea (Reef special zone)"
    assert paper.locate((12.01 + 25 / 111.2, 108.005)) is None


def test_zones_reach_vietnam_within_the_given_distance(paper: Territory) -> None:
    assert paper.reaches(shapely.Point(105.9, 10.25), 15)  # 11 km off the coast
    assert not paper.reaches(shapely.Point(105.9, 10.25), 5)
    assert paper.reaches(shapely.Point(108.005, 12.2), 5)  # in the reef's territorial sea


def test_without_a_province_layer_only_the_box_around_vietnam_is_known() -> None:
    uncharted = Territory([])
    assert uncharted.locate((10.0, 106.0)) is not None
    assert uncharted.locate((48.85, 2.35)) is None


# ------------------------------------------------------------- the bundled layer
@pytest.fixture(scope="module")
def router() -> RoadRouter:
    return RoadRouter(load_road_graph(DATA))


#: (place, (lat, lon), province code): islands no road or vehicle ferry reaches.
ISLANDS = [
    ("Côn Đảo", (8.6961, 106.6007), "79"),
    ("Cồn Cỏ", (17.158, 107.34), "44"),
    ("Lý Sơn", (15.38, 109.12), "51"),
    ("Bạch Long Vĩ", (20.135, 107.73), "31"),
    ("Cô Tô", (20.98, 107.76), "22"),
    ("Phú Quý", (10.52, 108.94), "68"),
    ("Nam Du", (9.68, 104.35), "91"),
    ("Thổ Chu", (9.30, 103.48), "91"),
    ("Phú Lâm (Woody Island), Hoàng Sa", (16.83, 112.33), "48"),
    ("Hoàng Sa", (16.5, 111.6), "48"),
    ("Trường Sa island", (8.64, 111.92), "56"),
    ("Song Tử Tây, Trường Sa", (11.43, 114.33), "56"),
]

#: (place, (lat, lon)): outside Vietnam's land and sea.
ABROAD = [
    ("Vientiane", (17.97, 102.6)),
    ("Phnom Penh", (11.56, 104.92)),
    ("Nanning", (22.82, 108.32)),
    ("Luang Prabang", (19.9, 102.2)),
    ("the Pacific east of Trường Sa", (10.0, 120.0)),
    ("the East Sea, 100 km off Quy Nhơn", (14.0, 109.5)),
    ("the open sea west of Trường Sa", (12.0, 112.0)),
]


def test_hanoi_is_in_hanoi_and_on_the_roads(router: RoadRouter) -> None:
    assert router.check_point((21.0245, 105.84117)) == "01"


@pytest.mark.parametrize(("place", "point", "code"), ISLANDS, ids=[i[0] for i in ISLANDS])
def test_an_island_is_in_vietnam_and_answered_as_needing_sea_transport(
    router: RoadRouter, place: str, point: tuple[float, float], code: str
) -> None:
    with pytest.raises(NoRoadLinkError) as refused:
        router.snap(point, field_name="location")
    assert refused.value.field == "location"
    assert refused.value.province_code == code
    assert "needs sea transport" in refused.value.message
    assert "outside" not in refused.value.message


def test_an_island_a_vehicle_ferry_serves_is_reached_by_road(router: RoadRouter) -> None:
    assert router.check_point((10.22, 103.96)) == "91"  # Phú Quốc, by the Hà Tiên ferry
    assert router.check_point((20.80, 107.0)) == "31"  # Cát Bà, by the Gót ferry


def test_the_message_names_the_province_and_the_special_zone(router: RoadRouter) -> None:
    with pytest.raises(NoRoadLinkError) as con_dao:
        router.check_point((8.6961, 106.6007))
    assert con_dao.value.message == (
        "(8.6961, 106.6007) is in Hồ Chí Minh (Côn Đảo special zone) but no road or vehicle "
        "ferry reaches it: it needs sea transport"
    )
    with pytest.raises(NoRoadLinkError) as hoang_sa:
        router.check_point((16.5, 111.6))
    assert "Đà Nẵng (Hoàng Sa special zone)" in hoang_sa.value.message


@pytest.mark.parametrize(("place", "point"), ABROAD, ids=[a[0] for a in ABROAD])
def test_a_point_abroad_or_far_out_at_sea_is_outside_vietnam(
    router: RoadRouter, place: str, point: tuple[float, float]
) -> None:
    with pytest.raises(InvalidLocationError, match="outside Vietnam") as refused:
        router.snap(point, field_name="to")
    assert not isinstance(refused.value, NoRoadLinkError)
    assert refused.value.field == "to"


@pytest.mark.parametrize(
    ("place", "point", "code"),
    [("Vân Đồn", (21.07, 107.42), "22"), ("Cát Hải", (20.80, 106.88), "31")],
)
def test_an_island_joined_by_a_bridge_is_on_the_roads(
    router: RoadRouter, place: str, point: tuple[float, float], code: str
) -> None:
    assert router.snap(point).province_code == code


def test_the_sea_just_off_the_coast_is_still_reached_from_the_shore(router: RoadRouter) -> None:
    snap = router.snap((10.33, 107.10))  # ~3 km off Vũng Tàu
    assert snap.province_code == "79"


def test_every_feature_of_hoang_sa_and_truong_sa_and_the_sea_around_it_is_in_vietnam(
    router: RoadRouter,
) -> None:
    zones = {z.name: z for z in router.graph.special_zones}
    territory = router.graph.territory
    for name, code in (("Hoàng Sa", "48"), ("Trường Sa", "56")):
        zone = zones[name]
        assert zone.province_code == code and zone.territorial_sea
        for part in zone.geometry.geoms:
            c = part.representative_point()
            here = (c.y, c.x)
            off = 0.9 * TERRITORIAL_SEA_KM / 111.2  # degrees, inside 12 nautical miles
            for p in (here, (c.y + off, c.x), (c.y - off, c.x), (c.y, c.x + off)):
                where = territory.locate(p)
                assert where is not None, (name, p)
                assert where.province is not None and where.province.code == code, (name, p)
                assert not where.road_linked


def test_the_layer_has_every_province_once_and_the_thirteen_island_special_zones(
    router: RoadRouter,
) -> None:
    with (DATA / "provinces.csv").open(encoding="utf-8") as fh:
        codes = sorted(row["code"] for row in csv.DictReader(fh))
    graph = router.graph
    assert sorted(p.code for p in graph.provinces) == codes
    assert len(graph.special_zones) == 13
    by_code = {p.code: p for p in graph.provinces}
    for zone in graph.special_zones:
        province = by_code[zone.province_code]
        assert all(
            distance_km(province.geometry, (c.y, c.x)) == 0
            for c in (part.representative_point() for part in zone.geometry.geoms)
        ), zone.name


def test_every_province_centre_is_on_road_linked_land(router: RoadRouter) -> None:
    with (DATA / "provinces.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            centre = (float(row["centre_lat"]), float(row["centre_lon"]))
            assert router.check_point(centre) == row["code"], row["name_vi"]
