"""Incidents as records of the books: declared, read, closed or cancelled, and what each
still needs once the plans on the road are counted."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import ConflictError, NotFoundError
from .models import (
    DispatchPlanRecord,
    Incident,
    IncidentDemandLine,
    IncidentStatus,
    Item,
    Location,
    LocationKind,
    PlanPickRecord,
    PlanStatus,
)

#: Plans whose goods have left their depots: what they carry is no longer needed.
SENT_STATUSES = (PlanStatus.DISPATCHED, PlanStatus.DELIVERED)


@dataclass(frozen=True)
class NewDemand:
    item: str
    quantity: int
    required_by: dt.datetime
    priority: int


@dataclass(frozen=True)
class NewIncident:
    """A validated incident: the use case has checked its place, level and demand."""

    incident_type: str
    level: str
    lat: float
    lon: float
    node_id: str
    snap_km: float
    province_code: str | None
    reported_at: dt.datetime
    priority: int
    template: str | None
    size: float
    description: str | None
    hazard_source_id: str | None
    demands: tuple[NewDemand, ...]


class IncidentRecords:
    """Incidents and their demand lines in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, incident_id: int, *, field: str = "incident_id") -> Incident:
        incident = self.session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"unknown incident {incident_id}", field=field)
        return incident

    def lock(self, incident_ids: Sequence[int]) -> list[Incident]:
        """Lock incidents in id order: every writer of plans takes them in this order
        first, so two plan writes for one incident queue instead of racing."""
        rows = self.session.scalars(
            select(Incident)
            .where(Incident.id.in_(sorted(set(incident_ids))))
            .order_by(Incident.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        found = {i.id for i in rows}
        for incident_id in incident_ids:
            if incident_id not in found:
                raise NotFoundError(f"unknown incident {incident_id}", field="incident_id")
        return list(rows)

    def newest_first(self, status: IncidentStatus | None = None) -> list[Incident]:
        stmt = select(Incident).order_by(Incident.id.desc())
        if status is not None:
            stmt = stmt.where(Incident.status == status)
        return list(self.session.scalars(stmt))

    def unknown_items(self, codes: Sequence[str]) -> list[str]:
        known = set(self.session.scalars(select(Item.code).where(Item.code.in_(codes))))
        return [c for c in codes if c not in known]

    def add(self, new: NewIncident, *, actor: str, now: dt.datetime) -> Incident:
        """Store the incident, its demand lines and its site as a ledger location."""
        incident = Incident(
            incident_type=new.incident_type,
            level=new.level,
            status=IncidentStatus.OPEN,
            lat=new.lat,
            lon=new.lon,
            node_id=new.node_id,
            snap_km=new.snap_km,
            province_code=new.province_code,
            reported_at=new.reported_at,
            priority=new.priority,
            template=new.template,
            size=new.size,
            description=new.description,
            hazard_source_id=new.hazard_source_id,
            created_by=actor,
            created_at=now,
        )
        self.session.add(incident)
        self.session.flush()
        location = Location(
            code=f"INCIDENT/{incident.id}",
            kind=LocationKind.INCIDENT,
            name=f"Incident {incident.id} ({new.incident_type}, {new.level})",
        )
        self.session.add(location)
        self.session.flush()
        incident.location_id = location.id
        for d in new.demands:
            self.session.add(
                IncidentDemandLine(
                    incident_id=incident.id,
                    item_code=d.item,
                    quantity=d.quantity,
                    required_by=d.required_by,
                    priority=d.priority,
                )
            )
        self.session.flush()
        self.session.refresh(incident)
        return incident

    def expect_open(self, incident: Incident, field: str = "incident_id") -> None:
        if incident.status != IncidentStatus.OPEN:
            raise ConflictError(
                f"incident {incident.id} is {incident.status.value}: no plan can be made for it",
                field=field,
            )

    def remaining_demand(self, incident: Incident) -> dict[str, int]:
        """Demand less what plans on the road or delivered already carry."""
        sent: dict[str, int] = defaultdict(int)
        rows = self.session.execute(
            select(PlanPickRecord.for_item, PlanPickRecord.quantity)
            .join(DispatchPlanRecord, DispatchPlanRecord.id == PlanPickRecord.plan_id)
            .where(
                PlanPickRecord.incident_id == incident.id,
                DispatchPlanRecord.status.in_(SENT_STATUSES),
            )
        )
        for item, quantity in rows:
            sent[item] += quantity
        return {
            d.item_code: d.quantity - sent[d.item_code]
            for d in incident.demands
            if d.quantity - sent[d.item_code] > 0
        }
