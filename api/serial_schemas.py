"""HTTP shapes of serials: a recalibration and a serial's card (times in Vietnam)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from .schemas import Strict
from .text_rules import ItemCode, LotNo, Note, text_rule
from .timefmt import LocalTime

CertificateNo = Annotated[str, text_rule(80, min_length=1, strip=True)]


class CalibrationCreate(Strict):
    """A serial recalibrated: when, under which certificate, and when it is due again."""

    item: ItemCode
    serial: LotNo
    calibrated_on: Annotated[dt.date, Field(description="a Vietnamese date, not after today")]
    next_due: Annotated[dt.date, Field(description="after calibrated_on")]
    certificate_no: CertificateNo
    note: Note | None = None


class CalibrationEntry(BaseModel):
    calibrated_on: dt.date
    next_due: dt.date
    previous_due: dt.date | None
    certificate_no: str
    note: str | None
    actor: str
    recorded_at: LocalTime


class CalibrationRead(CalibrationEntry):
    item: str
    serial: str
    replayed: bool = False


class ConditionEntry(BaseModel):
    old_condition: str
    condition: str
    reason: str
    actor: str
    changed_at: LocalTime


class SerialCardRead(BaseModel):
    item: str
    item_name_vi: str
    item_name_en: str
    serial: str
    #: where it is: a depot location, IN_TRANSIT, ISSUED, INCIDENT, SCRAP (null: nowhere)
    location: str | None
    depot: str | None
    in_transit_to: str | None
    condition: str
    #: "usable", or why it may not be issued (expired, calibration overdue, quarantined...)
    status: str
    expiry_date: dt.date | None
    calibration_due: dt.date | None
    condition_history: list[ConditionEntry]
    calibrations: list[CalibrationEntry]
