"""Where boats go: the port a point at sea (or on an island no ferry serves) is served
from, and a boat's course to a point, refused where it has no sea access or range."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import InvalidLocationError, UnknownBoatError
from .geometry import Location, Point, haversine_km
from .graph import RoadGraph
from .overlays import Overlay
from .sea import Boat, Port

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


def nearest_port_by_sea(
    graph: RoadGraph, p: Point, place: str, where: Location, field_name: str
) -> SeaSite:
    """The nearest port (in the graph) with a boat whose range makes the round trip."""
    sea = graph.sea
    best: tuple[float, str] | None = None
    nearest: tuple[float, str] | None = None
    for port in sea.ports.values():
        boats = sea.boats_at(port.id)
        if port.id not in graph.nodes or not boats:
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


def course(
    graph: RoadGraph, boat_id: str, p: Point, overlay: Overlay, field_name: str
) -> SeaCourse:
    """A boat's course from its port to a point: refused where no boat can go (land
    more than SHORE_KM from the sea and from any port) or beyond its range."""
    sea = graph.sea
    boat = sea.boats.get(boat_id)
    if boat is None:
        raise UnknownBoatError(f"unknown boat {boat_id!r}", field="boat_id")
    inland = graph.territory.inland_km(p)
    near_port = min((haversine_km(q.point, p) for q in sea.ports.values()), default=math.inf)
    if inland > SHORE_KM and near_port > SHORE_KM:
        where = graph.territory.locate(p)
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
