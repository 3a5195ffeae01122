"""Which provinces and hazard sources each depot reaches within T hours, and the
fastest depot for each province."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from .overlays import NO_OVERLAY, Overlay
from .places import Place
from .routing import RoadRouter


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
    view = router.view(overlay)
    limit = hours * 3600
    snapped = {
        p.id: router.snap(p.point, field_name=p.id, max_km=200) for p in [*provinces, *hazards]
    }

    def reach_list(dist: Mapping[str, float], places: Sequence[Place]) -> list[Reach]:
        out = []
        for place in places:
            s = snapped[place.id]
            if s.node_id in dist and dist[s.node_id] + s.seconds <= limit:
                out.append(
                    Reach(place.id, place.name, round((dist[s.node_id] + s.seconds) / 3600, 2))
                )
        return sorted(out, key=lambda r: r.hours)

    per_depot = []
    for code, node in sorted(depots.items()):
        router.node(node, f"depots.{code}")
        dist = (
            nx.single_source_dijkstra_path_length(view.safe, node, cutoff=limit, weight="t")
            if node in view.safe
            else {}
        )
        per_depot.append(
            DepotCoverage(code, node, reach_list(dist, provinces), reach_list(dist, hazards))
        )

    by_node = {node: code for code, node in depots.items() if node in view.safe}
    fastest: list[FastestDepot] = []
    if by_node:
        dist, paths = nx.multi_source_dijkstra(view.safe, set(by_node), weight="t")
    else:
        dist, paths = {}, {}
    for place in provinces:
        s = snapped[place.id]
        if s.node_id in dist:
            depot = by_node[paths[s.node_id][0]]
            fastest.append(
                FastestDepot(
                    place.id, place.name, depot, round((dist[s.node_id] + s.seconds) / 3600, 2)
                )
            )
        else:
            fastest.append(FastestDepot(place.id, place.name, None, None))
    covered_p = {r.place_id for d in per_depot for r in d.provinces}
    covered_h = {r.place_id for d in per_depot for r in d.hazard_sources}
    return Coverage(
        hours,
        per_depot,
        fastest,
        sorted(p.id for p in provinces if p.id not in covered_p),
        sorted(h.id for h in hazards if h.id not in covered_h),
    )
