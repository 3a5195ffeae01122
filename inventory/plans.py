"""Dispatch plans as records of the books, and their life: draft -> confirmed (stock
reserved) -> dispatched (stock in transit) -> delivered, or cancelled, or superseded by a
later plan for the same incidents.

An incident has at most one live plan (draft or confirmed). The `plan_incidents` table
enforces it with a unique index over live rows, so not even two racing writers can give
an incident two plans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .commands import ReserveLine
from .errors import ConflictError, InsufficientStockError, NotFoundError, UnusableStockError
from .ledger import Ledger, utcnow
from .models import (
    LIVE_PLAN_STATUSES,
    DispatchPlanRecord,
    Incident,
    IncidentStatus,
    Item,
    Lot,
    MovementKind,
    PlanFulfilmentRecord,
    PlanIncidentLink,
    PlanPickRecord,
    PlanStatus,
    PlanUnmetRecord,
    PlanVehicleRecord,
)
from .new_plan import NewPlan
from .plan_rows import plan_rows
from .snapshot import DispatchSnapshot, Reliance, busy_vehicles, changes_since, read_snapshot


# ------------------------------------------------------------------ the records
class PlanRecords:
    """Plans in the caller's transaction; the ledger does the stock side of each step."""

    def __init__(self, session: Session) -> None:
        self.session = session
        #: plans superseded in this transaction, pointed at the plan `add` stores next
        self._superseded: list[DispatchPlanRecord] = []

    def get(self, plan_id: int, *, lock: bool = False) -> DispatchPlanRecord:
        plan = self.session.get(DispatchPlanRecord, plan_id, with_for_update=lock)
        if plan is None:
            raise NotFoundError(f"unknown dispatch plan {plan_id}", field="plan_id")
        return plan

    def incident_ids_of(self, plan_id: int) -> list[int]:
        """The incidents a plan serves, read without loading (or locking) the plan."""
        return list(
            self.session.scalars(
                select(PlanIncidentLink.incident_id)
                .where(PlanIncidentLink.plan_id == plan_id)
                .order_by(PlanIncidentLink.id)
            )
        )

    def for_incident(self, incident_id: int) -> list[DispatchPlanRecord]:
        return list(
            self.session.scalars(
                select(DispatchPlanRecord)
                .join(PlanIncidentLink, PlanIncidentLink.plan_id == DispatchPlanRecord.id)
                .where(PlanIncidentLink.incident_id == incident_id)
                .order_by(DispatchPlanRecord.id)
            )
        )

    def live_plans(self, incident_ids: Sequence[int]) -> dict[int, DispatchPlanRecord]:
        """incident id -> its live plan, for the incidents that have one."""
        rows = self.session.execute(
            select(PlanIncidentLink.incident_id, DispatchPlanRecord)
            .join(DispatchPlanRecord, DispatchPlanRecord.id == PlanIncidentLink.plan_id)
            .where(PlanIncidentLink.incident_id.in_(incident_ids), PlanIncidentLink.live)
        ).all()
        return {int(incident_id): plan for incident_id, plan in rows}

    def busy_vehicles(self, now: dt.datetime) -> set[str]:
        return busy_vehicles(self.session, now)

    def snapshot(
        self, incidents: Sequence[Incident], t0: dt.datetime, releasing: Sequence[int] = ()
    ) -> DispatchSnapshot:
        """What a plan for `incidents` is made from (read it outside any write lock);
        what the plans in `releasing` hold counts as free."""
        return read_snapshot(self.session, incidents, t0, releasing)

    def changes_since(self, reliance: Reliance, now: dt.datetime) -> list[str]:
        """What a solved plan relied on that has changed since its snapshot."""
        return changes_since(self.session, reliance, now)

    def picks(self, plan_id: int) -> list[PlanPickRecord]:
        return list(
            self.session.scalars(
                select(PlanPickRecord)
                .where(PlanPickRecord.plan_id == plan_id)
                .order_by(PlanPickRecord.id)
            )
        )

    def vehicles(self, plan_id: int) -> list[PlanVehicleRecord]:
        return list(
            self.session.scalars(
                select(PlanVehicleRecord)
                .where(PlanVehicleRecord.plan_id == plan_id)
                .order_by(PlanVehicleRecord.id)
            )
        )

    def fulfilment(self, plan_id: int) -> list[PlanFulfilmentRecord]:
        return list(
            self.session.scalars(
                select(PlanFulfilmentRecord)
                .where(PlanFulfilmentRecord.plan_id == plan_id)
                .order_by(PlanFulfilmentRecord.id)
            )
        )

    def unmet(self, plan_id: int) -> list[PlanUnmetRecord]:
        return list(
            self.session.scalars(
                select(PlanUnmetRecord)
                .where(PlanUnmetRecord.plan_id == plan_id)
                .order_by(PlanUnmetRecord.id)
            )
        )

    def item_names(self) -> dict[str, str]:
        return {str(c): str(n) for c, n in self.session.execute(select(Item.code, Item.name_en))}

    def lot_numbers(self, lot_ids: Sequence[int]) -> dict[int, str | None]:
        rows = self.session.execute(select(Lot.id, Lot.lot_no).where(Lot.id.in_(lot_ids)))
        return {int(i): n for i, n in rows}

    # ------------------------------------------------------------ writing
    def add(self, new: NewPlan, *, actor: str, replaces: int | None = None) -> DispatchPlanRecord:
        """Store a draft and make it the live plan of its incidents (whose earlier live
        plans the caller has superseded: the unique index refuses otherwise)."""
        rows = plan_rows(new, actor=actor, replaces=replaces)
        self.session.add(rows.plan)
        try:
            self.session.flush()
        except IntegrityError as exc:  # a second live plan: the index is the last guard
            raise ConflictError(
                f"incidents {list(new.incident_ids)} got another live plan meanwhile: ask again",
                field="incident_id",
            ) from exc
        rows.set_plan_id(rows.plan.id)
        self.session.add_all([*rows.picks, *rows.vehicles, *rows.fulfilment, *rows.unmet])
        for old in self._superseded:
            old.superseded_by_id = rows.plan.id
        self._superseded.clear()
        self.session.flush()
        return rows.plan

    # ------------------------------------------------------------ the life of a plan
    def _set_status(self, plan: DispatchPlanRecord, status: PlanStatus) -> None:
        """Change state; a plan that stops being a draft or confirmed stops being live."""
        plan.status = status
        live = status in LIVE_PLAN_STATUSES
        for link in plan.links:
            link.live = live
        self.session.flush()

    @staticmethod
    def expect(plan: DispatchPlanRecord, *allowed: PlanStatus, action: str) -> None:
        if plan.status in allowed:
            return
        if plan.status == PlanStatus.SUPERSEDED and plan.superseded_by_id is not None:
            raise ConflictError(
                f"plan {plan.id} was superseded by plan {plan.superseded_by_id}: "
                f"it cannot be {action}; use plan {plan.superseded_by_id}",
                field="plan_id",
            )
        raise ConflictError(
            f"plan {plan.id} is {plan.status.value}: it cannot be {action}", field="plan_id"
        )

    def supersede(self, plan: DispatchPlanRecord, *, ledger: Ledger) -> None:
        """A later plan speaks for these incidents now: release what this one held. The
        next plan `add` stores is recorded as its successor."""
        self.expect(plan, *LIVE_PLAN_STATUSES, action="superseded")
        self._release(plan, ledger)
        plan.cancelled_at = ledger.now
        self._set_status(plan, PlanStatus.SUPERSEDED)
        self._superseded.append(plan)

    def cancel(self, plan: DispatchPlanRecord, *, ledger: Ledger) -> None:
        """Void what a draft or confirmed plan holds; a plan on the road cannot be cancelled."""
        self.expect(plan, *LIVE_PLAN_STATUSES, action="cancelled")
        self._release(plan, ledger)
        plan.cancelled_at = ledger.now
        self._set_status(plan, PlanStatus.CANCELLED)

    def _release(self, plan: DispatchPlanRecord, ledger: Ledger) -> None:
        if plan.status != PlanStatus.CONFIRMED:
            return
        for pick in self.picks(plan.id):
            if pick.reservation_id is not None:
                ledger.void_reservation(pick.reservation_id)

    def confirm(
        self, plan: DispatchPlanRecord, *, ledger: Ledger, open_status: dict[int, IncidentStatus]
    ) -> None:
        """Reserve every pick line, all or nothing; 409 if the stock or vehicles changed."""
        self.expect(plan, PlanStatus.DRAFT, action="confirmed")
        for incident_id in plan.incident_ids:
            status = open_status[incident_id]
            if status != IncidentStatus.OPEN:
                raise ConflictError(f"incident {incident_id} is {status.value}", field="plan_id")
        mine = {v.vehicle_key for v in self.vehicles(plan.id)}
        clash = sorted(mine & self.busy_vehicles(utcnow()))
        if clash:
            raise ConflictError(
                f"vehicles {clash} were committed to another plan: re-plan", field="plan_id"
            )
        picks = self.picks(plan.id)
        locs = {p.depot_code: ledger.depot_location(p.depot_code).id for p in picks}
        lots = self.lot_numbers([p.lot_id for p in picks])
        for pick in sorted(picks, key=lambda p: (locs[p.depot_code], p.lot_id, p.id)):
            line = ReserveLine(pick.depot_code, pick.item_code, pick.quantity, lots[pick.lot_id])
            try:
                held = ledger.reserve([line], reference=f"plan:{plan.id}")
            except (InsufficientStockError, UnusableStockError) as exc:
                raise ConflictError(
                    f"the stock changed since plan {plan.id} was made ({exc.message}); re-plan",
                    field="plan_id",
                ) from exc
            pick.reservation_id = held[0].id
        plan.confirmed_at = ledger.now
        self._set_status(plan, PlanStatus.CONFIRMED)

    def dispatch(self, plan: DispatchPlanRecord, *, ledger: Ledger) -> None:
        """The vehicles leave: reservations are posted, stock moves to in-transit."""
        self.expect(plan, PlanStatus.CONFIRMED, action="dispatched")
        for pick in self.picks(plan.id):
            assert pick.reservation_id is not None, "a confirmed pick holds a reservation"
            ledger.post_reservation(
                pick.reservation_id, to_location="IN_TRANSIT", kind=MovementKind.DISPATCH
            )
        plan.dispatched_at = ledger.now
        self._set_status(plan, PlanStatus.DISPATCHED)

    def deliver(self, plan: DispatchPlanRecord, *, ledger: Ledger) -> None:
        """The goods reached the incident: in-transit stock moves to the incident site."""
        self.expect(plan, PlanStatus.DISPATCHED, action="delivered")
        for pick in self.picks(plan.id):
            ledger.move_between(
                "IN_TRANSIT",
                f"INCIDENT/{pick.incident_id}",
                pick.item_code,
                pick.lot_id,
                pick.quantity,
                kind=MovementKind.DELIVERY,
                reason="delivery",
                reference=f"plan:{plan.id}",
            )
        plan.delivered_at = ledger.now
        self._set_status(plan, PlanStatus.DELIVERED)
