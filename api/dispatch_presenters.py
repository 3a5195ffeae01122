"""Incidents and plans as the HTTP API shows them, made from the typed records at the
edge: changing this shape never touches what is stored."""

from __future__ import annotations

from collections import defaultdict

from inventory.models import (
    DispatchPlanRecord,
    Incident,
    PlanFulfilmentRecord,
    PlanVehicleRecord,
)
from inventory.plans import PlanRecords

from .dispatch_schemas import (
    CargoRead,
    DemandRead,
    FulfilmentRead,
    IncidentRead,
    LegRead,
    PickListRead,
    PickRead,
    PlanRead,
    RouteRead,
    SolveRead,
    StopRead,
    SummaryRead,
    UnmetRead,
)


def incident_read(incident: Incident) -> IncidentRead:
    return IncidentRead(
        id=incident.id,
        incident_type=incident.incident_type,
        level=incident.level,
        status=incident.status.value,
        lat=incident.lat,
        lon=incident.lon,
        node_id=incident.node_id,
        snap_km=incident.snap_km,
        province_code=incident.province_code,
        hazard_source=incident.hazard_source_id,
        reported_at=incident.reported_at,
        priority=incident.priority,
        template=incident.template,
        size=incident.size,
        description=incident.description,
        demands=[
            DemandRead(
                item=d.item_code,
                quantity=d.quantity,
                required_by=d.required_by,
                priority=d.priority,
            )
            for d in incident.demands
        ],
    )


def plan_read(plans: PlanRecords, record: DispatchPlanRecord) -> PlanRead:
    """The whole plan: pick lists by depot, routes with their roads, fulfilment, unmet."""
    names = plans.item_names()
    routes = [_route(v) for v in plans.vehicles(record.id)]
    by_depot = _pick_lists(plans, record.id, names, _onward(routes))
    fulfilment = [_fulfilment(f, names) for f in plans.fulfilment(record.id)]
    unmet = [
        UnmetRead(
            incident=u.incident_id,
            item=u.item_code,
            item_name=names.get(u.item_code, u.item_code),
            quantity=u.quantity,
            reason=u.reason,
        )
        for u in plans.unmet(record.id)
    ]
    arrivals = [f.last_arrival for f in fulfilment if f.last_arrival is not None]
    return PlanRead(
        id=record.id,
        status=record.status.value,
        incidents=record.incident_ids,
        replaces=record.replaces_id,
        superseded_by=record.superseded_by_id,
        t0=record.t0,
        created_at=record.created_at,
        solve=SolveRead(
            status=record.solve_status,
            objective=record.objective,
            bound=record.bound,
            within_bound_share=record.within_bound_share,
            far_vehicles=record.far_vehicles,
            vehicle_hours=round(record.vehicle_seconds / 3600, 1),
            solve_seconds=record.solve_seconds,
            engine=record.engine,
            notes=[n for n in record.notes.split("\n") if n],
        ),
        summary=SummaryRead(
            demand_units=sum(f.quantity for f in fulfilment),
            met_units=sum(f.met for f in fulfilment),
            met_on_time_units=sum(f.met_on_time for f in fulfilment),
            unmet_units=record.unmet_units,
            late_lines=sum(1 for f in fulfilment if f.late_hours),
            lateness_unit_hours=record.lateness_unit_hours,
            vehicles=len(routes),
            km=round(record.metres / 1000, 1),
            depots=sorted(by_depot),
            last_arrival=max(arrivals, default=None),
        ),
        pick_lists=[PickListRead(depot=d, lines=lines) for d, lines in sorted(by_depot.items())],
        routes=routes,
        fulfilment=fulfilment,
        unmet=unmet,
    )


def _onward(routes: list[RouteRead]) -> dict[int, str]:
    """Per incident served at sea, how its goods go on from the port: "by boat from
    Cảng Dung Quất (D-QNG/boat/B-QNG-1, ...)", for the pick lists."""
    boats: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in routes:
        if r.vehicle_type != "boat":
            continue
        port = r.stops[0].place.split(",")[0].split(" (")[0]
        for incident in sorted({s.incident for s in r.stops if s.incident is not None}):
            boats[incident][port].append(r.vehicle)
    return {
        incident: "; ".join(f"by boat from {p} ({', '.join(vs)})" for p, vs in ports.items())
        for incident, ports in boats.items()
    }


def _pick_lists(
    plans: PlanRecords, plan_id: int, names: dict[str, str], onward: dict[int, str]
) -> dict[str, list[PickRead]]:
    picks = plans.picks(plan_id)
    lot_nos = plans.lot_numbers([p.lot_id for p in picks])
    by_depot: dict[str, list[PickRead]] = defaultdict(list)
    for p in picks:
        by_depot[p.depot_code].append(
            PickRead(
                item=p.item_code,
                item_name=names.get(p.item_code, p.item_code),
                lot_id=p.lot_id,
                lot_no=lot_nos.get(p.lot_id),
                quantity=p.quantity,
                incident=p.incident_id,
                for_item=p.for_item,
                substitute=p.item_code != p.for_item,
                vehicle=p.vehicle_key or None,
                onward=onward.get(p.incident_id),
            )
        )
    return by_depot


def _route(v: PlanVehicleRecord) -> RouteRead:
    return RouteRead(
        vehicle=v.vehicle_key,
        depot=v.depot_code,
        vehicle_type=v.vehicle_type,
        crew=v.crew,
        rest_hours=round(v.rest_seconds / 3600, 2),
        km=round(v.metres / 1000, 1),
        returns_at=v.returns_at,
        stops=[
            StopRead(
                kind=s.kind,
                place=s.place,
                node=s.node_id,
                arrival=s.arrival_at,
                departure=s.departure_at,
                load_kg=s.load_kg,
                load_m3=s.load_m3,
                depot=s.depot_code,
                incident=s.incident_id,
                cargo=[CargoRead(item=c.item_code, quantity=c.quantity) for c in s.cargo],
                legs=[LegRead(**leg) for leg in s.legs or []],
            )
            for s in v.stops
        ],
        geometry={
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": v.geometry},
            "properties": {"vehicle": v.vehicle_key},
        },
    )


def _fulfilment(f: PlanFulfilmentRecord, names: dict[str, str]) -> FulfilmentRead:
    late = None
    if f.last_arrival is not None:
        late = round(max(0.0, (f.last_arrival - f.required_by).total_seconds()) / 3600, 2)
    return FulfilmentRead(
        incident=f.incident_id,
        item=f.item_code,
        item_name=names.get(f.item_code, f.item_code),
        quantity=f.quantity,
        met=f.met,
        met_on_time=f.met_on_time,
        required_by=f.required_by,
        last_arrival=f.last_arrival,
        late_hours=late,
        priority=f.priority,
        substituted=[CargoRead(item=s.item_code, quantity=s.quantity) for s in f.substitutions],
        earliest_arrival=f.earliest_arrival,
        first_arrival=f.first_arrival,
        within_bound=f.within_bound,
        reason=f.reason,
    )
