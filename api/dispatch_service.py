"""Use cases of dispatch: incidents, planning (inventory snapshot + road matrix ->
optimizer -> plan stored), and the plan's life: confirm (reserve), dispatch (post to
in-transit), deliver (to the incident), cancel (void), re-plan."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.commands import ReserveLine
from inventory.errors import (
    ConflictError,
    InsufficientStockError,
    NotFoundError,
    UnusableStockError,
    ValidationError,
)
from inventory.ledger import Ledger, lot_usability, run_idempotent, utcnow
from inventory.models import (
    Balance,
    Depot,
    DispatchPlanRecord,
    Incident,
    IncidentDemandLine,
    IncidentStatus,
    Item,
    ItemSubstitute,
    Location,
    LocationKind,
    Lot,
    MovementKind,
    PlanPickRecord,
    PlanStatus,
    PlanVehicleRecord,
    StockPolicy,
    VehicleType,
)
from network import Overlay, RoadRouter, Snap
from optimizer import (
    Demand,
    DepotStock,
    DispatchParams,
    DispatchPlan,
    DispatchProblem,
    IncidentDemand,
    ItemSpec,
    LotStock,
    Vehicle,
    check_dispatch_plan,
    solve_dispatch,
)

from .dispatch_schemas import DemandRead, IncidentCreate, IncidentRead, PlanRead
from .network_service import RoadContext, active_overlay
from .services import Database, _retry_race
from .settings import Settings

#: How far off the coast an oil spill on water may be declared (km), against 5 km for others.
SEA_REACH_KM = 40.0
BUSY_STATUSES = (PlanStatus.CONFIRMED, PlanStatus.DISPATCHED, PlanStatus.DELIVERED)


def load_templates(data_dir: Path) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    with (data_dir / "scenario_templates.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["template"]].append(row)
    return dict(out)


# ------------------------------------------------------------------ incidents
def create_incident(
    db: Database,
    ctx: RoadContext,
    settings: Settings,
    body: IncidentCreate,
    *,
    actor: str,
    key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Validate place, level and demand, then store the incident and its site location.

    Returns (incident, replayed): a retry with the same idempotency key returns the first
    incident instead of declaring a second one."""
    now = utcnow()
    if body.level not in settings.incident_levels:
        raise ValidationError(
            f"unknown level {body.level!r}; use one of {settings.incident_levels}", field="level"
        )
    reported = _aware(body.reported_at) if body.reported_at else now
    if reported > now + dt.timedelta(minutes=10):
        raise ValidationError("reported_at is in the future", field="reported_at")
    hazard_id = body.location.hazard_source
    coast = SEA_REACH_KM if body.incident_type == "oil_spill_water" else 5.0
    road = ctx.router
    if hazard_id is not None:
        if hazard_id not in ctx.hazards:
            raise NotFoundError(
                f"unknown hazard source {hazard_id!r}", field="location.hazard_source"
            )
        point = ctx.hazards[hazard_id].point
    elif body.location.node_id is not None:
        node = road.node(body.location.node_id, "location.node_id")
        point = road.graph.nodes[node].point
    else:
        assert body.location.lat is not None and body.location.lon is not None
        point = (body.location.lat, body.location.lon)
    snap = road.snap(point, field_name="location", coast_km=coast)

    def store(session: Session) -> dict[str, Any]:
        lines = _demand_lines(session, settings, body, reported, now)
        incident = Incident(
            incident_type=body.incident_type,
            level=body.level,
            status=IncidentStatus.OPEN,
            lat=point[0],
            lon=point[1],
            node_id=snap.node_id,
            snap_km=snap.distance_km,
            province_code=snap.province_code,
            reported_at=reported,
            priority=body.priority,
            template=None if body.demands else _template_name(body),
            size=body.size,
            description=body.description,
            hazard_source_id=hazard_id,
            created_by=actor,
            created_at=now,
        )
        session.add(incident)
        session.flush()
        location = Location(
            code=f"INCIDENT/{incident.id}",
            kind=LocationKind.INCIDENT,
            name=f"Incident {incident.id} ({body.incident_type}, {body.level})",
        )
        session.add(location)
        session.flush()
        incident.location_id = location.id
        for item, qty, due, prio in lines:
            session.add(
                IncidentDemandLine(
                    incident_id=incident.id,
                    item_code=item,
                    quantity=qty,
                    required_by=due,
                    priority=prio,
                )
            )
        session.flush()
        session.refresh(incident)
        return incident_read(incident).model_dump(mode="json")

    payload = body.model_dump(mode="json")

    def attempt() -> tuple[dict[str, Any], bool]:
        with db.sessions.begin() as session:
            return run_idempotent(session, key, "incident", payload, lambda: store(session))

    return _retry_race(attempt)


