"""Records a depot manager keeps beside the ledger (migration 0011): receipts accepted over
a depot's capacity, with the reason given, and the recalibrations of serials. Both are
append-only history: who, when and why, so an alert can quote them and a serial's card
can show them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UTCDateTime

REASON_LENGTH = 500
CERTIFICATE_LENGTH = 80
NOTE_LENGTH = 500


class OverCapacityReceipt(Base):
    """A receipt or transfer receipt taken in although it put the depot over its weight or
    volume capacity: the reason the receiver gave, and the load it left."""

    __tablename__ = "over_capacity_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    depot_code: Mapped[str] = mapped_column(ForeignKey("depots.code"), index=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movements.id"))
    item_code: Mapped[str] = mapped_column(String(24))
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH))
    #: the depot's load once the receipt was in
    load_m3: Mapped[float] = mapped_column(Float)
    load_kg: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CalibrationRecord(Base):
    """One recalibration of a serial: the certificate, the dates, and the due date it
    replaced."""

    __tablename__ = "calibration_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    calibrated_on: Mapped[dt.date] = mapped_column(Date)
    next_due: Mapped[dt.date] = mapped_column(Date)
    previous_due: Mapped[dt.date | None] = mapped_column(Date)
    certificate_no: Mapped[str] = mapped_column(String(CERTIFICATE_LENGTH))
    note: Mapped[str | None] = mapped_column(String(NOTE_LENGTH))
    actor: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
