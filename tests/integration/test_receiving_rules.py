"""Capacity, expiry on receipt, default lots and recalibration in the ledger, on SQLite and
PostgreSQL (the tiny world: D-AAA holds 1,000 m3 / 100,000 kg and every storage class,
D-BBB only `general`)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from api.services import Database, post_movement
from inventory.calibration import Recalibration, recalibrate
from inventory.checks import check_ledger
from inventory.commands import Issue, Receipt, TransferOut, TransferReceive, WriteOff
from inventory.depot_records import CalibrationRecord, OverCapacityReceipt
from inventory.errors import ConflictError, ForbiddenError, InsufficientStockError
from inventory.errors import ValidationError as LedgerValidationError
from inventory.ledger import Ledger
from inventory.models import Condition, Lot, Movement, Transfer
from inventory.queries import alerts
from tests.integration.test_concurrency import _together
from tests.ledger_world import NOW, TODAY

#: BOOM: 0.1 m3 and 20 kg a section, so 5,000 fill D-AAA's 100,000 kg exactly
FULL_BOOM = 5000


def _receive(db: Database, receipt: Receipt, key: str) -> dict[str, object]:
    return post_movement(db.uow(), receipt, key=key, actor="t", now=NOW)[0]


def _taken(db: Database, cmd: Issue | WriteOff, key: str) -> list[tuple[str, int]]:
    """Post `cmd`; the (lot, quantity) of each line it wrote."""
    lines = post_movement(db.uow(), cmd, key=key, actor="t", now=NOW)[0]["lines"]
    assert isinstance(lines, list)
    return [(line["lot_no"], line["quantity"]) for line in lines]


def _count(db: Database, model: type[object]) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_receipt_over_capacity_is_refused_naming_capacity_load_and_excess(
    world: Database,
) -> None:
    _receive(world, Receipt(depot="D-AAA", item="BOOM", quantity=FULL_BOOM), "fill")

    with pytest.raises(ConflictError) as refused:
        _receive(world, Receipt(depot="D-AAA", item="BOOM", quantity=3), "one-too-many")

    assert refused.value.field == "quantity"
    message = refused.value.message
    assert "capacity of 1,000.0 m3 / 100,000 kg" in message
    assert "load now 500.0 m3 / 100,000 kg" in message
    assert "excess 0.0 m3 / 60 kg" in message
    assert _count(world, Movement) == 1
    assert _count(world, OverCapacityReceipt) == 0


def test_a_receipt_over_capacity_with_a_reason_is_recorded_and_alerted_until_resolved(
    world: Database,
) -> None:
    _receive(world, Receipt(depot="D-AAA", item="BOOM", quantity=FULL_BOOM), "fill")
    reason = "Lũ ở Quảng Ngãi: kho tạm giữ thêm phao"
    posted = _receive(
        world,
        Receipt(depot="D-AAA", item="BOOM", quantity=10, over_capacity_reason=reason),
        "over",
    )

    with world.sessions() as session:
        record = session.scalars(select(OverCapacityReceipt)).one()
        assert (record.depot_code, record.quantity, record.reason, record.actor) == (
            "D-AAA",
            10,
            reason,
            "t",
        )
        assert record.movement_id == posted["movement_ids"][0]  # type: ignore[index]
        assert record.load_kg == 100_200
        found = alerts(session, today=TODAY, kinds={"over_capacity"})
        assert [(a.depot, a.item) for a in found] == [("D-AAA", "BOOM")]
        assert reason in found[0].message
    post_movement(
        world.uow(), Issue(depot="D-AAA", item="BOOM", quantity=10), key="out", actor="t", now=NOW
    )
    with world.sessions() as session:
        assert alerts(session, today=TODAY, kinds={"over_capacity"}) == []


def test_a_transfer_received_over_capacity_is_refused_then_taken_in_with_a_reason(
    world: Database,
) -> None:
    _receive(world, Receipt(depot="D-BBB", item="BOOM", quantity=20), "at-b")
    shipped = post_movement(
        world.uow(),
        TransferOut(from_depot="D-BBB", to_depot="D-AAA", item="BOOM", quantity=20),
        key="ship",
        actor="t",
        now=NOW,
    )[0]
    _receive(world, Receipt(depot="D-AAA", item="BOOM", quantity=FULL_BOOM - 10), "fill")
    transfer_id = int(shipped["transfer_id"])  # type: ignore[call-overload]

    with pytest.raises(ConflictError) as refused:
        post_movement(world.uow(), TransferReceive(transfer_id), key="arrive-1", actor="t", now=NOW)
    assert "excess 0.0 m3 / 200 kg" in refused.value.message
    post_movement(
        world.uow(),
        TransferReceive(transfer_id, over_capacity_reason="xe đã tới, không thể quay về"),
        key="arrive-2",
        actor="t",
        now=NOW,
    )
    assert _count(world, OverCapacityReceipt) == 1
    with world.sessions() as session:
        assert check_ledger(session) == []


def test_receipts_racing_into_one_depot_never_take_it_past_capacity_together(
    world: Database,
) -> None:
    """16 receipts of 400 BOOM (8,000 kg each) into 100,000 kg: exactly 12 fit. Without the
    depot lock, PostgreSQL writers would each see the load before the others' receipts."""

    def job(i: int) -> bool:
        try:
            _receive(world, Receipt(depot="D-AAA", item="BOOM", quantity=400), f"race-{i}")
        except ConflictError:
            return False
        return True

    accepted = sum(_together(16, job))

    assert accepted == 12
    with world.sessions() as session:
        ledger = Ledger(session, now=NOW)
        lot = ledger.existing_lot(ledger.item("BOOM"), None)
        assert ledger.balance(ledger.location("DEPOT/D-AAA").id, lot.id)[0] == 12 * 400
        assert check_ledger(session) == []


