"""Plane geometry on a local equirectangular projection: good to a few hundred metres
over the distances a hazard zone spans, which is all these tests need."""

from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_RADIUS_KM = 6371.0088

#: Vietnam's mainland and near islands (lat, lon); Trường Sa / Hoàng Sa are outside on purpose.
VN_BBOX = (8.3, 102.1, 23.5, 109.6)

Point = tuple[float, float]  # (lat, lon)


def haversine_km(a: Point, b: Point) -> float:
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def in_bbox(p: Point, bbox: tuple[float, float, float, float] = VN_BBOX) -> bool:
    return bbox[0] <= p[0] <= bbox[2] and bbox[1] <= p[1] <= bbox[3]


def _xy(p: Point, ref_lat: float) -> tuple[float, float]:
    """(x, y) in km around the reference latitude."""
    k = math.pi / 180 * EARTH_RADIUS_KM
    return p[1] * k * math.cos(math.radians(ref_lat)), p[0] * k


def segment_point_distance_km(a: Point, b: Point, p: Point) -> float:
    """Shortest distance from p to the segment a-b."""
    ref = (a[0] + b[0] + p[0]) / 3
    ax, ay = _xy(a, ref)
    bx, by = _xy(b, ref)
    px, py = _xy(p, ref)
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def point_in_ring(p: Point, ring: Sequence[Point]) -> bool:
    """Ray casting; `ring` is a list of (lat, lon), closed or not."""
    lat, lon = p
    inside = False
    n = len(ring)
    for i in range(n):
        la1, lo1 = ring[i]
        la2, lo2 = ring[(i + 1) % n]
        if (la1 > lat) != (la2 > lat):
            cross = lo1 + (lat - la1) * (lo2 - lo1) / (la2 - la1)
            if lon < cross:
                inside = not inside
    return inside


def _orient(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def segments_intersect(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Whether segment a-b meets segment c-d (touching counts)."""
    ref = (a[0] + b[0] + c[0] + d[0]) / 4
    pa, pb, pc, pd = (_xy(p, ref) for p in (a, b, c, d))
    o1, o2 = _orient(pa, pb, pc), _orient(pa, pb, pd)
    o3, o4 = _orient(pc, pd, pa), _orient(pc, pd, pb)
    if (o1 > 0) != (o2 > 0) and (o3 > 0) != (o4 > 0) and o1 != 0 and o2 != 0:
        return True

    def on(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> bool:
        return min(p[0], r[0]) <= q[0] <= max(p[0], r[0]) and min(p[1], r[1]) <= q[1] <= max(
            p[1], r[1]
        )

    return (
        (o1 == 0 and on(pa, pc, pb))
        or (o2 == 0 and on(pa, pd, pb))
        or (o3 == 0 and on(pc, pa, pd))
        or (o4 == 0 and on(pc, pb, pd))
    )


def segment_crosses_ring(a: Point, b: Point, ring: Sequence[Point]) -> bool:
    """Whether the segment a-b enters the polygon: an end inside, or an edge crossed."""
    if point_in_ring(a, ring) or point_in_ring(b, ring):
        return True
    n = len(ring)
    return any(segments_intersect(a, b, ring[i], ring[(i + 1) % n]) for i in range(n))


def line_length_km(points: Sequence[Point]) -> float:
    return sum(haversine_km(points[i], points[i + 1]) for i in range(len(points) - 1))
