"""A depot's room: storage classes it has, and the weight and volume it may hold.

Stock taken in (a receipt, a transfer received) must fit: the load of a depot is the sum
over its balances of on hand x the item's unit weight and volume, reserved stock included
(it is still on the shelves). Taking a depot over either capacity is refused unless the
receiver gives a reason, which is recorded and raises the `over_capacity` alert for as long
as the depot stays over. The depot row is locked first (FOR NO KEY UPDATE on PostgreSQL; SQLite is
serialised by BEGIN IMMEDIATE), so two receipts racing into one depot are checked one after
the other and cannot both slip in under the limit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from .depot_records import REASON_LENGTH, OverCapacityReceipt
from .errors import ConflictError, ValidationError
from .models import Balance, Depot, Item, Location

#: capacities and loads are floats (m3, kg): what rounding may add is not an excess
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Load:
    """What a depot holds, by volume and weight."""

    m3: float
    kg: float

    def plus(self, item: Item, quantity: int) -> Load:
        return Load(
            self.m3 + item.unit_volume_m3 * quantity, self.kg + item.unit_weight_kg * quantity
        )

    def excess(self, depot: Depot) -> Load:
        """How far past its capacities (0 where within)."""
        return Load(max(0.0, self.m3 - depot.capacity_m3), max(0.0, self.kg - depot.capacity_kg))

    @property
    def over(self) -> bool:
        return self.m3 > _TOLERANCE or self.kg > _TOLERANCE


@dataclass(frozen=True)
class OverCapacity:
    """A receipt let in over capacity: recorded once its movement is posted."""

    depot: str
    item: str
    quantity: int
    reason: str
    load_after: Load

    def record(self, session: Session, movement_id: int, *, actor: str, now: dt.datetime) -> None:
        session.add(
            OverCapacityReceipt(
                depot_code=self.depot,
                movement_id=movement_id,
                item_code=self.item,
                quantity=self.quantity,
                reason=self.reason,
                load_m3=round(self.load_after.m3, 3),
                load_kg=round(self.load_after.kg, 3),
                actor=actor,
                recorded_at=now,
            )
        )


def check_storage(item: Item, depot: Depot, field_name: str = "depot") -> None:
    """An item goes only where its storage class is kept (no override: a chemical in the
    wrong store is a hazard, not a matter of room)."""
    if item.storage_class not in depot.storage_classes:
        raise ConflictError(
            f"depot {depot.code} has no {item.storage_class} storage for item {item.code} "
            f"(it has {', '.join(depot.storage_classes) or 'none'})",
            field=field_name,
        )


def depot_loads(session: Session, depot: str | None = None) -> dict[str, Load]:
    """Load of every depot holding stock (or of one)."""
    stmt = (
        select(
            Location.depot_code,
            func.coalesce(func.sum(Balance.on_hand * Item.unit_volume_m3), 0.0),
            func.coalesce(func.sum(Balance.on_hand * Item.unit_weight_kg), 0.0),
        )
        .join(Location, Location.id == Balance.location_id)
        .join(Item, Item.code == Balance.item_code)
        .where(Location.depot_code.is_not(None))
        .group_by(Location.depot_code)
    )
    if depot is not None:
        stmt = stmt.where(Location.depot_code == depot)
    return {str(code): Load(float(m3), float(kg)) for code, m3, kg in session.execute(stmt)}


#: one depot's load, built once: a receipt reads it on the session's connection (Core, no
#: ORM execution events), so the check costs one cached statement
_LOAD_OF_DEPOT = (
    select(
        func.coalesce(func.sum(Balance.on_hand * Item.unit_volume_m3), 0.0),
        func.coalesce(func.sum(Balance.on_hand * Item.unit_weight_kg), 0.0),
    )
    .join(Location, Location.id == Balance.location_id)
    .join(Item, Item.code == Balance.item_code)
    .where(Location.depot_code == bindparam("depot"))
)
#: FOR NO KEY UPDATE: receipts into one depot wait for each other, but the foreign-key
#: checks of rows naming the depot (a transfer shipped to it holds its balances' locks
#: while it takes one) never wait on it, so no cycle with the balance locks can form
_LOCK_DEPOT = (
    select(Depot.code).where(Depot.code == bindparam("depot")).with_for_update(key_share=True)
)


def _read_load(session: Session, depot: str) -> Load:
    """Lock the depot row (PostgreSQL; SQLite's writers are already one at a time) and
    read its load."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        conn.execute(_LOCK_DEPOT, {"depot": depot})
    m3, kg = conn.execute(_LOAD_OF_DEPOT, {"depot": depot}).one()
    return Load(float(m3), float(kg))


def admit(
    session: Session,
    depot: Depot,
    item: Item,
    quantity: int,
    reason: str | None,
    *,
    storage_field: str = "depot",
    loads: dict[str, Load] | None = None,
) -> OverCapacity | None:
    """Lock the depot and check that `quantity` of `item` fits. Over capacity without a
    reason is refused (409 naming capacity, load and excess); with one, the intake is
    returned for the caller to record beside its movement. None when it fits.

    `loads` is a batch's memory of the depots it already read (and locked): an import's
    receipts only add stock, so the caller sums each posted row into it instead of this
    reading the whole depot again for every row."""
    check_storage(item, depot, storage_field)
    before = loads.get(depot.code) if loads is not None else None
    if before is None:
        before = _read_load(session, depot.code)
        if loads is not None:
            loads[depot.code] = before
    after = before.plus(item, quantity)
    excess = after.excess(depot)
    if not excess.over:
        return None
    if reason is None or not reason.strip():
        raise ConflictError(
            f"{quantity} {item.code} would take depot {depot.code} over its capacity of "
            f"{depot.capacity_m3:,.1f} m3 / {depot.capacity_kg:,.0f} kg: load now "
            f"{before.m3:,.1f} m3 / {before.kg:,.0f} kg, after {after.m3:,.1f} m3 / "
            f"{after.kg:,.0f} kg, excess {excess.m3:,.1f} m3 / {excess.kg:,.0f} kg; "
            "give over_capacity_reason to take it in anyway",
            field="quantity",
        )
    if len(reason) > REASON_LENGTH:
        raise ValidationError(
            f"over_capacity_reason is longer than {REASON_LENGTH} characters",
            field="over_capacity_reason",
        )
    return OverCapacity(depot.code, item.code, quantity, reason.strip(), after)


@dataclass(frozen=True)
class DepotOverCapacity:
    """A depot over capacity now, with the last reason recorded for it (if any)."""

    depot: Depot
    load: Load
    excess: Load
    last: OverCapacityReceipt | None


def depots_over_capacity(session: Session, depot: str | None = None) -> list[DepotOverCapacity]:
    """Depots whose load is past a capacity now: what the `over_capacity` alert shows."""
    loads = depot_loads(session, depot)
    out = []
    for code, load in sorted(loads.items()):
        row = session.get(Depot, code)
        if row is None or not load.excess(row).over:
            continue
        last = session.scalars(
            select(OverCapacityReceipt)
            .where(OverCapacityReceipt.depot_code == code)
            .order_by(OverCapacityReceipt.id.desc())
            .limit(1)
        ).first()
        out.append(DepotOverCapacity(row, load, load.excess(row), last))
    return out
