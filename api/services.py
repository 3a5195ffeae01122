"""Use cases shared by the HTTP routes and the CLI: each takes a unit of work, posts
through the inventory inside it, and commits only when everything succeeded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from inventory import commands as c
from inventory.audit import Acting
from inventory.db import make_engine, make_session_factory, reading
from inventory.idempotency import Claim
from inventory.ledger import Ledger, Posted, local_date, utcnow
from inventory.lookups import ReferenceCache
from inventory.migrate import upgrade
from inventory.models import Condition
from inventory.seed import is_seeded, seed
from inventory.uow import SqlUnitOfWork, UnitOfWork

from .idempotency import run_once
from .settings import Settings
from .stock_pages import StockPages


class Database:
    """Engine plus two session factories: writers take SQLite's write lock up front,
    readers do not."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        #: the engine for transactions that only read (on SQLite: no write lock taken)
        self.read_engine: Engine = reading(self.engine)
        self.readers: sessionmaker[Session] = make_session_factory(self.read_engine)
        #: PostgreSQL: a small pool of its own, always in autocommit (`make_engine`)
        self.autocommit_engine: Engine | None = (
            make_engine(url, pool_size=10, autocommit=True)
            if self.engine.dialect.name == "postgresql"
            else None
        )
        #: for reads of one statement (a token, a stock page): on PostgreSQL in autocommit,
        #: which spares a BEGIN and a ROLLBACK round trip; one statement is its own snapshot
        self.single_reads: Engine = self.autocommit_engine or self.read_engine
        self.single_readers: sessionmaker[Session] = make_session_factory(self.single_reads)
        #: idempotency keys' one-statement transactions (PostgreSQL; SQLite takes its lock)
        self.keys_engine: Engine | None = self.autocommit_engine
        #: items, depots and locations, kept across transactions (`inventory.lookups`)
        self.reference = ReferenceCache()
        #: GET /stock pages, kept under their depot's stock version (`api.stock_pages`)
        self.stock_pages = StockPages()

    def uow(self, acting: Acting | None = None) -> SqlUnitOfWork:
        """A fresh unit of work for one use case; with `acting`, scoped to that user's
        depots and audited on commit."""
        return SqlUnitOfWork(self.sessions, self.readers, acting, self.keys_engine, self.reference)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.autocommit_engine is not None:
            self.autocommit_engine.dispose()


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
            counts = seed(session, settings.data_dir, now=now)
        if db.engine.dialect.name == "postgresql":
            # Statistics for the planner now, not whenever autovacuum gets to a freshly
            # loaded database: without them it plans the stock page with row counts a
            # tenth of the real ones.
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        return counts
    finally:
        db.dispose()


#: A reversal request: ("reversal", movement id, reason).
ReversalRequest = tuple[str, int, str]


def post_movement(
    uow: UnitOfWork,
    command: c.Command | ReversalRequest,
    *,
    key: str | None,
    actor: str,
    now: dt.datetime | None = None,
) -> tuple[dict[str, Any], bool]:
    """Post one movement request, once per key; returns (result, replayed)."""
    if isinstance(command, tuple):
        payload: dict[str, Any] = {
            "type": "Reversal",
            "movement_id": command[1],
            "reason": command[2],
        }
    else:
        payload = c.command_payload(command)

    def post(claim: Claim) -> dict[str, Any]:
        with uow:
            result = _dispatch(uow.ledger(actor, now), command, key).as_dict()
            uow.answer(claim, result)
            uow.commit()
        return result

    return run_once(uow, key, "movement", payload, post, in_write=True)


def _dispatch(ledger: Ledger, command: c.Command | ReversalRequest, key: str | None) -> Posted:
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


def change_condition(
    uow: UnitOfWork,
    item: str,
    lot_no: str,
    condition: Condition,
    *,
    reason: str,
    key: str | None,
    actor: str,
) -> tuple[dict[str, Any], bool]:
    """Quarantine, release or mark a lot or serial unserviceable, once per key."""
    payload = {"item": item, "lot_no": lot_no, "condition": condition.value, "reason": reason}

    def change(claim: Claim) -> dict[str, Any]:
        with uow:
            done = uow.ledger(actor).set_condition(item, lot_no, condition, reason=reason)
            result = {
                "item": item,
                "lot_no": lot_no,
                "old_condition": done.old_condition.value,
                "condition": done.new_condition.value,
                "reason": done.reason,
                "actor": done.actor,
                "changed_at": done.changed_at.isoformat(),
            }
            uow.answer(claim, result)
            uow.commit()
        return result

    return run_once(uow, key, "condition", payload, change)


def today() -> dt.date:
    return local_date(utcnow())
