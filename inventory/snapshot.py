"""What a dispatch plan is made from, read in one consistent look at the books: usable
stock by lot in FEFO order, reserve floors, free vehicles, items, and what each incident
still needs. Read with no write lock held; `changes_since` tells the writer later what
moved while the plan was being solved."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from .incidents import IncidentRecords
from .ledger import fefo_key, local_date, lot_usability
from .models import (
    Balance,
    Depot,
    DispatchPlanRecord,
    Incident,
    Item,
    ItemSubstitute,
    Location,
    LocationKind,
    Lot,
    PlanPickRecord,
    PlanStatus,
    PlanVehicleRecord,
    Reservation,
    ReservationStatus,
    StockPolicy,
    VehicleType,
)

#: Plans whose vehicles are committed until they are back at their depots.
BUSY_STATUSES = (PlanStatus.CONFIRMED, PlanStatus.DISPATCHED, PlanStatus.DELIVERED)


def busy_vehicles(session: Session, now: dt.datetime, releasing: Sequence[int] = ()) -> set[str]:
    """Vehicles committed to confirmed or moving plans and not yet back (leaving out
    the plans in `releasing`, which a new plan is about to supersede)."""
    rows = session.execute(
        select(PlanVehicleRecord.vehicle_key)
        .join(DispatchPlanRecord, DispatchPlanRecord.id == PlanVehicleRecord.plan_id)
        .where(
            DispatchPlanRecord.status.in_(BUSY_STATUSES),
            PlanVehicleRecord.returns_at > now,
            DispatchPlanRecord.id.not_in(releasing),
        )
    )
    return {str(key) for (key,) in rows}


@dataclass(frozen=True)
class LotAvailable:
    lot_id: int
    lot_no: str | None
    quantity: int


@dataclass(frozen=True)
class DepotStockView:
    code: str
    node_id: str
    lots: dict[str, tuple[LotAvailable, ...]]  # item -> usable, unreserved lots, FEFO
    floors: dict[str, int]  # item -> units kept back for the depot's own area


@dataclass(frozen=True)
class FreeVehicle:
    key: str
    depot: str
    vehicle_type: str
    payload_kg: float
    volume_m3: float
    speed_factor: float


@dataclass(frozen=True)
class ItemView:
    code: str
    name: str
    unit_weight_kg: float
    unit_volume_m3: float
    substitutes: tuple[str, ...]


@dataclass(frozen=True)
class DemandView:
    item: str
    quantity: int  # still to send
    required_by: dt.datetime
    priority: int


@dataclass(frozen=True)
class IncidentView:
    id: int
    incident_type: str
    level: str
    lat: float
    lon: float
    node_id: str
    priority: int
    demands: tuple[DemandView, ...]


@dataclass(frozen=True)
class DispatchSnapshot:
    t0: dt.datetime
    depots: tuple[DepotStockView, ...]
    vehicles: tuple[FreeVehicle, ...]
    items: dict[str, ItemView]
    incidents: tuple[IncidentView, ...]
    #: keys of the vehicles and boats committed to other plans (boats are reference
    #: data, not in the books: a plan tells which are free by this)
    busy: frozenset[str] = frozenset()


def read_snapshot(
    session: Session,
    incidents: Sequence[Incident],
    t0: dt.datetime,
    releasing: Sequence[int] = (),
) -> DispatchSnapshot:
    """The books as a plan for `incidents` at `t0` needs them. The stock and vehicles
    held by the plans in `releasing` count as free: the new plan supersedes them."""
    records = IncidentRecords(session)
    views = tuple(_incident_view(i, records.remaining_demand(i)) for i in incidents)
    subs: dict[str, list[str]] = defaultdict(list)
    for sub in session.scalars(select(ItemSubstitute).order_by(ItemSubstitute.rank)):
        subs[sub.item_code].append(sub.substitute_code)
    wanted = {d.item for v in views for d in v.demands}
    for item in list(wanted):
        wanted.update(subs.get(item, []))
    items = {
        i.code: ItemView(
            i.code, i.name_en, i.unit_weight_kg, i.unit_volume_m3, tuple(subs.get(i.code, []))
        )
        for i in session.scalars(select(Item))
    }
    return DispatchSnapshot(
        t0=t0,
        depots=_depot_stock(session, wanted, local_date(t0), _held_by(session, releasing)),
        vehicles=_free_vehicles(session, t0, releasing),
        items=items,
        incidents=views,
        busy=frozenset(busy_vehicles(session, t0, releasing)),
    )


def _incident_view(incident: Incident, remaining: dict[str, int]) -> IncidentView:
    return IncidentView(
        id=incident.id,
        incident_type=incident.incident_type,
        level=incident.level,
        lat=incident.lat,
        lon=incident.lon,
        node_id=incident.node_id,
        priority=incident.priority,
        demands=tuple(
            DemandView(d.item_code, remaining[d.item_code], d.required_by, d.priority)
            for d in incident.demands
            if d.item_code in remaining
        ),
    )


def _held_by(session: Session, plans: Sequence[int]) -> dict[tuple[str, int], int]:
    """(depot, lot id) -> units the pending reservations of these plans hold."""
    if not plans:
        return {}
    rows = session.execute(
        select(PlanPickRecord.depot_code, Reservation.lot_id, Reservation.quantity)
        .join(Reservation, Reservation.id == PlanPickRecord.reservation_id)
        .where(PlanPickRecord.plan_id.in_(plans), Reservation.status == ReservationStatus.PENDING)
    )
    held: dict[tuple[str, int], int] = defaultdict(int)
    for depot, lot_id, quantity in rows:
        held[(str(depot), int(lot_id))] += int(quantity)
    return held


def _depot_lots(session: Session, *where: ColumnElement[bool]) -> list[tuple[str, Lot, int]]:
    """(depot, lot, on hand less reserved) of depot balances: what the snapshot reads and
    what the recheck reads again, by one query."""
    rows = session.execute(
        select(Location.depot_code, Lot, Balance.on_hand - Balance.reserved)
        .join(Balance, Balance.lot_id == Lot.id)
        .join(Location, Location.id == Balance.location_id)
        .where(Location.kind == LocationKind.DEPOT, *where)
    )
    return [(str(depot), lot, int(available)) for depot, lot, available in rows]


def _usable_rows(
    session: Session, items: set[str], today: dt.date, held: dict[tuple[str, int], int]
) -> dict[str, dict[str, list[tuple[Lot, int]]]]:
    """depot -> item -> (lot, available) of usable, unreserved stock, FEFO order."""
    out: dict[str, dict[str, list[tuple[Lot, int]]]] = defaultdict(lambda: defaultdict(list))
    rows = _depot_lots(session, Lot.item_code.in_(items), Balance.on_hand > 0)
    for depot_code, lot, free in rows:
        available = int(free) + held.get((str(depot_code), lot.id), 0)
        if available > 0 and lot_usability(lot, today) is None:
            out[str(depot_code)][lot.item_code].append((lot, available))
    for by_item in out.values():
        for entries in by_item.values():
            entries.sort(key=lambda e: fefo_key(e[0]))
    return out


def _depot_stock(
    session: Session, items: set[str], today: dt.date, held: dict[tuple[str, int], int]
) -> tuple[DepotStockView, ...]:
    stock = _usable_rows(session, items, today, held)
    floors: dict[tuple[str, str], int] = {
        (p.depot_code, p.item_code): p.min_qty
        for p in session.scalars(select(StockPolicy).where(StockPolicy.item_code.in_(items)))
    }
    out = []
    for depot in session.scalars(select(Depot).order_by(Depot.code)):
        if not depot.node_id:
            continue
        lots = {
            item: tuple(LotAvailable(lot.id, lot.lot_no, qty) for lot, qty in entries)
            for item, entries in stock.get(depot.code, {}).items()
        }
        out.append(
            DepotStockView(
                depot.code,
                depot.node_id,
                lots,
                {i: floors[(depot.code, i)] for i in lots if (depot.code, i) in floors},
            )
        )
    return tuple(out)


def _free_vehicles(
    session: Session, now: dt.datetime, releasing: Sequence[int]
) -> tuple[FreeVehicle, ...]:
    busy = busy_vehicles(session, now, releasing)
    out = []
    for vt in session.scalars(select(VehicleType).order_by(VehicleType.depot_code, VehicleType.id)):
        for k in range(1, vt.count + 1):
            key = f"{vt.depot_code}/{vt.vehicle_type}/{k}"
            if key not in busy:
                out.append(
                    FreeVehicle(
                        key,
                        vt.depot_code,
                        vt.vehicle_type,
                        vt.payload_kg,
                        vt.cargo_volume_m3,
                        vt.avg_speed_factor,
                    )
                )
    return tuple(out)


@dataclass(frozen=True)
class Reliance:
    """What a solved plan takes from the books: lots by depot, and vehicles."""

    picks: dict[tuple[str, int], int]  # (depot, lot id) -> units
    vehicles: frozenset[str]


def changes_since(session: Session, reliance: Reliance, now: dt.datetime) -> list[str]:
    """What a plan relied on that is no longer so, in words; empty if nothing changed."""
    changes: list[str] = []
    lots = {lot_id for _, lot_id in reliance.picks}
    stock: dict[tuple[str, int], int] = defaultdict(int)
    usable: dict[int, str | None] = {}
    today = local_date(now)
    for depot_code, lot, available in _depot_lots(session, Lot.id.in_(lots)):
        stock[(str(depot_code), lot.id)] = int(available)
        usable[lot.id] = lot_usability(lot, today)
    for (depot, lot_id), qty in sorted(reliance.picks.items()):
        if usable.get(lot_id) is not None:
            changes.append(f"lot {lot_id} at {depot} is now {usable[lot_id]}")
        elif stock[(depot, lot_id)] < qty:
            changes.append(
                f"{depot} now has {stock[(depot, lot_id)]} available of lot {lot_id}; "
                f"the plan takes {qty}"
            )
    taken = sorted(reliance.vehicles & busy_vehicles(session, now))
    if taken:
        changes.append(f"vehicles {taken} were committed to another plan")
    return changes
