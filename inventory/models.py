"""SQLAlchemy 2 models of the stock of record.

The ledger (`Movement`) is append-only; `Balance` rows are a cache of the ledger
kept in step inside the same transaction, so "what do I hold" is a key lookup.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps none)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base shared by every table of the inventory."""


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """Store enums by value as plain strings (readable in SQL, portable across dialects)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=24,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


class LocationKind(enum.StrEnum):
    """Physical locations hold stock; virtual ones are the other side of every movement."""

    DEPOT = "depot"
    SUPPLIER = "supplier"
    PRODUCTION = "production"
    IN_TRANSIT = "in_transit"
    INCIDENT = "incident"
    ISSUED = "issued"
    SCRAP = "scrap"
    ADJUSTMENT = "adjustment"


#: Kinds whose balance may go negative: the sources of the double entry.
NEGATIVE_ALLOWED = frozenset(
    {LocationKind.SUPPLIER, LocationKind.PRODUCTION, LocationKind.ADJUSTMENT}
)


class Tracking(enum.StrEnum):
    NONE = "none"
    LOT = "lot"
    SERIAL = "serial"


class Condition(enum.StrEnum):
    SERVICEABLE = "serviceable"
    UNSERVICEABLE = "unserviceable"
    IN_REPAIR = "in_repair"
    QUARANTINED = "quarantined"


class MovementKind(enum.StrEnum):
    RECEIPT = "receipt"
    ISSUE = "issue"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    COUNT = "count"
    WRITE_OFF = "write_off"
    DISPATCH = "dispatch"
    DELIVERY = "delivery"
    REVERSAL = "reversal"


class ReservationStatus(enum.StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class TransferStatus(enum.StrEnum):
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"


class Province(Base):
    __tablename__ = "provinces"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    unit_type: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(120))
    centre_name: Mapped[str] = mapped_column(String(80))
    centre_lat: Mapped[float] = mapped_column(Float)
    centre_lon: Mapped[float] = mapped_column(Float)


class Depot(Base):
    __tablename__ = "depots"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    town: Mapped[str] = mapped_column(String(80))
    node_id: Mapped[str | None] = mapped_column(String(40))
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))
    zone: Mapped[str] = mapped_column(String(20))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    capacity_m3: Mapped[float] = mapped_column(Float)
    capacity_kg: Mapped[float] = mapped_column(Float)
    storage_classes: Mapped[list[str]] = mapped_column(JSON)

    province: Mapped[Province] = relationship()


class Location(Base):
    """A place stock can be: a depot or one of the virtual counterparts."""

    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[LocationKind] = mapped_column(_enum(LocationKind, "location_kind"))
    depot_code: Mapped[str | None] = mapped_column(ForeignKey("depots.code"), unique=True)
    name: Mapped[str] = mapped_column(String(160))


class Item(Base):
    __tablename__ = "items"

    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40), index=True)
    unit: Mapped[str] = mapped_column(String(20))
    unit_weight_kg: Mapped[float] = mapped_column(Float)
    unit_volume_m3: Mapped[float] = mapped_column(Float)
    unit_cost_vnd: Mapped[int] = mapped_column(BigInteger)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    tracking: Mapped[Tracking] = mapped_column(_enum(Tracking, "tracking"))
    storage_class: Mapped[str] = mapped_column(String(20))
    calibration_interval_days: Mapped[int | None] = mapped_column(Integer)


class ItemSubstitute(Base):
    """`substitute_code` may be issued in place of `item_code`; lower rank is preferred."""

    __tablename__ = "item_substitutes"

    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"), primary_key=True)
    substitute_code: Mapped[str] = mapped_column(ForeignKey("items.code"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, default=1)


class Lot(Base):
    """A lot of a lot-tracked item, one serial of a serial-tracked item, or the single
    implicit bulk lot of an untracked item (`lot_no` is NULL then), so every balance
    and movement can point at a lot."""

    __tablename__ = "lots"
    __table_args__ = (
        UniqueConstraint("item_code", "lot_no", name="uq_lot_item_lot_no"),
        Index("ix_lot_bulk", "item_code", "is_bulk"),
        # One implicit bulk lot per untracked item, even under concurrent first receipts.
        Index(
            "uq_lot_one_bulk_per_item",
            "item_code",
            unique=True,
            postgresql_where=text("is_bulk"),
            sqlite_where=text("is_bulk"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    lot_no: Mapped[str | None] = mapped_column(String(60))
    is_bulk: Mapped[bool] = mapped_column(Boolean, default=False)
    expiry_date: Mapped[dt.date | None] = mapped_column(Date)
    calibration_due: Mapped[dt.date | None] = mapped_column(Date)
    condition: Mapped[Condition] = mapped_column(
        _enum(Condition, "condition"), default=Condition.SERVICEABLE
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class KeyState(enum.StrEnum):
    """Where the request holding an idempotency key is: running, answered or refused."""

    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    REFUSED = "refused"


class IdempotencyRecord(Base):
    """A client key: claimed while its request runs (`token`, until `lease_until`), then its
    first answer or refusal (`status_code`), which every retry gets back instead of a re-run."""

    __tablename__ = "idempotency_records"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(40))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state: Mapped[KeyState] = mapped_column(_enum(KeyState, "key_state"), default=KeyState.ANSWERED)
    #: the refusal's HTTP status; null for an answer (the route's own success status)
    status_code: Mapped[int | None] = mapped_column(Integer)
    #: who holds an in-progress claim: only its holder may answer, refuse or release it
    token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Movement(Base):
    """One line of the append-only ledger: `quantity` of a lot from one location to another."""

    __tablename__ = "movements"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_movement_quantity_positive"),
        CheckConstraint("from_location_id <> to_location_id", name="ck_movement_distinct"),
        Index("ix_movement_from", "from_location_id", "item_code", "id"),
        Index("ix_movement_to", "to_location_id", "item_code", "id"),
        Index("uq_movement_reverses", "reverses_id", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[MovementKind] = mapped_column(_enum(MovementKind, "movement_kind"))
    from_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    to_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(80))
    posted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    idempotency_key: Mapped[str | None] = mapped_column(String(200), index=True)
    #: unique: a movement is reversed at most once, however many clients try at once
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("movements.id"))


class Balance(Base):
    """On hand and reserved per location x lot (the item is the lot's item)."""

    __tablename__ = "balances"
    __table_args__ = (
        CheckConstraint("on_hand >= 0 OR allow_negative", name="ck_balance_on_hand"),
        CheckConstraint("reserved >= 0", name="ck_balance_reserved_nonneg"),
        CheckConstraint("reserved <= on_hand OR allow_negative", name="ck_balance_reserved_le"),
        Index("ix_balance_item", "item_code", "location_id"),
        Index("ix_balance_lot", "lot_id"),
    )

    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)
    allow_negative: Mapped[bool] = mapped_column(Boolean, default=False)