def _template_name(body: IncidentCreate) -> str:
    return body.template or f"{body.incident_type}.{body.level}"


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _demand_lines(
    session: Session,
    settings: Settings,
    body: IncidentCreate,
    reported: dt.datetime,
    now: dt.datetime,
) -> list[tuple[str, int, dt.datetime, int]]:
    lines: list[tuple[str, int, dt.datetime, int]] = []
    if body.demands:
        seen: set[str] = set()
        for n, d in enumerate(body.demands):
            if session.get(Item, d.item) is None:
                raise NotFoundError(f"unknown item {d.item!r}", field=f"demands[{n}].item")
            if d.item in seen:
                raise ValidationError(f"item {d.item} appears twice", field=f"demands[{n}].item")
            seen.add(d.item)
            due = _aware(d.required_by)
            if due <= now:
                raise ValidationError(
                    f"required_by {due.isoformat()} is in the past",
                    field=f"demands[{n}].required_by",
                )
            lines.append((d.item, d.quantity, due, d.priority))
        return lines
    templates = load_templates(settings.data_dir)
    name = _template_name(body)
    if name not in templates:
        raise ValidationError(
            f"no scenario template {name!r}: give demands explicitly or one of {sorted(templates)}",
            field="template",
        )
    for row in templates[name]:
        qty = max(1, math.ceil(int(row["quantity"]) * body.size))
        due = reported + dt.timedelta(hours=float(row["required_by_h"]))
        lines.append(
            (row["item"], qty, max(due, now + dt.timedelta(minutes=30)), int(row["priority"]))
        )
    return lines


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


def get_incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFoundError(f"unknown incident {incident_id}", field="incident_id")
    return incident


def set_incident_status(db: Database, incident_id: int, status: IncidentStatus) -> IncidentRead:
    with db.sessions.begin() as session:
        incident = session.get(Incident, incident_id, with_for_update=True)
        if incident is None:
            raise NotFoundError(f"unknown incident {incident_id}", field="incident_id")
        if incident.status != IncidentStatus.OPEN:
            raise ConflictError(
                f"incident {incident_id} is already {incident.status.value}", field="incident_id"
            )
        live = session.scalars(
            select(DispatchPlanRecord).where(
                DispatchPlanRecord.status.in_([PlanStatus.DRAFT, PlanStatus.CONFIRMED])
            )
        ).all()
        if any(incident_id in p.incident_ids and p.status == PlanStatus.CONFIRMED for p in live):
            raise ConflictError(
                "a confirmed plan still holds stock for this incident: dispatch or cancel it first",
                field="incident_id",
            )
        incident.status = status
        return incident_read(incident)


# ------------------------------------------------------------------ planning
def _remaining_demand(session: Session, incident: Incident) -> dict[str, int]:
    """Demand less what is already on the road or delivered."""
    sent: dict[str, int] = defaultdict(int)
    plans = session.scalars(
        select(DispatchPlanRecord).where(
            DispatchPlanRecord.status.in_([PlanStatus.DISPATCHED, PlanStatus.DELIVERED])
        )
    ).all()
    ids = [p.id for p in plans if incident.id in p.incident_ids]
    if ids:
        for pick in session.scalars(
            select(PlanPickRecord).where(
                PlanPickRecord.plan_id.in_(ids), PlanPickRecord.incident_id == incident.id
            )
        ):
            sent[pick.for_item] += pick.quantity
    return {
        d.item_code: d.quantity - sent[d.item_code]
        for d in incident.demands
        if d.quantity - sent[d.item_code] > 0
    }


def _busy_vehicles(session: Session, now: dt.datetime) -> set[str]:
    rows = session.execute(
        select(PlanVehicleRecord.vehicle_key, PlanVehicleRecord.returns_at)
        .join(DispatchPlanRecord, DispatchPlanRecord.id == PlanVehicleRecord.plan_id)
        .where(DispatchPlanRecord.status.in_(BUSY_STATUSES))
    ).all()
    return {key for key, back in rows if back > now}


