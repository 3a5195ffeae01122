"""Incidents and dispatch plans."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from sqlalchemy import select

from inventory.models import Incident, IncidentStatus

from ..deps import Actor, DatabaseDep, OptionalIdempotencyKey, ReadSession, RowId, SettingsDep
from ..dispatch_schemas import IncidentCreate, IncidentRead, PlanRead, PlanRequest
from ..dispatch_service import (
    cancel_plan,
    confirm_plan,
    create_incident,
    deliver_plan,
    dispatch_plan,
    get_incident,
    get_plan,
    incident_read,
    plan_incidents,
    plan_read,
    plans_for_incident,
    replan_incident,
    set_incident_status,
)
from .network import Road, Router

router = APIRouter(tags=["dispatch"])

OptionalPlanRequest = Annotated[PlanRequest | None, Body()]


@router.post("/incidents", status_code=201)
def post_incident(
    body: IncidentCreate,
    db: DatabaseDep,
    road: Road,
    settings: SettingsDep,
    actor: Actor,
    response: Response,
    key: OptionalIdempotencyKey = None,
) -> IncidentRead:
    """Declare an incident: type, level (configured names), place (coordinates, a road node
    or a hazard source), time, and explicit demand or a scenario template scaled by size.
    With an Idempotency-Key a retried request returns the first incident."""
    result, replayed = create_incident(db, road, settings, body, actor=actor, key=key)
    return IncidentRead.model_validate(_mark(response, result, replayed))


def _mark(response: Response, result: dict[str, Any], replayed: bool) -> dict[str, Any]:
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return result


@router.get("/incidents")
def list_incidents(
    session: ReadSession, status: IncidentStatus | None = None
) -> list[IncidentRead]:
    """Incidents, newest first."""
    stmt = select(Incident).order_by(Incident.id.desc())
    if status is not None:
        stmt = stmt.where(Incident.status == status)
    return [incident_read(i) for i in session.scalars(stmt)]


@router.get("/incidents/{incident_id}")
def read_incident(incident_id: RowId, session: ReadSession) -> IncidentRead:
    """One incident with its demand lines."""
    return incident_read(get_incident(session, incident_id))


@router.post("/incidents/{incident_id}/close")
def close_incident(incident_id: RowId, db: DatabaseDep) -> IncidentRead:
    """The response is over: no more plans for this incident."""
    return set_incident_status(db, incident_id, IncidentStatus.CLOSED)


@router.post("/incidents/{incident_id}/cancel")
def cancel_incident(incident_id: RowId, db: DatabaseDep) -> IncidentRead:
    """A false alarm or a duplicate: no plans for this incident."""
    return set_incident_status(db, incident_id, IncidentStatus.CANCELLED)


@router.post("/incidents/{incident_id}/dispatch-plans", status_code=201)
def create_plan(
    incident_id: RowId,
    db: DatabaseDep,
    road: Router,
    settings: SettingsDep,
    actor: Actor,
    response: Response,
    body: OptionalPlanRequest = None,
    key: OptionalIdempotencyKey = None,
) -> PlanRead:
    """Plan what to send from which depots, on which vehicles, by which roads, arriving
    when, and what cannot be met and why. `with_incidents` plans concurrent incidents
    together (priorities decide who gets scarce stock). The plan is a draft until confirmed.
    With an Idempotency-Key a retried request returns the first plan."""
    req = body or PlanRequest()
    result, replayed = plan_incidents(
        db,
        road,
        settings,
        [incident_id, *req.with_incidents],
        actor=actor,
        time_limit_s=req.time_limit_s,
        seed=req.seed,
        key=key,
    )
    return PlanRead.model_validate(_mark(response, result, replayed))


@router.get("/incidents/{incident_id}/dispatch-plans")
def list_plans(incident_id: RowId, session: ReadSession) -> list[PlanRead]:
    """Every plan made for an incident, oldest first."""
    return [PlanRead.model_validate(p) for p in plans_for_incident(session, incident_id)]


@router.post("/incidents/{incident_id}/replan", status_code=201)
def replan(
    incident_id: RowId,
    db: DatabaseDep,
    road: Router,
    settings: SettingsDep,
    actor: Actor,
    response: Response,
    body: OptionalPlanRequest = None,
    key: OptionalIdempotencyKey = None,
) -> PlanRead:
    """After a closure or a new incident: supersede the draft or confirmed plan (voiding
    its reservations), keep what is already on the road, and plan the rest. If no new plan
    can be made, the old one stays as it was."""
    req = body or PlanRequest()
    result, replayed = replan_incident(
        db,
        road,
        settings,
        incident_id,
        actor=actor,
        time_limit_s=req.time_limit_s,
        seed=req.seed,
        key=key,
    )
    return PlanRead.model_validate(_mark(response, result, replayed))


@router.get("/dispatch-plans/{plan_id}")
def read_plan(plan_id: RowId, session: ReadSession) -> PlanRead:
    """A plan with its pick lists, routes (GeoJSON), fulfilment and unmet demand."""
    return PlanRead.model_validate(plan_read(get_plan(session, plan_id)))


@router.post("/dispatch-plans/{plan_id}/confirm")
def confirm(plan_id: RowId, db: DatabaseDep, actor: Actor) -> PlanRead:
    """Reserve the stock of every pick list, all or nothing (409 if the stock changed)."""
    return PlanRead.model_validate(confirm_plan(db, plan_id, actor=actor))


@router.post("/dispatch-plans/{plan_id}/dispatch")
def dispatch(plan_id: RowId, db: DatabaseDep, actor: Actor) -> PlanRead:
    """The vehicles have left: reserved stock moves to in-transit."""
    return PlanRead.model_validate(dispatch_plan(db, plan_id, actor=actor))


@router.post("/dispatch-plans/{plan_id}/deliver")
def deliver(plan_id: RowId, db: DatabaseDep, actor: Actor) -> PlanRead:
    """The goods reached the incident: in-transit stock moves to the incident site."""
    return PlanRead.model_validate(deliver_plan(db, plan_id, actor=actor))


@router.post("/dispatch-plans/{plan_id}/cancel")
def cancel(plan_id: RowId, db: DatabaseDep, actor: Actor) -> PlanRead:
    """Cancel a draft or confirmed plan; its reservations are voided."""
    return PlanRead.model_validate(cancel_plan(db, plan_id, actor=actor))
