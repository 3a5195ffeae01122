"""Serials: record a recalibration, read a serial's card."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from inventory.calibration import Recalibration

from ..deps import Actor, IdempotencyKey, ReadSession, Uow
from ..serial_schemas import CalibrationCreate, CalibrationRead, SerialCardRead
from ..serials_service import read_serial_card, record_calibration
from ..text_rules import ItemCode, LotNo

router = APIRouter(tags=["serials"])


@router.post("/serials/calibration", status_code=201)
def create_calibration(
    body: CalibrationCreate, uow: Uow, actor: Actor, key: IdempotencyKey, response: Response
) -> CalibrationRead:
    """Record a recalibration of a serial: its `calibration_due` becomes `next_due`, so the
    calibration alerts clear. The actor is the token's user; a depot manager may recalibrate
    only serials held at its depots. Refused for an item that is not serial-tracked."""
    cmd = Recalibration(
        item=body.item,
        serial=body.serial,
        calibrated_on=body.calibrated_on,
        next_due=body.next_due,
        certificate_no=body.certificate_no,
        note=body.note,
    )
    result, replayed = record_calibration(uow, cmd, key=key, actor=actor)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return CalibrationRead(**result, replayed=replayed)


@router.get("/serials/{item}/{serial}")
def read_serial(
    item: Annotated[ItemCode, Path()], serial: Annotated[LotNo, Path()], session: ReadSession
) -> SerialCardRead:
    """One serial's card: where it is, its condition and status, its condition changes and
    its calibrations (times in Vietnam)."""
    return SerialCardRead.model_validate(read_serial_card(session, item, serial))
