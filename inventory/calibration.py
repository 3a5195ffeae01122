"""Recalibration of serial-tracked instruments, and a serial's card.

A serial's `calibration_due` was set only on receipt, so a "calibration overdue" alert
could never be cleared. A recalibration is recorded with its certificate (history rows,
never edited) and moves the serial's due date, so the alert and the "uncalibrated" block
on issuing clear at once. Who may do it: a depot manager only for serials held at its
depots (the instrument is on their shelves)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from .depot_records import CalibrationRecord
from .errors import ForbiddenError, NotFoundError, ValidationError
from .models import (
    NEGATIVE_ALLOWED,
    Balance,
    Item,
    Location,
    LocationKind,
    Lot,
    LotConditionChange,
    Tracking,
    Transfer,
    TransferStatus,
)

if TYPE_CHECKING:
    from .ledger import Ledger


@dataclass(frozen=True)
class Recalibration:
    """A serial calibrated on a date, due again on another, under a certificate."""

    item: str
    serial: str
    calibrated_on: dt.date
    next_due: dt.date
    certificate_no: str
    note: str | None = None

    def check_dates(self, today: dt.date) -> None:
        if self.calibrated_on > today:
            raise ValidationError(
                f"calibrated_on {self.calibrated_on} is in the future (today is {today} in "
                "Vietnam)",
                field="calibrated_on",
            )
        if self.next_due <= self.calibrated_on:
            raise ValidationError(
                f"next_due {self.next_due} must be after calibrated_on {self.calibrated_on}",
                field="next_due",
            )


def _serial_item(session: Session, code: str) -> Item:
    item = session.get(Item, code)
    if item is None:
        raise NotFoundError(f"unknown item {code!r}", field="item")
    if item.tracking != Tracking.SERIAL:
        kind = "lot-tracked" if item.tracking == Tracking.LOT else "not tracked"
        raise ValidationError(
            f"item {item.code} is {kind}: only serial-tracked instruments are calibrated",
            field="item",
        )
    return item


def _serial(session: Session, item: Item, serial: str, *, lock: bool = False) -> Lot:
    stmt = select(Lot).where(Lot.item_code == item.code, Lot.lot_no == serial)
    lot = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if lot is None:
        raise NotFoundError(f"unknown serial {serial!r} of item {item.code}", field="serial")
    return lot


def whereabouts(session: Session, lot: Lot) -> Location | None:
    """The place holding the serial now: a depot, in transit, issued, at an incident,
    scrapped; None if it never came in (or was counted out)."""
    return session.scalars(
        select(Location)
        .join(Balance, Balance.location_id == Location.id)
        .where(
            Balance.lot_id == lot.id,
            Balance.on_hand > 0,
            Location.kind.not_in(list(NEGATIVE_ALLOWED)),
        )
        .order_by(Location.id)
        .limit(1)
    ).first()


def recalibrate(ledger: Ledger, cmd: Recalibration) -> CalibrationRecord:
    """Record a recalibration and move the serial's due date; refused for an item that is
    not serial-tracked (422 item), impossible dates (422), an unknown serial (404) and,
    for a scoped actor, a serial not at one of its depots (403)."""
    session = ledger.session
    item = _serial_item(session, cmd.item)
    cmd.check_dates(ledger.today)
    lot = _serial(session, item, cmd.serial, lock=True)
    if ledger.scope is not None:
        held = whereabouts(session, lot)
        if held is None or held.depot_code is None or held.depot_code not in ledger.scope:
            at = "nowhere on the books" if held is None else f"at {held.code}"
            raise ForbiddenError(
                f"{ledger.actor} may recalibrate only serials held at their depots; "
                f"{cmd.serial} is {at}",
                field="serial",
            )
        ledger.depots_touched.add(held.depot_code)
    record = CalibrationRecord(
        lot_id=lot.id,
        calibrated_on=cmd.calibrated_on,
        next_due=cmd.next_due,
        previous_due=lot.calibration_due,
        certificate_no=cmd.certificate_no,
        note=cmd.note,
        actor=ledger.actor,
        recorded_at=ledger.now,
    )
    lot.calibration_due = cmd.next_due
    session.add(record)
    session.flush()
    return record


@dataclass(frozen=True)
class SerialCard:
    """Where a serial is, its state, and its history of conditions and calibrations."""

    item: Item
    lot: Lot
    location: Location | None
    in_transit_to: str | None
    condition_changes: list[LotConditionChange]
    calibrations: list[CalibrationRecord]


def serial_card(session: Session, item_code: str, serial: str) -> SerialCard:
    """The card of one serial, histories oldest first."""
    item = _serial_item(session, item_code)
    lot = _serial(session, item, serial)
    location = whereabouts(session, lot)
    heading = None
    if location is not None and location.kind == LocationKind.IN_TRANSIT:
        heading = session.scalars(
            select(Transfer.to_depot).where(
                Transfer.lot_id == lot.id, Transfer.status == TransferStatus.IN_TRANSIT
            )
        ).first()
    changes = session.scalars(
        select(LotConditionChange)
        .where(LotConditionChange.lot_id == lot.id)
        .order_by(LotConditionChange.id)
    ).all()
    calibrations = session.scalars(
        select(CalibrationRecord)
        .where(CalibrationRecord.lot_id == lot.id)
        .order_by(CalibrationRecord.id)
    ).all()
    return SerialCard(item, lot, location, heading, list(changes), list(calibrations))
