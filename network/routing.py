"""Travel times, routes and snapping over the road graph with overlays applied.

Each overlay gets a view: a simple graph whose edge weight is the fastest open road
between two nodes, with closures applied and, in the "safe" view, every node and
road inside a hazard zone removed. Views and their Dijkstra trees are cached by
(graph version, overlay key) on the router instance, never globally."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from .errors import (
    InvalidLocationError,
    MatrixTooLargeError,
    NoRoadLinkError,
    UnknownBoatError,
    UnknownNodeError,
)
from .geometry import COAST_TOLERANCE_KM, Location, Point, haversine_km
from .graph import RoadGraph
from .overlays import NO_OVERLAY, Overlay
from .sea import Boat, Port

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


#: Points at sea closer than this to the coast are the shore, driven to (the province
#: layer's coastline is good to about this); farther out, only a boat reaches them.
SHORE_KM = 2.0


@dataclass(frozen=True)
class SeaSite:
    """A point no road or ferry reaches (at sea, or on an island only boats serve):
    trucks land the goods at `port` (its graph node), boats based there sail `sea_km`."""

    point: Point
    port: str
    sea_km: float
    province_code: str | None
    where: str

    @property
    def node_id(self) -> str:
        return self.port


@dataclass(frozen=True)
class SeaCourse:
    """A boat's straight course from its port to a point (km x SEA_DETOUR), its time at
    the boat's speed, and the closure that keeps it in port, if any."""

    boat: Boat
    port: Port
    point: Point
    km: float
    seconds: int
    closed_by: str | None


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


class _Tree:
    """A shortest-path tree from one source: seconds, parent and metres per node.

    A plain heap Dijkstra over adjacency lists sorted by node name: several times faster
    than networkx's generic one here, and ties always resolve the same way."""

    __slots__ = ("dist", "metres", "parent")

    def __init__(self, adjacency: dict[str, list[tuple[str, float, float]]], source: str) -> None:
        self.dist: dict[str, float] = {}
        self.parent: dict[str, str | None] = {}
        self.metres: dict[str, float] = {}
        if source not in adjacency:
            return
        best: dict[str, float] = {source: 0.0}
        parent: dict[str, str | None] = {source: None}
        metres: dict[str, float] = {source: 0.0}
        heap: list[tuple[float, str]] = [(0.0, source)]
        done = self.dist
        while heap:
            d, node = heapq.heappop(heap)
            if node in done:
                continue
            done[node] = d
            self.parent[node] = parent[node]
            self.metres[node] = metres[node]
            for nxt, t, m in adjacency[node]:
                nd = d + t
                if nxt not in done and nd < best.get(nxt, math.inf):
                    best[nxt] = nd
                    parent[nxt] = node
                    metres[nxt] = metres[node] + m
                    heapq.heappush(heap, (nd, nxt))

    def path(self, target: str) -> list[str] | None:
        if target not in self.parent:
            return None
        out = [target]
        while (up := self.parent[out[-1]]) is not None:
            out.append(up)
        return out[::-1]


