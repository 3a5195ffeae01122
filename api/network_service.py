"""Use cases of the road network: closures live in the books (`inventory.closures`) so
that every later plan sees them; routing itself is pure (network/)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.closures import ClosureRecords
from inventory.errors import ConflictError, ValidationError
from inventory.idempotency import Claim
from inventory.ledger import utcnow
from inventory.models import ClosureKind, Depot, RoadClosure
from inventory.uow import UnitOfWork
from network import (
    NO_OVERLAY,
    Closure,
    Coverage,
    HazardZone,
    InvalidLocationError,
    InvalidOverlayError,
    Overlay,
    Place,
    RoadRouter,
    Route,
    UnknownEdgeError,
    UnknownNodeError,
    compute_coverage,
    load_hazard_sources,
    load_province_centres,
    load_road_graph,
)

from .idempotency import run_once
from .network_schemas import CLOSURE_FIELDS, ClosureCreate, ClosureRead

log = logging.getLogger(__name__)

_COORD = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class RoadContext:
    """The road router and the places of data/ it is asked about, loaded once per process
    and kept with the router's caches."""

    router: RoadRouter
    provinces: tuple[Place, ...]
    hazards: dict[str, Place]

    @classmethod
    def load(cls, data_dir: Path) -> RoadContext:
        return cls(
            RoadRouter(load_road_graph(data_dir)),
            tuple(load_province_centres(data_dir)),
            {h.id: h for h in load_hazard_sources(data_dir)},
        )

    def shore(self) -> dict[str, tuple[float, float]]:
        """Hazard source -> its own coordinates (where a response to a spill at sea stages)."""
        return {h: place.point for h, place in self.hazards.items()}


def depot_nodes(session: Session) -> dict[str, str]:
    return {d.code: d.node_id for d in session.scalars(select(Depot)) if d.node_id}


def resolve_place(
    value: str, field: str, ctx: RoadContext, depots: dict[str, str]
) -> str | tuple[float, float]:
    """A node id, a depot code, a hazard-source id, or "lat,lon"."""
    match = _COORD.match(value)
    if match:
        return (float(match.group(1)), float(match.group(2)))
    if "," in value:
        raise InvalidLocationError(f"{value!r} is not 'lat,lon' with two numbers", field=field)
    value = value.strip()
    if value in depots:
        return depots[value]
    if value in ctx.hazards:
        return ctx.hazards[value].point
    return value


def find_route(
    session: Session, ctx: RoadContext, origin: str, destination: str, *, apply_closures: bool
) -> tuple[Route | None, Overlay]:
    """The fastest route between two places, with the active closures unless told not to."""
    overlay = active_overlay(ClosureRecords(session)) if apply_closures else NO_OVERLAY
    depots = depot_nodes(session)
    route = ctx.router.route_between_points(
        resolve_place(origin, "from", ctx, depots),
        resolve_place(destination, "to", ctx, depots),
        overlay,
    )
    return route, overlay


def depot_coverage(
    session: Session, ctx: RoadContext, hours: float, *, apply_closures: bool
) -> tuple[Coverage, Overlay]:
    overlay = active_overlay(ClosureRecords(session)) if apply_closures else NO_OVERLAY
    cov = compute_coverage(
        ctx.router, depot_nodes(session), ctx.provinces, list(ctx.hazards.values()), hours, overlay
    )
    return cov, overlay


@dataclass(frozen=True)
class SeaClosed:
    """A storm area: kept apart from hazard zones, which close roads, not the sea."""

    zone: HazardZone


def to_overlay_part(row: RoadClosure) -> Closure | HazardZone | SeaClosed:
    if row.kind in (ClosureKind.EDGE, ClosureKind.FERRY):
        return Closure(edge_id=row.edge_id)
    if row.kind == ClosureKind.SEA:
        assert row.centre_lat is not None and row.centre_lon is not None
        centre = (row.centre_lat, row.centre_lon)
        return SeaClosed(HazardZone(centre=centre, radius_km=row.radius_km, label=row.reason))
    if row.kind == ClosureKind.NODE:
        return Closure(node_id=row.node_id)
    if row.kind == ClosureKind.SLOW:
        return Closure(edge_id=row.edge_id, speed_factor=row.speed_factor)
    if row.kind == ClosureKind.ZONE_CIRCLE:
        assert row.centre_lat is not None and row.centre_lon is not None
        return HazardZone(
            centre=(row.centre_lat, row.centre_lon), radius_km=row.radius_km, label=row.reason
        )
    return HazardZone(polygon=_points(row), label=row.reason)


def _points(row: RoadClosure) -> tuple[tuple[float, float], ...]:
    return tuple((p[0], p[1]) for p in row.polygon or [])


def _stored_part(row: RoadClosure) -> Closure | HazardZone | SeaClosed:
    """A stored closure as routes see it. A zone stored before polygons had to be simple
    (self-crossing or flat ones were accepted then) becomes a zone covering it, so routes
    keep out of everything it closed, and the log says so."""
    try:
        return to_overlay_part(row)
    except InvalidOverlayError:
        if row.kind != ClosureKind.ZONE_POLYGON:
            raise
        log.warning("closure %s: stored polygon is not simple; a zone covering it is used", row.id)
        return HazardZone.covering(_points(row), label=row.reason)