class Reservation(Base):
    """Two-phase hold on stock: pending, then posted (movements) or voided."""

    __tablename__ = "reservations"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_reservation_quantity_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[ReservationStatus] = mapped_column(
        _enum(ReservationStatus, "reservation_status"), index=True
    )
    reference: Mapped[str] = mapped_column(String(120), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Transfer(Base):
    """A depot-to-depot transfer: out to in-transit, later received at the destination."""

    __tablename__ = "transfers"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_transfer_quantity_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_depot: Mapped[str] = mapped_column(ForeignKey("depots.code"))
    to_depot: Mapped[str] = mapped_column(ForeignKey("depots.code"))
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[TransferStatus] = mapped_column(_enum(TransferStatus, "transfer_status"))
    shipped_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the ledger lines of the shipment and of the arrival (once booked): what ties a stock
    #: card's transfer line to its transfer and so to the other depot
    out_movement_id: Mapped[int | None] = mapped_column(ForeignKey("movements.id"), index=True)
    in_movement_id: Mapped[int | None] = mapped_column(ForeignKey("movements.id"), index=True)


class StockPolicy(Base):
    __tablename__ = "stock_policies"
    __table_args__ = (
        CheckConstraint(
            "min_qty >= 0 AND min_qty <= target_qty AND target_qty <= max_qty",
            name="ck_policy_order",
        ),
    )

    depot_code: Mapped[str] = mapped_column(ForeignKey("depots.code"), primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"), primary_key=True)
    min_qty: Mapped[int] = mapped_column(Integer)
    target_qty: Mapped[int] = mapped_column(Integer)
    max_qty: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="planner")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: the accepted stock-levels run that set this policy (None: set by hand or seeded)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("levels_runs.id"))


class VehicleType(Base):
    """A group of identical vehicles based at a depot."""

    __tablename__ = "vehicles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    depot_code: Mapped[str] = mapped_column(ForeignKey("depots.code"), index=True)
    vehicle_type: Mapped[str] = mapped_column(String(40))
    payload_kg: Mapped[float] = mapped_column(Float)
    cargo_volume_m3: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)
    avg_speed_factor: Mapped[float] = mapped_column(Float, default=1.0)


