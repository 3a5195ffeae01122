"""Which provinces and hazard sources each depot reaches within T hours, and the
fastest depot for each province."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from .overlays import NO_OVERLAY, Overlay
from .places import Place
from .routing import RoadRouter, Snap


@dataclass(frozen=True)
class Reach:
    place_id: str
    name: str
    hours: float


@dataclass(frozen=True)
class DepotCoverage:
    depot: str
    node_id: str
    provinces: list[Reach]
    hazard_sources: list[Reach]


@dataclass(frozen=True)
class FastestDepot:
    province_code: str
    name: str
    depot: str | None
    hours: float | None


@dataclass(frozen=True)
class Coverage:
    hours: float
    depots: list[DepotCoverage]
    provinces: list[FastestDepot]
    uncovered_provinces: list[str]
    uncovered_hazard_sources: list[str]


def compute_coverage(
    router: RoadRouter,
    depots: Mapping[str, str],
    provinces: Sequence[Place],
    hazards: Sequence[Place],
    hours: float,
    overlay: Overlay = NO_OVERLAY,
) -> Coverage:
    """`depots` maps depot code to node id. Places are reached through their snapped
    node plus the off-road leg. Travel uses the safe view (closures and zones applied)."""
    safe = router.view(overlay).safe
    limit = hours * 3600
    snapped = {
        p.id: router.snap(p.point, field_name=p.id, max_km=200) for p in [*provinces, *hazards]
    }
    per_depot = []
    for code, node in sorted(depots.items()):
        dist = _seconds_from(router, safe, code, node, limit)
        reached = _reach_list(dist, provinces, snapped, limit)
        per_depot.append(
            DepotCoverage(code, node, reached, _reach_list(dist, hazards, snapped, limit))
        )
    fastest = _fastest_depots(safe, depots, provinces, snapped)
    covered_p = {r.place_id for d in per_depot for r in d.provinces}
    covered_h = {r.place_id for d in per_depot for r in d.hazard_sources}
    return Coverage(
        hours,
        per_depot,
        fastest,
        sorted(p.id for p in provinces if p.id not in covered_p),
        sorted(h.id for h in hazards if h.id not in covered_h),
    )


def _seconds_from(
    router: RoadRouter, safe: nx.Graph, code: str, node: str, limit: float
) -> Mapping[str, float]:
    """Seconds from a depot's node to every node within `limit`; nothing when the node
    is cut off from the safe graph."""
    router.node(node, f"depots.{code}")
    if node not in safe:
        return {}
    dist: Mapping[str, float] = nx.single_source_dijkstra_path_length(
        safe, node, cutoff=limit, weight="t"
    )
    return dist


def _reach_list(
    dist: Mapping[str, float], places: Sequence[Place], snapped: Mapping[str, Snap], limit: float
) -> list[Reach]:
    """The places reached within `limit` seconds, off-road leg included, nearest first."""
    out = []
    for place in places:
        s = snapped[place.id]
        if s.node_id in dist and dist[s.node_id] + s.seconds <= limit:
            out.append(Reach(place.id, place.name, round((dist[s.node_id] + s.seconds) / 3600, 2)))
    return sorted(out, key=lambda r: r.hours)


def _fastest_depots(
    safe: nx.Graph,
    depots: Mapping[str, str],
    provinces: Sequence[Place],
    snapped: Mapping[str, Snap],
) -> list[FastestDepot]:
    """For each province the depot that reaches it first, whatever the time; none if
    no depot can reach it."""
    by_node = {node: code for code, node in depots.items() if node in safe}
    if by_node:
        dist, paths = nx.multi_source_dijkstra(safe, set(by_node), weight="t")
    else:
        dist, paths = {}, {}
    fastest: list[FastestDepot] = []
    for place in provinces:
        s = snapped[place.id]
        if s.node_id in dist:
            depot = by_node[paths[s.node_id][0]]
            hours = round((dist[s.node_id] + s.seconds) / 3600, 2)
            fastest.append(FastestDepot(place.id, place.name, depot, hours))
        else:
            fastest.append(FastestDepot(place.id, place.name, None, None))
    return fastest
