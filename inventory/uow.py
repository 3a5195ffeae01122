"""The unit of work: one transaction per use case, committed only by an explicit
`commit()`; leaving the block without it rolls everything back.

    with uow:
        claim = uow.idempotent(key, "movement", payload)
        if claim.replayed is not None:
            return claim.replayed, True
        answer = ...                      # ledger postings, records
        claim.answer(answer)
        uow.commit()

`reading()` opens a read-only transaction instead (on SQLite it does not take the write
lock), for the snapshot a long solve works from: nothing is held while it solves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .audit import Acting, AuditRecords, describe_movements
from .closures import ClosureRecords
from .errors import IdempotencyConflictError, IdempotencyRaceError
from .incidents import IncidentRecords
from .jobs import JobRepo
from .ledger import Ledger, fingerprint, utcnow
from .levels_records import LevelsRecords
from .models import IdempotencyRecord
from .plans import PlanRecords

#: How often a claim lost to a concurrent request with the same key is retried.
_CLAIM_ATTEMPTS = 5


@dataclass
class Claim:
    """An idempotency key claimed for this transaction, or the first answer to replay."""

    replayed: dict[str, Any] | None = None
    record: IdempotencyRecord | None = None
    answered: dict[str, Any] | None = field(default=None)

    def answer(self, response: dict[str, Any]) -> None:
        """Store the answer a retry with the same key will get back."""
        self.answered = response
        if self.record is not None:
            self.record.response = response


class UnitOfWork(Protocol):
    """What a use case may touch: repositories of the books, inside one transaction."""

    incidents: IncidentRecords
    plans: PlanRecords
    closures: ClosureRecords
    levels: LevelsRecords
    jobs: JobRepo

    @property
    def session(self) -> Session: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def reading(self) -> AbstractContextManager[Self]: ...

    def idempotent(self, key: str | None, operation: str, payload: dict[str, Any]) -> Claim: ...

    def replay(
        self, key: str | None, operation: str, payload: dict[str, Any]
    ) -> dict[str, Any] | None: ...

    def ledger(self, actor: str, now: dt.datetime | None = None) -> Ledger: ...

    def note(self, target: str) -> None: ...


class SqlUnitOfWork:
    """A unit of work over SQLAlchemy sessions; writers and readers come from the
    database's two factories (see `inventory.db`)."""

    def __init__(
        self,
        writers: sessionmaker[Session],
        readers: sessionmaker[Session],
        acting: Acting | None = None,
    ) -> None:
        self._writers = writers
        self._readers = readers
        self._session: Session | None = None
        self._committed = False
        #: who acts: their depot scope binds every ledger, their audit entry every commit
        self.acting = acting
        self._ledgers: list[Ledger] = []
        self._target: str | None = None
        self._audited = False

    # ------------------------------------------------------------ transaction
    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        self._open(self._writers)
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._close()

    @contextmanager
    def reading(self) -> Iterator[Self]:
        """A read-only transaction: for snapshots, never committed."""
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        self._open(self._readers)
        try:
            yield self
        finally:
            self._close()

    def _open(self, factory: sessionmaker[Session]) -> None:
        self._session = factory()
        self._session.begin()
        self._committed = False
        self._ledgers = []
        self.incidents = IncidentRecords(self._session)
        self.plans = PlanRecords(self._session)
        self.closures = ClosureRecords(self._session)
        self.levels = LevelsRecords(self._session)
        self.jobs = JobRepo(self._session)

    def _close(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if not self._committed:
                session.rollback()
        finally:
            session.close()

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `with uow:`")
        return self._session

    def commit(self) -> None:
        self._append_audit()
        self.session.commit()
        self._committed = True

    def note(self, target: str) -> None:
        """Name what this transaction acted on (`incident 7`) for its audit entry."""
        self._target = target

    def _append_audit(self) -> None:
        """One entry per acting request, in the transaction of its (first) write."""
        acting = self.acting
        if acting is None or not acting.audited or self._audited:
            return
        depots = sorted({d for ledger in self._ledgers for d in ledger.depots_touched})
        ids = [i for ledger in self._ledgers for i in ledger.movement_ids]
        AuditRecords(self.session).append(
            acting, at=utcnow(), depots=depots, target=self._target or describe_movements(ids)
        )
        self._audited = True

    # ------------------------------------------------------------ helpers
    def ledger(self, actor: str, now: dt.datetime | None = None) -> Ledger:
        scope = self.acting.depots if self.acting is not None else None
        ledger = Ledger(self.session, actor=actor, now=now, depots=scope)
        self._ledgers.append(ledger)
        return ledger

    def replay(
        self, key: str | None, operation: str, payload: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The first answer to `key`, if it has one, without claiming it: lets a slow use
        case answer a retry before it does the slow part."""
        if key is None:
            return None
        existing = self.session.get(IdempotencyRecord, key)
        if existing is None:
            return None
        _same_request(existing, key, operation, fingerprint(operation, payload))
        return dict(existing.response)

    def idempotent(self, key: str | None, operation: str, payload: dict[str, Any]) -> Claim:
        """Claim `key` for this request, or return the first request's answer.

        Must be the transaction's first write: a claim lost to a concurrent request with
        the same key rolls the transaction back and reads that request's answer."""
        if key is None:
            return Claim()
        digest = fingerprint(operation, payload)
        for _ in range(_CLAIM_ATTEMPTS):
            existing = self.session.get(IdempotencyRecord, key)
            if existing is not None:
                _same_request(existing, key, operation, digest)
                return Claim(replayed=dict(existing.response))
            record = IdempotencyRecord(
                key=key, fingerprint=digest, operation=operation, response={}, created_at=utcnow()
            )
            self.session.add(record)
            try:
                self.session.flush()
            except IntegrityError:
                # Another request with this key committed first: start again and read it.
                self.session.rollback()
                self.session.begin()
                continue
            return Claim(record=record)
        raise IdempotencyRaceError(f"idempotency key {key!r} is being used")


def _same_request(record: IdempotencyRecord, key: str, operation: str, digest: str) -> None:
    if record.fingerprint != digest or record.operation != operation:
        raise IdempotencyConflictError(
            f"idempotency key {key!r} was used for a different request", field="Idempotency-Key"
        )
