"""In-memory incident and plan records for the dispatch use cases' unit tests: a canned
stock snapshot in, the stored plans and the state changes out, no database."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from inventory.errors import ConflictError, NotFoundError
from inventory.incidents import IncidentRecords
from inventory.ledger import Ledger
from inventory.models import (
    DispatchPlanRecord,
    Incident,
    IncidentDemandLine,
    IncidentStatus,
    PlanFulfilmentRecord,
    PlanPickRecord,
    PlanStatus,
    PlanUnmetRecord,
    PlanVehicleRecord,
)
from inventory.new_plan import NewPlan
from inventory.plan_rows import PlanRows, plan_rows
from inventory.plans import PlanRecords
from inventory.snapshot import DispatchSnapshot, Reliance

T0 = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)


def incident(incident_id: int, *, lat: float = 10.93, lon: float = 106.85) -> Incident:
    """An open national chlorine release near Biên Hòa (F13)."""
    row = Incident(
        id=incident_id,
        incident_type="chemical_release",
        level="national",
        status=IncidentStatus.OPEN,
        lat=lat,
        lon=lon,
        node_id="bien_hoa",
        snap_km=1.0,
        priority=3,
        size=1.0,
        created_by="test",
        created_at=T0,
        reported_at=T0,
    )
    row.demands = [
        IncidentDemandLine(
            incident_id=incident_id,
            item_code="RSP-SCBA",
            quantity=4,
            required_by=T0 + dt.timedelta(hours=4),
            priority=5,
        )
    ]
    return row


class FakeIncidentRecords(IncidentRecords):
    def __init__(self, *incidents: Incident) -> None:
        self.rows = {i.id: i for i in incidents}
        self.locked: list[list[int]] = []

    def get(self, incident_id: int, *, field: str = "incident_id") -> Incident:
        if incident_id not in self.rows:
            raise NotFoundError(f"unknown incident {incident_id}", field=field)
        return self.rows[incident_id]

    def lock(self, incident_ids: Sequence[int]) -> list[Incident]:
        self.locked.append(sorted(incident_ids))
        return [self.get(i) for i in sorted(incident_ids)]


@dataclass
class FakePlanRecords(PlanRecords):
    """Plans in a dict; `snapshot` answers with the test's snapshot and `changes` lists
    what `changes_since` reports, one entry per call (empty once they run out)."""

    snapshot_answer: DispatchSnapshot
    changes: list[list[str]] = field(default_factory=list)
    plans: dict[int, DispatchPlanRecord] = field(default_factory=dict)
    rows: dict[int, PlanRows] = field(default_factory=dict)
    snapshots_read: int = 0

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._superseded: list[DispatchPlanRecord] = []

    def get(self, plan_id: int, *, lock: bool = False) -> DispatchPlanRecord:
        if plan_id not in self.plans:
            raise NotFoundError(f"unknown dispatch plan {plan_id}", field="plan_id")
        return self.plans[plan_id]

    def live_plans(self, incident_ids: Sequence[int]) -> dict[int, DispatchPlanRecord]:
        return {
            link.incident_id: plan
            for plan in self.plans.values()
            for link in plan.links
            if link.live and link.incident_id in incident_ids
        }

    def snapshot(
        self, incidents: Sequence[Incident], t0: dt.datetime, releasing: Sequence[int] = ()
    ) -> DispatchSnapshot:
        self.snapshots_read += 1
        return self.snapshot_answer

    def changes_since(self, reliance: Reliance, now: dt.datetime) -> list[str]:
        return self.changes.pop(0) if self.changes else []

    def supersede(self, plan: DispatchPlanRecord, *, ledger: Ledger) -> None:
        self.expect(plan, PlanStatus.DRAFT, PlanStatus.CONFIRMED, action="superseded")
        plan.status = PlanStatus.SUPERSEDED
        for link in plan.links:
            link.live = False
        self._superseded.append(plan)

    def add(self, new: NewPlan, *, actor: str, replaces: int | None = None) -> DispatchPlanRecord:
        live = self.live_plans(new.incident_ids)
        if live:  # the unique index over live links would refuse this
            raise ConflictError(f"incidents {sorted(live)} already have a live plan")
        rows = plan_rows(new, actor=actor, replaces=replaces)
        rows.plan.id = next(self._ids)
        rows.set_plan_id(rows.plan.id)
        for old in self._superseded:
            old.superseded_by_id = rows.plan.id
        self._superseded.clear()
        self.plans[rows.plan.id] = rows.plan
        self.rows[rows.plan.id] = rows
        return rows.plan

    # ------------------------------------------------------------ what the presenter reads
    def picks(self, plan_id: int) -> list[PlanPickRecord]:
        return self.rows[plan_id].picks

    def vehicles(self, plan_id: int) -> list[PlanVehicleRecord]:
        return self.rows[plan_id].vehicles

    def fulfilment(self, plan_id: int) -> list[PlanFulfilmentRecord]:
        return self.rows[plan_id].fulfilment

    def unmet(self, plan_id: int) -> list[PlanUnmetRecord]:
        return self.rows[plan_id].unmet

    def item_names(self) -> dict[str, str]:
        return {code: item.name for code, item in self.snapshot_answer.items.items()}

    def lot_numbers(self, lot_ids: Sequence[int]) -> dict[int, str | None]:
        return {
            lot.lot_id: lot.lot_no
            for depot in self.snapshot_answer.depots
            for lots in depot.lots.values()
            for lot in lots
            if lot.lot_id in lot_ids
        }
