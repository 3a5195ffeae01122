"""The national road graph, loaded from data/ and validated, with the province layer
that tells where Vietnam is.

Travel time is derived, never stored: length / speed(road class, terrain)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
from shapely.geometry import MultiPolygon, Polygon, shape

from .errors import GraphDataError
from .geometry import Point, Province, SpecialZone, Territory
from .places import read_rows
from .sea import EMPTY_SEA, SeaLayer, load_sea_layer
from .sea import FILES as SEA_FILES

ROAD_CLASSES = ("expressway", "national", "provincial")
TERRAINS = ("plain", "hilly", "mountain")
FILES = ("road_nodes.csv", "road_edges.csv", "road_speeds.csv")


@dataclass(frozen=True)
class Node:
    id: str
    name_vi: str
    name_en: str
    lat: float
    lon: float
    province_code: str
    kind: str

    @property
    def point(self) -> Point:
        return (self.lat, self.lon)


@dataclass(frozen=True)
class Edge:
    id: str
    u: str
    v: str
    road_ref: str
    road_class: str
    terrain: str
    length_km: float
    #: "road", "access" (a port's access road) or "ferry" (a vehicle ferry link, timed
    #: by its link in `RoadGraph.sea`, not by a speed)
    mode: str = "road"


@dataclass(frozen=True)
class RoadGraph:
    """Immutable road data plus its content hash (the graph version)."""

    nodes: dict[str, Node]
    edges: dict[str, Edge]
    speeds_kmh: dict[tuple[str, str], float]
    offroad_kmh: float
    version: str
    provinces: tuple[Province, ...] = ()
    special_zones: tuple[SpecialZone, ...] = ()
    sea: SeaLayer = EMPTY_SEA

    def edge_seconds(
        self, edge: Edge, factor: float = 1.0, *, wait_min: float | None = None
    ) -> float:
        """A road's length at its speed; a ferry's crossing and wait (`wait_min`, else its
        in-hours average; a slow-down on a ferry is a longer wait, so the factor applies to
        the whole)."""
        if edge.mode == "ferry":
            return self.sea.ferries[edge.id].minutes(wait_min) * 60 / factor
        return edge.length_km / (self.speeds_kmh[(edge.road_class, edge.terrain)] * factor) * 3600

    @cached_property
    def territory(self) -> Territory:
        """The province layer indexed for point queries, built once per graph."""
        return Territory(self.provinces, self.special_zones, (n.point for n in self.nodes.values()))

    def base_graph(self) -> nx.MultiGraph:
        g = nx.MultiGraph()
        for node in self.nodes.values():
            g.add_node(node.id)
        for edge in self.edges.values():
            g.add_edge(edge.u, edge.v, key=edge.id)
        return g


def _multipolygon(feature: dict[str, Any], path: Path) -> MultiPolygon:
    geom = shape(feature["geometry"])
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    if not isinstance(geom, MultiPolygon) or geom.is_empty:
        raise GraphDataError(f"{path.name}: feature {feature.get('id')} is not a polygon")
    return geom


def _load_layer(path: Path) -> tuple[tuple[Province, ...], tuple[SpecialZone, ...]]:
    """Provinces (all their land, islands included) and their island special zones."""
    if not path.exists():
        return (), ()
    data = json.loads(path.read_text(encoding="utf-8"))
    provinces: list[Province] = []
    zones: list[SpecialZone] = []
    for feature in data["features"]:
        props = feature["properties"]
        geom = _multipolygon(feature, path)
        if props.get("kind", "province") == "special_zone":
            zones.append(
                SpecialZone(
                    str(props["code"]),
                    str(props["name"]),
                    str(props["province_code"]),
                    geom,
                    bool(props.get("territorial_sea", False)),
                )
            )
        else:
            provinces.append(Province(str(props["code"]), str(props["name"]), geom))
    codes = {p.code for p in provinces}
    for zone in zones:
        if zone.province_code not in codes:
            raise GraphDataError(
                f"{path.name}: special zone {zone.name} names unknown province {zone.province_code}"
            )
    return tuple(provinces), tuple(zones)


def load_road_graph(data_dir: Path) -> RoadGraph:
    """Read and validate the road files; raise GraphDataError naming what is wrong."""
    version = _files_version(data_dir)
    nodes = _load_nodes(data_dir / "road_nodes.csv")
    speeds, offroad = _load_speeds(data_dir / "road_speeds.csv")
    edges = _load_edges(data_dir / "road_edges.csv", nodes, speeds)
    sea = load_sea_layer(data_dir)
    _add_ports(sea, nodes, edges, speeds)
    provinces, zones = _load_layer(data_dir / "provinces.geojson")
    graph = RoadGraph(nodes, edges, speeds, offroad, version, provinces, zones, sea)
    validate(graph)
    return graph


def _files_version(data_dir: Path) -> str:
    """The graph version: a hash of the road files' content, all of which must exist."""
    digest = hashlib.sha256()
    for name in FILES:
        path = data_dir / name
        if not path.exists():
            raise GraphDataError(f"missing road data file {path}")
        digest.update(path.read_bytes())
    for name in SEA_FILES:  # optional: a data set may have no sea
        if (data_dir / name).exists():
            digest.update((data_dir / name).read_bytes())
    return digest.hexdigest()[:16]


