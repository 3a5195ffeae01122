"""Travel times, routes and snapping over the road graph with overlays applied.

Each overlay gets a view: a simple graph whose edge weight is the fastest open road
between two nodes, with closures applied and, in the "safe" view, every node and
road inside a hazard zone removed. Views and their Dijkstra trees are cached by
(graph version, overlay key) on the router instance, never globally."""

from __future__ import annotations

import contextlib
import itertools
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ._views import _View
from .errors import (
    InvalidLocationError,
    MatrixTooLargeError,
    NoRoadLinkError,
    UnknownNodeError,
)
from .geometry import COAST_TOLERANCE_KM, Location, Point, haversine_km
from .graph import RoadGraph
from .overlays import NO_OVERLAY, Overlay
from .sea_reach import SHORE_KM, SeaCourse, SeaSite, course, nearest_port_by_sea

#: Largest matrix side accepted (sources or targets); see the README.
MAX_MATRIX_SIDE = 400
#: Farthest a coordinate may lie from the nearest road node.
MAX_SNAP_KM = 60.0
#: Off-road distance = straight line x this factor.
OFFROAD_FACTOR = 1.3
#: How far off the coast an oil spill on water may lie (reached by boat from the shore).
OFFSHORE_REACH_KM = 40.0


@dataclass(frozen=True)
class Snap:
    """A coordinate tied to its nearest node by an off-road leg."""

    point: Point
    node_id: str
    distance_km: float
    seconds: float
    province_code: str | None


#: A place a vehicle drives to: a road node id, a site tied to its node by an off-road
#: leg, or a point at sea reached by boat from a port.
Site = str | Snap | SeaSite


def _node_of(site: Site) -> str:
    return site if isinstance(site, str) else site.node_id


@dataclass(frozen=True)
class Leg:
    from_node: str
    to_node: str
    edge_id: str | None
    road_ref: str
    road_class: str
    km: float
    seconds: float
    #: how the leg is travelled: "road", "offroad", "ferry" (a truck aboard) or "sea" (a boat)
    mode: str = "road"


@dataclass(frozen=True)
class Route:
    nodes: list[str]
    legs: list[Leg]
    seconds: int
    metres: int
    coordinates: list[Point]
    snaps: list[Snap] = field(default_factory=list)

    def geojson(self, properties: dict[str, Any] | None = None) -> dict[str, Any]:
        """A GeoJSON Feature with a LineString ([lon, lat] order, as GeoJSON wants)."""
        coords = [[round(lon, 5), round(lat, 5)] for lat, lon in self.coordinates]
        if len(coords) == 1:  # a route to the same place: GeoJSON wants two positions
            coords.append(list(coords[0]))
        return {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {
                "seconds": self.seconds,
                "metres": self.metres,
                "hours": round(self.seconds / 3600, 2),
                "km": round(self.metres / 1000, 1),
                "nodes": self.nodes,
                **(properties or {}),
            },
        }


@dataclass(frozen=True)
class Matrix:
    sources: list[str]
    targets: list[str]
    seconds: list[list[int | None]]
    metres: list[list[int | None]]

    @property
    def unreachable(self) -> list[tuple[str, str]]:
        return [
            (s, t)
            for i, s in enumerate(self.sources)
            for j, t in enumerate(self.targets)
            if self.seconds[i][j] is None
        ]


