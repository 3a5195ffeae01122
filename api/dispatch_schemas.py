"""Schemas of incidents and dispatch plans."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .number_rules import WHOLE, IsoTime
from .text_rules import ItemCode, NodeId, code_rule, text_rule
from .timefmt import LocalTime

IncidentType = Literal[
    "chemical_release",
    "toxic_gas",
    "radiological",
    "oil_spill_water",
    "oil_spill_land",
    "toxic_smoke_fire",
]
#: the longest a request may let the dispatch solver run (seconds)
MAX_PLAN_TIME_LIMIT_S = 120.0
#: incidents.level, .template, .hazard_source_id
Level = Annotated[str, code_rule(40)]
Template = Annotated[str, code_rule(80)]
HazardSourceId = Annotated[str, code_rule(20)]


class Location(BaseModel):
    """Where: coordinates, a road node id, or a hazard-source id from data/ (exactly one;
    the schema says so with `oneOf`, so an empty location is invalid there too)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["lat", "lon"]},
                {"required": ["node_id"]},
                {"required": ["hazard_source"]},
            ]
        },
    )

    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)] | None = None
    node_id: NodeId | None = None
    hazard_source: HazardSourceId | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Location:
        given = [
            self.lat is not None or self.lon is not None,
            self.node_id is not None,
            self.hazard_source is not None,
        ]
        if sum(given) != 1:
            raise ValueError("give exactly one of lat+lon, node_id or hazard_source")
        if given[0] and (self.lat is None or self.lon is None):
            raise ValueError("lat and lon go together")
        return self


class DemandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: ItemCode
    quantity: Annotated[int, Field(gt=0, le=1_000_000), WHOLE]
    #: with its time zone (e.g. +07:00 or Z): a time without one is refused
    required_by: IsoTime
    priority: Annotated[int, Field(ge=1, le=5), WHOLE] = 3


class IncidentCreate(BaseModel):
    """An incident with explicit demand lines, or a scenario template (type.level by
    default) scaled by `size`."""

    model_config = ConfigDict(extra="forbid")

    incident_type: IncidentType
    level: Level
    location: Location
    reported_at: IsoTime | None = None
    description: Annotated[str, text_rule(1000)] | None = None
    priority: Annotated[int, Field(ge=1, le=5), WHOLE] = 3
    demands: Annotated[list[DemandIn], Field(max_length=200)] | None = None
    template: Template | None = None
    size: Annotated[float, Field(gt=0, le=20, allow_inf_nan=False)] = 1.0


class DemandRead(BaseModel):
    item: str
    quantity: int
    required_by: LocalTime
    priority: int


class IncidentRead(BaseModel):
    id: int
    incident_type: str
    level: str
    status: str
    lat: float
    lon: float
    node_id: str
    snap_km: float
    province_code: str | None
    hazard_source: str | None
    reported_at: LocalTime
    priority: int
    template: str | None
    size: float
    description: str | None
    demands: list[DemandRead]


class PlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time_limit_s: Annotated[float, Field(gt=0, le=MAX_PLAN_TIME_LIMIT_S)] | None = None
    seed: Annotated[int, Field(ge=0, le=2**31 - 1), WHOLE] = 0
    with_incidents: Annotated[
        list[Annotated[int, Field(ge=1, le=2_147_483_647), WHOLE]], Field(max_length=20)
    ] = []


class SolveRead(BaseModel):
    """How the plan was solved: `objective` (priority-weighted unit-hours until each unit
    lands, plus unmet units at twice the horizon) is null when no plan was found at all;
    `bound` is a lower bound on it (every line from its nearest stock, straight to the
    site, no vehicle limit). `within_bound_share` is the share of priority-weighted units
    on fully met lines landing within max(30 min, 25 %) after their line's earliest
    possible arrival; `far_vehicles` counts loads taken by a vehicle from more than 30 min
    away while the loading depot kept an idle vehicle that could carry them."""

    status: str
    objective: float | None
    bound: float | None
    within_bound_share: float | None
    far_vehicles: int
    vehicle_hours: float
    solve_seconds: float
    engine: str
    notes: list[str]


class SummaryRead(BaseModel):
    demand_units: int
    met_units: int
    met_on_time_units: int
    unmet_units: int
    late_lines: int
    lateness_unit_hours: float
    vehicles: int
    km: float
    depots: list[str]
    last_arrival: LocalTime | None


class PickRead(BaseModel):
    item: str
    item_name: str
    lot_id: int
    lot_no: str | None
    quantity: int
    incident: int
    for_item: str
    substitute: bool
    vehicle: str | None
    #: for a site at sea: the boats that take the goods on from the port the vehicle
    #: unloads at ("by boat from Cảng Dung Quất (D-QNG/boat/B-QNG-1)"); None on land
    onward: str | None = None


class PickListRead(BaseModel):
    depot: str
    lines: list[PickRead]


class CargoRead(BaseModel):
    item: str
    quantity: int


class LegRead(BaseModel):
    """One stretch of one mode on the way to a stop: `road` (the road numbers in `via`),
    `offroad`, `ferry` (the truck aboard the ferry named in `via`) or `sea` (a boat).
    `minutes` is the stretch at its road's (or ferry's, or boat's) own pace; the stop's
    arrival adds the vehicle's speed and the crew's breaks and rests."""

    mode: str
    via: str
    km: float
    minutes: int


class StopRead(BaseModel):
    kind: str
    place: str
    node: str
    arrival: LocalTime
    departure: LocalTime
    load_kg: float
    load_m3: float
    depot: str | None
    incident: int | None
    cargo: list[CargoRead]
    legs: list[LegRead] = []


class RouteRead(BaseModel):
    vehicle: str
    depot: str
    vehicle_type: str
    #: drivers aboard: two may drive on where one must rest
    crew: int
    #: hours of breaks and rests the driving-time rules impose on the way
    rest_hours: float
    km: float
    returns_at: LocalTime
    stops: list[StopRead]
    #: a GeoJSON Feature with the LineString of the road driven ([lon, lat])
    geometry: dict[str, Any]


class FulfilmentRead(BaseModel):
    incident: int
    item: str
    item_name: str
    quantity: int
    met: int
    met_on_time: int
    required_by: LocalTime
    last_arrival: LocalTime | None
    late_hours: float | None
    priority: int
    substituted: list[CargoRead]
    #: the line's bound: the earliest the whole quantity could possibly be on site
    earliest_arrival: LocalTime | None
    first_arrival: LocalTime | None
    #: units landing within max(30 min, 25 %) after `earliest_arrival`
    within_bound: int
    #: why the line is slower than its bound, late or short, in plain words
    reason: str


class UnmetRead(BaseModel):
    incident: int
    item: str
    item_name: str
    quantity: int
    reason: str


class PlanRead(BaseModel):
    id: int
    status: str
    incidents: list[int]
    replaces: int | None
    superseded_by: int | None
    t0: LocalTime
    created_at: LocalTime
    solve: SolveRead
    summary: SummaryRead
    pick_lists: list[PickListRead]
    routes: list[RouteRead]
    fulfilment: list[FulfilmentRead]
    unmet: list[UnmetRead]