class _View:
    """One overlay applied: the safe graph, the raw graph and their shortest-path trees."""

    def __init__(self, graph: RoadGraph, overlay: Overlay) -> None:
        self.graph = graph
        self.overlay = overlay
        closed_edges = {c.edge_id for c in overlay.closures if c.speed_factor is None}
        closed_nodes = {c.node_id for c in overlay.closures if c.node_id is not None}
        slowed = {c.edge_id: c.speed_factor for c in overlay.closures if c.speed_factor}
        self.in_zone = {
            n.id for n in graph.nodes.values() if any(z.contains(n.point) for z in overlay.zones)
        }
        self.raw = nx.Graph()
        self.safe = nx.Graph()
        for node_id in graph.nodes:
            if node_id in closed_nodes:
                continue
            self.raw.add_node(node_id)
            if node_id not in self.in_zone:
                self.safe.add_node(node_id)
        for edge in graph.edges.values():
            if edge.id in closed_edges or edge.u in closed_nodes or edge.v in closed_nodes:
                continue
            factor = slowed.get(edge.id) or 1.0
            a, b = graph.nodes[edge.u].point, graph.nodes[edge.v].point
            if edge.mode == "ferry" and overlay.sea_closed(a, b) is not None:
                continue
            late = edge.id in overlay.after_hours
            seconds = graph.edge_seconds(edge, factor, after_hours=late)
            self._add(self.raw, edge.u, edge.v, seconds, edge.id, edge.length_km * 1000)
            if edge.u in self.in_zone or edge.v in self.in_zone:
                continue
            if any(z.crosses(a, b) for z in overlay.zones):
                continue
            self._add(self.safe, edge.u, edge.v, seconds, edge.id, edge.length_km * 1000)
        self._trees: dict[tuple[str, str], _Tree] = {}
        self._adjacency: dict[str, dict[str, list[tuple[str, float, float]]]] = {}

    @staticmethod
    def _add(g: nx.Graph, u: str, v: str, seconds: float, edge_id: str, metres: float) -> None:
        if g.has_edge(u, v) and g[u][v]["t"] <= seconds:
            return
        g.add_edge(u, v, t=seconds, edge=edge_id, m=metres)

    def tree(self, which: str, source: str) -> _Tree:
        key = (which, source)
        cached = self._trees.get(key)
        if cached is None:
            adjacency = self._adjacency.get(which)
            if adjacency is None:
                g = self.safe if which == "safe" else self.raw
                adjacency = {
                    n: sorted((v, float(a["t"]), float(a["m"])) for v, a in g[n].items())
                    for n in g.nodes
                }
                self._adjacency[which] = adjacency
            cached = _Tree(adjacency, source)
            self._trees[key] = cached
        return cached

    def gateway(self, node: str) -> str | None:
        """The safe node a node inside a zone is reached through (the nearest entry
        point by travel time), the node itself when it is safe, None if cut off."""
        if node in self.safe:
            return node
        dist = self.tree("raw", node).dist
        candidates = [(d, n) for n, d in dist.items() if n in self.safe and self.safe.degree(n)]
        return min(candidates)[1] if candidates else None

    def path(self, source: str, target: str) -> list[str] | None:
        """Node sequence: out of a zone, along safe roads, into a zone."""
        if source not in self.raw or target not in self.raw:
            return None
        if source == target:
            return [source]
        if source in self.in_zone and target in self.in_zone:
            # Both inside: work inside the zone, on the roads that are open.
            inside = self.tree("raw", source).path(target)
            if inside is not None:
                return inside
        gs, gt = self.gateway(source), self.gateway(target)
        if gs is None or gt is None:
            return None
        middle = self.tree("safe", gs).path(gt)
        if middle is None:
            return None
        head = self.tree("raw", source).path(gs) if gs != source else [source]
        tail = self.tree("raw", gt).path(target) if gt != target else [target]
        if head is None or tail is None:
            return None
        return head[:-1] + middle + tail[1:]

    def leg(self, u: str, v: str) -> tuple[float, str]:
        data = self.raw[u][v]
        return float(data["t"]), str(data["edge"])


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
        sea = self.graph.sea
        best: tuple[float, str] | None = None
        nearest: tuple[float, str] | None = None
        for port in sea.ports.values():
            boats = sea.boats_at(port.id)
            if port.id not in self.graph.nodes or not boats:
                continue
            km = sea.sea_km(port.id, p)
            nearest = min(nearest or (km, port.id), (km, port.id))
            if any(b.reaches(km) for b in boats):
                best = min(best or (km, port.id), (km, port.id))
        code = None if where.province is None else where.province.code
        if best is None:
            longest = max(sea.boats.values(), key=lambda b: b.range_km)
            km, port_id = nearest if nearest is not None else (math.inf, "")
            raise InvalidLocationError(
                f"({p[0]}, {p[1]}) is in {place}, {km:.0f} km by sea from the nearest port "
                f"with a boat ({sea.ports[port_id].name_vi if port_id else 'none'}): beyond "
                f"every boat's range (the farthest-reaching, {longest.id}, goes "
                f"{longest.range_km / 2:.0f} km out and as far back)",
                field=field_name,
            )
        km, port_id = best
        return SeaSite(p, port_id, round(km, 3), code, place)

    def sea_course(
        self, boat_id: str, p: Point, overlay: Overlay = NO_OVERLAY, *, field_name: str = "to"
    ) -> SeaCourse:
        """A boat's course from its port to a point: refused where no boat can go (land
        more than SHORE_KM from the sea and from any port) or beyond its range."""
        sea = self.graph.sea
        boat = sea.boats.get(boat_id)
        if boat is None:
            raise UnknownBoatError(f"unknown boat {boat_id!r}", field="boat_id")
        with contextlib.suppress(NoRoadLinkError):
            self.check_point(p, field_name, coast_km=OFFSHORE_REACH_KM)
        inland = self.graph.territory.inland_km(p)
        near_port = min((haversine_km(q.point, p) for q in sea.ports.values()), default=math.inf)
        if inland > SHORE_KM and near_port > SHORE_KM:
            where = self.graph.territory.locate(p)
            place = "Vietnam" if where is None else where.describe()
            raise InvalidLocationError(
                f"({p[0]}, {p[1]}) is on land in {place}, {inland:.0f} km inland and "
                f"{near_port:.0f} km from the nearest port: no sea access for boat {boat_id}",
                field=field_name,
            )
        port = sea.ports[boat.port]
        km = sea.sea_km(boat.port, p)
        if not boat.reaches(km):
            raise InvalidLocationError(
                f"({p[0]}, {p[1]}) is {km:.0f} km by sea from {port.name_vi}: beyond the "
                f"range of boat {boat_id} ({boat.range_km:.0f} km out and back)",
                field=field_name,
            )
        storm = overlay.sea_closed(port.point, p)
        return SeaCourse(
            boat,
            port,
            p,
            round(km, 1),
            round(km / boat.speed_kmh * 3600),
            None if storm is None else (storm.label or "closed"),
        )

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