def test_transfers_shipped_to_a_depot_while_others_arrive_there_never_deadlock(
    world: Database,
) -> None:
    """An arrival locks its depot (the capacity check), then the in-transit balance; a
    shipment holds the in-transit balance while its transfer row's foreign key takes a
    share lock on the same depot. With FOR UPDATE on the depot the two wait on each other
    (PostgreSQL: deadlock detected, seen as 5xx under bench/api); FOR NO KEY UPDATE leaves
    the key share free, so every posting goes through."""
    _receive(world, Receipt(depot="D-AAA", item="BOOM", quantity=400), "stock-a")
    waiting = [
        post_movement(
            world.uow(),
            TransferOut(from_depot="D-AAA", to_depot="D-BBB", item="BOOM", quantity=1),
            key=f"first-{n}",
            actor="t",
            now=NOW,
        )[0]["transfer_id"]
        for n in range(24)
    ]

    def job(i: int) -> None:
        for n in range(6):
            if i % 2:
                ship = TransferOut(from_depot="D-AAA", to_depot="D-BBB", item="BOOM", quantity=1)
                post_movement(world.uow(), ship, key=f"ship-{i}-{n}", actor="t", now=NOW)
            else:
                transfer = int(waiting[(i // 2) * 6 + n])  # type: ignore[call-overload]
                arrive = TransferReceive(transfer)
                post_movement(world.uow(), arrive, key=f"arrive-{i}-{n}", actor="t", now=NOW)

    _together(8, job)

    assert _count(world, Transfer) == 24 + 4 * 6
    with world.sessions() as session:
        assert check_ledger(session) == []


def test_an_item_a_depot_has_no_storage_for_is_refused_with_a_409_whatever_the_reason(
    world: Database,
) -> None:
    with pytest.raises(ConflictError) as refused:
        _receive(
            world,
            Receipt(
                depot="D-BBB",
                item="HTH",
                quantity=1,
                lot_no="H1",
                expiry_date=TODAY + dt.timedelta(days=400),
                over_capacity_reason="no room elsewhere",
            ),
            "wrong-store",
        )
    assert refused.value.field == "depot"
    assert _count(world, Movement) == 0


def test_an_expired_receipt_is_refused_naming_expiry_date_unless_received_quarantined(
    world: Database,
) -> None:
    expired = TODAY - dt.timedelta(days=1)
    with pytest.raises(LedgerValidationError) as refused:
        _receive(
            world,
            Receipt(depot="D-AAA", item="HTH", quantity=5, lot_no="OLD", expiry_date=expired),
            "expired",
        )
    assert refused.value.field == "expiry_date"
    assert _count(world, Movement) == 0
    assert _count(world, Lot) == 0

    _receive(
        world,
        Receipt(
            depot="D-AAA",
            item="HTH",
            quantity=5,
            lot_no="OLD",
            expiry_date=expired,
            condition=Condition.QUARANTINED,
        ),
        "quarantined",
    )
    with world.sessions() as session:
        kinds = {a.kind for a in alerts(session, today=TODAY)}
        assert {"expired", "quarantined"} <= kinds


def _lots(db: Database) -> None:
    """HTH at D-AAA: L-LATE (10, expires last), L-SOON (4, expires first), L-QUAR (50,
    quarantined, expiring earliest of all): FEFO over usable lots is L-SOON then L-LATE."""
    for n, (lot_no, qty, days, cond) in enumerate(
        [
            ("L-LATE", 10, 600, Condition.SERVICEABLE),
            ("L-SOON", 4, 200, Condition.SERVICEABLE),
            ("L-QUAR", 50, 100, Condition.QUARANTINED),
        ]
    ):
        receipt = Receipt(
            depot="D-AAA",
            item="HTH",
            quantity=qty,
            lot_no=lot_no,
            expiry_date=TODAY + dt.timedelta(days=days),
            condition=cond,
        )
        _receive(db, receipt, f"lot-{n}")


def test_an_issue_without_lot_no_takes_usable_lots_fefo_splitting_across_them(
    world: Database,
) -> None:
    _lots(world)

    taken = _taken(world, Issue(depot="D-AAA", item="HTH", quantity=6), "issue-fefo")

    assert taken == [("L-SOON", 4), ("L-LATE", 2)]
    assert _count(world, Movement) == 3 + 2
    with world.sessions() as session:
        assert check_ledger(session) == []


def test_a_write_off_of_serials_without_a_serial_takes_one_movement_per_serial(
    world: Database,
) -> None:
    for n, serial in enumerate(["S1", "S2", "S3"]):
        _receive(
            world,
            Receipt(
                depot="D-AAA",
                item="DET",
                quantity=1,
                lot_no=serial,
                calibration_due=TODAY + dt.timedelta(days=30 * (3 - n)),
            ),
            f"det-{n}",
        )

    taken = _taken(world, WriteOff(depot="D-AAA", item="DET", quantity=2, reason="damaged"), "w")

    # serials have no expiry: the older ones go first
    assert taken == [("S1", 1), ("S2", 1)]


def test_an_issue_without_lot_no_beyond_the_usable_stock_is_refused_and_writes_nothing(
    world: Database,
) -> None:
    _lots(world)
    before = _count(world, Movement)

    with pytest.raises(InsufficientStockError):
        post_movement(
            world.uow(), Issue(depot="D-AAA", item="HTH", quantity=15), key="k", actor="t", now=NOW
        )

    assert _count(world, Movement) == before
    assert _count(world, Transfer) == 0


def test_a_recalibration_moves_the_due_date_and_clears_the_overdue_alert(world: Database) -> None:
    _receive(
        world,
        Receipt(
            depot="D-AAA",
            item="DET",
            quantity=1,
            lot_no="S9",
            calibration_due=TODAY - dt.timedelta(days=3),
        ),
        "det",
    )
    with world.sessions() as session:
        assert [a.kind for a in alerts(session, today=TODAY)] == ["calibration_overdue"]
    with world.sessions() as session, session.begin():
        record = recalibrate(
            Ledger(session, actor="kỹ thuật viên", now=NOW),
            Recalibration("DET", "S9", TODAY, TODAY + dt.timedelta(days=365), "CERT-1"),
        )
        assert record.previous_due == TODAY - dt.timedelta(days=3)
    with world.sessions() as session:
        assert alerts(session, today=TODAY) == []
        assert session.scalars(select(CalibrationRecord.actor)).all() == ["kỹ thuật viên"]


def test_a_scoped_manager_may_recalibrate_only_serials_held_at_its_depots(
    world: Database,
) -> None:
    _receive(world, Receipt(depot="D-AAA", item="DET", quantity=1, lot_no="S9"), "det")
    with world.sessions() as session, session.begin():
        ledger = Ledger(session, actor="b-manager", now=NOW, depots=frozenset({"D-BBB"}))
        with pytest.raises(ForbiddenError):
            recalibrate(ledger, Recalibration("DET", "S9", TODAY, TODAY.replace(year=2027), "C"))
    assert _count(world, CalibrationRecord) == 0
