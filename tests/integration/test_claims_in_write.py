"""A movement's key claimed inside its own write (SQLite) and the reference rows a
database's ledgers share: the same answers, refusals and books as before, on SQLite and on
PostgreSQL, and nothing shared that did not commit."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, func, select

from api.idempotency import run_once
from api.problems import ReplayedRefusal
from api.services import Database, post_movement
from inventory.commands import Issue, Receipt, command_payload
from inventory.errors import InsufficientStockError, ValidationError
from inventory.ledger import depot_location_code
from inventory.models import Balance, IdempotencyRecord, KeyState, Location, Lot, Movement
from tests.conftest import ROOT
from tests.ledger_world import NOW

ISSUE = Issue(depot="D-AAA", item="BOOM", quantity=5)
RECEIPT = Receipt(depot="D-AAA", item="BOOM", quantity=10)


def _on_hand(db: Database) -> int:
    with db.readers() as session:
        return int(
            session.scalar(
                select(func.coalesce(func.sum(Balance.on_hand), 0))
                .join(Location, Location.id == Balance.location_id)
                .where(Location.code == depot_location_code("D-AAA"), Balance.item_code == "BOOM")
            )
            or 0
        )


def _key_state(db: Database, key: str) -> KeyState | None:
    with db.readers() as session:
        return session.scalar(select(IdempotencyRecord.state).where(IdempotencyRecord.key == key))


def test_a_refused_movement_is_refused_again_on_retry_even_after_stock_arrives(
    world: Database,
) -> None:
    with pytest.raises(InsufficientStockError):
        post_movement(world.uow(), ISSUE, key="short-1", actor="t", now=NOW)
    assert _key_state(world, "short-1") == KeyState.REFUSED
    post_movement(world.uow(), RECEIPT, key="stock-1", actor="t", now=NOW)
    with pytest.raises(ReplayedRefusal) as replay:
        post_movement(world.uow(), ISSUE, key="short-1", actor="t", now=NOW)
    assert replay.value.status == 409
    assert _on_hand(world) == 10


def test_a_use_case_failing_before_its_write_leaves_the_database_free_and_its_refusal_kept(
    world: Database,
) -> None:
    def refuse_at_once(claim: Any) -> dict[str, Any]:
        raise ValidationError("quantity must be positive", field="quantity")

    payload = command_payload(ISSUE)
    with pytest.raises(ValidationError):
        run_once(world.uow(), "early-1", "movement", payload, refuse_at_once, in_write=True)
    # A write left open would hold SQLite's lock: this receipt would wait 30 s and fail.
    post_movement(world.uow(), RECEIPT, key="stock-2", actor="t", now=NOW)
    assert _on_hand(world) == 10
    with pytest.raises(ReplayedRefusal) as replay:
        run_once(world.uow(), "early-1", "movement", payload, refuse_at_once, in_write=True)
    assert replay.value.status == 422


def test_twins_sent_at_once_post_one_movement_and_get_one_answer(world: Database) -> None:
    post_movement(world.uow(), RECEIPT, key="stock-3", actor="t", now=NOW)
    start = threading.Barrier(2)

    def send() -> tuple[dict[str, Any], bool]:
        start.wait()
        return post_movement(world.uow(), ISSUE, key="twin-1", actor="t", now=NOW)

    with ThreadPoolExecutor(2) as pool:
        answers = [f.result() for f in [pool.submit(send), pool.submit(send)]]
    assert answers[0][0] == answers[1][0]
    assert sorted(replayed for _answer, replayed in answers) == [False, True]
    assert _on_hand(world) == 5


def test_a_bulk_lot_made_by_a_receipt_that_rolled_back_is_not_shared(world: Database) -> None:
    with world.uow() as uow:  # BOOM's first receipt makes its bulk lot, then rolls back
        uow.ledger("t", NOW).receive(RECEIPT)
    post_movement(world.uow(), RECEIPT, key="after-rollback", actor="t", now=NOW)
    assert _on_hand(world) == 10
    with world.readers() as session:
        bulk = session.scalars(select(Lot).where(Lot.item_code == "BOOM", Lot.is_bulk)).one()
        lots = set(session.scalars(select(Movement.lot_id)))
    assert lots == {bulk.id}


def test_once_a_depot_and_item_are_known_a_posting_reads_no_reference_row(
    world: Database,
) -> None:
    post_movement(world.uow(), RECEIPT, key="warm", actor="t", now=NOW)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(world.engine, "before_cursor_execute", record)
    try:
        post_movement(world.uow(), ISSUE, key="cold", actor="t", now=NOW)
        post_movement(world.uow(), RECEIPT, key="cold-2", actor="t", now=NOW)
    finally:
        event.remove(world.engine, "before_cursor_execute", record)
    reference = re.compile(r"\bFROM (items|depots|locations)\b", re.IGNORECASE)
    assert statements, "no statement was seen"
    # (a receipt still locks its depot row on PostgreSQL: that is the capacity check)
    reads = [s for s in statements if reference.search(s) and "FOR NO KEY UPDATE" not in s]
    assert reads == []
    assert _on_hand(world) == 15


def test_a_fresh_process_whose_first_act_is_a_posting_posts_it(seeded_sqlite: Database) -> None:
    # The shared rows are built without an ORM query; one had to configure the mappers first.
    script = (
        "import sys\n"
        "from api.services import Database, post_movement\n"
        "from inventory.commands import Receipt\n"
        "db = Database(sys.argv[1])\n"
        "with db.engine.connect() as conn:\n"
        "    from sqlalchemy import text\n"
        "    item = conn.execute(text(\"SELECT code FROM items WHERE tracking = 'none' "
        "AND storage_class = 'general' ORDER BY code LIMIT 1\")).scalar_one()\n"
        "answer, _ = post_movement(db.uow(), Receipt(depot='D-HNI', item=item, quantity=1), "
        "key='fresh-1', actor='t')\n"
        "print(len(answer['movement_ids']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, seeded_sqlite.url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
