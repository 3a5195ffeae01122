"""The sea: ports, vehicle ferries and response boats (data/), and where a boat can go."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from network import NO_OVERLAY

from ..deps import ReadSession
from ..network_service import active_overlay, depot_nodes, resolve_place
from ..sea_schemas import BoatRead, CourseRead, FerryRead, PortRead, SeaRead
from ..text_rules import code_rule
from .network import PLACE, Closures, PlaceQuery, Road

router = APIRouter(prefix="/network", tags=["network"])

BoatId = Annotated[str, code_rule(40)]


@router.get("/sea")
def read_sea(road: Road) -> SeaRead:
    """Every port, vehicle ferry (trucks cross on it) and boat the plans can use."""
    g = road.router.graph
    return SeaRead(
        graph_version=g.version,
        ports=[PortRead(**asdict(p)) for p in g.sea.ports.values()],
        ferries=[
            FerryRead(
                **{
                    **asdict(f),
                    "first_departure": f.first_departure.strftime("%H:%M"),
                    "last_departure": f.last_departure.strftime("%H:%M"),
                }
            )
            for f in g.sea.ferries.values()
        ],
        boats=[BoatRead(**asdict(b)) for b in g.sea.boats.values()],
    )


@router.get("/boats/{boat_id}/course")
def read_course(
    road: Road,
    session: ReadSession,
    closures: Closures,
    boat_id: BoatId,
    to: Annotated[PlaceQuery, Query(description=PLACE)],
    apply_closures: bool = True,
) -> CourseRead:
    """How far and how long a boat sails from its port to a place. 404 for an unknown
    boat; 422 naming `to` for a place with no sea access or beyond the boat's range."""
    place = resolve_place(to, "to", road, depot_nodes(session))
    point = (
        road.router.graph.nodes[road.router.node(place, "to")].point
        if isinstance(place, str)
        else place
    )
    overlay = active_overlay(closures) if apply_closures else NO_OVERLAY
    course = road.router.sea_course(boat_id, point, overlay)
    return CourseRead(
        boat=course.boat.id,
        from_port=course.port.id,
        to=course.point,
        km=course.km,
        hours=round(course.seconds / 3600, 2),
        closed_by=course.closed_by,
    )