class RoadRouter:
    """Matrices, routes, snapping and coverage over one road graph."""

    def __init__(self, graph: RoadGraph, *, cache_size: int = 16) -> None:
        self.graph = graph
        self._views: OrderedDict[str, _View] = OrderedDict()
        self._cache_size = cache_size
        self._node_ids = list(graph.nodes)
        self._node_points = [graph.nodes[n].point for n in self._node_ids]

    # ----------------------------------------------------------------- views
    def view(self, overlay: Overlay = NO_OVERLAY) -> _View:
        overlay.check(self.graph)
        key = f"{self.graph.version}:{overlay.key()}"
        view = self._views.get(key)
        if view is None:
            view = _View(self.graph, overlay)
            self._views[key] = view
            if len(self._views) > self._cache_size:
                self._views.popitem(last=False)
        else:
            self._views.move_to_end(key)
        return view

    def node(self, node_id: str, field_name: str = "node") -> str:
        if node_id not in self.graph.nodes:
            raise UnknownNodeError(f"unknown node {node_id!r}", field=field_name)
        return node_id

    # ------------------------------------------------------------- snapping
    def check_point(
        self, p: Point, field_name: str = "point", *, coast_km: float = COAST_TOLERANCE_KM
    ) -> str | None:
        """Refuse a coordinate that is not a number, not in Vietnam, or where no road
        goes (an island: sea transport); return its province code."""
        lat, lon = p
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in p):
            raise InvalidLocationError("coordinates must be finite numbers", field=field_name)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidLocationError(
                f"({lat}, {lon}) is not a latitude/longitude", field=field_name
            )
        where = self.graph.territory.locate(p, coast_km)
        if where is None:
            raise InvalidLocationError(
                f"({lat}, {lon}) is outside Vietnam: more than {coast_km:g} km from its land "
                "and islands",
                field=field_name,
            )
        code = None if where.province is None else where.province.code
        if not where.road_linked:
            raise NoRoadLinkError(
                f"({lat}, {lon}) is in {where.describe()} but no road or vehicle ferry "
                "reaches it: it needs sea transport",
                field=field_name,
                province_code=code,
            )
        return code

    def snap(
        self,
        p: Point,
        *,
        field_name: str = "point",
        max_km: float = MAX_SNAP_KM,
        coast_km: float = COAST_TOLERANCE_KM,
    ) -> Snap:
        """The nearest node and the off-road (or by-water) leg to it."""
        province = self.check_point(p, field_name, coast_km=coast_km)
        best_i = min(
            range(len(self._node_ids)), key=lambda i: haversine_km(p, self._node_points[i])
        )
        dist = haversine_km(p, self._node_points[best_i])
        if dist > max_km:
            raise InvalidLocationError(
                f"({p[0]}, {p[1]}) is {dist:.0f} km from the nearest road node "
                f"(limit {max_km:g} km): beyond reach",
                field=field_name,
            )
        road_km = dist * OFFROAD_FACTOR
        return Snap(
            p,
            self._node_ids[best_i],
            round(dist, 3),
            road_km / self.graph.offroad_kmh * 3600,
            province,
        )

    def site(
        self, p: Point, *, field_name: str = "point", coast_km: float = OFFSHORE_REACH_KM
    ) -> Snap | SeaSite:
        """Where a vehicle goes for a point: the point itself by road (an off-road leg
        from the nearest node) on land or the shore; by boat from the nearest port with
        a boat that can make the round trip when it is at sea, or on an island that no
        road or ferry reaches. A data set with no boats knows only roads."""
        sea = self.graph.sea
        if not sea.boats:
            return self.snap(p, field_name=field_name, coast_km=coast_km)
        with contextlib.suppress(NoRoadLinkError):  # an island only boats reach
            self.check_point(p, field_name, coast_km=coast_km)
        where = self.graph.territory.locate(p, coast_km)
        assert where is not None  # check_point refused every point outside
        if where.road_linked and (where.on_land or where.offshore_km <= SHORE_KM):
            return self.snap(p, field_name=field_name, coast_km=coast_km)
        return self.by_sea(p, where.describe(), where, field_name)

    def by_sea(self, p: Point, place: str, where: Location, field_name: str) -> SeaSite:
        """The nearest port (in the graph) with a boat whose range makes the round trip."""
        return nearest_port_by_sea(self.graph, p, place, where, field_name)

    def sea_course(
        self, boat_id: str, p: Point, overlay: Overlay = NO_OVERLAY, *, field_name: str = "to"
    ) -> SeaCourse:
        """A boat's course from its port to a point (`sea_reach.course`)."""
        with contextlib.suppress(NoRoadLinkError):  # an island only boats reach
            self.check_point(p, field_name, coast_km=OFFSHORE_REACH_KM)
        return course(self.graph, boat_id, p, overlay, field_name)

    # ------------------------------------------------------------- matrices
    def matrix(
        self, sources: Sequence[str], targets: Sequence[str], overlay: Overlay = NO_OVERLAY
    ) -> Matrix:
        """Seconds and metres along the fastest route, as integers; None if unreachable."""
        if len(sources) > MAX_MATRIX_SIDE or len(targets) > MAX_MATRIX_SIDE:
            raise MatrixTooLargeError(
                f"at most {MAX_MATRIX_SIDE} sources and {MAX_MATRIX_SIDE} targets per matrix",
                field="sources" if len(sources) > MAX_MATRIX_SIDE else "targets",
            )
        for n, s in enumerate(sources):
            self.node(s, f"sources[{n}]")
        for n, t in enumerate(targets):
            self.node(t, f"targets[{n}]")
        view = self.view(overlay)
        secs: list[list[int | None]] = []
        metres: list[list[int | None]] = []
        simple = not overlay.zones
        for s in sources:
            row_s: list[int | None] = []
            row_m: list[int | None] = []
            if simple:  # straight from the shortest-path tree
                tree = view.tree("raw", s)
                for t in targets:
                    d = tree.dist.get(t)
                    row_s.append(None if d is None else round(d))
                    row_m.append(None if d is None else round(tree.metres[t]))
                secs.append(row_s)
                metres.append(row_m)
                continue
            for t in targets:
                path = view.path(s, t)
                if path is None:
                    row_s.append(None)
                    row_m.append(None)
                    continue
                sec, km = self._measure(view, path)
                row_s.append(round(sec))
                row_m.append(round(km * 1000))
            secs.append(row_s)
            metres.append(row_m)
        return Matrix(list(sources), list(targets), secs, metres)

    def _measure(self, view: _View, path: list[str]) -> tuple[float, float]:
        sec = km = 0.0
        for u, v in itertools.pairwise(path):
            t, edge_id = view.leg(u, v)
            sec += t
            km += self.graph.edges[edge_id].length_km
        return sec, km

    def site_matrix(self, sites: Sequence[Site], overlay: Overlay = NO_OVERLAY) -> Matrix:
        """Seconds and metres between sites, off-road legs included at both ends (a site
        to itself is 0). Sources and targets are the node ids of the sites."""
        nodes = [_node_of(s) for s in sites]
        unique = sorted(set(nodes))
        core = self.matrix(unique, unique, overlay)
        pos = {node: i for i, node in enumerate(unique)}
        secs: list[list[int | None]] = []
        metres: list[list[int | None]] = []
        for a, sa in enumerate(sites):
            row_s: list[int | None] = []
            row_m: list[int | None] = []
            for b, sb in enumerate(sites):
                sec = core.seconds[pos[nodes[a]]][pos[nodes[b]]]
                dist = core.metres[pos[nodes[a]]][pos[nodes[b]]]
                if a == b or sec is None or dist is None:
                    row_s.append(0 if a == b else None)
                    row_m.append(0 if a == b else None)
                    continue
                extra_s = extra_m = 0.0
                for end in (sa, sb):
                    if isinstance(end, Snap):
                        extra_s += end.seconds
                        extra_m += end.distance_km * OFFROAD_FACTOR * 1000
                row_s.append(sec + round(extra_s))
                row_m.append(dist + round(extra_m))
            secs.append(row_s)
            metres.append(row_m)
        return Matrix(nodes, nodes, secs, metres)

    def path_coordinates(self, a: Site, b: Site, overlay: Overlay = NO_OVERLAY) -> list[Point]:
        """The road driven from one site to another, with the off-road ends; a boat's
        straight course from its port to a site at sea: for maps."""
        if isinstance(b, SeaSite) and _node_of(a) == b.port:
            return [self.graph.nodes[b.port].point, b.point]
        if isinstance(a, SeaSite) and _node_of(b) == a.port:
            return [a.point, self.graph.nodes[a.port].point]
        leg = self.route(_node_of(a), _node_of(b), overlay)
        points = [] if leg is None else list(leg.coordinates)
        if isinstance(a, Snap):
            points.insert(0, a.point)
        if isinstance(b, Snap):
            points.append(b.point)
        return points

    # ---------------------------------------------------------------- routes
    def route(self, source: str, target: str, overlay: Overlay = NO_OVERLAY) -> Route | None:
        """The fastest route between two nodes, or None if closures cut them apart."""
        self.node(source, "from")
        self.node(target, "to")
        view = self.view(overlay)
        path = view.path(source, target)
        if path is None:
            return None
        legs = []
        for u, v in itertools.pairwise(path):
            t, edge_id = view.leg(u, v)
            e = self.graph.edges[edge_id]
            mode = "ferry" if e.mode == "ferry" else "road"
            legs.append(Leg(u, v, edge_id, e.road_ref, e.road_class, e.length_km, t, mode))
        sec = sum(leg.seconds for leg in legs)
        km = sum(leg.km for leg in legs)
        return Route(
            path, legs, round(sec), round(km * 1000), [self.graph.nodes[n].point for n in path]
        )

    def route_between_points(
        self, a: Point | str, b: Point | str, overlay: Overlay = NO_OVERLAY
    ) -> Route | None:
        """A route between node ids or coordinates; coordinates add an off-road leg."""
        snaps: list[Snap] = []
        ends: list[str] = []
        for value, name in ((a, "from"), (b, "to")):
            if isinstance(value, str):
                ends.append(self.node(value, name))
            else:
                snap = self.snap(value, field_name=name)
                snaps.append(snap)
                ends.append(snap.node_id)
        core = self.route(ends[0], ends[1], overlay)
        if core is None:
            return None
        legs = list(core.legs)
        coords = list(core.coordinates)
        if not isinstance(a, str):
            s = snaps[0]
            legs.insert(
                0,
                Leg(
                    "(start)",
                    s.node_id,
                    None,
                    "off-road",
                    "offroad",
                    s.distance_km * OFFROAD_FACTOR,
                    s.seconds,
                    "offroad",
                ),
            )
            coords.insert(0, a)
        if not isinstance(b, str):
            s = snaps[-1]
            legs.append(
                Leg(
                    s.node_id,
                    "(end)",
                    None,
                    "off-road",
                    "offroad",
                    s.distance_km * OFFROAD_FACTOR,
                    s.seconds,
                    "offroad",
                )
            )
            coords.append(b)
        sec = sum(leg.seconds for leg in legs)
        km = sum(leg.km for leg in legs)
        return Route(core.nodes, legs, round(sec), round(km * 1000), coords, snaps)
