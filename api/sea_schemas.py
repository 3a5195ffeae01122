"""The sea as the API shows it: ports, vehicle ferries, boats and a boat's course."""

from __future__ import annotations

from pydantic import BaseModel


class PortRead(BaseModel):
    id: str
    name_vi: str
    name_en: str
    kind: str
    lat: float
    lon: float
    province_code: str
    #: the road node its access road leads to; None on an island only boats call at
    road_node: str | None
    access_km: float | None


class FerryRead(BaseModel):
    """A vehicle ferry: trucks cross on it. Times are local (Asia/Ho_Chi_Minh)."""

    id: str
    from_port: str
    to_port: str
    name_vi: str
    name_en: str
    km: float
    crossing_min: float
    wait_min: float
    first_departure: str
    last_departure: str
    after_hours_wait_min: float


class BoatRead(BaseModel):
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


class SeaRead(BaseModel):
    graph_version: str
    ports: list[PortRead]
    ferries: list[FerryRead]
    boats: list[BoatRead]


class CourseRead(BaseModel):
    """A boat's course from its port to a place: sea km (the straight line x the detour
    factor), hours at its speed, and the sea closure that keeps it in port, if any."""

    boat: str
    from_port: str
    to: tuple[float, float]
    km: float
    hours: float
    closed_by: str | None
