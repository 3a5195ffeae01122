"""Use cases shared by the HTTP routes and the CLI: each opens one transaction,
calls the inventory, and commits only when everything succeeded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from inventory import commands as c
from inventory.db import make_engine, make_session_factory
from inventory.errors import IdempotencyRaceError
from inventory.ledger import Ledger, Posted, local_date, run_idempotent, utcnow
from inventory.migrate import upgrade
from inventory.models import Condition
from inventory.seed import is_seeded, seed

from .settings import Settings

R = TypeVar("R")


class Database:
    """Engine plus two session factories: writers take SQLite's write lock up front,
    readers do not."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self.readers: sessionmaker[Session] = make_session_factory(
            self.engine.execution_options(chemdepot_readonly=True)
        )

    def dispose(self) -> None:
        self.engine.dispose()


def init_database(settings: Settings, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Migrate to the latest schema and seed from data/ if the database is empty."""
    if settings.database_url.startswith("sqlite:///"):
        path = settings.database_url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    try:
        upgrade(db.engine)
        with db.sessions.begin() as session:
            if is_seeded(session):
                return {}
            return seed(session, settings.data_dir, now=now)
    finally:
        db.dispose()


def _retry_race(fn: Callable[[], R], attempts: int = 5) -> R:
    """A concurrent request with the same idempotency key committed first: read its answer."""
    for _ in range(attempts - 1):
        try:
            return fn()
        except IdempotencyRaceError:
            continue
    return fn()


def post_movement(
    db: Database,
    command: c.Command | tuple[str, int, str],
    *,
    key: str | None,
    actor: str,
    now: dt.datetime | None = None,
) -> tuple[dict[str, Any], bool]:
    """Post one movement request idempotently; returns (result, replayed)."""
    if isinstance(command, tuple):
        payload: dict[str, Any] = {
            "type": "Reversal",
            "movement_id": command[1],
            "reason": command[2],
        }
    else:
        payload = c.command_payload(command)

    def attempt() -> tuple[dict[str, Any], bool]:
        with db.sessions.begin() as session:
            ledger = Ledger(session, actor=actor, now=now)

            def act() -> dict[str, Any]:
                return _dispatch(ledger, command, key).as_dict()

            return run_idempotent(session, key, "movement", payload, act, now=ledger.now)

    return _retry_race(attempt)


def _dispatch(ledger: Ledger, command: c.Command | tuple[str, int, str], key: str | None) -> Posted:
    if isinstance(command, tuple):
        return ledger.reverse(command[1], reason=command[2], key=key)
    if isinstance(command, c.Receipt):
        return ledger.receive(command, key=key)
    if isinstance(command, c.Issue):
        return ledger.issue(command, key=key)
    if isinstance(command, c.TransferOut):
        return ledger.transfer_out(command, key=key)
    if isinstance(command, c.TransferReceive):
        return ledger.transfer_receive(command, key=key)
    if isinstance(command, c.Count):
        return ledger.count(command, key=key)
    return ledger.write_off(command, key=key)


def post_receipts(
    db: Database,
    receipts: list[c.Receipt],
    *,
    key: str | None,
    actor: str,
    payload: dict[str, Any],
) -> tuple[dict[str, Any], bool]:
    """Post many receipts in one transaction: all rows or none."""

    def attempt() -> tuple[dict[str, Any], bool]:
        with db.sessions.begin() as session:
            ledger = Ledger(session, actor=actor)

            def act() -> dict[str, Any]:
                ids: list[int] = []
                for receipt in receipts:
                    ids.extend(ledger.receive(receipt, key=key).movement_ids)
                return {"rows": len(receipts), "movement_ids": ids}

            return run_idempotent(session, key, "import", payload, act, now=ledger.now)

    return _retry_race(attempt)


def change_condition(
    db: Database,
    item: str,
    lot_no: str,
    condition: Condition,
    *,
    reason: str,
    key: str | None,
    actor: str,
) -> tuple[dict[str, Any], bool]:
    """Quarantine, release or mark a lot or serial unserviceable, idempotently."""
    payload = {"item": item, "lot_no": lot_no, "condition": condition.value, "reason": reason}

    def attempt() -> tuple[dict[str, Any], bool]:
        with db.sessions.begin() as session:
            ledger = Ledger(session, actor=actor)

            def act() -> dict[str, Any]:
                change = ledger.set_condition(item, lot_no, condition, reason=reason)
                return {
                    "item": item,
                    "lot_no": lot_no,
                    "old_condition": change.old_condition.value,
                    "condition": change.new_condition.value,
                    "reason": change.reason,
                    "actor": change.actor,
                    "changed_at": change.changed_at.isoformat(),
                }

            return run_idempotent(session, key, "condition", payload, act, now=ledger.now)

    return _retry_race(attempt)


def today() -> dt.date:
    return local_date(utcnow())
