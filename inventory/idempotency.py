"""Idempotency keys held in the database, so that retries keep their word across processes.

A request first *claims* its key in a short transaction of its own (the primary key on
`idempotency_records.key` decides between twins, on SQLite and PostgreSQL alike). Its use
case then stores the answer in the write's own transaction (`answer`), so the posting and
its answer commit together or not at all; a refusal is stored in a short transaction
(`refuse`); a failure frees the key (`release`). A claim whose lease ran out (its process
died) may be taken over; the old holder, if it still runs, then finds its claim gone when
it tries to answer, and its write rolls back."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Row,
    Table,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .errors import ClaimLostError, IdempotencyConflictError
from .models import IdempotencyRecord, KeyState

_records = cast(Table, IdempotencyRecord.__table__)


@dataclass(frozen=True)
class Claim:
    """A key this request holds while its use case runs; without a key, nothing is kept.
    A claim made inside the use case's own write (`in_write`, SQLite: see
    `inventory.uow`) disappears if that write rolls back, so a refusal is stored anew
    (with the request's `operation` and `digest`) and a failure has nothing to free."""

    key: str | None = None
    token: str | None = None
    in_write: bool = False
    operation: str = ""
    digest: str = ""


#: The claim of a request sent without a key: answering it stores nothing.
NO_KEY = Claim()


@dataclass(frozen=True)
class FirstAnswer:
    """What the first request with this key was answered: the use case's result, or a
    refusal with its HTTP status (`status`)."""

    body: dict[str, Any]
    status: int | None = None


@dataclass(frozen=True)
class Busy:
    """Another request holds the key and has not answered yet (or died, until `lease_until`)."""

    lease_until: dt.datetime


class IdempotencyRecords:
    """The keys table in SQLAlchemy Core, over a session (a use case's write) or a bare
    connection (a claim's own short transaction); the caller owns the transaction."""

    def __init__(self, db: Session | Connection) -> None:
        self._db = db

    def _conn(self) -> Connection:
        return self._db.connection() if isinstance(self._db, Session) else self._db

    def claim(
        self,
        key: str,
        operation: str,
        digest: str,
        *,
        now: dt.datetime,
        lease: dt.timedelta,
        in_write: bool = False,
    ) -> Claim | FirstAnswer | Busy:
        """Take `key` for this request, or say what the first request with it got (or that
        it is still running). Another request's body under the key is a conflict.
        `in_write`: this runs inside the use case's own write (see `Claim`)."""
        token = secrets.token_hex(16)
        row = {
            "key": key,
            "fingerprint": digest,
            "operation": operation,
            "response": {},
            "state": KeyState.IN_PROGRESS,
            "token": token,
            "lease_until": now + lease,
            "created_at": now,
            "updated_at": now,
        }
        # One statement for a new key, the common case; a key already there is read.
        conn = self._conn()
        claimed = conn.execute(_CLAIMS[conn.dialect.name], row).first()
        if claimed is not None:
            return Claim(key, token, in_write, operation, digest)
        record = self._get(key)
        if record is None:  # a twin released it meanwhile: the caller tries again
            return Busy(now)
        if record.fingerprint != digest or record.operation != operation:
            raise IdempotencyConflictError(
                f"idempotency key {key!r} was used for a different request",
                field="Idempotency-Key",
            )
        if record.state != KeyState.IN_PROGRESS:
            return FirstAnswer(dict(record.response), record.status_code)
        assert record.lease_until is not None
        if record.lease_until > now:
            return Busy(record.lease_until)
        taken = self._take_over(record, now=now, lease=lease)
        if isinstance(taken, Claim):
            return Claim(taken.key, taken.token, in_write, operation, digest)
        return taken

    def _take_over(
        self, record: Row[Any], *, now: dt.datetime, lease: dt.timedelta
    ) -> Claim | Busy:
        """Take a claim whose lease ran out, unless another request just did."""
        token = secrets.token_hex(16)
        taken = self._execute(
            update(_records)
            .where(*_held(record.key, record.token))
            .values(token=token, lease_until=now + lease, updated_at=now)
        )
        return Claim(record.key, token) if taken else Busy(now + lease)

    def answer(self, claim: Claim, body: dict[str, Any], *, now: dt.datetime) -> None:
        """Store the answer in the write's own transaction; a claim lost to a takeover
        raises, so that the write rolls back and nothing posts twice."""
        if claim.key is None:
            return
        if not self._settle(claim, KeyState.ANSWERED, body, None, now):
            raise ClaimLostError(
                f"the request with idempotency key {claim.key!r} ran past its lease and "
                "was taken over by a retry; this one wrote nothing",
                field="Idempotency-Key",
            )

    def refuse(self, claim: Claim, status: int, body: dict[str, Any], *, now: dt.datetime) -> None:
        """Keep a refusal, so that a retry gets it back instead of a re-run."""
        if claim.key is None:
            return
        if not claim.in_write:
            self._settle(claim, KeyState.REFUSED, body, status, now)
            return
        # The claim rolled back with its write: the refusal is the key's first record
        # (unless a twin has claimed the key since: then the twin's run answers it).
        row = {
            "key": claim.key,
            "fingerprint": claim.digest,
            "operation": claim.operation,
            "response": body,
            "status_code": status,
            "state": KeyState.REFUSED,
            "token": None,
            "lease_until": None,
            "created_at": now,
            "updated_at": now,
        }
        conn = self._conn()
        conn.execute(_CLAIMS[conn.dialect.name], row)

    def release(self, claim: Claim) -> None:
        """Free the key after a failure: the next request with it runs afresh."""
        if claim.key is None or claim.in_write:  # an in-write claim rolled back already
            return
        self._execute(delete(_records).where(*_held(claim.key, claim.token)))

    def _settle(
        self,
        claim: Claim,
        state: KeyState,
        body: dict[str, Any],
        status: int | None,
        now: dt.datetime,
    ) -> bool:
        params = {
            "held_key": claim.key,
            "held_token": claim.token,
            "new_state": state,
            "new_response": body,
            "new_status": status,
            "now": now,
        }
        result = self._conn().execute(_SETTLE, params)
        return cast("CursorResult[Any]", result).rowcount == 1

    def _get(self, key: str) -> Row[Any] | None:
        return self._conn().execute(_RECORD, {"key": key}).first()

    def _execute(self, stmt: Any) -> bool:
        """Run a guarded UPDATE or DELETE (Core, on the table); True when it touched the row."""
        result = self._conn().execute(stmt)
        return cast("CursorResult[Any]", result).rowcount == 1


def _held(key: str | None, token: str | None) -> tuple[ColumnElement[bool], ...]:
    """The row of a claim still in progress and still held by `token`."""
    return (
        _records.c.key == key,
        _records.c.token == token,
        _records.c.state == KeyState.IN_PROGRESS,
    )


def _claim_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING key: a row back means the key is ours;
    the primary key decides between twins, across processes."""
    ins = pg_insert(_records) if dialect == "postgresql" else sqlite_insert(_records)
    return ins.on_conflict_do_nothing(index_elements=[_records.c.key]).returning(_records.c.key)


_CLAIMS = {name: _claim_statement(name) for name in ("postgresql", "sqlite")}
_RECORD = select(_records).where(_records.c.key == bindparam("key"))
#: the answer or refusal of a claim still held: built once, run with parameters
_SETTLE = (
    update(_records)
    .where(
        _records.c.key == bindparam("held_key"),
        _records.c.token == bindparam("held_token"),
        _records.c.state == KeyState.IN_PROGRESS,
    )
    .values(
        state=bindparam("new_state"),
        response=bindparam("new_response"),
        status_code=bindparam("new_status"),
        token=None,
        lease_until=None,
        updated_at=bindparam("now"),
    )
)
