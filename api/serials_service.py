"""Use cases of serials: record a recalibration once per Idempotency-Key, and read a
serial's card."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from inventory.calibration import Recalibration, recalibrate, serial_card
from inventory.depot_records import CalibrationRecord
from inventory.idempotency import Claim
from inventory.ledger import lot_usability
from inventory.uow import UnitOfWork

from .idempotency import run_once
from .services import today


def _entry(record: CalibrationRecord) -> dict[str, Any]:
    return {
        "calibrated_on": record.calibrated_on.isoformat(),
        "next_due": record.next_due.isoformat(),
        "previous_due": record.previous_due.isoformat() if record.previous_due else None,
        "certificate_no": record.certificate_no,
        "note": record.note,
        "actor": record.actor,
        "recorded_at": record.recorded_at.isoformat(),
    }


def record_calibration(
    uow: UnitOfWork, cmd: Recalibration, *, key: str | None, actor: str
) -> tuple[dict[str, Any], bool]:
    """Recalibrate a serial, once per key; returns (result, replayed)."""
    payload = {
        "item": cmd.item,
        "serial": cmd.serial,
        "calibrated_on": cmd.calibrated_on.isoformat(),
        "next_due": cmd.next_due.isoformat(),
        "certificate_no": cmd.certificate_no,
        "note": cmd.note,
    }

    def run(claim: Claim) -> dict[str, Any]:
        with uow:
            record = recalibrate(uow.ledger(actor), cmd)
            uow.note(f"serial {cmd.item}/{cmd.serial}")
            result = {"item": cmd.item, "serial": cmd.serial, **_entry(record)}
            uow.answer(claim, result)
            uow.commit()
        return result

    return run_once(uow, key, "calibration", payload, run)


def read_serial_card(session: Session, item: str, serial: str) -> dict[str, Any]:
    """Where the serial is, its state and its histories, as the HTTP card shows them."""
    card = serial_card(session, item, serial)
    lot, location = card.lot, card.location
    return {
        "item": card.item.code,
        "item_name_vi": card.item.name_vi,
        "item_name_en": card.item.name_en,
        "serial": lot.lot_no or serial,
        "location": location.code if location else None,
        "depot": location.depot_code if location else None,
        "in_transit_to": card.in_transit_to,
        "condition": lot.condition.value,
        "status": lot_usability(lot, today()) or "usable",
        "expiry_date": lot.expiry_date,
        "calibration_due": lot.calibration_due,
        "condition_history": [
            {
                "old_condition": c.old_condition.value,
                "condition": c.new_condition.value,
                "reason": c.reason,
                "actor": c.actor,
                "changed_at": c.changed_at,
            }
            for c in card.condition_changes
        ],
        "calibrations": [_entry(r) for r in card.calibrations],
    }
