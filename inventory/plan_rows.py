"""A `NewPlan` as unsaved rows (plan with its links, picks, routes with stops and cargo,
fulfilment with substitutions, unmet demand), built in one place for the records and
for the in-memory fakes of the tests."""

from __future__ import annotations

from dataclasses import dataclass

from .models import (
    DispatchPlanRecord,
    PlanCargoRecord,
    PlanFulfilmentRecord,
    PlanIncidentLink,
    PlanPickRecord,
    PlanStatus,
    PlanStopRecord,
    PlanSubstitutionRecord,
    PlanUnmetRecord,
    PlanVehicleRecord,
)
from .new_plan import NewFulfilment, NewPlan, NewRoute


@dataclass(frozen=True)
class PlanRows:
    plan: DispatchPlanRecord
    picks: list[PlanPickRecord]
    vehicles: list[PlanVehicleRecord]
    fulfilment: list[PlanFulfilmentRecord]
    unmet: list[PlanUnmetRecord]

    def set_plan_id(self, plan_id: int) -> None:
        """Children point at the plan once its id is known."""
        for pick in self.picks:
            pick.plan_id = plan_id
        for vehicle in self.vehicles:
            vehicle.plan_id = plan_id
        for line in self.fulfilment:
            line.plan_id = plan_id
        for unmet in self.unmet:
            unmet.plan_id = plan_id


def plan_rows(new: NewPlan, *, actor: str, replaces: int | None) -> PlanRows:
    plan = DispatchPlanRecord(
        status=PlanStatus.DRAFT,
        t0=new.t0,
        solve_status=new.solve_status,
        objective=new.objective,
        bound=new.bound,
        solve_seconds=new.solve_seconds,
        engine=new.engine,
        notes="\n".join(new.notes),
        metres=new.metres,
        unmet_units=new.unmet_units,
        lateness_unit_hours=new.lateness_unit_hours,
        within_bound_share=new.within_bound_share,
        vehicle_seconds=new.vehicle_seconds,
        far_vehicles=new.far_vehicles,
        overlay_key=new.overlay_key,
        replaces_id=replaces,
        created_by=actor,
        created_at=new.t0,
    )
    plan.links = [PlanIncidentLink(incident_id=i, live=True) for i in new.incident_ids]
    picks = [
        PlanPickRecord(
            depot_code=p.depot,
            item_code=p.item,
            lot_id=p.lot_id,
            quantity=p.quantity,
            incident_id=p.incident_id,
            for_item=p.for_item,
            vehicle_key=p.vehicle,
            reservation_id=None,
        )
        for p in new.picks
    ]
    unmet = [
        PlanUnmetRecord(
            incident_id=u.incident_id, item_code=u.item, quantity=u.quantity, reason=u.reason
        )
        for u in new.unmet
    ]
    return PlanRows(
        plan,
        picks,
        [route_row(r) for r in new.routes],
        [fulfilment_row(f) for f in new.fulfilment],
        unmet,
    )


def route_row(route: NewRoute) -> PlanVehicleRecord:
    vehicle = PlanVehicleRecord(
        vehicle_key=route.vehicle,
        depot_code=route.depot,
        vehicle_type=route.vehicle_type,
        metres=route.metres,
        departs_at=route.departs_at,
        returns_at=route.returns_at,
        geometry=[[lon, lat] for lon, lat in route.geometry],
        crew=route.crew,
        rest_seconds=route.rest_seconds,
    )
    vehicle.stops = [
        PlanStopRecord(
            seq=seq,
            kind=s.kind,
            place=s.place,
            node_id=s.node_id,
            arrival_at=s.arrival_at,
            departure_at=s.departure_at,
            load_kg=s.load_kg,
            load_m3=s.load_m3,
            depot_code=s.depot,
            incident_id=s.incident_id,
            cargo=[PlanCargoRecord(item_code=i, quantity=q) for i, q in s.cargo],
            legs=list(s.legs),
        )
        for seq, s in enumerate(route.stops)
    ]
    return vehicle


def fulfilment_row(f: NewFulfilment) -> PlanFulfilmentRecord:
    return PlanFulfilmentRecord(
        incident_id=f.incident_id,
        item_code=f.item,
        quantity=f.quantity,
        met=f.met,
        met_on_time=f.met_on_time,
        required_by=f.required_by,
        last_arrival=f.last_arrival,
        priority=f.priority,
        earliest_arrival=f.earliest_arrival,
        first_arrival=f.first_arrival,
        within_bound=f.within_bound,
        reason=f.reason,
        substitutions=[PlanSubstitutionRecord(item_code=i, quantity=q) for i, q in f.substituted],
    )
