"""Closures and hazard zones: applied over the stored graph, never written into it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .errors import InvalidOverlayError, UnknownEdgeError, UnknownNodeError
from .geometry import (
    Point,
    haversine_km,
    in_bbox,
    point_in_ring,
    segment_crosses_ring,
    segment_point_distance_km,
)
from .graph import RoadGraph


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
    """A circle (centre, radius) or a polygon that routes must not cross, except to
    reach a destination inside it through the nearest entry point."""

    centre: Point | None = None
    radius_km: float | None = None
    polygon: tuple[Point, ...] | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.polygon is not None:
            if self.centre is not None:
                raise InvalidOverlayError(
                    "a zone is a circle or a polygon, not both", field="polygon"
                )
            if len(self.polygon) < 3:
                raise InvalidOverlayError("a polygon needs at least 3 points", field="polygon")
            if len(set(self.polygon)) < 3:
                raise InvalidOverlayError(
                    "the polygon is empty (fewer than 3 distinct points)", field="polygon"
                )
            for p in self.polygon:
                if not in_bbox(p):
                    raise InvalidOverlayError(
                        f"polygon point {p} is outside Vietnam", field="polygon"
                    )
        else:
            if self.centre is None or self.radius_km is None:
                raise InvalidOverlayError("a circle needs a centre and a radius", field="centre")
            if not 0 < self.radius_km <= 200:
                raise InvalidOverlayError("radius_km must be in (0, 200]", field="radius_km")
            if not in_bbox(self.centre):
                raise InvalidOverlayError(
                    f"centre {self.centre} is outside Vietnam", field="centre"
                )

    def contains(self, p: Point) -> bool:
        if self.polygon is not None:
            return point_in_ring(p, self.polygon)
        assert self.centre is not None and self.radius_km is not None
        return haversine_km(self.centre, p) <= self.radius_km

    def crosses(self, a: Point, b: Point) -> bool:
        """Whether the straight segment a-b enters the zone."""
        if self.polygon is not None:
            return segment_crosses_ring(a, b, self.polygon)
        assert self.centre is not None and self.radius_km is not None
        return segment_point_distance_km(a, b, self.centre) <= self.radius_km


@dataclass(frozen=True)
class Overlay:
    closures: tuple[Closure, ...] = ()
    zones: tuple[HazardZone, ...] = ()
    _key: str = field(default="", compare=False, repr=False)

    def key(self) -> str:
        """Order-independent content key, for caches."""
        blob = json.dumps(
            {
                "c": sorted(
                    [c.edge_id or "", c.node_id or "", c.speed_factor or 0.0] for c in self.closures
                ),
                "z": sorted(
                    [list(z.centre or ()), z.radius_km or 0.0, [list(p) for p in z.polygon or ()]]
                    for z in self.zones
                ),
            },
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def check(self, graph: RoadGraph) -> None:
        """Every closure names a real edge or node."""
        for n, c in enumerate(self.closures):
            if c.edge_id is not None and c.edge_id not in graph.edges:
                raise UnknownEdgeError(
                    f"unknown edge {c.edge_id!r}", field=f"closures[{n}].edge_id"
                )
            if c.node_id is not None and c.node_id not in graph.nodes:
                raise UnknownNodeError(
                    f"unknown node {c.node_id!r}", field=f"closures[{n}].node_id"
                )


NO_OVERLAY = Overlay()
