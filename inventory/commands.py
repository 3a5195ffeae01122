"""Typed requests to the ledger. They validate their own shape on construction;
rules that need the database (tracking, stock, conditions) live in `ledger`."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields, is_dataclass
from typing import Any, Literal

from .errors import ValidationError
from .models import Condition

ReceiptSource = Literal["supplier", "production", "found", "opening"]
WriteOffReason = Literal["expired", "damaged", "contaminated", "lost", "used_in_training", "other"]


def _positive(value: int, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{field} must be an integer", field=field)
    if value <= 0:
        raise ValidationError(f"{field} must be greater than zero (got {value})", field=field)


@dataclass(frozen=True)
class Receipt:
    """Stock arriving from a supplier or production (or found on a count)."""

    depot: str
    item: str
    quantity: int
    lot_no: str | None = None
    expiry_date: dt.date | None = None
    calibration_due: dt.date | None = None
    condition: Condition = Condition.SERVICEABLE
    source: ReceiptSource = "supplier"
    reference: str | None = None
    note: str | None = None
    #: taken in although it puts the depot over capacity, for this reason (recorded)
    over_capacity_reason: str | None = None

    def __post_init__(self) -> None:
        _positive(self.quantity, "quantity")


@dataclass(frozen=True)
class Issue:
    """Stock leaving a depot for use (a unit, an exercise, an incident)."""

    depot: str
    item: str
    quantity: int
    lot_no: str | None = None
    reason: str = "issue"
    reference: str | None = None
    destination: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        _positive(self.quantity, "quantity")


@dataclass(frozen=True)
class TransferOut:
    """First half of a transfer: the lot leaves `from_depot` for in-transit."""

    from_depot: str
    to_depot: str
    item: str
    quantity: int
    lot_no: str | None = None
    reference: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        _positive(self.quantity, "quantity")
        if self.from_depot == self.to_depot:
            raise ValidationError("a transfer must go to a different depot", field="to_depot")


@dataclass(frozen=True)
class TransferReceive:
    """Second half of a transfer: in-transit stock arrives at its destination."""

    transfer_id: int
    #: taken in although it puts the depot over capacity, for this reason (recorded)
    over_capacity_reason: str | None = None

    def __post_init__(self) -> None:
        _positive(self.transfer_id, "transfer_id")


@dataclass(frozen=True)
class Count:
    """A physical count: sets on hand of one lot, booking the difference to adjustment."""

    depot: str
    item: str
    counted_quantity: int
    lot_no: str | None = None
    reason: str = "cycle_count"
    reference: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.counted_quantity, bool) or not isinstance(self.counted_quantity, int):
            raise ValidationError("counted_quantity must be an integer", field="counted_quantity")
        if self.counted_quantity < 0:
            raise ValidationError("counted_quantity cannot be negative", field="counted_quantity")


@dataclass(frozen=True)
class WriteOff:
    """Stock removed from the books to scrap (expired, damaged, ...)."""

    depot: str
    item: str
    quantity: int
    reason: WriteOffReason
    lot_no: str | None = None
    reference: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        _positive(self.quantity, "quantity")


@dataclass(frozen=True)
class ReserveLine:
    depot: str
    item: str
    quantity: int
    lot_no: str | None = None

    def __post_init__(self) -> None:
        _positive(self.quantity, "quantity")


Command = Receipt | Issue | TransferOut | TransferReceive | Count | WriteOff


def command_payload(command: Command | Any) -> dict[str, Any]:
    """A JSON-able view of a command, used to fingerprint idempotent requests."""
    out: dict[str, Any] = {"type": type(command).__name__}
    # Commands are flat: read the fields as they are (asdict deep-copies, on every request).
    values = {f.name: getattr(command, f.name) for f in fields(command)}
    if any(is_dataclass(v) or isinstance(v, list | tuple | dict) for v in values.values()):
        values = asdict(command)
    for key, value in values.items():
        if isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif isinstance(value, Condition):
            out[key] = value.value
        else:
            out[key] = value
    return out
