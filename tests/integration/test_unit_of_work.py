"""`SqlUnitOfWork` against real databases: only `commit()` keeps anything, closures are
records of the same transaction, and an idempotency key is claimed at once, answered with
its posting, kept when refused, freed when released, and taken over after its lease; a
takeover racing the holder's answer loses (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
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
from inventory.errors import (
    ClaimLostError,
    ConflictError,
    IdempotencyConflictError,
    NotFoundError,
    ValidationError,
)
from inventory.idempotency import Busy, Claim, FirstAnswer
from inventory.ledger import depot_location_code, utcnow
from inventory.models import (
    Balance,
    ClosureKind,
    IdempotencyRecord,
    KeyState,
    Location,
    Movement,
    RoadClosure,
)
from tests.ledger_world import NOW, build_world

RECEIPT = Receipt(depot="D-AAA", item="BOOM", quantity=5)
PAYLOAD = command_payload(RECEIPT)
LEASE = dt.timedelta(minutes=1)
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


def _claim(db: Database, key: str, lease: dt.timedelta = LEASE) -> Claim:
    claim = db.uow().claim(key, "movement", PAYLOAD, lease)
    assert isinstance(claim, Claim), claim
    return claim


def _post(db: Database, claim: Claim, *, commit: bool) -> dict[str, Any]:
    """Receive 5 BOOM, store a closure and answer `claim`; commit only when told to."""
    with db.uow() as uow:
        answer = uow.ledger("t", NOW).receive(RECEIPT, key=claim.key).as_dict()
        uow.closures.add(_closure("E1"))
        uow.answer(claim, answer)
        if commit:
            uow.commit()
    return answer


def _state(db: Database, key: str) -> KeyState | None:
    with db.readers() as session:
        return session.scalar(select(IdempotencyRecord.state).where(IdempotencyRecord.key == key))


def test_leaving_the_block_without_commit_rolls_everything_back(world: Database) -> None:
    _post(world, Claim(), commit=False)
    assert _books(world) == EMPTY


def test_an_error_inside_the_block_rolls_back_what_came_before_it(world: Database) -> None:
    # D-BBB has no oxidiser store: a 409 (ConflictError), whatever the reason given
    with pytest.raises(ConflictError), world.uow() as uow:
        uow.ledger("t", NOW).receive(RECEIPT)
        uow.ledger("t", NOW).receive(Receipt(depot="D-BBB", item="HTH", quantity=1, lot_no="H"))
        uow.commit()
    assert _books(world) == EMPTY


def test_a_committed_block_is_kept_and_its_key_replays_the_answer(world: Database) -> None:
    answer = _post(world, _claim(world, "key-uow-0003"), commit=True)
    assert _books(world) == {
        "movements": 1,
        "keys": ["key-uow-0003"],
        "closures": ["E1"],
        "on_hand": 5,
    }
    again = world.uow().claim("key-uow-0003", "movement", PAYLOAD, LEASE)
    assert again == FirstAnswer(answer, None)


def test_a_claim_is_seen_by_a_twin_at_once_and_the_answer_commits_with_the_posting(
    world: Database,
) -> None:
    claim = _claim(world, "key-uow-0004")
    assert isinstance(world.uow().claim("key-uow-0004", "movement", PAYLOAD, LEASE), Busy)
    _post(world, claim, commit=False)
    assert _state(world, "key-uow-0004") == KeyState.IN_PROGRESS
    assert _books(world)["movements"] == 0


def test_a_refusal_is_kept_and_a_released_key_is_free_again(world: Database) -> None:
    refused = _claim(world, "key-uow-0005")
    world.uow().refuse(refused, 409, {"title": "Insufficient stock", "detail": "short"})
    again = world.uow().claim("key-uow-0005", "movement", PAYLOAD, LEASE)
    assert again == FirstAnswer({"title": "Insufficient stock", "detail": "short"}, 409)
    released = _claim(world, "key-uow-0006")
    world.uow().release(released)
    assert _state(world, "key-uow-0006") is None
    assert _claim(world, "key-uow-0006").token != released.token


def test_a_claim_past_its_lease_is_taken_over_and_its_holder_then_writes_nothing(
    world: Database,
) -> None:
    stale = _claim(world, "key-uow-0007", lease=dt.timedelta(0))
    retry = _claim(world, "key-uow-0007")
    assert retry.token != stale.token
    with pytest.raises(ClaimLostError):
        _post(world, stale, commit=True)
    assert _books(world)["movements"] == 0
    world.uow().release(stale)  # not its key any more: a no-op
    _post(world, retry, commit=True)
    assert (_books(world)["movements"], _state(world, "key-uow-0007")) == (1, KeyState.ANSWERED)


def test_the_same_key_with_another_body_is_a_conflict(world: Database) -> None:
    _post(world, _claim(world, "key-uow-0008"), commit=True)
    other = command_payload(Receipt(depot="D-AAA", item="BOOM", quantity=6))
    with pytest.raises(IdempotencyConflictError):
        world.uow().claim("key-uow-0008", "movement", other, LEASE)


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
def test_a_takeover_racing_the_holders_answer_waits_for_it_and_loses(pg_world: Database) -> None:
    key = "key-uow-race"
    stale = _claim(pg_world, key, lease=dt.timedelta(0))
    answered = threading.Event()

    def holder() -> dict[str, Any]:
        with pg_world.uow() as uow:
            answer = uow.ledger("first", NOW).receive(RECEIPT, key=key).as_dict()
            uow.answer(stale, answer)  # locks the key's row until the commit
            answered.set()
            _wait_until_someone_waits_on_a_lock(pg_world)
            uow.commit()
        return answer

    def retry() -> Claim | FirstAnswer | Busy:
        assert answered.wait(PATIENCE_S), "the holder never answered"
        return pg_world.uow().claim(key, "movement", PAYLOAD, LEASE)

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.submit(holder), pool.submit(retry)
        answer, got = first.result(), second.result()
    # it waited on the holder's lock, then found the claim answered, not stale: told to
    # look again (a guarded takeover that matched nothing) or given the answer at once
    # (the claim's INSERT ... ON CONFLICT waited for the holder's commit)
    assert isinstance(got, Busy) or got == FirstAnswer(answer, None)
    assert pg_world.uow().claim(key, "movement", PAYLOAD, LEASE) == FirstAnswer(answer, None)
    books = _books(pg_world)
    assert (books["movements"], books["keys"], books["on_hand"]) == (1, [key], 5)
