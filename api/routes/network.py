"""The road network: nodes, routes, matrices, closures and coverage."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from inventory.closures import ClosureRecords
from network import MAX_MATRIX_SIDE, NO_OVERLAY, RoadRouter
from network.errors import GraphDataError

from ..deps import Actor, IdempotencyKey, ReadSession, RowId, Uow
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
from ..network_service import (
    RoadContext,
    active_overlay,
    create_closure,
    depot_coverage,
    find_route,
    lift_closure,
    list_closures,
)
from ..problems import ApiProblem
from ..text_rules import code_rule

router = APIRouter(prefix="/network", tags=["network"])

#: a node id, a depot code, a hazard-source id or "lat,lon"
PlaceQuery = Annotated[str, code_rule(60)]
PLACE = "a node id, a depot code (D-HNI), a hazard-source id (F01) or 'lat,lon'"


def get_road(request: Request) -> RoadContext:
    """The road context, loaded from data/ once per app and kept with its caches."""
    road: RoadContext | None = request.app.state.road
    if road is None:
        try:
            road = RoadContext.load(request.app.state.settings.data_dir)
        except GraphDataError as exc:
            raise ApiProblem(503, "Road network unavailable", exc.message) from exc
        request.app.state.road = road
    return road


def get_router(road: Annotated[RoadContext, Depends(get_road)]) -> RoadRouter:
    return road.router


def get_closures(session: ReadSession) -> ClosureRecords:
    """The closures of the books, read-only (writes go through a unit of work)."""
    return ClosureRecords(session)


Road = Annotated[RoadContext, Depends(get_road)]
Router = Annotated[RoadRouter, Depends(get_router)]
Closures = Annotated[ClosureRecords, Depends(get_closures)]


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
                mode=e.mode,
            )
            for e in g.edges.values()
        ],
    )


@router.get("/route", response_model=None)
def read_route(
    road: Road,
    session: ReadSession,
    from_: Annotated[PlaceQuery, Query(alias="from", description=PLACE)],
    to: Annotated[PlaceQuery, Query(description=PLACE)],
    apply_closures: bool = True,
) -> dict[str, Any]:
    """The fastest route as a GeoJSON Feature (LineString) with per-leg times; active
    closures and hazard zones apply unless `apply_closures=false`. 404 problem if the
    closures cut the two places apart."""
    route, overlay = find_route(session, road, from_, to, apply_closures=apply_closures)
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
            "graph_version": road.router.graph.version,
            "overlay": overlay.key(),
        }
    )


@router.post(
    "/matrix",
    description="Travel seconds and metres between node ids (null when unreachable), with "
    f"the active closures and hazard zones; at most {MAX_MATRIX_SIDE} sources and "
    f"{MAX_MATRIX_SIDE} targets (larger requests get a 422).",
)
def create_matrix(body: MatrixRequest, road: Router, closures: Closures) -> MatrixRead:
    overlay = active_overlay(closures) if body.apply_closures else NO_OVERLAY
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
def read_closures(closures: Closures, include_lifted: bool = False) -> list[ClosureRead]:
    """Active closures and hazard zones (and lifted ones with `include_lifted=true`)."""
    return list_closures(closures, include_lifted=include_lifted)


@router.post("/closures", status_code=201)
def post_closure(
    body: ClosureCreate,
    road: Router,
    uow: Uow,
    actor: Actor,
    response: Response,
    key: IdempotencyKey,
) -> ClosureRead:
    """Close an edge or a node, slow an edge, or declare a hazard zone. Every later route,
    matrix and plan sees it until it is lifted."""
    result, replayed = create_closure(uow, road, body, actor=actor, key=key)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ClosureRead.model_validate(result)


@router.delete("/closures/{closure_id}")
def delete_closure(closure_id: RowId, uow: Uow, actor: Actor) -> ClosureRead:
    """Lift a closure; it stays on record with who lifted it and when."""
    return lift_closure(uow, closure_id, actor=actor)


@router.get("/coverage")
def read_coverage(
    road: Road,
    session: ReadSession,
    hours: Annotated[float, Query(gt=0, le=72, description="travel-time budget")] = 6.0,
    apply_closures: bool = True,
) -> CoverageRead:
    """For each depot, the provinces and hazard sources it reaches within `hours`; for each
    province, the fastest depot (even when it is slower than `hours`)."""
    cov, overlay = depot_coverage(session, road, hours, apply_closures=apply_closures)
    return CoverageRead.model_validate(
        {**asdict(cov), "graph_version": road.router.graph.version, "overlay": overlay.key()}
    )
