"""Ledger rules against a real database (SQLite, and PostgreSQL when marked)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.problems import ReplayedRefusal
from api.services import Database, post_movement
from inventory.checks import check_ledger
from inventory.commands import (
    Count,
    Issue,
    Receipt,
    ReserveLine,
    TransferOut,
    TransferReceive,
    WriteOff,
)
from inventory.errors import (
    ConflictError,
    IdempotencyConflictError,
    InsufficientStockError,
    NotFoundError,
    UnusableStockError,
    ValidationError,
)
from inventory.ledger import Ledger, depot_location_code
from inventory.models import Condition, Location, Movement, ReservationStatus
from tests.ledger_world import NOW, TODAY


def _ledger(session: Session) -> Ledger:
    return Ledger(session, actor="tester", now=NOW)


def _on_hand(db: Database, depot: str, item: str, lot_no: str | None = None) -> tuple[int, int]:
    with db.sessions() as session:
        ledger = _ledger(session)
        lot = ledger.existing_lot(ledger.item(item), lot_no)
        loc = ledger.location(depot_location_code(depot))
        return ledger.balance(loc.id, lot.id)


def _receive(db: Database, **kw: object) -> None:
    """A receipt today; a lot that has expired since is received when it was still good
    (a month ago), as only then may it come in as serviceable stock."""
    when = NOW
    expiry = kw.get("expiry_date")
    if isinstance(expiry, dt.date) and expiry < TODAY:
        when = NOW - dt.timedelta(days=(TODAY - expiry).days + 30)
    with db.sessions.begin() as session:
        Ledger(session, actor="tester", now=when).receive(Receipt(**kw))  # type: ignore[arg-type]


def _clean(db: Database) -> None:
    with db.sessions() as session:
        assert check_ledger(session) == []


def test_a_receipt_raises_on_hand_and_balances_match_the_ledger(world: Database) -> None:
    _receive(world, depot="D-AAA", item="BOOM", quantity=40)
    assert _on_hand(world, "D-AAA", "BOOM") == (40, 0)
    _clean(world)


def test_an_issue_lowers_on_hand_and_cannot_take_more_than_available(world: Database) -> None:
    _receive(world, depot="D-AAA", item="BOOM", quantity=10)
    with world.sessions.begin() as session:
        _ledger(session).issue(Issue(depot="D-AAA", item="BOOM", quantity=4))
    with pytest.raises(InsufficientStockError), world.sessions.begin() as session:
        _ledger(session).issue(Issue(depot="D-AAA", item="BOOM", quantity=7))
    assert _on_hand(world, "D-AAA", "BOOM") == (6, 0)
    _clean(world)


def test_a_tracked_item_needs_a_lot_number_and_an_untracked_one_refuses_it(world: Database) -> None:
    with pytest.raises(ValidationError) as err, world.sessions.begin() as session:
        _ledger(session).receive(Receipt(depot="D-AAA", item="HTH", quantity=1, expiry_date=TODAY))
    assert err.value.field == "lot_no"
    with pytest.raises(ValidationError), world.sessions.begin() as session:
        _ledger(session).receive(Receipt(depot="D-AAA", item="BOOM", quantity=1, lot_no="X1"))


def test_a_new_lot_of_an_item_with_a_shelf_life_needs_an_expiry_date(world: Database) -> None:
    with pytest.raises(ValidationError) as err, world.sessions.begin() as session:
        _ledger(session).receive(Receipt(depot="D-AAA", item="HTH", quantity=1, lot_no="H1"))
    assert err.value.field == "expiry_date"


def test_a_serial_moves_one_at_a_time_and_cannot_be_received_twice(world: Database) -> None:
    with pytest.raises(ValidationError) as err, world.sessions.begin() as session:
        _ledger(session).receive(Receipt(depot="D-AAA", item="DET", quantity=2, lot_no="S1"))
    assert err.value.field == "quantity"
    _receive(
        world,
        depot="D-AAA",
        item="DET",
        quantity=1,
        lot_no="S1",
        calibration_due=TODAY + dt.timedelta(days=100),
    )
    with pytest.raises(ConflictError), world.sessions.begin() as session:
        _ledger(session).receive(Receipt(depot="D-AAA", item="DET", quantity=1, lot_no="S1"))
    _clean(world)


def test_a_depot_without_the_storage_class_refuses_the_item(world: Database) -> None:
    with pytest.raises(ConflictError) as err, world.sessions.begin() as session:
        _ledger(session).receive(
            Receipt(
                depot="D-BBB",
                item="HTH",
                quantity=1,
                lot_no="H1",
                expiry_date=TODAY + dt.timedelta(days=300),
            )
        )
    assert err.value.field == "depot"


@pytest.mark.parametrize(
    ("expiry_days", "condition", "error"),
    [
        (-1, Condition.SERVICEABLE, UnusableStockError),
        (300, Condition.QUARANTINED, UnusableStockError),
        (300, Condition.UNSERVICEABLE, UnusableStockError),
    ],
)
def test_expired_quarantined_or_unserviceable_stock_is_never_issued(
    world: Database, expiry_days: int, condition: Condition, error: type[Exception]
) -> None:
    _receive(
        world,
        depot="D-AAA",
        item="HTH",
        quantity=5,
        lot_no="H1",
        expiry_date=TODAY + dt.timedelta(days=expiry_days),
        condition=condition,
    )
    with pytest.raises(error), world.sessions.begin() as session:
        _ledger(session).issue(Issue(depot="D-AAA", item="HTH", quantity=1, lot_no="H1"))
    assert _on_hand(world, "D-AAA", "HTH", "H1") == (5, 0)


def test_unknown_depot_item_or_lot_is_not_found(world: Database) -> None:
    for cmd, field in [
        (Issue(depot="D-ZZZ", item="BOOM", quantity=1), "depot"),
        (Issue(depot="D-AAA", item="NOPE", quantity=1), "item"),
        (Issue(depot="D-AAA", item="HTH", quantity=1, lot_no="NOPE"), "lot_no"),
    ]:
        with pytest.raises(NotFoundError) as err, world.sessions.begin() as session:
            _ledger(session).issue(cmd)
        assert err.value.field == field


def test_a_transfer_goes_through_in_transit_and_arrives_only_when_received(world: Database) -> None:
    _receive(world, depot="D-AAA", item="BOOM", quantity=10)
    with world.sessions.begin() as session:
        posted = _ledger(session).transfer_out(
            TransferOut(from_depot="D-AAA", to_depot="D-BBB", item="BOOM", quantity=6)
        )
    transfer_id = posted.extra["transfer_id"]
    assert _on_hand(world, "D-AAA", "BOOM") == (4, 0)
    assert _on_hand(world, "D-BBB", "BOOM") == (0, 0)
    with world.sessions.begin() as session:
        _ledger(session).transfer_receive(TransferReceive(transfer_id=transfer_id))
    assert _on_hand(world, "D-BBB", "BOOM") == (6, 0)
    with pytest.raises(ConflictError), world.sessions.begin() as session:
        _ledger(session).transfer_receive(TransferReceive(transfer_id=transfer_id))
    _clean(world)


def test_a_count_books_the_difference_to_the_adjustment_location(world: Database) -> None:
    _receive(world, depot="D-AAA", item="BOOM", quantity=10)
    with world.sessions.begin() as session:
        posted = _ledger(session).count(Count(depot="D-AAA", item="BOOM", counted_quantity=7))
    assert _on_hand(world, "D-AAA", "BOOM") == (7, 0)
    with world.sessions() as session:
        movement = session.get_one(Movement, posted.movement_ids[0])
        target = session.get_one(Location, movement.to_location_id)
        assert (target.code, movement.quantity) == ("ADJUSTMENT", 3)
    with world.sessions.begin() as session:
        again = _ledger(session).count(Count(depot="D-AAA", item="BOOM", counted_quantity=7))
    assert again.movement_ids == []
    _clean(world)


def test_a_write_off_moves_expired_stock_to_scrap(world: Database) -> None:
    _receive(
        world,
        depot="D-AAA",
        item="HTH",
        quantity=5,
        lot_no="H1",
        expiry_date=TODAY - dt.timedelta(days=3),
    )
    with world.sessions.begin() as session:
        _ledger(session).write_off(
            WriteOff(depot="D-AAA", item="HTH", quantity=5, reason="expired", lot_no="H1")
        )
    assert _on_hand(world, "D-AAA", "HTH", "H1") == (0, 0)
    _clean(world)


def test_a_reversal_restores_the_balance_once_and_keeps_the_original(world: Database) -> None:
    _receive(world, depot="D-AAA", item="BOOM", quantity=10)
    with world.sessions.begin() as session:
        posted = _ledger(session).issue(Issue(depot="D-AAA", item="BOOM", quantity=4))
    with world.sessions.begin() as session:
        _ledger(session).reverse(posted.movement_ids[0], reason="wrong item")
    assert _on_hand(world, "D-AAA", "BOOM") == (10, 0)
    with pytest.raises(ConflictError), world.sessions.begin() as session:
        _ledger(session).reverse(posted.movement_ids[0], reason="again")
    with world.sessions() as session:
        assert (
            session.scalar(select(Movement.quantity).where(Movement.id == posted.movement_ids[0]))
            == 4
        )
    _clean(world)


def test_reservations_hold_stock_then_post_or_void(world: Database) -> None:
    _receive(world, depot="D-AAA", item="BOOM", quantity=10)
    with world.sessions.begin() as session:
        held = _ledger(session).reserve([ReserveLine("D-AAA", "BOOM", 6)], "plan:1")
        first = held[0].id
    assert _on_hand(world, "D-AAA", "BOOM") == (10, 6)
    with pytest.raises(InsufficientStockError), world.sessions.begin() as session:
        _ledger(session).issue(Issue(depot="D-AAA", item="BOOM", quantity=5))
    with world.sessions.begin() as session:
        second = _ledger(session).reserve([ReserveLine("D-AAA", "BOOM", 4)], "plan:2")[0].id
    with world.sessions.begin() as session:
        _ledger(session).post_reservation(first)
    assert _on_hand(world, "D-AAA", "BOOM") == (4, 4)
    with world.sessions.begin() as session:
        voided = _ledger(session).void_reservation(second)
        assert voided.status == ReservationStatus.VOIDED
    assert _on_hand(world, "D-AAA", "BOOM") == (4, 0)
    with pytest.raises(ConflictError), world.sessions.begin() as session:
        _ledger(session).void_reservation(second)
    _clean(world)


def test_a_reservation_of_several_lines_is_all_or_nothing(world: Database) -> None:
    _receive(world, depot="D-AAA", item="BOOM", quantity=10)
    _receive(world, depot="D-BBB", item="BOOM", quantity=2)
    with pytest.raises(InsufficientStockError), world.sessions.begin() as session:
        _ledger(session).reserve(
            [ReserveLine("D-AAA", "BOOM", 5), ReserveLine("D-BBB", "BOOM", 3)], "plan:1"
        )
    assert _on_hand(world, "D-AAA", "BOOM") == (10, 0)
    _clean(world)


def test_fefo_picks_the_earliest_expiry_first_and_skips_unusable_lots(world: Database) -> None:
    for lot, days, cond in [
        ("LATE", 400, Condition.SERVICEABLE),
        ("SOON", 30, Condition.SERVICEABLE),
        ("OLD", -5, Condition.SERVICEABLE),
        ("QUAR", 10, Condition.QUARANTINED),
    ]:
        _receive(
            world,
            depot="D-AAA",
            item="HTH",
            quantity=5,
            lot_no=lot,
            expiry_date=TODAY + dt.timedelta(days=days),
            condition=cond,
        )
    with world.sessions() as session:
        picks = _ledger(session).pick_fefo("D-AAA", "HTH", 7)
    assert [(p.lot_no, p.quantity) for p in picks] == [("SOON", 5), ("LATE", 2)]
    with pytest.raises(InsufficientStockError), world.sessions() as session:
        _ledger(session).pick_fefo("D-AAA", "HTH", 11)


def test_a_retried_key_posts_once_and_a_changed_payload_is_a_conflict(world: Database) -> None:
    cmd = Receipt(depot="D-AAA", item="BOOM", quantity=5)
    first, replayed1 = post_movement(world.uow(), cmd, key="key-000001", actor="t", now=NOW)
    second, replayed2 = post_movement(world.uow(), cmd, key="key-000001", actor="t", now=NOW)
    assert (replayed1, replayed2) == (False, True)
    assert first == second
    assert _on_hand(world, "D-AAA", "BOOM") == (5, 0)
    with pytest.raises(IdempotencyConflictError):
        post_movement(
            world.uow(),
            Receipt(depot="D-AAA", item="BOOM", quantity=6),
            key="key-000001",
            actor="t",
            now=NOW,
        )
    assert _on_hand(world, "D-AAA", "BOOM") == (5, 0)


def test_a_refused_request_keeps_its_refusal_even_when_a_retry_would_now_succeed(
    world: Database,
) -> None:
    def issue() -> tuple[dict[str, object], bool]:
        return post_movement(
            world.uow(),
            Issue(depot="D-AAA", item="BOOM", quantity=1),
            key="key-000002",
            actor="t",
            now=NOW,
        )

    with pytest.raises(InsufficientStockError) as first:
        issue()
    _receive(world, depot="D-AAA", item="BOOM", quantity=3)
    with pytest.raises(ReplayedRefusal) as again:
        issue()
    assert (again.value.status, again.value.body["detail"]) == (409, first.value.message)
    assert _on_hand(world, "D-AAA", "BOOM") == (3, 0)
