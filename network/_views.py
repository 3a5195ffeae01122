"""The shortest-path machinery behind the router: one view per overlay (closures,
hazard zones, storms closing the sea, ferries out of hours applied) and its cached
Dijkstra trees."""

from __future__ import annotations

import heapq
import math

import networkx as nx

from .graph import RoadGraph
from .overlays import Overlay


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
        waits = dict(overlay.ferry_waits)
        for edge in graph.edges.values():
            if edge.id in closed_edges or edge.u in closed_nodes or edge.v in closed_nodes:
                continue
            factor = slowed.get(edge.id) or 1.0
            a, b = graph.nodes[edge.u].point, graph.nodes[edge.v].point
            if edge.mode == "ferry" and overlay.sea_closed(a, b) is not None:
                continue
            seconds = graph.edge_seconds(edge, factor, wait_min=waits.get(edge.id))
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
