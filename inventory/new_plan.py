"""A solved plan in the books' terms, before it is stored: plain values the use case
builds from the optimiser's plan (inventory never imports the optimiser)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NewPick:
    depot: str
    item: str
    lot_id: int
    quantity: int
    incident_id: int
    for_item: str
    vehicle: str


@dataclass(frozen=True)
class NewStop:
    kind: str
    place: str
    node_id: str
    arrival_at: dt.datetime
    departure_at: dt.datetime
    load_kg: float
    load_m3: float
    depot: str | None
    incident_id: int | None
    cargo: tuple[tuple[str, int], ...]
    #: how the stop is reached from the one before, leg by leg: mode, via, km, minutes
    legs: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class NewRoute:
    vehicle: str
    depot: str
    vehicle_type: str
    metres: int
    departs_at: dt.datetime
    returns_at: dt.datetime
    geometry: tuple[tuple[float, float], ...]  # (lon, lat)
    stops: tuple[NewStop, ...]
    crew: int = 1
    rest_seconds: int = 0


@dataclass(frozen=True)
class NewFulfilment:
    incident_id: int
    item: str
    quantity: int
    met: int
    met_on_time: int
    required_by: dt.datetime
    last_arrival: dt.datetime | None
    priority: int
    substituted: tuple[tuple[str, int], ...]
    earliest_arrival: dt.datetime | None = None
    first_arrival: dt.datetime | None = None
    within_bound: int = 0
    reason: str = ""


@dataclass(frozen=True)
class NewUnmet:
    incident_id: int
    item: str
    quantity: int
    reason: str


@dataclass(frozen=True)
class NewPlan:
    """A solved plan in the books' terms: the use case translates the optimiser's plan."""

    incident_ids: tuple[int, ...]
    t0: dt.datetime
    solve_status: str
    objective: float | None
    bound: float | None
    solve_seconds: float
    engine: str
    notes: tuple[str, ...]
    metres: int
    unmet_units: int
    lateness_unit_hours: float
    overlay_key: str
    picks: tuple[NewPick, ...]
    routes: tuple[NewRoute, ...]
    fulfilment: tuple[NewFulfilment, ...]
    unmet: tuple[NewUnmet, ...]
    within_bound_share: float | None = None
    vehicle_seconds: int = 0
    far_vehicles: int = 0
