"""Use cases of incidents: declare one (place, level, demand from explicit lines or a
scenario template), close or cancel it."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from inventory.errors import ConflictError, NotFoundError, ValidationError
from inventory.idempotency import Claim
from inventory.incidents import NewDemand, NewIncident
from inventory.ledger import utcnow
from inventory.models import IncidentStatus, PlanStatus
from inventory.uow import UnitOfWork
from network import COAST_TOLERANCE_KM, OFFSHORE_REACH_KM, SeaSite

from .dispatch_presenters import incident_read
from .dispatch_schemas import IncidentCreate, IncidentRead
from .idempotency import run_once
from .network_service import RoadContext
from .settings import Settings
from .timefmt import to_local

#: Earliest a templated demand line may be due, counted from the declaration.
MIN_LEAD = dt.timedelta(minutes=30)


def template_quantity(per_size_one: int, size: float) -> int:
    """What an incident of `size` needs of a template line written for size 1."""
    return max(1, math.ceil(per_size_one * size))


def load_templates(data_dir: Path) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    with (data_dir / "scenario_templates.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["template"]].append(row)
    return dict(out)


def create_incident(
    uow: UnitOfWork,
    ctx: RoadContext,
    settings: Settings,
    body: IncidentCreate,
    *,
    actor: str,
    key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Validate place, level and demand, then store the incident and its site location.
    Returns (incident, replayed): a retry with the same key returns the first incident."""
    return run_once(
        uow,
        key,
        "incident",
        body.model_dump(mode="json"),
        lambda claim: _declare(uow, ctx, settings, body, actor, claim),
    )


def _declare(
    uow: UnitOfWork,
    ctx: RoadContext,
    settings: Settings,
    body: IncidentCreate,
    actor: str,
    claim: Claim,
) -> dict[str, Any]:
    now = utcnow()
    if body.level not in settings.incident_levels:
        raise ValidationError(
            f"unknown level {body.level!r}; use one of {settings.incident_levels}", field="level"
        )
    reported = body.reported_at or now
    if reported > now + dt.timedelta(minutes=10):
        raise ValidationError("reported_at is in the future", field="reported_at")
    point = _point(ctx, body)
    coast = OFFSHORE_REACH_KM if body.incident_type == "oil_spill_water" else COAST_TOLERANCE_KM
    if ctx.router.graph.sea.boats:  # boats reach any point at sea within their range
        coast = OFFSHORE_REACH_KM
    snap = ctx.router.site(point, field_name="location", coast_km=coast)
    snap_km = snap.sea_km if isinstance(snap, SeaSite) else snap.distance_km
    with uow:
        new = NewIncident(
            incident_type=body.incident_type,
            level=body.level,
            lat=point[0],
            lon=point[1],
            node_id=snap.node_id,
            snap_km=snap_km,
            province_code=snap.province_code,
            reported_at=reported,
            priority=body.priority,
            template=None if body.demands else _template_name(body),
            size=body.size,
            description=body.description,
            hazard_source_id=body.location.hazard_source,
            demands=_demands(uow, settings, body, reported, now),
        )
        incident = uow.incidents.add(new, actor=actor, now=now)
        answer = incident_read(incident).model_dump(mode="json")
        uow.answer(claim, answer)
        uow.note(f"incident {incident.id}")
        uow.commit()
    return answer


def _point(ctx: RoadContext, body: IncidentCreate) -> tuple[float, float]:
    where = body.location
    if where.hazard_source is not None:
        if where.hazard_source not in ctx.hazards:
            raise NotFoundError(
                f"unknown hazard source {where.hazard_source!r}", field="location.hazard_source"
            )
        return ctx.hazards[where.hazard_source].point
    if where.node_id is not None:
        node = ctx.router.node(where.node_id, "location.node_id")
        return ctx.router.graph.nodes[node].point
    assert where.lat is not None and where.lon is not None, "the schema requires both"
    return (where.lat, where.lon)


def _template_name(body: IncidentCreate) -> str:
    return body.template or f"{body.incident_type}.{body.level}"


def _demands(
    uow: UnitOfWork,
    settings: Settings,
    body: IncidentCreate,
    reported: dt.datetime,
    now: dt.datetime,
) -> tuple[NewDemand, ...]:
    if body.demands:
        codes = [d.item for d in body.demands]
        unknown = set(uow.incidents.unknown_items(codes))
        seen: set[str] = set()
        lines = []
        for n, d in enumerate(body.demands):
            if d.item in unknown:
                raise NotFoundError(f"unknown item {d.item!r}", field=f"demands[{n}].item")
            if d.item in seen:
                raise ValidationError(f"item {d.item} appears twice", field=f"demands[{n}].item")
            seen.add(d.item)
            due = d.required_by
            if due <= now:
                raise ValidationError(
                    f"required_by {to_local(due).isoformat()} is in the past",
                    field=f"demands[{n}].required_by",
                )
            lines.append(NewDemand(d.item, d.quantity, due, d.priority))
        return tuple(lines)
    templates = load_templates(settings.data_dir)
    name = _template_name(body)
    if name not in templates:
        raise ValidationError(
            f"no scenario template {name!r}: give demands explicitly or one of {sorted(templates)}",
            field="template",
        )
    kinds = {(row["incident_type"], row["level"]) for row in templates[name]}
    if kinds != {(body.incident_type, body.level)}:
        fits = ", ".join(f"{k} at {lv} level" for k, lv in sorted(kinds))
        raise ValidationError(
            f"template {name!r} is for a {fits} incident, not a {body.incident_type} "
            f"at {body.level} level",
            field="template",
        )
    return tuple(
        NewDemand(
            row["item"],
            template_quantity(int(row["quantity"]), body.size),
            max(reported + dt.timedelta(hours=float(row["required_by_h"])), now + MIN_LEAD),
            int(row["priority"]),
        )
        for row in templates[name]
    )


def set_incident_status(
    uow: UnitOfWork, incident_id: int, status: IncidentStatus, *, actor: str
) -> IncidentRead:
    """Close or cancel an open incident; a draft made for it alone is cancelled with it,
    but a confirmed plan still holds stock and must be dispatched or cancelled first."""
    with uow:
        (incident,) = uow.incidents.lock([incident_id])
        if incident.status != IncidentStatus.OPEN:
            raise ConflictError(
                f"incident {incident_id} is already {incident.status.value}", field="incident_id"
            )
        live = uow.plans.live_plans([incident_id]).get(incident_id)
        if live is not None and live.status == PlanStatus.CONFIRMED:
            raise ConflictError(
                f"confirmed plan {live.id} still holds stock for this incident: "
                "dispatch or cancel it first",
                field="incident_id",
            )
        if live is not None and live.incident_ids == [incident_id]:
            uow.plans.cancel(live, ledger=uow.ledger(actor))
        # A draft shared with other incidents stays: confirming it is refused while this
        # incident is closed, and re-planning the others replaces it.
        incident.status = status
        answer = incident_read(incident)
        uow.commit()
    return answer
