"""The unit of work: one transaction per use case, committed only by an explicit
`commit()`; leaving the block without it rolls everything back.

    claim = uow.claim(key, "movement", payload, lease)   # its own short transaction
    with uow:
        answer = ...                      # ledger postings, records
        uow.answer(claim, answer)         # the answer commits with the postings
        uow.commit()

(`api.idempotency.run_once` does the claiming, waiting and replaying around a use case.)

On SQLite a use case that goes straight into its write (a movement) may claim its key
inside that write instead (`claim(..., in_write=True)`): writers there take the database
lock one at a time, so a twin waits for the first request's commit and then reads its
answer, and the claim costs no transaction of its own. The write opened for the claim is
the one the next `with uow:` enters; if the use case never enters it, `abandon()` rolls
it back.

`reading()` opens a read-only transaction instead (on SQLite it does not take the write
lock), for the snapshot a long solve works from: nothing is held while it solves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import Any, Protocol, Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .audit import Acting, AuditRecords, describe_movements
from .closures import ClosureRecords
from .idempotency import Busy, Claim, FirstAnswer, IdempotencyRecords
from .incidents import IncidentRecords
from .jobs import JobRepo
from .ledger import Ledger, fingerprint, utcnow
from .levels_records import LevelsRecords
from .lookups import ReferenceCache
from .plans import PlanRecords


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

    def claim(
        self,
        key: str,
        operation: str,
        payload: dict[str, Any],
        lease: dt.timedelta,
        *,
        in_write: bool = False,
    ) -> Claim | FirstAnswer | Busy: ...

    def abandon(self) -> None: ...

    def answer(self, claim: Claim, response: dict[str, Any]) -> None: ...

    def refuse(self, claim: Claim, status: int, body: dict[str, Any]) -> None: ...

    def release(self, claim: Claim) -> None: ...

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
        keys_engine: Engine | None = None,
        reference: ReferenceCache | None = None,
    ) -> None:
        self._writers = writers
        #: items, depots and locations shared by the ledgers of this database
        self._reference = reference
        self._readers = readers
        #: PostgreSQL: the writers' engine in autocommit, for the keys (made once by the
        #: caller; made per claim if not given)
        self._keys_engine = keys_engine
        self._session: Session | None = None
        self._committed = False
        #: who acts: their depot scope binds every ledger, their audit entry every commit
        self.acting = acting
        self._ledgers: list[Ledger] = []
        self._target: str | None = None
        self._audited = False
        #: a write opened by an in-write claim, for the next `with uow:` to enter
        self._claimed_write = False

    # ------------------------------------------------------------ transaction
    def __enter__(self) -> Self:
        if self._claimed_write:  # the write an in-write claim opened (module docstring)
            self._claimed_write = False
            return self
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        self._open(self._writers)
        return self

    def abandon(self) -> None:
        """Roll back a write an in-write claim opened that no use case entered."""
        if self._claimed_write:
            self._claimed_write = False
            self._close()

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
        for ledger in self._ledgers:
            ledger.publish()

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
        ledger = Ledger(self.session, actor=actor, now=now, depots=scope, reference=self._reference)
        self._ledgers.append(ledger)
        return ledger

    # ------------------------------------------------------------ idempotency keys
    def claim(
        self,
        key: str,
        operation: str,
        payload: dict[str, Any],
        lease: dt.timedelta,
        *,
        in_write: bool = False,
    ) -> Claim | FirstAnswer | Busy:
        """Claim `key` in a short transaction of its own, before the use case runs, so that
        a twin request sees the claim at once (see `inventory.idempotency`). The key is
        the acting user's: another user sending it, even with the same body, is refused as
        a key reused for another request, so no one is answered with someone else's
        result (nor past their own depot scope). With `in_write` on SQLite, the claim is
        made in the use case's write instead (module docstring)."""
        if self.acting is not None:
            payload = {"payload": payload, "by": self.acting.user}
        digest = fingerprint(operation, payload)
        if in_write and self._writers.kw["bind"].dialect.name == "sqlite":
            return self._claim_in_write(key, operation, digest, lease)
        with self._keys() as keys:
            return keys.claim(key, operation, digest, now=utcnow(), lease=lease)

    def _claim_in_write(
        self, key: str, operation: str, digest: str, lease: dt.timedelta
    ) -> Claim | FirstAnswer | Busy:
        if self._session is not None:
            raise RuntimeError("a key is claimed inside a write already open")
        self._open(self._writers)
        try:
            got = IdempotencyRecords(self.session).claim(
                key, operation, digest, now=utcnow(), lease=lease, in_write=True
            )
        except BaseException:
            self._close()
            raise
        if isinstance(got, Claim):
            self._claimed_write = True
        else:  # answered before, or held by a twin: nothing to write
            self._close()
        return got

    def answer(self, claim: Claim, response: dict[str, Any]) -> None:
        """Store the answer inside the open write: it commits with the postings or not at all."""
        IdempotencyRecords(self.session).answer(claim, response, now=utcnow())

    def refuse(self, claim: Claim, status: int, body: dict[str, Any]) -> None:
        """Keep the use case's refusal against the key (a short transaction of its own)."""
        with self._keys() as keys:
            keys.refuse(claim, status, body, now=utcnow())

    def release(self, claim: Claim) -> None:
        """Free the key after a failure (a short transaction of its own)."""
        with self._keys() as keys:
            keys.release(claim)

    @contextmanager
    def _keys(self) -> Iterator[IdempotencyRecords]:
        self.abandon()  # a refusal before the use case entered its write: roll it back
        if self._session is not None:
            raise RuntimeError("a key is claimed or settled outside the use case's write")
        # A bare connection of the writers' engine: no session for a statement or two.
        engine: Engine = self._writers.kw["bind"]
        if engine.dialect.name != "postgresql":
            with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE, the write lock up front
                yield IdempotencyRecords(conn)
            return
        # PostgreSQL: each statement commits on its own. Every one of them is atomic by
        # itself (the claim's INSERT ... ON CONFLICT, a guarded UPDATE or DELETE), so a
        # claim costs one round trip instead of BEGIN, INSERT and COMMIT.
        with (self._keys_engine or autocommit(engine)).connect() as conn:
            yield IdempotencyRecords(conn)


def autocommit(engine: Engine) -> Engine:
    """The engine in autocommit (PostgreSQL), for the keys' one-statement transactions."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")