def active_overlay(closures: ClosureRecords) -> Overlay:
    """Every closure and zone not yet lifted, as the overlay routes and plans are made with.
    A use case passes `uow.closures`; a read route `ClosureRecords(session)`."""
    parts = [_stored_part(r) for r in closures.active()]
    return Overlay(
        closures=tuple(p for p in parts if isinstance(p, Closure)),
        zones=tuple(p for p in parts if isinstance(p, HazardZone)),
        seas=tuple(p.zone for p in parts if isinstance(p, SeaClosed)),
    )


def closure_read(row: RoadClosure) -> ClosureRead:
    return ClosureRead(
        id=row.id,
        kind=row.kind.value,
        edge_id=row.edge_id,
        node_id=row.node_id,
        speed_factor=row.speed_factor,
        centre=None
        if row.centre_lat is None or row.centre_lon is None
        else (row.centre_lat, row.centre_lon),
        radius_km=row.radius_km,
        polygon=None if row.polygon is None else [(p[0], p[1]) for p in row.polygon],
        reason=row.reason,
        created_by=row.created_by,
        created_at=row.created_at,
        lifted_by=row.lifted_by,
        lifted_at=row.lifted_at,
        active=row.lifted_at is None,
    )


def list_closures(closures: ClosureRecords, *, include_lifted: bool) -> list[ClosureRead]:
    """Active closures, oldest first; lifted ones too when asked."""
    rows = closures.all() if include_lifted else closures.active()
    return [closure_read(r) for r in rows]


def create_closure(
    uow: UnitOfWork, router: RoadRouter, body: ClosureCreate, *, actor: str, key: str | None
) -> tuple[dict[str, Any], bool]:
    """Store a closure once per key, after checking it against the road graph so that
    nothing unknown to the router is ever stored; returns (closure, replayed)."""

    def store(claim: Claim) -> dict[str, Any]:
        check_closure(router, body)
        with uow:
            row = uow.closures.add(_new_row(body, actor))
            result = closure_read(row).model_dump(mode="json")
            uow.answer(claim, result)
            uow.note(f"closure {row.id}")
            uow.commit()
        return result

    return run_once(uow, key, "closure", body.model_dump(mode="json"), store)


def check_closure(router: RoadRouter, body: ClosureCreate) -> None:
    """Refuse a closure missing its kind's fields or carrying another kind's, naming an
    unknown edge or node, or whose zone the network rejects (a polygon that is not valid
    as shapely sees it: self-crossing or without area)."""
    need = CLOSURE_FIELDS[body.kind]
    for name in need:
        if getattr(body, name) is None:
            raise ValidationError(f"{name} is required for a {body.kind} closure", field=name)
    for name in sorted(set().union(*CLOSURE_FIELDS.values()) - set(need)):
        if getattr(body, name) is not None:
            raise ValidationError(
                f"{name} does not belong to a {body.kind} closure (it takes {', '.join(need)})",
                field=name,
            )
    if body.kind == "ferry" and body.edge_id not in router.graph.sea.ferries:
        links = ", ".join(sorted(router.graph.sea.ferries)) or "none"
        raise UnknownEdgeError(
            f"unknown ferry link {body.edge_id!r} (the ferry links are: {links})", field="edge_id"
        )
    if body.edge_id is not None and body.edge_id not in router.graph.edges:
        raise UnknownEdgeError(f"unknown edge {body.edge_id!r}", field="edge_id")
    if body.node_id is not None and body.node_id not in router.graph.nodes:
        raise UnknownNodeError(f"unknown node {body.node_id!r}", field="node_id")
    part = to_overlay_part(_new_row(body, actor=""))
    if isinstance(part, Closure):
        check = Overlay(closures=(part,))
    elif isinstance(part, SeaClosed):
        check = Overlay(seas=(part.zone,))
    else:
        check = Overlay(zones=(part,))
    check.check(router.graph)


def _new_row(body: ClosureCreate, actor: str) -> RoadClosure:
    """The record of a checked closure: only its kind's fields are set (check_closure)."""
    return RoadClosure(
        kind=ClosureKind(body.kind),
        edge_id=body.edge_id,
        node_id=body.node_id,
        speed_factor=body.speed_factor,
        centre_lat=body.centre[0] if body.centre else None,
        centre_lon=body.centre[1] if body.centre else None,
        radius_km=body.radius_km,
        polygon=[list(p) for p in body.polygon] if body.polygon is not None else None,
        reason=body.reason,
        created_by=actor,
        created_at=utcnow(),
    )


def lift_closure(uow: UnitOfWork, closure_id: int, *, actor: str) -> ClosureRead:
    """Lift a closure; the row stays, with who lifted it and when, so past plans can be
    explained. Lifting it again is a conflict, not a second lift."""
    with uow:
        row = uow.closures.get_for_update(closure_id)
        if row.lifted_at is not None:
            raise ConflictError(f"closure {closure_id} was already lifted", field="closure_id")
        row.lifted_at = utcnow()
        row.lifted_by = actor
        result = closure_read(row)
        uow.commit()
    return result
