"""Incidents and dispatch plans."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from inventory.incidents import IncidentRecords
from inventory.models import IncidentStatus
from inventory.plans import PlanRecords

from ..deps import Actor, OptionalIdempotencyKey, ReadSession, RowId, SettingsDep, Uow
from ..dispatch_presenters import incident_read, plan_read
from ..dispatch_schemas import IncidentCreate, IncidentRead, PlanRead, PlanRequest
from ..incidents_service import create_incident, set_incident_status
from ..plan_lifecycle import cancel_plan, confirm_plan, deliver_plan, dispatch_plan
from ..planning import PlanCommand, plan_dispatch
from .network import Road, Router

router = APIRouter(tags=["dispatch"])

OptionalPlanRequest = Annotated[PlanRequest | None, Body()]


@router.post("/incidents", status_code=201)
def post_incident(
    body: IncidentCreate,
    uow: Uow,
    road: Road,
    settings: SettingsDep,
    actor: Actor,
    response: Response,
    key: OptionalIdempotencyKey = None,
) -> IncidentRead:
    """Declare an incident: type, level (configured names), place (coordinates, a road node
    or a hazard source), time, and explicit demand or a scenario template scaled by size.
    With an Idempotency-Key a retried request returns the first incident."""
    result, replayed = create_incident(uow, road, settings, body, actor=actor, key=key)
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
    return [incident_read(i) for i in IncidentRecords(session).newest_first(status)]


@router.get("/incidents/{incident_id}")
def read_incident(incident_id: RowId, session: ReadSession) -> IncidentRead:
    """One incident with its demand lines."""
    return incident_read(IncidentRecords(session).get(incident_id))


@router.post("/incidents/{incident_id}/close")
def close_incident(incident_id: RowId, uow: Uow, actor: Actor) -> IncidentRead:
    """The response is over: no more plans for this incident (a draft made for it alone
    is cancelled; a confirmed plan must be dispatched or cancelled first)."""
    return set_incident_status(uow, incident_id, IncidentStatus.CLOSED, actor=actor)


@router.post("/incidents/{incident_id}/cancel")
def cancel_incident(incident_id: RowId, uow: Uow, actor: Actor) -> IncidentRead:
    """A false alarm or a duplicate: no plans for this incident (a draft made for it
    alone is cancelled; a confirmed plan must be dispatched or cancelled first)."""
    return set_incident_status(uow, incident_id, IncidentStatus.CANCELLED, actor=actor)


@router.post("/incidents/{incident_id}/dispatch-plans", status_code=201)
def create_plan(
    incident_id: RowId,
    uow: Uow,
    road: Router,
    settings: SettingsDep,
    actor: Actor,
    response: Response,
    body: OptionalPlanRequest = None,
    key: OptionalIdempotencyKey = None,
) -> PlanRead:
    """Plan what to send from which depots, on which vehicles, by which roads, arriving
    when, and what cannot be met and why. `with_incidents` plans concurrent incidents
    together (priorities decide who gets scarce stock). The plan is a draft until confirmed
    and supersedes the incidents' earlier drafts; an incident with a confirmed plan is
    re-planned instead (409). With an Idempotency-Key a retried request returns the first
    plan."""
    return _plan(uow, road, settings, actor, response, incident_id, body, key, replan=False)


def _plan(
    uow: Uow,
    road: Router,
    settings: SettingsDep,
    actor: str,
    response: Response,
    incident_id: int,
    body: PlanRequest | None,
    key: str | None,
    *,
    replan: bool,
) -> PlanRead:
    req = body or PlanRequest()
    cmd = PlanCommand(
        incident_id,
        tuple(req.with_incidents),
        replan=replan,
        time_limit_s=req.time_limit_s,
        seed=req.seed,
    )
    result, replayed = plan_dispatch(uow, road, settings, cmd, actor=actor, key=key)
    return PlanRead.model_validate(_mark(response, result, replayed))


@router.get("/incidents/{incident_id}/dispatch-plans")
def list_plans(incident_id: RowId, session: ReadSession) -> list[PlanRead]:
    """Every plan made for an incident, oldest first."""
    IncidentRecords(session).get(incident_id)
    plans = PlanRecords(session)
    return [plan_read(plans, p) for p in plans.for_incident(incident_id)]


@router.post("/incidents/{incident_id}/replan", status_code=201)
def replan(
    incident_id: RowId,
    uow: Uow,
    road: Router,
    settings: SettingsDep,
    actor: Actor,
    response: Response,
    body: OptionalPlanRequest = None,
    key: OptionalIdempotencyKey = None,
) -> PlanRead:
    """After a closure or a new incident: supersede the incident's draft or confirmed plan
    (voiding its reservations), keep what is already on the road, and plan the rest with
    the incidents that plan served. An incident with a confirmed plan of its own is never
    taken in. If no new plan can be made, the old one stays as it was."""
    return _plan(uow, road, settings, actor, response, incident_id, body, key, replan=True)


@router.get("/dispatch-plans/{plan_id}")
def read_plan(plan_id: RowId, session: ReadSession) -> PlanRead:
    """A plan with its pick lists, routes (GeoJSON), fulfilment and unmet demand."""
    plans = PlanRecords(session)
    return plan_read(plans, plans.get(plan_id))


@router.post("/dispatch-plans/{plan_id}/confirm")
def confirm(plan_id: RowId, uow: Uow, actor: Actor) -> PlanRead:
    """Reserve the stock of every pick list, all or nothing (409 if the stock changed, or
    if the plan was superseded: the problem names the plan that replaced it)."""
    return confirm_plan(uow, plan_id, actor=actor)


@router.post("/dispatch-plans/{plan_id}/dispatch")
def dispatch(plan_id: RowId, uow: Uow, actor: Actor) -> PlanRead:
    """The vehicles have left: reserved stock moves to in-transit."""
    return dispatch_plan(uow, plan_id, actor=actor)


@router.post("/dispatch-plans/{plan_id}/deliver")
def deliver(plan_id: RowId, uow: Uow, actor: Actor) -> PlanRead:
    """The goods reached the incident: in-transit stock moves to the incident site."""
    return deliver_plan(uow, plan_id, actor=actor)


@router.post("/dispatch-plans/{plan_id}/cancel")
def cancel(plan_id: RowId, uow: Uow, actor: Actor) -> PlanRead:
    """Cancel a draft or confirmed plan; its reservations are voided."""
    return cancel_plan(uow, plan_id, actor=actor)
