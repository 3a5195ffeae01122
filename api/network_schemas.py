"""Schemas of the /network routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from network import MAX_MATRIX_SIDE

from .text_rules import NodeId, text_rule
from .timefmt import LocalTime

Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class NodeRead(BaseModel):
    id: str
    name_vi: str
    name_en: str
    lat: float
    lon: float
    province_code: str
    kind: str


class EdgeRead(BaseModel):
    id: str
    from_node: str
    to_node: str
    road_ref: str
    road_class: str
    terrain: str
    length_km: float
    minutes: float
    #: "road", "access" (a port's access road) or "ferry" (a vehicle ferry link)
    mode: str = "road"


class NodesPage(BaseModel):
    graph_version: str
    nodes: list[NodeRead]
    edges: list[EdgeRead]


class MatrixRequest(BaseModel):
    """Node ids; at most MAX_MATRIX_SIDE sources and as many targets."""

    model_config = ConfigDict(extra="forbid")

    sources: Annotated[list[NodeId], Field(min_length=1, max_length=MAX_MATRIX_SIDE)]
    targets: Annotated[list[NodeId], Field(min_length=1, max_length=MAX_MATRIX_SIDE)]
    apply_closures: bool = True


class MatrixRead(BaseModel):
    graph_version: str
    overlay: str
    sources: list[str]
    targets: list[str]
    seconds: list[list[int | None]]
    metres: list[list[int | None]]
    unreachable: list[tuple[str, str]]


#: The fields each kind of closure takes (besides `kind` and `reason`).
CLOSURE_FIELDS: dict[str, tuple[str, ...]] = {
    "edge": ("edge_id",),
    "node": ("node_id",),
    "slow": ("edge_id", "speed_factor"),
    "zone_circle": ("centre", "radius_km"),
    "zone_polygon": ("polygon",),
    "ferry": ("edge_id",),
    "sea": ("centre", "radius_km"),
}


def _kind_schema(kind: str) -> dict[str, Any]:
    """One `oneOf` branch: this kind, its own fields given (not null), others absent or null
    (what `check_closure` enforces), so schema-driven clients and fuzzers see the rule."""
    own = CLOSURE_FIELDS[kind]
    others = sorted(set().union(*CLOSURE_FIELDS.values()) - set(own))
    properties: dict[str, Any] = {"kind": {"const": kind}}
    properties.update({name: {"not": {"type": "null"}} for name in own})
    properties.update({name: {"type": "null"} for name in others})
    return {"properties": properties, "required": ["kind", *own]}


class ClosureCreate(BaseModel):
    """An edge or node closed, an edge slowed (`slow` with speed_factor), or a hazard zone
    (a circle: centre + radius_km, or a polygon of [lat, lon] points, valid as shapely
    sees it: simple, with an area); a vehicle ferry out of service (`ferry`, edge_id = its
    link id), or the sea closed by a storm (`sea`: a circle no ferry crosses and no boat
    sails through). Each kind takes only its own fields: `edge` edge_id; `node` node_id;
    `slow` edge_id and speed_factor; `zone_circle` and `sea` centre and radius_km;
    `zone_polygon` polygon; `ferry` edge_id. Another kind's field is refused (422 naming
    it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [_kind_schema(kind) for kind in CLOSURE_FIELDS]},
    )

    kind: Literal["edge", "node", "slow", "zone_circle", "zone_polygon", "ferry", "sea"]
    edge_id: NodeId | None = None
    node_id: NodeId | None = None
    speed_factor: Annotated[float, Field(gt=0, lt=1)] | None = None
    centre: tuple[Lat, Lon] | None = None
    radius_km: Annotated[float, Field(gt=0, le=200)] | None = None
    polygon: list[tuple[Lat, Lon]] | None = None
    reason: Annotated[str, text_rule(200, min_length=1, strip=True)]


class ClosureRead(BaseModel):
    id: int
    kind: str
    edge_id: str | None
    node_id: str | None
    speed_factor: float | None
    centre: tuple[float, float] | None
    radius_km: float | None
    polygon: list[tuple[float, float]] | None
    reason: str
    created_by: str
    created_at: LocalTime
    lifted_by: str | None
    lifted_at: LocalTime | None
    active: bool


class ReachRead(BaseModel):
    place_id: str
    name: str
    hours: float


class DepotCoverageRead(BaseModel):
    depot: str
    node_id: str
    provinces: list[ReachRead]
    hazard_sources: list[ReachRead]


class FastestDepotRead(BaseModel):
    province_code: str
    name: str
    depot: str | None
    hours: float | None


class CoverageRead(BaseModel):
    hours: float
    graph_version: str
    overlay: str
    depots: list[DepotCoverageRead]
    provinces: list[FastestDepotRead]
    uncovered_provinces: list[str]
    uncovered_hazard_sources: list[str]
