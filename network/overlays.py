"""Closures and hazard zones: applied over the stored graph, never written into it."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field

import shapely
from shapely.geometry import MultiPoint, Polygon

from .errors import InvalidOverlayError, UnknownEdgeError, UnknownNodeError
from .geometry import Point, area_km2, distance_km, haversine_km, lonlat, segment
from .graph import RoadGraph

#: A zone polygon smaller than this (1 m²) is flat: its points lie on one line.
MIN_ZONE_AREA_KM2 = 1e-6
#: How far from Vietnam's land a zone may lie and still be declared: a plume or a slick
#: offshore, or across a border, can still close Vietnamese roads or need its own zone.
ZONE_REACH_KM = 40.0


@dataclass(frozen=True)
class Closure:
    """An edge or a node out of use, or (with `speed_factor`) an edge slowed down."""

    edge_id: str | None = None
    node_id: str | None = None
    speed_factor: float | None = None

    def __post_init__(self) -> None:
        if (self.edge_id is None) == (self.node_id is None):
            raise InvalidOverlayError(
                "a closure names exactly one edge or one node", field="edge_id"
            )
        if self.speed_factor is not None:
            if self.edge_id is None:
                raise InvalidOverlayError(
                    "a speed reduction applies to an edge", field="speed_factor"
                )
            if not 0 < self.speed_factor < 1:
                raise InvalidOverlayError(
                    "speed_factor must be between 0 and 1 (exclusive)", field="speed_factor"
                )


@dataclass(frozen=True)
class HazardZone:
    """A circle (centre, radius) or a simple polygon that routes must not cross, except to
    reach a destination inside it through the nearest entry point."""

    centre: Point | None = None
    radius_km: float | None = None
    polygon: tuple[Point, ...] | None = None
    label: str = ""
    _shape: Polygon | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.polygon is not None:
            if self.centre is not None:
                raise InvalidOverlayError(
                    "a zone is a circle or a polygon, not both", field="polygon"
                )
            object.__setattr__(self, "_shape", _simple_polygon(self.polygon))
        else:
            if self.centre is None or self.radius_km is None:
                raise InvalidOverlayError("a circle needs a centre and a radius", field="centre")
            if not 0 < self.radius_km <= 200:
                raise InvalidOverlayError("radius_km must be in (0, 200]", field="radius_km")
            if not _is_lat_lon(self.centre):
                raise InvalidOverlayError(
                    f"centre {self.centre} is not a latitude/longitude", field="centre"
                )

    @classmethod
    def covering(cls, points: tuple[Point, ...], label: str = "") -> HazardZone:
        """A simple polygon zone covering `points` (their convex hull, widened by about
        10 m so that points on one line still enclose an area): for zones stored before
        polygons had to be simple, so that routes keep out of everything they closed."""
        hull = MultiPoint([(lon, lat) for lat, lon in points]).convex_hull.buffer(1e-4)
        ring = tuple((lat, lon) for lon, lat in hull.exterior.coords[:-1])
        return cls(polygon=ring, label=label)

    def contains(self, p: Point) -> bool:
        if self._shape is not None:
            return bool(shapely.intersects_xy(self._shape, p[1], p[0]))
        assert self.centre is not None and self.radius_km is not None
        return haversine_km(self.centre, p) <= self.radius_km

    def crosses(self, a: Point, b: Point) -> bool:
        """Whether the straight segment a-b enters the zone (touching counts)."""
        if self._shape is not None:
            return bool(self._shape.intersects(segment(a, b)))
        assert self.centre is not None and self.radius_km is not None
        return distance_km(segment(a, b), self.centre) <= self.radius_km

    def check_in(self, graph: RoadGraph) -> None:
        """Refuse a zone that lies wholly outside Vietnam (more than ZONE_REACH_KM from
        its land, outside the seas of its archipelagos)."""
        if self._shape is not None:
            if not graph.territory.reaches(self._shape, ZONE_REACH_KM):
                raise InvalidOverlayError(
                    f"the polygon lies outside Vietnam (more than {ZONE_REACH_KM:g} km from "
                    "its land)",
                    field="polygon",
                )
            return
        assert self.centre is not None and self.radius_km is not None
        if not graph.territory.reaches(lonlat(self.centre), ZONE_REACH_KM + self.radius_km):
            raise InvalidOverlayError(
                f"centre {self.centre} is outside Vietnam (the circle comes no closer than "
                f"{ZONE_REACH_KM:g} km to its land)",
                field="centre",
            )


def _is_lat_lon(p: Point) -> bool:
    return all(math.isfinite(v) for v in p) and -90 <= p[0] <= 90 and -180 <= p[1] <= 180


_WHERE = re.compile(r"^(?P<what>[^\[]+)\[(?P<x>\S+) (?P<y>\S+)\]$")


def _simple_polygon(points: tuple[Point, ...]) -> Polygon:
    """The zone's polygon, refused unless simple (no edge crosses another) with an area."""
    if len(points) < 3:
        raise InvalidOverlayError("a polygon needs at least 3 points", field="polygon")
    if len(set(points)) < 3:
        raise InvalidOverlayError(
            "the polygon is empty (fewer than 3 distinct points)", field="polygon"
        )
    for p in points:
        if not _is_lat_lon(p):
            raise InvalidOverlayError(
                f"polygon point {p} is not a latitude/longitude", field="polygon"
            )
    shape = Polygon([(lon, lat) for lat, lon in points])
    if not shape.is_valid:  # shapely (GEOS) decides, and says why
        reason = shapely.is_valid_reason(shape)
        where = _WHERE.match(reason)
        if where is not None:
            lat, lon = round(float(where["y"]), 5), round(float(where["x"]), 5)
            reason = f"{where['what'].lower()} at ({lat}, {lon})"
        flat = shape.convex_hull.area == 0  # every point on one line
        what = "has zero area" if flat else "is not simple, its edges cross"
        raise InvalidOverlayError(f"the polygon {what}: {reason}", field="polygon")
    if area_km2(shape) < MIN_ZONE_AREA_KM2:
        raise InvalidOverlayError(
            "the polygon has zero area (under 1 m²: its points lie on one line)",
            field="polygon",
        )
    shapely.prepare(shape)
    return shape


