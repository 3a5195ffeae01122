"""The road network: nodes, routes, matrices, closures and coverage."""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.models import Depot
from network import (
    MAX_MATRIX_SIDE,
    NO_OVERLAY,
    RoadRouter,
    compute_coverage,
    load_hazard_sources,
    load_province_centres,
    load_road_graph,
)
from network.errors import GraphDataError, InvalidLocationError

from ..deps import Actor, DatabaseDep, IdempotencyKey, ReadSession, RowId, SettingsDep
from ..network_schemas import (
    ClosureCreate,
    ClosureRead,
    CoverageRead,
    EdgeRead,
    MatrixRead,
    MatrixRequest,
    NodeRead,
    NodesPage,
)
from ..network_service import active_overlay, create_closure, lift_closure, list_closures
from ..problems import ApiProblem

router = APIRouter(prefix="/network", tags=["network"])

PLACE = "a node id, a depot code (D-HNI), a hazard-source id (F01) or 'lat,lon'"
_COORD = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


def get_router(request: Request) -> RoadRouter:
    """The road router, loaded from data/ once per app and kept with its caches."""
    road_router: RoadRouter | None = request.app.state.router
    if road_router is None:
        settings = request.app.state.settings
        try:
            road_router = RoadRouter(load_road_graph(settings.data_dir))
        except GraphDataError as exc:
            raise ApiProblem(503, "Road network unavailable", exc.message) from exc
        request.app.state.router = road_router
    return road_router


Router = Annotated[RoadRouter, Depends(get_router)]


def parse_place(
    value: str,
    field: str,
    *,
    depots: dict[str, str] | None = None,
    hazards: dict[str, tuple[float, float]] | None = None,
) -> str | tuple[float, float]:
    """A node id, a depot code, a hazard-source id, or "lat,lon"."""
    match = _COORD.match(value)
    if match:
        return (float(match.group(1)), float(match.group(2)))
    if "," in value:
        raise InvalidLocationError(f"{value!r} is not 'lat,lon' with two numbers", field=field)
    value = value.strip()
    if depots and value in depots:
        return depots[value]
    if hazards and value in hazards:
        return hazards[value]
    return value


def place_lookups(
    session: Session, data_dir: Path
) -> tuple[dict[str, str], dict[str, tuple[float, float]]]:
    depots = {d.code: d.node_id for d in session.scalars(select(Depot)) if d.node_id}
    hazards = {h.id: h.point for h in load_hazard_sources(data_dir)}
    return depots, hazards


@router.get("/nodes")
def read_nodes(road: Router) -> NodesPage:
    """Every node (towns, junctions, border gates, ports) and every road between them."""
    g = road.graph
    return NodesPage(
        graph_version=g.version,
        nodes=[NodeRead(**asdict(n)) for n in g.nodes.values()],
        edges=[
            EdgeRead(
                id=e.id,
                from_node=e.u,
                to_node=e.v,
                road_ref=e.road_ref,
                road_class=e.road_class,
                terrain=e.terrain,
                length_km=e.length_km,
                minutes=round(g.edge_seconds(e) / 60, 1),
            )
            for e in g.edges.values()
        ],
    )


@router.get("/route", response_model=None)
def read_route(
    road: Router,
    session: ReadSession,
    settings: SettingsDep,
    from_: Annotated[str, Query(alias="from", min_length=1, max_length=60, description=PLACE)],
    to: Annotated[str, Query(min_length=1, max_length=60, description=PLACE)],
    apply_closures: bool = True,
) -> dict[str, Any]:
    """The fastest route as a GeoJSON Feature (LineString) with per-leg times; active
    closures and hazard zones apply unless `apply_closures=false`. 404 problem if the
    closures cut the two places apart."""
    overlay = active_overlay(session) if apply_closures else NO_OVERLAY
    depots, hazards = place_lookups(session, settings.data_dir)
    route = road.route_between_points(
        parse_place(from_, "from", depots=depots, hazards=hazards),
        parse_place(to, "to", depots=depots, hazards=hazards),
        overlay,
    )
    if route is None:
        raise ApiProblem(
            404,
            "Unreachable",
            f"no open road from {from_} to {to} with the active closures and hazard zones",
            field="to",
        )
    legs = [
        {**asdict(leg), "minutes": round(leg.seconds / 60, 1), "km": round(leg.km, 1)}
        for leg in route.legs
    ]
    snaps = [
        {
            "point": s.point,
            "node_id": s.node_id,
            "snap_km": s.distance_km,
            "offroad_minutes": round(s.seconds / 60, 1),
        }
        for s in route.snaps
    ]
    return route.geojson(
        {
            "legs": legs,
            "snaps": snaps,
            "graph_version": road.graph.version,
            "overlay": overlay.key(),
        }
    )


@router.post(
    "/matrix",
    description="Travel seconds and metres between node ids (null when unreachable), with "
    f"the active closures and hazard zones; at most {MAX_MATRIX_SIDE} sources and "
    f"{MAX_MATRIX_SIDE} targets (larger requests get a 422).",
)
def create_matrix(body: MatrixRequest, road: Router, session: ReadSession) -> MatrixRead:
    overlay = active_overlay(session) if body.apply_closures else NO_OVERLAY
    m = road.matrix(body.sources, body.targets, overlay)
    return MatrixRead(
        graph_version=road.graph.version,
        overlay=overlay.key(),
        sources=m.sources,
        targets=m.targets,
        seconds=m.seconds,
        metres=m.metres,
        unreachable=m.unreachable,
    )


@router.get("/closures")
def read_closures(session: ReadSession, include_lifted: bool = False) -> list[ClosureRead]:
    """Active closures and hazard zones (and lifted ones with `include_lifted=true`)."""
    return list_closures(session, include_lifted=include_lifted)


@router.post("/closures", status_code=201)
def post_closure(
    body: ClosureCreate,
    road: Router,
    db: DatabaseDep,
    actor: Actor,
    response: Response,
    key: IdempotencyKey,
) -> ClosureRead:
    """Close an edge or a node, slow an edge, or declare a hazard zone. Every later route,
    matrix and plan sees it until it is lifted."""
    result, replayed = create_closure(db, road, body, actor=actor, key=key)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ClosureRead.model_validate(result)


@router.delete("/closures/{closure_id}")
def delete_closure(closure_id: RowId, db: DatabaseDep, actor: Actor) -> ClosureRead:
    """Lift a closure; it stays on record with who lifted it and when."""
    return lift_closure(db, closure_id, actor=actor)


@router.get("/coverage")
def read_coverage(
    road: Router,
    session: ReadSession,
    settings: SettingsDep,
    hours: Annotated[float, Query(gt=0, le=72, description="travel-time budget")] = 6.0,
    apply_closures: bool = True,
) -> CoverageRead:
    """For each depot, the provinces and hazard sources it reaches within `hours`; for each
    province, the fastest depot."""
    overlay = active_overlay(session) if apply_closures else NO_OVERLAY
    depots = {d.code: d.node_id for d in session.scalars(select(Depot)) if d.node_id}
    cov = compute_coverage(
        road,
        depots,
        load_province_centres(settings.data_dir),
        load_hazard_sources(settings.data_dir),
        hours,
        overlay,
    )
    return CoverageRead.model_validate(
        {**asdict(cov), "graph_version": road.graph.version, "overlay": overlay.key()}
    )
