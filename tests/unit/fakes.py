"""In-memory stand-ins for the unit of work and what it hands out, so that use-case tests
run without a database and still see what was posted, stored, committed or rolled back.

Like the real one, `FakeUnitOfWork` keeps nothing of a block left without `commit()`:
ledger postings, idempotency answers and closure changes wait in the open transaction
and are dropped on the way out. It checks no ledger rule: a test that wants a refusal
says so with `uow.refuse_when(error, when=...)`."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from sqlalchemy import inspect

from inventory import commands as c
from inventory.closures import ClosureRecords
from inventory.errors import IdempotencyConflictError, InventoryError, NotFoundError
from inventory.idempotency import Busy, Claim, FirstAnswer
from inventory.incidents import IncidentRecords
from inventory.ledger import Ledger, Posted, fingerprint, local_date, utcnow
from inventory.models import Condition, KeyState, LotConditionChange, RoadClosure
from inventory.plans import PlanRecords

#: Which requests a refusal applies to: (ledger operation, request) -> bool.
Predicate = Callable[[str, object], bool]


@dataclass(frozen=True)
class Call:
    """One ledger operation a use case asked for."""

    operation: str
    request: object
    key: str | None
    actor: str
    now: dt.datetime


@dataclass
class _Transaction:
    """What one open block has done so far; kept only by `commit()`."""

    calls: list[Call] = field(default_factory=list)
    answers: list[tuple[Claim, dict[str, Any]]] = field(default_factory=list)


@dataclass
class FakeKey:
    """An idempotency key as the fake keeps it (committed state only)."""

    digest: str
    token: str | None
    state: KeyState = KeyState.IN_PROGRESS
    body: dict[str, Any] = field(default_factory=dict)
    status: int | None = None
    lease_until: dt.datetime = field(default_factory=utcnow)


class FakeLedger(Ledger):
    """Records each operation in the open transaction and answers with the next movement
    ids, as `inventory.ledger.Ledger` would; refuses what the unit of work was told to."""

    def __init__(self, uow: FakeUnitOfWork, actor: str, now: dt.datetime | None) -> None:
        # No session: anything a fake does not override fails loudly.
        self._uow = uow
        self.actor = actor
        self.now = now or utcnow()
        self.today = local_date(self.now)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        mark = len(self._uow.transaction.calls)
        try:
            yield
        except BaseException:
            del self._uow.transaction.calls[mark:]
            raise

    def prefetch_lots(self, wanted: Iterable[tuple[str, str]]) -> None:
        """No database: nothing to read ahead (the rows are still consumed)."""
        list(wanted)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Every call is recorded as it comes: nothing is held back."""
        yield

    def _record(self, operation: str, request: object, key: str | None) -> Posted:
        self._uow.check_refusal(operation, request)
        self._uow.transaction.calls.append(Call(operation, request, key, self.actor, self.now))
        movement_id = next(self._uow.movement_ids)
        line = {"movement_id": movement_id, "kind": operation}
        return Posted([movement_id], [line])

    def receive(self, cmd: c.Receipt, *, key: str | None = None) -> Posted:
        return self._record("receive", cmd, key)

    def issue(self, cmd: c.Issue, *, key: str | None = None) -> Posted:
        return self._record("issue", cmd, key)

    def transfer_out(self, cmd: c.TransferOut, *, key: str | None = None) -> Posted:
        return self._record("transfer_out", cmd, key)

    def transfer_receive(self, cmd: c.TransferReceive, *, key: str | None = None) -> Posted:
        return self._record("transfer_receive", cmd, key)

    def count(self, cmd: c.Count, *, key: str | None = None) -> Posted:
        return self._record("count", cmd, key)

    def write_off(self, cmd: c.WriteOff, *, key: str | None = None) -> Posted:
        return self._record("write_off", cmd, key)

    def reverse(self, movement_id: int, *, reason: str, key: str | None = None) -> Posted:
        return self._record("reverse", (movement_id, reason), key)

    def set_condition(
        self, item_code: str, lot_no: str | None, condition: Condition, *, reason: str
    ) -> LotConditionChange:
        self._record("set_condition", (item_code, lot_no, condition, reason), None)
        return LotConditionChange(
            lot_id=0,
            old_condition=self._uow.conditions.get((item_code, lot_no), Condition.SERVICEABLE),
            new_condition=condition,
            reason=reason,
            actor=self.actor,
            changed_at=self.now,
        )


def _copy(row: RoadClosure) -> RoadClosure:
    return RoadClosure(**{a.key: getattr(row, a.key) for a in inspect(RoadClosure).column_attrs})