@dataclass(frozen=True)
class Overlay:
    """Closures and hazard zones; `seas`: areas where a storm closes the sea (no ferry
    crosses, no boat sails through them); `ferry_waits`: (link, minutes) for ferry links
    whose wait is not their in-hours average (outside their hours: the call-out, or the
    wait for the first boat)."""

    closures: tuple[Closure, ...] = ()
    zones: tuple[HazardZone, ...] = ()
    seas: tuple[HazardZone, ...] = ()
    ferry_waits: tuple[tuple[str, float], ...] = ()
    _key: str = field(default="", compare=False, repr=False)

    def sea_closed(self, a: Point, b: Point) -> HazardZone | None:
        """The closed sea area a crossing from a to b runs into, if any."""
        return next((z for z in self.seas if z.crosses(a, b) or z.contains(b)), None)

    def key(self) -> str:
        """Order-independent content key, for caches."""
        blob = json.dumps(
            {
                "c": sorted(
                    [c.edge_id or "", c.node_id or "", c.speed_factor or 0.0] for c in self.closures
                ),
                "z": sorted(_zone_key(z) for z in self.zones),
                **({"s": sorted(_zone_key(z) for z in self.seas)} if self.seas else {}),
                **(
                    {"w": sorted([i, round(w, 3)] for i, w in self.ferry_waits)}
                    if self.ferry_waits
                    else {}
                ),
            },
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def check(self, graph: RoadGraph) -> None:
        """Every closure names a real edge or node; every zone lies in Vietnam."""
        for n, c in enumerate(self.closures):
            if c.edge_id is not None and c.edge_id not in graph.edges:
                raise UnknownEdgeError(
                    f"unknown edge {c.edge_id!r}", field=f"closures[{n}].edge_id"
                )
            if c.node_id is not None and c.node_id not in graph.nodes:
                raise UnknownNodeError(
                    f"unknown node {c.node_id!r}", field=f"closures[{n}].node_id"
                )
        for zone in (*self.zones, *self.seas):
            zone.check_in(graph)


def _zone_key(z: HazardZone) -> list[object]:
    return [list(z.centre or ()), z.radius_km or 0.0, [list(p) for p in z.polygon or ()]]


NO_OVERLAY = Overlay()
