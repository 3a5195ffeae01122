"""The sea and the islands in a dispatch problem: the sea leg of a site only boats reach
(its port, the boats that can sail, a storm closing the sea), why closures cut a site off,
ferry hours by the clock in Vietnam, and each stop's legs by mode for the plan record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from inventory.snapshot import DispatchSnapshot
from network import Overlay, RoadRouter, SeaSite, Site, Snap
from network.geometry import Point, haversine_km
from network.sea import TRANSFER_SECONDS, FerryLink, SeaLayer
from optimizer import Boat, DispatchParams, SeaLeg
from optimizer.dispatch_model import Stop

from .timefmt import to_local

#: boats berthed at other ports join a sea leg if they can reach its port within this
#: (planning assumption, data/README.md)
APPROACH_S = 12 * 3600
#: ferries whose ports lie this close to a site cut off are named in its reason, and are
#: the ones whose hours are judged when the trucks get there
FERRY_NEAR_KM = 200.0
#: loading at a depot before a truck leaves (the plans' default)
LOAD_S = DispatchParams().load_seconds


def _near(sea: SeaLayer, f: FerryLink, p: Point) -> bool:
    """Whether either port of the ferry lies within FERRY_NEAR_KM of the point."""
    ends = (sea.ports[f.from_port].point, sea.ports[f.to_port].point)
    return min(haversine_km(end, p) for end in ends) <= FERRY_NEAR_KM


def ferry_waits(
    road: RoadRouter,
    overlay: Overlay,
    depot_nodes: Sequence[str],
    points: Sequence[Point],
    t0: dt.datetime,
) -> tuple[tuple[str, float], ...]:
    """Each ferry link's wait when trucks get there (`FerryLink.wait_at`), where it is not
    the in-hours average: a link near an incident is judged at t0 plus loading plus the
    fastest drive from any depot to either of its ports, not at t0 (a plan made at 16:30
    whose first truck reaches Hà Tiên at 19:00 meets the after-hours call-out, not the
    timetable that ends at 18:00). Later trucks are judged by the first one's time; the other
    links by t0."""
    sea = road.graph.sea
    at_t0 = sea.waits(to_local(t0).time())
    near = [f for f in sea.ferries.values() if any(_near(sea, f, p) for p in points)]
    ends = sorted({p for f in near for p in (f.from_port, f.to_port) if p in road.graph.nodes})
    if not ends or not depot_nodes:
        return at_t0
    drive = road.matrix(sorted(set(depot_nodes)), ends, replace(overlay, ferry_waits=at_t0))
    reach: dict[str, int] = {}
    for j, port in enumerate(ends):
        times = [t for row in drive.seconds if (t := row[j]) is not None]
        if times:
            reach[port] = min(times)
    near_ids = {f.id for f in near}
    out = {link: wait for link, wait in at_t0 if link not in near_ids}
    for f in near:
        first = min((reach[p] for p in (f.from_port, f.to_port) if p in reach), default=0)
        wait = f.wait_at(to_local(t0 + dt.timedelta(seconds=LOAD_S + first)).time())
        if wait != f.wait_min:
            out[f.id] = wait
    return tuple(sorted(out.items()))


def cut_off(road: RoadRouter, overlay: Overlay, site: Site) -> str:
    """Why no depot can reach a site the open network reaches: the ferries that do not
    cross (a storm closing the sea, or the ferry out of service), or closed roads."""
    sea = road.graph.sea
    closed_edges = {c.edge_id for c in overlay.closures if c.speed_factor is None}
    stopped: list[str] = []
    point = site.point if isinstance(site, Snap | SeaSite) else road.graph.nodes[site].point
    for f in sea.ferries.values():
        if not _near(sea, f, point):
            continue
        a, b = sea.ports[f.from_port].point, sea.ports[f.to_port].point
        storm = overlay.sea_closed(a, b)
        if storm is not None:
            stopped.append(f"{f.name_vi} (the sea is closed: {storm.label or 'storm'})")
        elif f.id in closed_edges:
            stopped.append(f"{f.name_vi} (out of service)")
    where = road.graph.territory.locate(point)
    place = "the site" if where is None else where.describe()
    if stopped:
        return (
            f"no depot can reach {place}: the ferries do not cross ({'; '.join(stopped)}) "
            "and no road leads there"
        )
    return f"no depot can reach {place}: closures and hazard zones cut every road to it"


def sea_leg(
    road: RoadRouter, overlay: Overlay, snapshot: DispatchSnapshot, site: SeaSite, index: int
) -> SeaLeg:
    """The free boats that make the round trip from the port, its own and those that
    can sail there within APPROACH_S, and whether the sea is open."""
    sea = road.graph.sea
    port = sea.ports[site.port]
    boats = []
    for b in sea.boats.values():
        key = f"{b.depot}/boat/{b.id}"
        approach = 0.0 if b.port == site.port else sea.sea_km(b.port, port.point)
        ready = round(approach / b.speed_kmh * 3600)
        if key in snapshot.busy or ready > APPROACH_S or not b.reaches(approach + site.sea_km):
            continue
        if b.port != site.port and overlay.sea_closed(sea.ports[b.port].point, port.point):
            continue  # a storm lies between its berth and the loading port
        home = "" if b.port == site.port else sea.ports[b.port].name_vi
        cap = (b.payload_kg, b.deck_m3, b.speed_kmh)
        boats.append(Boat(key, b.depot, *cap, ready, home, round(approach, 1)))
    storm = overlay.sea_closed(port.point, site.point)
    closed = (
        ""
        if storm is None
        else f"the sea is closed between {port.name_vi} and the site ({storm.label or 'closure'}): "
        "no boat may sail"
    )
    return SeaLeg(index, port.name_vi, site.sea_km, tuple(boats), TRANSFER_SECONDS, closed)


def stop_legs(
    road: RoadRouter,
    overlay: Overlay,
    sites: tuple[Site, ...],
    node_ids: tuple[str, ...],
    a: Stop,
    b: Stop,
) -> tuple[dict[str, Any], ...]:
    """How a vehicle gets from one stop to the next, one entry per stretch of one mode:
    roads (their numbers), an off-road leg, a ferry crossing (the truck aboard), or the
    boat's course at sea."""
    here, there = sites[a.location], sites[b.location]
    sea = there if isinstance(there, SeaSite) else here if isinstance(here, SeaSite) else None
    if sea is not None:
        return (
            {
                "mode": "sea",
                "via": f"boat from {road.graph.sea.ports[sea.port].name_vi}",
                "km": round(sea.sea_km, 1),
                "minutes": round((b.arrival - a.departure) / 60),
            },
        )
    if node_ids[a.location] == node_ids[b.location]:
        return ()
    route = road.route_between_points(_end(here), _end(there), overlay)
    if route is None:
        return ()
    out: list[dict[str, Any]] = []
    for leg in route.legs:
        via = leg.road_ref
        if out and out[-1]["mode"] == leg.mode and leg.mode == "road":
            last = out[-1]
            last["km"] = round(last["km"] + leg.km, 1)
            last["minutes"] = round(last["minutes"] + leg.seconds / 60, 1)
            if via not in last["via"].split(", "):
                last["via"] = f"{last['via']}, {via}"
            continue
        out.append(
            {
                "mode": leg.mode,
                "via": via,
                "km": round(leg.km, 1),
                "minutes": round(leg.seconds / 60, 1),
            }
        )
    for entry in out:
        entry["minutes"] = round(entry["minutes"])
    return tuple(out)


def _end(site: Site) -> str | tuple[float, float]:
    return site.point if isinstance(site, Snap) else site if isinstance(site, str) else site.port