class _Context:
    """What maps the optimiser's indices back to the inventory and the roads."""

    def __init__(self) -> None:
        self.nodes: list[str] = []
        self.snaps: dict[int, Snap] = {}
        self.incident_ids: list[int] = []


def build_problem(
    session: Session,
    road: RoadRouter,
    settings: Settings,
    incidents: list[Incident],
    t0: dt.datetime,
    overlay: Overlay,
) -> tuple[DispatchProblem, _Context]:
    ctx = _Context()
    depots = [d for d in session.scalars(select(Depot).order_by(Depot.code)) if d.node_id]
    ctx.nodes = [str(d.node_id) for d in depots] + [i.node_id for i in incidents]
    for n, inc in enumerate(incidents):
        ctx.snaps[len(depots) + n] = road.snap(
            (inc.lat, inc.lon), coast_km=SEA_REACH_KM, field_name="location"
        )
    unique = sorted(set(ctx.nodes))
    m = road.matrix(unique, unique, overlay)
    pos = {node: i for i, node in enumerate(unique)}
    size = len(ctx.nodes)
    secs: list[list[int | None]] = [[0] * size for _ in range(size)]
    metres: list[list[int | None]] = [[0] * size for _ in range(size)]
    for a in range(size):
        for b in range(size):
            sec = m.seconds[pos[ctx.nodes[a]]][pos[ctx.nodes[b]]]
            dist = m.metres[pos[ctx.nodes[a]]][pos[ctx.nodes[b]]]
            if a == b or sec is None or dist is None:
                secs[a][b] = 0 if a == b else None
                metres[a][b] = 0 if a == b else None
                continue
            extra_s = extra_m = 0.0
            for end in (a, b):
                if end in ctx.snaps:
                    extra_s += ctx.snaps[end].seconds
                    extra_m += ctx.snaps[end].distance_km * 1300
            secs[a][b] = sec + round(extra_s)
            metres[a][b] = dist + round(extra_m)

    remaining = {inc.id: _remaining_demand(session, inc) for inc in incidents}
    wanted = {item for r in remaining.values() for item in r}
    subs: dict[str, list[str]] = defaultdict(list)
    for sub in session.scalars(select(ItemSubstitute).order_by(ItemSubstitute.rank)):
        subs[sub.item_code].append(sub.substitute_code)
    for item in list(wanted):
        wanted.update(subs.get(item, []))
    items = {
        i.code: ItemSpec(
            i.code, i.name_en, i.unit_weight_kg, i.unit_volume_m3, tuple(subs.get(i.code, []))
        )
        for i in session.scalars(select(Item))
    }
    today = t0.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    lots_by_depot: dict[str, dict[str, list[tuple[Lot, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    rows = session.execute(
        select(Location.depot_code, Lot, Balance.on_hand - Balance.reserved)
        .join(Balance, Balance.lot_id == Lot.id)
        .join(Location, Location.id == Balance.location_id)
        .where(
            Location.kind == LocationKind.DEPOT,
            Lot.item_code.in_(wanted),
            Balance.on_hand - Balance.reserved > 0,
        )
    ).all()
    for depot_code, lot, avail in rows:
        if lot_usability(lot, today) is None:
            lots_by_depot[str(depot_code)][lot.item_code].append((lot, int(avail)))
    floors: dict[tuple[str, str], int] = {
        (p.depot_code, p.item_code): p.min_qty
        for p in session.scalars(select(StockPolicy).where(StockPolicy.item_code.in_(wanted)))
    }
    depot_stock = []
    for n, d in enumerate(depots):
        lots = {}
        for item, entries in lots_by_depot.get(d.code, {}).items():
            entries.sort(key=lambda e: (e[0].expiry_date or dt.date.max, e[0].id))
            lots[item] = tuple(
                LotStock(lot.id, lot.lot_no, qty, rank) for rank, (lot, qty) in enumerate(entries)
            )
        depot_stock.append(
            DepotStock(
                d.code,
                n,
                lots,
                {item: floors[(d.code, item)] for item in lots if (d.code, item) in floors},
            )
        )
    busy = _busy_vehicles(session, t0)
    vehicles = []
    for vt in session.scalars(select(VehicleType).order_by(VehicleType.depot_code, VehicleType.id)):
        for k in range(1, vt.count + 1):
            key = f"{vt.depot_code}/{vt.vehicle_type}/{k}"
            if key not in busy:
                vehicles.append(
                    Vehicle(
                        key,
                        vt.depot_code,
                        vt.vehicle_type,
                        vt.payload_kg,
                        vt.cargo_volume_m3,
                        vt.avg_speed_factor,
                        0,
                    )
                )
    problem_incidents = []
    for n, inc in enumerate(incidents):
        demands = tuple(
            Demand(
                d.item_code,
                remaining[inc.id][d.item_code],
                max(0, int((d.required_by - t0).total_seconds())),
                d.priority,
            )
            for d in inc.demands
            if d.item_code in remaining[inc.id]
        )
        ctx.incident_ids.append(inc.id)
        problem_incidents.append(
            IncidentDemand(
                str(inc.id),
                len(depots) + n,
                inc.level == settings.national_level,
                demands,
                inc.priority,
            )
        )
    names = tuple([d.code for d in depots] + [f"incident {i.id}" for i in incidents])
    problem = DispatchProblem(
        names,
        tuple(map(tuple, secs)),
        tuple(map(tuple, metres)),
        items,
        tuple(depot_stock),
        tuple(vehicles),
        tuple(problem_incidents),
    )
    return problem, ctx


def plan_incidents(
    db: Database,
    road: RoadRouter,
    settings: Settings,
    incident_ids: list[int],
    *,
    actor: str,
    time_limit_s: float | None = None,
    seed: int = 0,
    key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Solve and store a draft plan for one or more open incidents.

    Returns (plan, replayed): a retry with the same idempotency key returns the first plan
    instead of solving and storing a second one."""
    ids = list(dict.fromkeys(incident_ids))
    payload = {"incident_ids": ids, "time_limit_s": time_limit_s, "seed": seed}

    def attempt() -> tuple[dict[str, Any], bool]:
        with db.sessions.begin() as session:

            def act() -> dict[str, Any]:
                return _solve_and_store(
                    session,
                    road,
                    settings,
                    ids,
                    actor=actor,
                    time_limit_s=time_limit_s,
                    seed=seed,
                    replaces=None,
                )

            return run_idempotent(session, key, "dispatch-plan", payload, act)

    return _retry_race(attempt)


def _solve_and_store(
    session: Session,
    road: RoadRouter,
    settings: Settings,
    incident_ids: list[int],
    *,
    actor: str,
    time_limit_s: float | None,
    seed: int,
    replaces: int | None,
) -> dict[str, Any]:
    """Solve for the open incidents and store the draft plan, in the caller's transaction."""
    t0 = utcnow()
    incidents = []
    for n, incident_id in enumerate(dict.fromkeys(incident_ids)):
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(
                f"unknown incident {incident_id}",
                field="incident_id" if n == 0 else "with_incidents",
            )
        if incident.status != IncidentStatus.OPEN:
            raise ConflictError(
                f"incident {incident_id} is {incident.status.value}: no plan can be made for it",
                field="incident_id",
            )
        incidents.append(incident)
    overlay = active_overlay(session)
    problem, ctx = build_problem(session, road, settings, incidents, t0, overlay)
    if not any(i.demands for i in problem.incidents):
        raise ConflictError(
            "nothing left to send: everything demanded is on the road or delivered",
            field="incident_id",
        )
    params = DispatchParams(time_limit_s=time_limit_s or settings.dispatch_time_limit_s, seed=seed)
    plan = solve_dispatch(problem, params)
    violations = check_dispatch_plan(problem, plan)
    if violations:  # never store a plan that breaks the books
        raise RuntimeError(f"dispatch plan failed its checks: {violations[:3]}")
    body = _plan_body(problem, plan, ctx, road, overlay, t0)
    record = DispatchPlanRecord(
        status=PlanStatus.DRAFT,
        incident_ids=[i.id for i in incidents],
        t0=t0,
        solve_status=plan.status,
        objective=plan.objective if math.isfinite(plan.objective) else -1.0,
        bound=plan.bound,
        body=body,
        overlay_key=overlay.key(),
        replaces_id=replaces,
        created_by=actor,
        created_at=t0,
    )
    session.add(record)
    session.flush()
    for p in plan.picks:
        session.add(
            PlanPickRecord(
                plan_id=record.id,
                depot_code=p.depot,
                item_code=p.item,
                lot_id=p.lot_id,
                quantity=p.quantity,
                incident_id=int(p.incident),
                for_item=p.for_item,
                vehicle_key=p.vehicle or "",
                reservation_id=None,
            )
        )
    for r in plan.routes:
        session.add(
            PlanVehicleRecord(
                plan_id=record.id,
                vehicle_key=r.vehicle,
                depot_code=r.depot,
                departs_at=t0 + dt.timedelta(seconds=r.stops[0].departure),
                returns_at=t0 + dt.timedelta(seconds=r.return_at),
            )
        )
    session.flush()
    # JSON types, so that an idempotent retry can replay the stored answer as it was.
    return PlanRead.model_validate(plan_read(record)).model_dump(mode="json")


def _plan_body(
    problem: DispatchProblem,
    plan: DispatchPlan,
    ctx: _Context,
    road: RoadRouter,
    overlay: Overlay,
    t0: dt.datetime,
) -> dict[str, Any]:
    def at(seconds: int | None) -> str | None:
        return None if seconds is None else (t0 + dt.timedelta(seconds=seconds)).isoformat()

    items = problem.items
    picks_by_depot: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in plan.picks:
        picks_by_depot[p.depot].append(
            {
                "item": p.item,
                "item_name": items[p.item].name,
                "lot_id": p.lot_id,
                "lot_no": p.lot_no,
                "quantity": p.quantity,
                "incident": int(p.incident),
                "for_item": p.for_item,
                "substitute": p.item != p.for_item,
                "vehicle": p.vehicle,
            }
        )
    routes = []
    for r in plan.routes:
        coords: list[list[float]] = []
        for a, b in zip(r.stops, r.stops[1:], strict=False):
            leg = road.route(ctx.nodes[a.location], ctx.nodes[b.location], overlay)
            pts = [] if leg is None else [[lon, lat] for lat, lon in leg.coordinates]
            if a.location in ctx.snaps:
                s = ctx.snaps[a.location]
                pts.insert(0, [s.point[1], s.point[0]])
            if b.location in ctx.snaps:
                s = ctx.snaps[b.location]
                pts.append([s.point[1], s.point[0]])
            coords.extend(pts if not coords else pts[1:])
        routes.append(
            {
                "vehicle": r.vehicle,
                "depot": r.depot,
                "vehicle_type": r.vehicle_type,
                "km": round(r.metres / 1000, 1),
                "returns_at": at(r.return_at),
                "stops": [
                    {
                        "kind": s.kind,
                        "place": s.name,
                        "node": ctx.nodes[s.location],
                        "arrival": at(s.arrival),
                        "departure": at(s.departure),
                        "load_kg": round(s.load_kg, 1),
                        "load_m3": round(s.load_m3, 3),
                        "depot": s.depot,
                        "incident": int(s.incident) if s.incident else None,
                        "cargo": [{"item": i, "quantity": q} for i, q in s.cargo],
                    }
                    for s in r.stops
                ],
                "geometry": {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coords},
                    "properties": {"vehicle": r.vehicle},
                },
            }
        )
    fulfilment = [
        {
            "incident": int(f.incident),
            "item": f.item,
            "item_name": items[f.item].name,
            "quantity": f.quantity,
            "met": f.met,
            "met_on_time": f.met_on_time,
            "required_by": at(f.required_by),
            "last_arrival": at(f.last_arrival),
            "late_hours": None
            if f.last_arrival is None
            else round(max(0, f.last_arrival - f.required_by) / 3600, 2),
            "priority": f.priority,
            "substituted": [{"item": i, "quantity": q} for i, q in f.substituted],
        }
        for f in plan.fulfilment
    ]
    unmet = [
        {
            "incident": int(u.incident),
            "item": u.item,
            "item_name": items[u.item].name,
            "quantity": u.quantity,
            "reason": u.reason,
        }
        for u in plan.unmet
    ]
    late = [f for f in fulfilment if f["late_hours"]]
    return {
        "solve": {
            "status": plan.status,
            "objective": plan.objective,
            "bound": plan.bound,
            "solve_seconds": plan.solve_seconds,
            "engine": plan.engine,
            "notes": list(plan.notes),
        },
        "summary": {
            "demand_units": sum(f.quantity for f in plan.fulfilment),
            "met_units": sum(f.met for f in plan.fulfilment),
            "met_on_time_units": sum(f.met_on_time for f in plan.fulfilment),
            "unmet_units": plan.unmet_units,
            "late_lines": len(late),
            "lateness_unit_hours": plan.lateness_unit_hours,
            "vehicles": len(plan.routes),
            "km": round(plan.metres / 1000, 1),
            "depots": sorted(picks_by_depot),
            "last_arrival": at(
                max(
                    (f.last_arrival for f in plan.fulfilment if f.last_arrival is not None),
                    default=None,
                )
            ),
        },
        "pick_lists": [{"depot": d, "lines": lines} for d, lines in sorted(picks_by_depot.items())],
        "routes": routes,
        "fulfilment": fulfilment,
        "unmet": unmet,
    }


def plan_read(record: DispatchPlanRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "status": record.status.value,
        "incidents": record.incident_ids,
        "replaces": record.replaces_id,
        "t0": record.t0,
        "created_at": record.created_at,
        **record.body,
    }


def get_plan(session: Session, plan_id: int, *, lock: bool = False) -> DispatchPlanRecord:
    plan = session.get(DispatchPlanRecord, plan_id, with_for_update=lock)
    if plan is None:
        raise NotFoundError(f"unknown dispatch plan {plan_id}", field="plan_id")
    return plan


# ------------------------------------------------------------- plan lifecycle
def _expect(plan: DispatchPlanRecord, *allowed: PlanStatus, action: str) -> None:
    if plan.status not in allowed:
        raise ConflictError(
            f"plan {plan.id} is {plan.status.value}: it cannot be {action}", field="plan_id"
        )


def confirm_plan(db: Database, plan_id: int, *, actor: str) -> dict[str, Any]:
    """Reserve every pick line, all or nothing; 409 if the stock or the vehicles changed."""
    with db.sessions.begin() as session:
        plan = get_plan(session, plan_id, lock=True)
        _expect(plan, PlanStatus.DRAFT, action="confirmed")
        for incident_id in plan.incident_ids:
            incident = get_incident(session, incident_id)
            if incident.status != IncidentStatus.OPEN:
                raise ConflictError(
                    f"incident {incident_id} is {incident.status.value}", field="plan_id"
                )
        mine = session.scalars(
            select(PlanVehicleRecord).where(PlanVehicleRecord.plan_id == plan.id)
        ).all()
        taken = _busy_vehicles(session, utcnow())
        clash = sorted({v.vehicle_key for v in mine} & taken)
        if clash:
            raise ConflictError(
                f"vehicles {clash} were committed to another plan: re-plan", field="plan_id"
            )
        ledger = Ledger(session, actor=actor)
        picks = session.scalars(
            select(PlanPickRecord).where(PlanPickRecord.plan_id == plan.id)
        ).all()
        locs = {p.depot_code: ledger.depot_location(p.depot_code).id for p in picks}
        for pick in sorted(picks, key=lambda p: (locs[p.depot_code], p.lot_id, p.id)):
            lot = session.get_one(Lot, pick.lot_id)
            try:
                held = ledger.reserve(
                    [ReserveLine(pick.depot_code, pick.item_code, pick.quantity, lot.lot_no)],
                    reference=f"plan:{plan.id}",
                )
            except (InsufficientStockError, UnusableStockError) as exc:
                raise ConflictError(
                    f"the stock changed since plan {plan.id} was made ({exc.message}); re-plan",
                    field="plan_id",
                ) from exc
            pick.reservation_id = held[0].id
        plan.status = PlanStatus.CONFIRMED
        plan.confirmed_at = utcnow()
        return plan_read(plan)


def dispatch_plan(db: Database, plan_id: int, *, actor: str) -> dict[str, Any]:
    """The vehicles leave: reservations are posted, stock moves to in-transit."""
    with db.sessions.begin() as session:
        plan = get_plan(session, plan_id, lock=True)
        _expect(plan, PlanStatus.CONFIRMED, action="dispatched")
        ledger = Ledger(session, actor=actor)
        for pick in _picks(session, plan.id):
            assert pick.reservation_id is not None
            ledger.post_reservation(
                pick.reservation_id, to_location="IN_TRANSIT", kind=MovementKind.DISPATCH
            )
        plan.status = PlanStatus.DISPATCHED
        plan.dispatched_at = utcnow()
        return plan_read(plan)


def deliver_plan(db: Database, plan_id: int, *, actor: str) -> dict[str, Any]:
    """The goods reached the incident: in-transit stock moves to the incident site."""
    with db.sessions.begin() as session:
        plan = get_plan(session, plan_id, lock=True)
        _expect(plan, PlanStatus.DISPATCHED, action="delivered")
        ledger = Ledger(session, actor=actor)
        for pick in _picks(session, plan.id):
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
        plan.status = PlanStatus.DELIVERED
        plan.delivered_at = utcnow()
        return plan_read(plan)


def cancel_plan(
    db: Database, plan_id: int, *, actor: str, status: PlanStatus = PlanStatus.CANCELLED
) -> dict[str, Any]:
    """Void what a draft or confirmed plan holds; a plan on the road cannot be cancelled."""
    with db.sessions.begin() as session:
        plan = get_plan(session, plan_id, lock=True)
        _cancel(session, plan, actor=actor, status=status)
        return plan_read(plan)


def _cancel(session: Session, plan: DispatchPlanRecord, *, actor: str, status: PlanStatus) -> None:
    _expect(plan, PlanStatus.DRAFT, PlanStatus.CONFIRMED, action="cancelled")
    if plan.status == PlanStatus.CONFIRMED:
        ledger = Ledger(session, actor=actor)
        for pick in _picks(session, plan.id):
            if pick.reservation_id is not None:
                ledger.void_reservation(pick.reservation_id)
    plan.status = status
    plan.cancelled_at = utcnow()


def _picks(session: Session, plan_id: int) -> list[PlanPickRecord]:
    return list(
        session.scalars(
            select(PlanPickRecord)
            .where(PlanPickRecord.plan_id == plan_id)
            .order_by(PlanPickRecord.id)
        )
    )


def replan_incident(
    db: Database,
    road: RoadRouter,
    settings: Settings,
    incident_id: int,
    *,
    actor: str,
    time_limit_s: float | None = None,
    seed: int = 0,
    key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Supersede the incident's draft and confirmed plans (their reservations are voided)
    and plan what is not yet on the road, with today's closures and stock.

    One transaction: if no new plan can be made (nothing left to send, say), the old plans
    stay as they were. Returns (plan, replayed) as `plan_incidents` does."""
    payload = {"incident_id": incident_id, "time_limit_s": time_limit_s, "seed": seed}

    def act(session: Session) -> dict[str, Any]:
        incident = get_incident(session, incident_id)
        if incident.status != IncidentStatus.OPEN:
            raise ConflictError(
                f"incident {incident_id} is {incident.status.value}", field="incident_id"
            )
        live = session.scalars(
            select(DispatchPlanRecord)
            .where(DispatchPlanRecord.status.in_([PlanStatus.DRAFT, PlanStatus.CONFIRMED]))
            .order_by(DispatchPlanRecord.id)
            .with_for_update()
        ).all()
        replaced: int | None = None
        others: set[int] = set()
        for plan in live:
            if incident_id in plan.incident_ids:
                _cancel(session, plan, actor=actor, status=PlanStatus.SUPERSEDED)
                replaced = plan.id
                others.update(i for i in plan.incident_ids if i != incident_id)
        session.flush()
        # An incident planned together with this one but closed since needs nothing more.
        still_open = [
            i
            for i in sorted(others)
            if (other := session.get(Incident, i)) is not None
            and other.status == IncidentStatus.OPEN
        ]
        return _solve_and_store(
            session,
            road,
            settings,
            [incident_id, *still_open],
            actor=actor,
            time_limit_s=time_limit_s,
            seed=seed,
            replaces=replaced,
        )

    def attempt() -> tuple[dict[str, Any], bool]:
        with db.sessions.begin() as session:
            return run_idempotent(session, key, "replan", payload, lambda: act(session))

    return _retry_race(attempt)


def plans_for_incident(session: Session, incident_id: int) -> list[dict[str, Any]]:
    get_incident(session, incident_id)
    plans = session.scalars(select(DispatchPlanRecord).order_by(DispatchPlanRecord.id)).all()
    return [plan_read(p) for p in plans if incident_id in p.incident_ids]
