"""Where a point is: Vietnam's territory (the province layer with every island, and the sea
counted as inside) and the distances the network measures, on shapely (GEOS).

Points are (lat, lon) tuples; shapely geometries are (lon, lat), as in GeoJSON. Distances
in km are taken on an equirectangular plane centred on the point asked about: good to a
fraction of a percent over the tens of kilometres a coast tolerance or a hazard zone spans."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely import STRtree
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi / 180 * EARTH_RADIUS_KM

#: Coastal tolerance: points at sea this close to the land of a province count as inside
#: Vietnam (the same holds along land borders, which the layer cannot tell from coasts).
COAST_TOLERANCE_KM = 5.0
#: The territorial sea (UNCLOS art. 3), 12 nautical miles: the reach of the special zones
#: flagged `territorial_sea` in data/provinces.geojson (Hoàng Sa and Trường Sa).
TERRITORIAL_SEA_KM = 12 * 1.852
#: Land parts this close to road-linked land are road-linked too: bridges and causeways
#: (Vân Đồn, Cát Hải) span gaps of ~0.4 km in the layer; ferries cross wider ones.
BRIDGE_KM = 0.5
#: Slivers between provinces in the simplified layer are closed by growing each part
#: this much before merging them into one land (for distances to the coast).
LAND_SEAM_KM = 1.1
#: What a graph without a province layer (the toy graphs of unit tests) knows of Vietnam:
#: this box (lat_min, lon_min, lat_max, lon_max) of its land and seas, both archipelagos in.
NO_LAYER_BOX = (6.5, 102.1, 23.5, 118.0)

Point = tuple[float, float]  # (lat, lon)
G = TypeVar("G", bound=BaseGeometry)

#: Degrees that span at least 1 km in every direction up to 25° of latitude (Vietnam
#: reaches 23.4°): turns a km reach into an index query that misses nothing.
_DEGREES_PER_KM = 1 / (KM_PER_DEGREE * math.cos(math.radians(25)))


def haversine_km(a: Point, b: Point) -> float:
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def line_length_km(points: Sequence[Point]) -> float:
    return sum(haversine_km(points[i], points[i + 1]) for i in range(len(points) - 1))


def lonlat(p: Point) -> shapely.Point:
    """The shapely point of a (lat, lon) pair."""
    return shapely.Point(p[1], p[0])


def segment(a: Point, b: Point) -> LineString:
    return LineString([(a[1], a[0]), (b[1], b[0])])


def _plane(geom: G, origin: Point) -> G:
    """`geom` in km on an equirectangular plane whose (0, 0) is `origin`."""
    scale = np.array([KM_PER_DEGREE * math.cos(math.radians(origin[0])), KM_PER_DEGREE])
    shift = np.array([origin[1], origin[0]])

    def to_km(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        out: NDArray[np.float64] = (coords - shift) * scale
        return out

    return shapely.transform(geom, to_km)


def distance_km(geom: BaseGeometry, p: Point) -> float:
    """Shortest distance from `p` to a (lon, lat) geometry; 0 inside it."""
    return float(shapely.distance(_plane(geom, p), shapely.Point(0.0, 0.0)))


def area_km2(geom: BaseGeometry) -> float:
    c = geom.representative_point()
    return float(_plane(geom, (c.y, c.x)).area)


def gap_km(a: BaseGeometry, b: BaseGeometry) -> float:
    """Shortest distance between two (lon, lat) geometries; 0 if they meet."""
    c = a.representative_point()
    origin = (c.y, c.x)
    return float(shapely.distance(_plane(a, origin), _plane(b, origin)))


def degrees_for_km(km: float) -> float:
    """A reach in degrees covering `km` in every direction, for spatial-index queries."""
    return km * _DEGREES_PER_KM


# ------------------------------------------------------------------------ territory
@dataclass(frozen=True)
class Province:
    """A province of the layer: all its land, mainland and islands, in (lon, lat)."""

    code: str
    name: str
    geometry: MultiPolygon


@dataclass(frozen=True)
class SpecialZone:
    """An island special zone (đặc khu) of a province; `territorial_sea` zones reach
    TERRITORIAL_SEA_KM out from their features."""

    code: str
    name: str
    province_code: str
    geometry: MultiPolygon
    territorial_sea: bool = False


@dataclass(frozen=True)
class Location:
    """Where a point inside Vietnam lies. `province` is None only for a graph without a
    province layer; `road_linked` is False on (or by) an island no road reaches."""

    province: Province | None
    zone: SpecialZone | None
    on_land: bool
    road_linked: bool
    offshore_km: float = 0.0

    def describe(self) -> str:
        """'An Giang (Phú Quốc special zone)', 'the waters of Đà Nẵng (Hoàng Sa special zone)'."""
        if self.province is None:
            return "Vietnam"
        where = self.province.name if self.on_land else f"the waters of {self.province.name}"
        if self.zone is not None:
            return f"{where} ({self.zone.name} special zone)"
        if self.road_linked:
            return where
        return f"{where} ({'on' if self.on_land else 'by'} an island)"


#: Where a point is when the graph has no province layer.
_UNCHARTED = Location(None, None, on_land=True, road_linked=True)


class Territory:
    """Vietnam's land and sea over the province layer, indexed once (an STRtree over every
    land part, prepared for point tests); `locate` answers in microseconds on land.

    Each land part is road-linked if it holds a road node, or lies within BRIDGE_KM of a
    part that is; the rest (Phú Quốc, Côn Đảo, Hoàng Sa, Trường Sa ...) need sea transport."""

    def __init__(
        self,
        provinces: Sequence[Province],
        zones: Sequence[SpecialZone] = (),
        road_points: Iterable[Point] = (),
    ) -> None:
        self.provinces = tuple(provinces)
        self.zones = tuple(zones)
        parts: list[Polygon] = []
        owner: list[int] = []
        for n, province in enumerate(self.provinces):
            parts.extend(province.geometry.geoms)
            owner.extend([n] * len(province.geometry.geoms))
        self._parts: NDArray[np.object_] = np.array(parts, dtype=object)
        shapely.prepare(self._parts)
        self._owner = owner
        self._tree = STRtree(parts)
        self._zone_of = self._zones_of_parts()
        sea = [i for i, z in enumerate(self._zone_of) if z is not None and z.territorial_sea]
        self._sea_parts = np.array(sea, dtype=np.intp)
        self._sea_tree = STRtree([parts[i] for i in sea])
        self._linked = self._road_links(list(road_points))
        self._land: BaseGeometry | None = None

    @property
    def charted(self) -> bool:
        """Whether there is a province layer at all."""
        return len(self._parts) > 0

    def locate(self, p: Point, coast_km: float = COAST_TOLERANCE_KM) -> Location | None:
        """Where `p` lies in Vietnam, or None outside: on the land of a province; at sea
        within `coast_km` of it (road-linked land first); or in the territorial sea of
        Hoàng Sa or Trường Sa."""
        if not self.charted:
            lat_min, lon_min, lat_max, lon_max = NO_LAYER_BOX
            return _UNCHARTED if lat_min <= p[0] <= lat_max and lon_min <= p[1] <= lon_max else None
        land = self._land_part(p)
        if land is not None:
            return self._location(land, on_land=True, offshore_km=0.0)
        return self._at_sea(p, coast_km)

    def inland_km(self, p: Point) -> float:
        """How far inside the land `p` lies: 0 at sea, else the distance to the edge of
        Vietnam's land (its coast, or a land border, which the layer cannot tell apart)."""
        if not self.charted:
            return 0.0
        part = self._land_part(p)
        if part is None:
            return 0.0
        if self._land is None:  # all land as one, built on the first question; the
            # simplified layer leaves slivers between provinces, which the buffer closes
            grown = [part.buffer(degrees_for_km(LAND_SEAM_KM)) for part in self._parts]
            self._land = shapely.unary_union(grown)
        return max(0.0, distance_km(self._land.boundary, p) - LAND_SEAM_KM)

    def reaches(self, geom: BaseGeometry, reach_km: float) -> bool:
        """Whether a (lon, lat) geometry comes within `reach_km` of Vietnam's land (or lies
        in the territorial sea of its archipelagos)."""
        if not self.charted:
            lat_min, lon_min, lat_max, lon_max = NO_LAYER_BOX
            box = shapely.box(lon_min, lat_min, lon_max, lat_max)
            return bool(geom.intersects(box))
        if len(self._tree.query(geom, predicate="intersects")):
            return True
        c = geom.representative_point()
        origin = (c.y, c.x)
        flat = _plane(geom, origin)
        for tree, index, km in (
            (self._tree, None, reach_km),
            (self._sea_tree, self._sea_parts, TERRITORIAL_SEA_KM),
        ):
            near = tree.query(geom, predicate="dwithin", distance=degrees_for_km(km))
            ids = near if index is None else index[near]
            if any(shapely.distance(flat, _plane(self._parts[i], origin)) <= km for i in ids):
                return True
        return False

    # ------------------------------------------------------------------ inside
    def _land_part(self, p: Point) -> int | None:
        lat, lon = p
        candidates = self._tree.query(shapely.Point(lon, lat))
        if len(candidates) == 0:
            return None
        hits = candidates[shapely.intersects_xy(self._parts[candidates], lon, lat)]
        return int(hits.min()) if len(hits) else None

    def _at_sea(self, p: Point, coast_km: float) -> Location | None:
        here = lonlat(p)
        near = self._tree.query(here, predicate="dwithin", distance=degrees_for_km(coast_km))
        found = sorted(
            (not self._linked[i], d, int(i))
            for i in near
            if (d := distance_km(self._parts[i], p)) <= coast_km
        )
        if found:
            _, d, i = found[0]
            return self._location(i, on_land=False, offshore_km=d)
        near = self._sea_tree.query(
            here, predicate="dwithin", distance=degrees_for_km(TERRITORIAL_SEA_KM)
        )
        sea = sorted(
            (d, int(i))
            for i in self._sea_parts[near]
            if (d := distance_km(self._parts[i], p)) <= TERRITORIAL_SEA_KM
        )
        if sea:
            d, i = sea[0]
            return self._location(i, on_land=False, offshore_km=d)
        return None

    def _location(self, part: int, *, on_land: bool, offshore_km: float) -> Location:
        return Location(
            self.provinces[self._owner[part]],
            self._zone_of[part],
            on_land=on_land,
            road_linked=self._linked[part],
            offshore_km=round(offshore_km, 3),
        )

    # ------------------------------------------------------------------- build
    def _zones_of_parts(self) -> list[SpecialZone | None]:
        """The special zone each land part belongs to (its representative point is in the
        zone's geometry, within the zone's province)."""
        zone_of: list[SpecialZone | None] = [None] * len(self._parts)
        for zone in self.zones:
            shapely.prepare(zone.geometry)
            for i in self._tree.query(zone.geometry):
                province = self.provinces[self._owner[i]]
                if province.code == zone.province_code and zone.geometry.contains(
                    self._parts[i].representative_point()
                ):
                    zone_of[int(i)] = zone
        return zone_of

    def _road_links(self, road_points: list[Point]) -> list[bool]:
        """Parts holding a road node (or the nearest part within the coast tolerance of a
        node on an outline), then every part within BRIDGE_KM of those, transitively."""
        linked = [False] * len(self._parts)
        frontier: list[int] = []
        for p in road_points:
            part = self._land_part(p)
            if part is None:
                part = self._part_nearest(p, COAST_TOLERANCE_KM)
            if part is not None and not linked[part]:
                linked[part] = True
                frontier.append(part)
        reach = degrees_for_km(BRIDGE_KM)
        while frontier:
            i = frontier.pop()
            for j in self._tree.query(self._parts[i], predicate="dwithin", distance=reach):
                j = int(j)
                if not linked[j] and gap_km(self._parts[j], self._parts[i]) <= BRIDGE_KM:
                    linked[j] = True
                    frontier.append(j)
        return linked

    def _part_nearest(self, p: Point, within_km: float) -> int | None:
        near = self._tree.query(lonlat(p), predicate="dwithin", distance=degrees_for_km(within_km))
        found = [(d, int(i)) for i in near if (d := distance_km(self._parts[i], p)) <= within_km]
        return min(found)[1] if found else None
