"""Pydantic v2 schemas of the HTTP API (XCreate / XRead / XPage families)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from inventory.models import Condition

from .number_rules import WHOLE
from .text_rules import (
    DepotCode,
    ItemCode,
    LocationCode,
    LotNo,
    MovementReason,
    Note,
    Reference,
    text_rule,
)
from .timefmt import LocalTime

T = TypeVar("T")

#: the largest quantity one movement (or one import row) may carry
MAX_QUANTITY = 10_000_000
PositiveQty = Annotated[int, Field(gt=0, le=MAX_QUANTITY), WHOLE]
ConditionReason = Annotated[str, text_rule(200, min_length=1)]
#: why stock is taken in over a depot's capacity (recorded, quoted by the alert)
OverCapacityReason = Annotated[
    str,
    text_rule(500, min_length=1, strip=True),
    Field(description="take the stock in although it puts the depot over capacity, for this"),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PageOf(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class Health(BaseModel):
    status: Literal["ok"]
    database: str
    depots: int


class DepotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_vi: str
    name_en: str
    town: str
    node_id: str | None
    province_code: str
    zone: str
    lat: float
    lon: float
    capacity_m3: float
    capacity_kg: float
    storage_classes: list[str]


class VehicleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    vehicle_type: str
    payload_kg: float
    cargo_volume_m3: float
    count: int
    avg_speed_factor: float


class DepotDetail(DepotRead):
    province_name: str
    vehicles: list[VehicleRead]
    used_m3: float
    used_kg: float


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_vi: str
    name_en: str
    category: str
    unit: str
    unit_weight_kg: float
    unit_volume_m3: float
    unit_cost_vnd: int
    shelf_life_days: int | None
    tracking: str
    storage_class: str
    calibration_interval_days: int | None
    substitutes: list[str]


class StockRowRead(BaseModel):
    depot: str
    item: str
    item_name: str
    category: str
    unit: str
    on_hand: int
    reserved: int
    available: int
    unusable: int
    lot_no: str | None = None
    expiry_date: dt.date | None = None
    calibration_due: dt.date | None = None
    condition: str | None = None
    status: str | None = None


class LotRead(BaseModel):
    lot_no: str | None
    expiry_date: dt.date | None
    calibration_due: dt.date | None
    condition: str
    on_hand: int
    reserved: int
    status: str


class StockDetailRead(BaseModel):
    depot: str
    item: str
    item_name_vi: str
    item_name_en: str
    unit: str
    tracking: str
    on_hand: int
    reserved: int
    available: int
    unusable: int
    lots: list[LotRead]
    policy: dict[str, int] | None


class PickRead(BaseModel):
    lot_no: str | None
    expiry_date: dt.date | None
    quantity: int


# ----------------------------------------------------------------- movements
class ReceiptCreate(Strict):
    """Stock arriving at a depot from a supplier or domestic production."""

    type: Literal["receipt"]
    depot: DepotCode
    item: ItemCode
    quantity: PositiveQty
    lot_no: LotNo | None = None
    expiry_date: dt.date | None = None
    calibration_due: dt.date | None = None
    condition: Condition = Condition.SERVICEABLE
    source: Literal["supplier", "production"] = "supplier"
    reference: Reference | None = None
    note: Note | None = None
    over_capacity_reason: OverCapacityReason | None = None


class IssueCreate(Strict):
    """Stock issued from a depot to units or to an incident location."""

    type: Literal["issue"]
    depot: DepotCode
    item: ItemCode
    quantity: PositiveQty
    lot_no: LotNo | None = None
    reason: MovementReason = "issue"
    destination: LocationCode | None = None
    reference: Reference | None = None
    note: Note | None = None


class TransferCreate(Strict):
    """Ship stock to another depot: it sits in transit until received there."""

    type: Literal["transfer"]
    from_depot: DepotCode
    to_depot: DepotCode
    item: ItemCode
    quantity: PositiveQty
    lot_no: LotNo | None = None
    reference: Reference | None = None
    note: Note | None = None


class TransferReceiveCreate(Strict):
    """Receive a transfer at its destination depot."""

    type: Literal["transfer_receive"]
    transfer_id: Annotated[int, Field(gt=0, le=2_147_483_647), WHOLE]
    over_capacity_reason: OverCapacityReason | None = None


class CountCreate(Strict):
    """A physical count: sets on hand of one lot, booking the difference to adjustment."""

    type: Literal["count"]
    depot: DepotCode
    item: ItemCode
    counted_quantity: Annotated[int, Field(ge=0, le=MAX_QUANTITY), WHOLE]
    lot_no: LotNo | None = None
    reason: MovementReason = "cycle_count"
    reference: Reference | None = None
    note: Note | None = None


class WriteOffCreate(Strict):
    """Remove stock from the books to scrap."""

    type: Literal["write_off"]
    depot: DepotCode
    item: ItemCode
    quantity: PositiveQty
    reason: Literal["expired", "damaged", "contaminated", "lost", "used_in_training", "other"]
    lot_no: LotNo | None = None
    reference: Reference | None = None
    note: Note | None = None


class ReversalCreate(Strict):
    """Correct a posted movement with a compensating one (the ledger is never edited)."""

    type: Literal["reversal"]
    movement_id: Annotated[int, Field(gt=0, le=2**62), WHOLE]
    reason: MovementReason


MovementCreate = Annotated[
    ReceiptCreate
    | IssueCreate
    | TransferCreate
    | TransferReceiveCreate
    | CountCreate
    | WriteOffCreate
    | ReversalCreate,
    Field(discriminator="type"),
]


class MovementLine(BaseModel):
    movement_id: int
    kind: str
    from_: str = Field(alias="from")
    to: str
    item: str
    lot_no: str | None
    quantity: int

    model_config = ConfigDict(populate_by_name=True)


class MovementResult(BaseModel):
    movement_ids: list[int]
    lines: list[MovementLine]
    replayed: bool = False
    #: the transfer, when one was made (a transfer without lot_no may make one per lot)
    transfer_id: int | None = None
    transfer_ids: list[int] | None = None
    transfer_status: str | None = None
    previous_on_hand: int | None = None
    counted_quantity: int | None = None


class CardLineRead(BaseModel):
    movement_id: int
    posted_at: LocalTime
    kind: str
    reason: str
    reference: str | None
    counterpart: str = Field(
        description="the other end: a location code, or for a transfer the other depot "
        "(`to D-HNI (in transit)`, `to D-HNI (received)`, `from D-BHA`)"
    )
    lot_no: str | None
    quantity_in: int
    quantity_out: int
    balance: int
    actor: str
    note: str | None = Field(description="the note it was posted with, e.g. a count's")
    counterpart_depot: str | None = Field(description="a transfer's other depot")
    transfer_id: int | None
    transfer_status: Literal["in_transit", "received"] | None


class StockCard(BaseModel):
    depot: str
    item: str
    lot_no: str | None
    items: list[CardLineRead]
    total: int
    limit: int
    offset: int


class AlertRead(BaseModel):
    kind: str
    severity: str
    depot: str
    item: str
    message: str
    lot_no: str | None = None
    quantity: int | None = None
    date: dt.date | None = None
    days: int | None = None


class ImportResult(BaseModel):
    rows: int
    movement_ids: list[int]
    replayed: bool = False


class ConditionUpdate(Strict):
    """Quarantine, release or mark a lot or serial unserviceable / in repair."""

    item: ItemCode
    lot_no: LotNo
    condition: Condition
    reason: ConditionReason


class ConditionChangeRead(BaseModel):
    item: str
    lot_no: str
    old_condition: str
    condition: str
    reason: str
    actor: str
    changed_at: LocalTime
    replayed: bool = False