class ClosureKind(enum.StrEnum):
    EDGE = "edge"
    NODE = "node"
    SLOW = "slow"
    ZONE_CIRCLE = "zone_circle"
    ZONE_POLYGON = "zone_polygon"
    FERRY = "ferry"  # a vehicle ferry link out of service
    SEA = "sea"  # a storm area: no ferry crosses it, no boat sails through it


class RoadClosure(Base):
    """A closure, slow-down or hazard zone on the road network, with who set and lifted it.
    Lifting keeps the row, so every past plan can be explained."""

    __tablename__ = "road_closures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ClosureKind] = mapped_column(_enum(ClosureKind, "closure_kind"))
    edge_id: Mapped[str | None] = mapped_column(String(40))
    node_id: Mapped[str | None] = mapped_column(String(40))
    speed_factor: Mapped[float | None] = mapped_column(Float)
    centre_lat: Mapped[float | None] = mapped_column(Float)
    centre_lon: Mapped[float | None] = mapped_column(Float)
    radius_km: Mapped[float | None] = mapped_column(Float)
    polygon: Mapped[list[list[float]] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    lifted_by: Mapped[str | None] = mapped_column(String(80))
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)


class IncidentStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"


class Incident(Base):
    """A declared incident: type, level, place, time and what it needs."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_type: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(40))
    status: Mapped[IncidentStatus] = mapped_column(_enum(IncidentStatus, "incident_status"))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    node_id: Mapped[str] = mapped_column(String(40))
    snap_km: Mapped[float] = mapped_column(Float)
    province_code: Mapped[str | None] = mapped_column(String(4))
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    priority: Mapped[int] = mapped_column(Integer, default=3)
    template: Mapped[str | None] = mapped_column(String(80))
    size: Mapped[float] = mapped_column(Float, default=1.0)
    description: Mapped[str | None] = mapped_column(Text)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    hazard_source_id: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    demands: Mapped[list[IncidentDemandLine]] = relationship(
        back_populates="incident", order_by="IncidentDemandLine.id"
    )


class IncidentDemandLine(Base):
    __tablename__ = "incident_demands"
    __table_args__ = (
        UniqueConstraint("incident_id", "item_code", name="uq_demand_item"),
        CheckConstraint("quantity > 0", name="ck_demand_quantity_positive"),
        CheckConstraint("priority BETWEEN 1 AND 5", name="ck_demand_priority"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    quantity: Mapped[int] = mapped_column(Integer)
    required_by: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    priority: Mapped[int] = mapped_column(Integer)

    incident: Mapped[Incident] = relationship(back_populates="demands")


#: Plan states in which a plan still speaks for its incidents: at most one per incident.
LIVE_PLAN_STATUSES = (PlanStatus.DRAFT, PlanStatus.CONFIRMED)


class DispatchPlanRecord(Base):
    """A dispatch plan as solved, and where it is in its life (draft -> confirmed ->
    dispatched -> delivered, or cancelled / superseded by a later plan)."""

    __tablename__ = "dispatch_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[PlanStatus] = mapped_column(_enum(PlanStatus, "plan_status"), index=True)
    t0: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    solve_status: Mapped[str] = mapped_column(String(20))
    #: None when the solver found no plan at all (no sentinel stands for infinity)
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    solve_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    engine: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    metres: Mapped[int] = mapped_column(BigInteger, default=0)
    unmet_units: Mapped[int] = mapped_column(Integer, default=0)
    lateness_unit_hours: Mapped[float] = mapped_column(Float, default=0.0)
    #: share of priority-weighted units on fully met lines landing within their bound
    within_bound_share: Mapped[float | None] = mapped_column(Float)
    vehicle_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    #: loads taken by a vehicle from afar while the depot kept one idle (should be 0)
    far_vehicles: Mapped[int] = mapped_column(Integer, default=0)
    overlay_key: Mapped[str] = mapped_column(String(40))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_plans.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_plans.id"))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    links: Mapped[list[PlanIncidentLink]] = relationship(order_by="PlanIncidentLink.id")

    @property
    def incident_ids(self) -> list[int]:
        return [link.incident_id for link in self.links]


class PlanIncidentLink(Base):
    """Which incidents a plan serves. `live` is true while the plan is a draft or
    confirmed, and the database allows one live row per incident: an incident can never
    have two plans speaking for it."""

    __tablename__ = "plan_incidents"
    __table_args__ = (
        UniqueConstraint("plan_id", "incident_id", name="uq_plan_incident"),
        Index(
            "uq_plan_incident_live",
            "incident_id",
            unique=True,
            sqlite_where=text("live"),
            postgresql_where=text("live"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("dispatch_plans.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    live: Mapped[bool] = mapped_column(Boolean)


class PlanPickRecord(Base):
    """One pick-list line of a plan; `reservation_id` once the plan is confirmed."""

    __tablename__ = "plan_picks"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_pick_quantity_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("dispatch_plans.id"), index=True)
    depot_code: Mapped[str] = mapped_column(ForeignKey("depots.code"))
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    for_item: Mapped[str] = mapped_column(String(24))
    vehicle_key: Mapped[str] = mapped_column(String(80))
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservations.id"))


class PlanVehicleRecord(Base):
    """A vehicle route of a plan and when the vehicle is back at its depot; vehicles on
    confirmed or dispatched plans are not offered to later plans before then."""

    __tablename__ = "plan_vehicles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("dispatch_plans.id"), index=True)
    vehicle_key: Mapped[str] = mapped_column(String(80), index=True)
    depot_code: Mapped[str] = mapped_column(ForeignKey("depots.code"))
    vehicle_type: Mapped[str] = mapped_column(String(40), default="")
    metres: Mapped[int] = mapped_column(BigInteger, default=0)
    departs_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    returns_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: the road driven, [lon, lat] pairs as GeoJSON orders them
    geometry: Mapped[list[list[float]]] = mapped_column(JSON, default=list)
    crew: Mapped[int] = mapped_column(Integer, default=1)
    #: breaks and rests the driving-time rules impose on the way
    rest_seconds: Mapped[int] = mapped_column(Integer, default=0)

    stops: Mapped[list[PlanStopRecord]] = relationship(order_by="PlanStopRecord.seq")


class PlanStopRecord(Base):
    """One stop of a vehicle route: start, pickup at a depot, delivery at a site, end."""

    __tablename__ = "plan_stops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("plan_vehicles.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    place: Mapped[str] = mapped_column(String(120))
    node_id: Mapped[str] = mapped_column(String(40))
    arrival_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    departure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    load_kg: Mapped[float] = mapped_column(Float)
    load_m3: Mapped[float] = mapped_column(Float)
    depot_code: Mapped[str | None] = mapped_column(String(20))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    #: how the stop is reached from the one before: [{mode, via, km, minutes}, ...]
    legs: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)

    cargo: Mapped[list[PlanCargoRecord]] = relationship(order_by="PlanCargoRecord.id")


class PlanCargoRecord(Base):
    """Units of an item loaded or unloaded at a stop."""

    __tablename__ = "plan_stop_cargo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("plan_stops.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(24))
    quantity: Mapped[int] = mapped_column(Integer)


class PlanFulfilmentRecord(Base):
    """How much of one demand line a plan meets, and when the last unit arrives."""

    __tablename__ = "plan_fulfilment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("dispatch_plans.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    item_code: Mapped[str] = mapped_column(String(24))
    quantity: Mapped[int] = mapped_column(Integer)
    met: Mapped[int] = mapped_column(Integer)
    met_on_time: Mapped[int] = mapped_column(Integer)
    required_by: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_arrival: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    priority: Mapped[int] = mapped_column(Integer)
    #: the line's bound: the earliest the whole quantity could possibly be on site
    earliest_arrival: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    first_arrival: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    within_bound: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")

    substitutions: Mapped[list[PlanSubstitutionRecord]] = relationship(
        order_by="PlanSubstitutionRecord.id"
    )


class PlanSubstitutionRecord(Base):
    """Units of a substitute item sent for a demand line."""

    __tablename__ = "plan_substitutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fulfilment_id: Mapped[int] = mapped_column(ForeignKey("plan_fulfilment.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(24))
    quantity: Mapped[int] = mapped_column(Integer)


class PlanUnmetRecord(Base):
    """Demand a plan cannot meet, and why, in an officer's words."""

    __tablename__ = "plan_unmet"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("dispatch_plans.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    item_code: Mapped[str] = mapped_column(String(24))
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)


class LotConditionChange(Base):
    """Who changed a lot's or serial's condition, when and why (quarantine, release...)."""

    __tablename__ = "lot_condition_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    old_condition: Mapped[Condition] = mapped_column(_enum(Condition, "condition"))
    new_condition: Mapped[Condition] = mapped_column(_enum(Condition, "condition"))
    reason: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


# The planner's, accounts' and audit tables share this metadata; imported last because
# they use Base.
from . import (  # noqa: E402, F401
    accounts,
    audit,
    depot_records,
    planning_models,
    procurement_models,
    stock_versions,
)
