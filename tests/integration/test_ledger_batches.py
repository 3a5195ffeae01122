"""`Ledger.batch()`, the way an import posts thousands of rows in one transaction: what it
holds back is written with the ids it answered, every read sees it, and a refused row
takes back only its own postings. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from api.services import Database
from inventory.checks import check_ledger
from inventory.commands import Issue, Receipt
from inventory.errors import ConflictError, InsufficientStockError, ValidationError
from inventory.ledger import Ledger, depot_location_code
from inventory.models import Movement
from tests.ledger_world import NOW, TODAY

EXPIRY = TODAY + dt.timedelta(days=400)


def _on_hand(db: Database, depot: str, item: str, lot_no: str | None = None) -> int:
    with db.sessions() as session:
        ledger = Ledger(session, now=NOW)
        lot = ledger.existing_lot(ledger.item(item), lot_no)
        return ledger.balance(ledger.location(depot_location_code(depot)).id, lot.id)[0]


def _clean(db: Database) -> None:
    with db.sessions() as session:
        assert check_ledger(session) == []


def test_a_batch_writes_every_posting_under_the_id_it_answered_and_the_books_balance(
    world: Database,
) -> None:
    with world.sessions.begin() as session:
        ledger = Ledger(session, actor="importer", now=NOW)
        with ledger.batch():
            for n in range(5):
                ledger.receive(Receipt(depot="D-AAA", item="BOOM", quantity=10 + n))
                ledger.receive(
                    Receipt(depot="D-AAA", item="HTH", quantity=3, lot_no="L-1", expiry_date=EXPIRY)
                )
            # a guarded decrease inside the batch: it sees the 60 held back, takes 7
            ledger.issue(Issue(depot="D-AAA", item="BOOM", quantity=7))
        answered = list(ledger.movement_ids)
    with world.sessions() as session:
        written = session.scalars(select(Movement.id).order_by(Movement.id)).all()
        assert sorted(answered) == list(written)
        assert len(set(answered)) == 11
    assert _on_hand(world, "D-AAA", "BOOM") == 60 - 7
    assert _on_hand(world, "D-AAA", "HTH", "L-1") == 15
    _clean(world)


def test_a_read_inside_a_batch_sees_the_postings_it_holds_back(world: Database) -> None:
    with world.sessions.begin() as session:
        ledger = Ledger(session, now=NOW)
        with ledger.batch():
            ledger.receive(Receipt(depot="D-AAA", item="DET", quantity=1, lot_no="SN-1"))
            with pytest.raises(ConflictError, match="already in stock"):
                ledger.receive(Receipt(depot="D-AAA", item="DET", quantity=1, lot_no="SN-1"))
            with pytest.raises(InsufficientStockError, match="holds 5 available"):
                ledger.receive(Receipt(depot="D-AAA", item="BOOM", quantity=5))
                ledger.issue(Issue(depot="D-AAA", item="BOOM", quantity=6))
    # the refusals wrote nothing; what was accepted is on the books once
    assert _on_hand(world, "D-AAA", "DET", "SN-1") == 1
    assert _on_hand(world, "D-AAA", "BOOM") == 5
    _clean(world)


def test_a_refused_row_in_a_batch_takes_back_only_its_own_postings(world: Database) -> None:
    with world.sessions.begin() as session:
        ledger = Ledger(session, now=NOW)
        with ledger.batch():
            with ledger.savepoint():
                ledger.receive(Receipt(depot="D-AAA", item="BOOM", quantity=4))
            with pytest.raises(ValidationError), ledger.savepoint():
                ledger.receive(Receipt(depot="D-AAA", item="BOOM", quantity=50))
                raise ValidationError("this row is refused after it posted", field="row")
            with ledger.savepoint():
                ledger.receive(Receipt(depot="D-BBB", item="BOOM", quantity=2))
        assert len(ledger.movement_ids) == 2
    assert _on_hand(world, "D-AAA", "BOOM") == 4
    assert _on_hand(world, "D-BBB", "BOOM") == 2
    _clean(world)