class FakeClosureRecords(ClosureRecords):
    """Closures in a dict. Inside a transaction a use case works on copies, which only
    `commit()` writes back, as a session would."""

    def __init__(self) -> None:
        self.rows: dict[int, RoadClosure] = {}
        self._pending: dict[int, RoadClosure] = {}
        self._ids = itertools.count(1)

    def add(self, row: RoadClosure) -> RoadClosure:
        row.id = next(self._ids)
        self._pending[row.id] = row
        return row

    def get_for_update(self, closure_id: int) -> RoadClosure:
        if closure_id not in self._pending:
            if closure_id not in self.rows:
                raise NotFoundError(f"unknown closure {closure_id}", field="closure_id")
            self._pending[closure_id] = _copy(self.rows[closure_id])
        return self._pending[closure_id]

    def all(self) -> list[RoadClosure]:
        return [row for _, row in sorted({**self.rows, **self._pending}.items())]

    def active(self) -> list[RoadClosure]:
        return [row for row in self.all() if row.lifted_at is None]

    def commit(self) -> None:
        self.rows.update(self._pending)
        self._pending.clear()

    def rollback(self) -> None:
        self._pending.clear()


class FakeUnitOfWork:
    """A unit of work over dicts; `commits` counts the commits, `posted` holds the ledger
    calls of committed blocks, `opened` how many blocks were entered."""

    # The dispatch use cases' records: a test of those sets its own fakes here.
    incidents: IncidentRecords
    plans: PlanRecords

    def __init__(self) -> None:
        self._closures = FakeClosureRecords()
        self.closures: ClosureRecords = self._closures
        self.commits = 0
        self.opened = 0
        self.posted: list[Call] = []
        self.keys: dict[str, FakeKey] = {}
        self.tokens = itertools.count(1)
        self.conditions: dict[tuple[str, str | None], Condition] = {}
        self.movement_ids = itertools.count(1)
        self._refusals: list[tuple[InventoryError, Predicate]] = []
        self._transaction: _Transaction | None = None

    # ------------------------------------------------------------ transaction
    def __enter__(self) -> Self:
        if self._transaction is not None:
            raise RuntimeError("this unit of work is already open")
        self._transaction = _Transaction()
        self.opened += 1
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._transaction = None
        self._closures.rollback()

    @contextmanager
    def reading(self) -> Iterator[Self]:
        with self:
            yield self

    @property
    def transaction(self) -> _Transaction:
        self._check_open()
        assert self._transaction is not None
        return self._transaction

    def _check_open(self) -> None:
        """Like the real one, nothing but entering works outside `with uow:`."""
        if self._transaction is None:
            raise RuntimeError("the unit of work is not open: use `with uow:`")

    def commit(self) -> None:
        done = self.transaction
        self.posted.extend(done.calls)
        for claim, answer in done.answers:
            self._settle(claim, KeyState.ANSWERED, answer, None)
        self._closures.commit()
        self._transaction = _Transaction()
        self.commits += 1

    # ------------------------------------------------------------ helpers
    def claim(
        self,
        key: str,
        operation: str,
        payload: dict[str, Any],
        lease: dt.timedelta,
        *,
        in_write: bool = False,
    ) -> Claim | FirstAnswer | Busy:
        """`in_write` changes where the SQL unit of work keeps the claim, not what it
        answers: the fake keeps every claim in its dict."""
        del in_write
        if self._transaction is not None:
            raise RuntimeError("a key is claimed outside the use case's write")
        digest = fingerprint(operation, payload)
        held = self.keys.get(key)
        if held is None:
            token = str(next(self.tokens))
            self.keys[key] = FakeKey(digest, token, lease_until=utcnow() + lease)
            return Claim(key, token)
        if held.digest != digest:
            raise IdempotencyConflictError(
                f"idempotency key {key!r} was used for a different request",
                field="Idempotency-Key",
            )
        if held.state != KeyState.IN_PROGRESS:
            return FirstAnswer(dict(held.body), held.status)
        return Busy(held.lease_until)

    def abandon(self) -> None:
        """The fake opens no write for a claim: nothing to roll back."""

    def answer(self, claim: Claim, response: dict[str, Any]) -> None:
        if claim.key is not None:
            self.transaction.answers.append((claim, dict(response)))

    def refuse(self, claim: Claim, status: int, body: dict[str, Any]) -> None:
        self._settle(claim, KeyState.REFUSED, body, status)

    def release(self, claim: Claim) -> None:
        held = self.keys.get(claim.key or "")
        if held is not None and held.token == claim.token:
            del self.keys[claim.key or ""]

    def _settle(
        self, claim: Claim, state: KeyState, body: dict[str, Any], status: int | None
    ) -> None:
        held = self.keys.get(claim.key or "")
        if held is None or held.token != claim.token or held.state != KeyState.IN_PROGRESS:
            raise AssertionError(f"key {claim.key!r} was settled by a request not holding it")
        held.state, held.body, held.status, held.token = state, dict(body), status, None

    def ledger(self, actor: str, now: dt.datetime | None = None) -> FakeLedger:
        self._check_open()
        return FakeLedger(self, actor, now)

    def note(self, target: str) -> None:
        """Audit entries are the SQL unit of work's; a fake has none to name."""

    # ------------------------------------------------------------ for the tests
    def refuse_when(
        self, error: InventoryError, when: Predicate = lambda op, request: True
    ) -> None:
        """Make the ledger raise `error` for every request `when` picks."""
        self._refusals.append((error, when))

    def check_refusal(self, operation: str, request: object) -> None:
        for error, when in self._refusals:
            if when(operation, request):
                raise error
