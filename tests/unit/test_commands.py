"""Ledger rules that need no database: command shapes, usability of a lot, fingerprints."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory.commands import Count, Issue, Receipt, TransferOut, WriteOff, command_payload
from inventory.errors import ValidationError
from inventory.ledger import fingerprint, local_date, lot_usability
from inventory.models import Condition, Lot

TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize("qty", [0, -1, -500])
def test_a_receipt_of_zero_or_negative_quantity_is_refused(qty: int) -> None:
    with pytest.raises(ValidationError) as err:
        Receipt(depot="D-AAA", item="BOOM", quantity=qty)
    assert err.value.field == "quantity"


def test_a_quantity_that_is_not_an_integer_is_refused() -> None:
    with pytest.raises(ValidationError):
        Issue(depot="D-AAA", item="BOOM", quantity=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        WriteOff(depot="D-AAA", item="BOOM", quantity=True, reason="damaged")


def test_a_transfer_to_the_same_depot_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        TransferOut(from_depot="D-AAA", to_depot="D-AAA", item="BOOM", quantity=1)
    assert err.value.field == "to_depot"


def test_a_count_may_be_zero_but_not_negative() -> None:
    Count(depot="D-AAA", item="BOOM", counted_quantity=0)
    with pytest.raises(ValidationError):
        Count(depot="D-AAA", item="BOOM", counted_quantity=-1)


def _lot(**kw: object) -> Lot:
    return Lot(item_code="X", lot_no="L1", is_bulk=False, **kw)


def test_a_serviceable_lot_within_its_dates_is_usable() -> None:
    lot = _lot(condition=Condition.SERVICEABLE, expiry_date=TODAY, calibration_due=TODAY)
    assert lot_usability(lot, TODAY) is None


def test_a_lot_past_its_expiry_is_not_usable() -> None:
    lot = _lot(condition=Condition.SERVICEABLE, expiry_date=TODAY - dt.timedelta(days=1))
    assert lot_usability(lot, TODAY) == "expired"


def test_a_serial_with_overdue_calibration_is_not_usable() -> None:
    lot = _lot(condition=Condition.SERVICEABLE, calibration_due=TODAY - dt.timedelta(days=1))
    assert lot_usability(lot, TODAY) == "calibration overdue"


@pytest.mark.parametrize(
    "condition", [Condition.QUARANTINED, Condition.UNSERVICEABLE, Condition.IN_REPAIR]
)
def test_quarantined_unserviceable_or_in_repair_stock_is_not_usable(condition: Condition) -> None:
    assert lot_usability(_lot(condition=condition), TODAY) == condition.value


def test_the_same_request_has_the_same_fingerprint_and_another_does_not() -> None:
    a = command_payload(Receipt(depot="D-AAA", item="BOOM", quantity=3))
    b = command_payload(Receipt(depot="D-AAA", item="BOOM", quantity=3))
    c = command_payload(Receipt(depot="D-AAA", item="BOOM", quantity=4))
    assert fingerprint("movement", a) == fingerprint("movement", b)
    assert fingerprint("movement", a) != fingerprint("movement", c)


def test_dates_are_vietnamese_calendar_dates() -> None:
    late_utc = dt.datetime(2026, 5, 31, 18, 30, tzinfo=dt.UTC)  # 01:30 on 1 June in Hà Nội
    assert local_date(late_utc) == dt.date(2026, 6, 1)
