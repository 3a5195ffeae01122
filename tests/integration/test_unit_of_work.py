"""`SqlUnitOfWork` against real databases: only `commit()` keeps anything, closures are
records of the same transaction, and two requests with one key post once even when the
second arrives while the first is still open (PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select, text

from api.services import Database
from inventory.commands import Receipt, command_payload
from inventory.db import make_engine
from inventory.errors import NotFoundError, ValidationError
from inventory.ledger import depot_location_code, utcnow
from inventory.models import (
    Balance,
    ClosureKind,
    IdempotencyRecord,
    Location,
    Movement,
    RoadClosure,
)
from inventory.uow import Claim
from tests.ledger_world import NOW, build_world

RECEIPT = Receipt(depot="D-AAA", item="BOOM", quantity=5)
PAYLOAD = command_payload(RECEIPT)
#: How long a test waits for the other thread before it fails (never reached when passing).
PATIENCE_S = 30.0


def _closure(edge_id: str) -> RoadClosure:
    return RoadClosure(
        kind=ClosureKind.EDGE, edge_id=edge_id, reason="flood", created_by="t", created_at=utcnow()
    )


def _books(db: Database) -> dict[str, Any]:
    """What a fresh reader sees: movements, claimed keys, closures, BOOM on hand at D-AAA."""
    on_hand = (
        select(func.coalesce(func.sum(Balance.on_hand), 0))
        .join(Location, Location.id == Balance.location_id)
        .where(Location.code == depot_location_code("D-AAA"), Balance.item_code == "BOOM")
    )
    with db.readers() as session:
        return {
            "movements": session.scalar(select(func.count()).select_from(Movement)),
            "keys": list(session.scalars(select(IdempotencyRecord.key))),
            "closures": list(session.scalars(select(RoadClosure.edge_id))),
            "on_hand": session.scalar(on_hand),
        }


EMPTY = {"movements": 0, "keys": [], "closures": [], "on_hand": 0}


def _post(db: Database, key: str, *, commit: bool) -> dict[str, Any]:
    """Claim `key`, receive 5 BOOM, store a closure; commit only when told to."""
    with db.uow() as uow:
        claim = uow.idempotent(key, "movement", PAYLOAD)
        answer = uow.ledger("t", NOW).receive(RECEIPT, key=key).as_dict()
        uow.closures.add(_closure("E1"))
        claim.answer(answer)
        if commit:
            uow.commit()
    return answer


def test_leaving_the_block_without_commit_rolls_everything_back(world: Database) -> None:
    _post(world, "key-uow-0001", commit=False)
    assert _books(world) == EMPTY


def test_an_error_inside_the_block_rolls_back_what_came_before_it(world: Database) -> None:
    with pytest.raises(ValidationError), world.uow() as uow:
        uow.idempotent("key-uow-0002", "movement", PAYLOAD)
        uow.ledger("t", NOW).receive(RECEIPT)
        uow.ledger("t", NOW).receive(Receipt(depot="D-BBB", item="HTH", quantity=1, lot_no="H"))
        uow.commit()
    assert _books(world) == EMPTY


def test_a_committed_block_is_kept_and_its_key_replays_the_answer(world: Database) -> None:
    answer = _post(world, "key-uow-0003", commit=True)
    assert _books(world) == {
        "movements": 1,
        "keys": ["key-uow-0003"],
        "closures": ["E1"],
        "on_hand": 5,
    }
    with world.uow() as uow:
        assert uow.idempotent("key-uow-0003", "movement", PAYLOAD).replayed == answer
        assert uow.replay("key-uow-0003", "movement", PAYLOAD) == answer


def test_a_key_left_uncommitted_is_free_for_the_next_request(world: Database) -> None:
    _post(world, "key-uow-0004", commit=False)
    with world.uow() as uow:
        assert uow.idempotent("key-uow-0004", "movement", PAYLOAD).replayed is None


def test_a_savepoint_undoes_only_the_refused_posting(world: Database) -> None:
    with world.uow() as uow:
        ledger = uow.ledger("t", NOW)
        with ledger.savepoint():
            ledger.receive(RECEIPT)
        with pytest.raises(ValidationError), ledger.savepoint():
            ledger.receive(Receipt(depot="D-AAA", item="BOOM", quantity=2))
            ledger.receive(Receipt(depot="D-AAA", item="BOOM", quantity=1, lot_no="NOT-A-LOT"))
        uow.commit()
    assert _books(world)["on_hand"] == 5


def test_closure_records_list_active_and_all_in_order_and_lock_one_by_id(world: Database) -> None:
    with world.uow() as uow:
        for edge in ("E1", "E2", "E3"):
            uow.closures.add(_closure(edge))
        uow.commit()
    with world.uow() as uow:
        second = uow.closures.get_for_update(2)
        second.lifted_at, second.lifted_by = utcnow(), "t"
        uow.commit()
    with world.uow() as uow:
        assert [r.edge_id for r in uow.closures.active()] == ["E1", "E3"]
        assert [r.edge_id for r in uow.closures.all()] == ["E1", "E2", "E3"]
        with pytest.raises(NotFoundError) as missing:
            uow.closures.get_for_update(99)
        assert missing.value.field == "closure_id"


@pytest.fixture
def pg_world(pg_url: str) -> Iterator[Database]:
    engine = make_engine(pg_url)
    build_world(engine)
    engine.dispose()
    db = Database(pg_url)
    yield db
    db.dispose()


def _wait_until_someone_waits_on_a_lock(db: Database) -> None:
    """Return once another session of this database is blocked on a row lock."""
    deadline = time.monotonic() + PATIENCE_S
    with db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the second request never waited on the first one's key")


@pytest.mark.postgres
def test_a_concurrent_claim_of_the_same_key_waits_and_replays_the_first_answer(
    pg_world: Database,
) -> None:
    key = "key-uow-race"
    claimed = threading.Event()

    def first() -> dict[str, Any]:
        with pg_world.uow() as uow:
            claim = uow.idempotent(key, "movement", PAYLOAD)
            answer = uow.ledger("first", NOW).receive(RECEIPT, key=key).as_dict()
            claim.answer(answer)
            claimed.set()
            _wait_until_someone_waits_on_a_lock(pg_world)
            uow.commit()
        return answer

    def second() -> Claim:
        assert claimed.wait(PATIENCE_S), "the first request never claimed its key"
        with pg_world.uow() as uow:
            claim = uow.idempotent(key, "movement", PAYLOAD)
            if claim.replayed is None:  # it should not have won: post, to be caught below
                uow.ledger("second", NOW).receive(RECEIPT, key=key)
                uow.commit()
            return claim

    with ThreadPoolExecutor(max_workers=2) as pool:
        first_answer = pool.submit(first)
        second_claim = pool.submit(second)
        answer, claim = first_answer.result(), second_claim.result()
    assert claim.replayed == answer
    books = _books(pg_world)
    assert (books["movements"], books["keys"], books["on_hand"]) == (1, [key], 5)
