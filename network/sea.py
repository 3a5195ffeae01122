"""Ports, vehicle ferries and response boats (data/ports.csv, ferry_links.csv, boats.csv).

Ports become nodes of the network graph, tied to a road node by an access road; vehicle
ferries become edges of their own mode ("ferry"), so trucks cross to the islands on them
and a closure shuts them like a road. Boats are not in the graph: they sail from their
port straight to a point at sea (or to an island no ferry serves), a leg timed as the
great-circle distance x SEA_DETOUR at the boat's speed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .errors import GraphDataError
from .geometry import Point, haversine_km
from .places import read_rows

FILES = ("ports.csv", "ferry_links.csv", "boats.csv")
#: A sea leg is the straight line from port to point, lengthened this much for the way
#: round headlands and shoals (planning assumption, data/README.md).
SEA_DETOUR = 1.2
#: Moving goods from a truck onto a boat at the port (planning assumption, data/README.md).
TRANSFER_SECONDS = 30 * 60
#: Ports and boats: the kinds and owners the data may name.
PORT_KINDS = ("seaport", "river_port", "island_port")
OWNERS = ("army", "partner")


@dataclass(frozen=True)
class Port:
    id: str
    name_vi: str
    name_en: str
    kind: str
    lat: float
    lon: float
    province_code: str
    road_node: str | None
    access_km: float | None

    @property
    def point(self) -> Point:
        return (self.lat, self.lon)


@dataclass(frozen=True)
class FerryLink:
    """A vehicle ferry between two ports. Its time is the crossing plus a wait: the
    average wait in its operating hours, or the call-out of a requisitioned ferry
    outside them (local time)."""

    id: str
    from_port: str
    to_port: str
    name_vi: str
    name_en: str
    km: float
    crossing_min: float
    wait_min: float
    first_departure: dt.time
    last_departure: dt.time
    after_hours_wait_min: float

    def in_hours(self, local: dt.time) -> bool:
        return self.first_departure <= local <= self.last_departure

    def wait_at(self, local: dt.time) -> float:
        """Minutes from reaching the terminal at this local time to sailing: the average
        wait in hours; outside them the call-out, or the wait for the first boat where that
        comes sooner (a truck at Rạch Giá at 05:00 takes the 06:00 boat)."""
        if self.in_hours(local):
            return self.wait_min
        now = local.hour * 60 + local.minute + local.second / 60
        first = self.first_departure.hour * 60 + self.first_departure.minute
        until_first = (first - now) % (24 * 60)
        return min(self.after_hours_wait_min, until_first + self.wait_min)

    def minutes(self, wait_min: float | None = None) -> float:
        """The crossing and the wait: `wait_min`, or the average wait in hours."""
        return self.crossing_min + (self.wait_min if wait_min is None else wait_min)


@dataclass(frozen=True)
class Boat:
    """A response vessel berthed at `port`, called up through `depot`."""

    id: str
    name_vi: str
    name_en: str
    depot: str
    port: str
    owner: str
    payload_kg: float
    deck_m3: float
    speed_kmh: float
    range_km: float

    def reaches(self, sea_km: float) -> bool:
        """Whether the round trip fits the boat's range."""
        return 2 * sea_km <= self.range_km


@dataclass(frozen=True)
class SeaLayer:
    ports: dict[str, Port]
    ferries: dict[str, FerryLink]
    boats: dict[str, Boat]

    def sea_km(self, port: str, p: Point) -> float:
        """The sailing distance from a port to a point."""
        return haversine_km(self.ports[port].point, p) * SEA_DETOUR

    def waits(self, local: dt.time) -> tuple[tuple[str, float], ...]:
        """(link, minutes) for each ferry link whose wait at this local time is not its
        in-hours average (`FerryLink.wait_at`), by link id."""
        return tuple(
            sorted(
                (f.id, w) for f in self.ferries.values() if (w := f.wait_at(local)) != f.wait_min
            )
        )

    def boats_at(self, port: str) -> list[Boat]:
        return sorted((b for b in self.boats.values() if b.port == port), key=lambda b: b.id)


EMPTY_SEA = SeaLayer({}, {}, {})


def _positive(value: str, what: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise GraphDataError(f"{what} is not a number: {value!r}") from None
    if not number > 0:
        raise GraphDataError(f"{what} must be positive, not {value}")
    return number


def _clock(value: str, what: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise GraphDataError(f"{what} is not a time HH:MM: {value!r}") from None


def load_sea_layer(data_dir: Path) -> SeaLayer:
    """The three files, each optional (a data set without them has no sea); every
    reference between them checked here, road nodes by the graph loader."""
    ports = {p.id: p for p in _ports(data_dir / "ports.csv")}
    ferries: dict[str, FerryLink] = {}
    path = data_dir / "ferry_links.csv"
    for r in read_rows(path) if path.exists() else []:
        link = FerryLink(
            r["link_id"],
            r["from_port"],
            r["to_port"],
            r["name_vi"],
            r["name_en"],
            _positive(r["km"], f"ferry {r['link_id']} km"),
            _positive(r["crossing_min"], f"ferry {r['link_id']} crossing_min"),
            float(r["wait_min"] or 0),
            _clock(r["first_departure"], f"ferry {r['link_id']} first_departure"),
            _clock(r["last_departure"], f"ferry {r['link_id']} last_departure"),
            float(r["after_hours_wait_min"] or 0),
        )
        for end in (link.from_port, link.to_port):
            if end not in ports:
                raise GraphDataError(f"ferry {link.id} names unknown port {end}")
        if link.id in ferries:
            raise GraphDataError(f"duplicate ferry link {link.id}")
        ferries[link.id] = link
    return SeaLayer(ports, ferries, _boats(data_dir / "boats.csv", ports))


def _ports(path: Path) -> list[Port]:
    out: list[Port] = []
    for r in read_rows(path) if path.exists() else []:
        node = r["road_node"] or None
        port = Port(
            r["port_id"],
            r["name_vi"],
            r["name_en"],
            r["kind"],
            float(r["lat"]),
            float(r["lon"]),
            r["province_code"],
            node,
            _positive(r["access_km"], f"port {r['port_id']} access_km") if node else None,
        )
        if port.kind not in PORT_KINDS:
            raise GraphDataError(f"port {port.id}: kind {port.kind!r} is not one of {PORT_KINDS}")
        if any(p.id == port.id for p in out):
            raise GraphDataError(f"duplicate port {port.id}")
        out.append(port)
    return out


def _boats(path: Path, ports: dict[str, Port]) -> dict[str, Boat]:
    boats: dict[str, Boat] = {}
    for r in read_rows(path) if path.exists() else []:
        boat = Boat(
            r["boat_id"],
            r["name_vi"],
            r["name_en"],
            r["depot"],
            r["port"],
            r["owner"],
            _positive(r["payload_kg"], f"boat {r['boat_id']} payload_kg"),
            _positive(r["deck_m3"], f"boat {r['boat_id']} deck_m3"),
            _positive(r["speed_kmh"], f"boat {r['boat_id']} speed_kmh"),
            _positive(r["range_km"], f"boat {r['boat_id']} range_km"),
        )
        if boat.port not in ports:
            raise GraphDataError(f"boat {boat.id} names unknown port {boat.port}")
        if boat.owner not in OWNERS:
            raise GraphDataError(f"boat {boat.id}: owner {boat.owner!r} is not one of {OWNERS}")
        if boat.id in boats:
            raise GraphDataError(f"duplicate boat {boat.id}")
        boats[boat.id] = boat
    return boats