#: a port's access road is timed as a provincial road on the plain
ACCESS_CLASS = ("provincial", "plain")


def _add_ports(
    sea: SeaLayer,
    nodes: dict[str, Node],
    edges: dict[str, Edge],
    speeds: dict[tuple[str, str], float],
) -> None:
    """Ports a truck can reach become nodes of kind "port": those with an access road
    and those a ferry serves. A port only boats call at stays off the graph."""
    ferried = {end for f in sea.ferries.values() for end in (f.from_port, f.to_port)}
    for port in sea.ports.values():
        if port.road_node is None and port.id not in ferried:
            continue
        if port.id in nodes:
            raise GraphDataError(f"port {port.id} has the id of a road node")
        nodes[port.id] = Node(
            port.id, port.name_vi, port.name_en, port.lat, port.lon, port.province_code, "port"
        )
        if port.road_node is not None:
            if port.road_node not in nodes:
                raise GraphDataError(f"port {port.id} names unknown road node {port.road_node}")
            assert port.access_km is not None
            edge = Edge(
                f"ACCESS-{port.id}",
                port.id,
                port.road_node,
                "port access",
                *ACCESS_CLASS,
                port.access_km,
                "access",
            )
            _check_edge(edge, edges, nodes, speeds)
            edges[edge.id] = edge
    for f in sea.ferries.values():
        edge = Edge(f.id, f.from_port, f.to_port, f.name_vi, "ferry", "sea", f.km, "ferry")
        if edge.id in edges:
            raise GraphDataError(f"ferry link {f.id} has the id of a road edge")
        edges[edge.id] = edge


def _load_nodes(path: Path) -> dict[str, Node]:
    """Nodes by id, ids unique (`validate` checks that each is inside Vietnam)."""
    nodes: dict[str, Node] = {}
    for r in read_rows(path):
        node = Node(
            r["node_id"],
            r["name_vi"],
            r["name_en"],
            float(r["lat"]),
            float(r["lon"]),
            r["province_code"],
            r["kind"],
        )
        if node.id in nodes:
            raise GraphDataError(f"duplicate node {node.id}")
        nodes[node.id] = node
    return nodes


def _load_speeds(path: Path) -> tuple[dict[tuple[str, str], float], float]:
    """Speed per (road class, terrain), and the off-road speed (15 km/h unless given)."""
    speeds: dict[tuple[str, str], float] = {}
    offroad = 15.0
    for r in read_rows(path):
        if r["road_class"] == "offroad":
            offroad = float(r["speed_kmh"])
        else:
            speeds[(r["road_class"], r["terrain"])] = float(r["speed_kmh"])
    return speeds, offroad


def _load_edges(
    path: Path, nodes: dict[str, Node], speeds: dict[tuple[str, str], float]
) -> dict[str, Edge]:
    """Edges by id, each checked against the nodes and speeds already loaded."""
    edges: dict[str, Edge] = {}
    for r in read_rows(path):
        edge = Edge(
            r["edge_id"],
            r["from_node"],
            r["to_node"],
            r["road_ref"],
            r["road_class"],
            r["terrain"],
            float(r["length_km"]),
        )
        _check_edge(edge, edges, nodes, speeds)
        edges[edge.id] = edge
    return edges


def _check_edge(
    edge: Edge,
    edges: dict[str, Edge],
    nodes: dict[str, Node],
    speeds: dict[tuple[str, str], float],
) -> None:
    """A new edge: unique id, known ends, not a loop, positive length, a known speed."""
    if edge.id in edges:
        raise GraphDataError(f"duplicate edge {edge.id}")
    for end in (edge.u, edge.v):
        if end not in nodes:
            raise GraphDataError(f"edge {edge.id} names unknown node {end}")
    if edge.u == edge.v:
        raise GraphDataError(f"edge {edge.id} is a loop on {edge.u}")
    if edge.length_km <= 0:
        raise GraphDataError(f"edge {edge.id} has length {edge.length_km} km")
    if (edge.road_class, edge.terrain) not in speeds:
        raise GraphDataError(f"edge {edge.id}: no speed for {edge.road_class}/{edge.terrain}")


def validate(graph: RoadGraph) -> None:
    """Every node inside Vietnam and reachable from every other."""
    for node in graph.nodes.values():
        if graph.territory.locate(node.point) is None:
            raise GraphDataError(f"node {node.id} at {node.point} is outside Vietnam")
    g = graph.base_graph()
    if g.number_of_nodes() == 0:
        raise GraphDataError("the road graph is empty")
    parts: list[set[str]] = [set(c) for c in nx.connected_components(g)]
    if len(parts) > 1:
        sizes = [len(part) for part in parts]
        small = sorted(parts[sizes.index(min(sizes))])
        raise GraphDataError(f"the road graph is not connected: {small} cannot be reached")
