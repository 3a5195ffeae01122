"""The ledger's primitive: the guarded balance change and the posting of one movement, in
SQLAlchemy Core on the caller's transaction (the reference rows come from `lookups`).

Balances change only through one statement per change, applied in a fixed key order
(location id, lot id): an increase (or a change at a location allowed to go negative)
is an upsert, a decrease a guarded `UPDATE ... WHERE on_hand - reserved >= q` that
succeeds only if enough stock is there while the row lock is held. So no balance goes
negative however many writers run at once, and writers never wait on each other in a
cycle. A movement is one `INSERT ... RETURNING id`: no ORM flush per posting.

A posting of an untracked item at a depot already looked up costs one or two balance
statements and one insert. Within `batch()` (an import) the changes that cannot
fail (increases, negative-allowed locations) and the movement rows are kept in memory and
written in batches (executemany, sorted by key), with movement ids taken up front; every
read through the session, and every guarded decrease, writes what is pending first, so
nothing ever reads a stale balance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import (
    CursorResult,
    Table,
    bindparam,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session

from .errors import ForbiddenError, InsufficientStockError, ValidationError
from .lookups import (
    Lookups,
    ReferenceCache,
    local_date,
    utcnow,
)
from .models import (
    NEGATIVE_ALLOWED,
    Balance,
    Location,
    Lot,
    Movement,
    MovementKind,
)

T = TypeVar("T")

#: movements written per executemany inside `batch()`
BATCH_ROWS = 2000

_balances = cast(Table, Balance.__table__)
_movements = cast(Table, Movement.__table__)


_BALANCE = select(_balances.c.on_hand, _balances.c.reserved).where(
    _balances.c.location_id == bindparam("loc"), _balances.c.lot_id == bindparam("lot")
)
_DECREASE = (
    update(_balances)
    .where(
        _balances.c.location_id == bindparam("loc"),
        _balances.c.lot_id == bindparam("lot"),
        _balances.c.on_hand - _balances.c.reserved >= bindparam("qty"),
    )
    .values(on_hand=_balances.c.on_hand - bindparam("qty"))
)
_DECREASE_RESERVED = (
    update(_balances)
    .where(
        _balances.c.location_id == bindparam("loc"),
        _balances.c.lot_id == bindparam("lot"),
        _balances.c.reserved >= bindparam("qty"),
        _balances.c.on_hand >= bindparam("qty"),
    )
    .values(
        on_hand=_balances.c.on_hand - bindparam("qty"),
        reserved=_balances.c.reserved - bindparam("qty"),
    )
)
_MOVEMENT_COLUMNS = (
    "kind",
    "from_location_id",
    "to_location_id",
    "item_code",
    "lot_id",
    "quantity",
    "reason",
    "reference",
    "note",
    "actor",
    "posted_at",
    "idempotency_key",
    "reverses_id",
)
_INSERT_MOVEMENT = insert(_movements).returning(_movements.c.id)
_INSERT_MOVEMENTS = insert(_movements)
_NEXT_IDS_PG = text(
    "SELECT nextval(pg_get_serial_sequence('movements', 'id')) FROM generate_series(1, :n)"
)
_MAX_ID = select(func.coalesce(func.max(_movements.c.id), 0))


def _upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE SET on_hand = on_hand + the proposed on_hand:
    one statement per increase, and the same statement serves a batch (executemany)."""
    ins = pg_insert(_balances) if dialect == "postgresql" else sqlite_insert(_balances)
    return ins.on_conflict_do_update(
        index_elements=[_balances.c.location_id, _balances.c.lot_id],
        set_={"on_hand": _balances.c.on_hand + ins.excluded.on_hand},
    )


_UPSERTS = {name: _upsert(name) for name in ("postgresql", "sqlite")}


@dataclass(frozen=True)
class PostedMovement:
    """One ledger line as written. Frozen: a posted movement is never changed in place
    (the ledger is append-only; a correction is a reversal)."""

    id: int
    kind: MovementKind
    from_location_id: int
    to_location_id: int
    item_code: str
    lot_id: int
    quantity: int
    reference: str | None = None


@dataclass
class _Pending:
    """What `batch()` holds back: balance changes that cannot fail, and movement rows."""

    changes: list[tuple[int, int, str, int, bool]]
    movements: list[dict[str, Any]]
    ids: list[int]


class Postings(Lookups):
    """The primitive on one session. The caller owns the transaction: nothing here
    commits, so a use case can post several movements atomically."""

    def __init__(
        self,
        session: Session,
        *,
        actor: str = "system",
        now: dt.datetime | None = None,
        depots: frozenset[str] | None = None,
        reference: ReferenceCache | None = None,
    ) -> None:
        super().__init__(session, now or utcnow(), reference)
        self.actor = actor
        self.today = local_date(self.now)
        #: the depots the actor may change stock at (None: every depot)
        self.scope = depots
        #: what this ledger posted, for the audit entry of the transaction
        self.movement_ids: list[int] = []
        self.depots_touched: set[str] = set()
        self._held: _Pending | None = None
        self._dialect = session.get_bind().dialect.name

    # ------------------------------------------------------------ transactions
    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo only the postings of the block if it raises; the transaction goes on, so a
        batch can report every bad entry before it is rolled back as a whole. Inside
        `batch()` it drops the block's held-back postings instead of a database savepoint
        (the batch is all-or-nothing: any refusal rolls the whole transaction back)."""
        pending = self._held
        if pending is None:
            with self.session.begin_nested():
                yield
            return
        marks = (len(pending.changes), len(pending.movements), len(self.movement_ids))
        try:
            yield
        except BaseException:
            del pending.changes[marks[0] :], pending.movements[marks[1] :]
            del self.movement_ids[marks[2] :]
            raise

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold back the postings of the block and write them in batches: for an import of
        thousands of rows in one transaction. Reads through the session see them."""
        if self._held is not None:
            yield
            return
        self._held = _Pending([], [], [])
        event.listen(self.session, "do_orm_execute", self._before_read)
        try:
            yield
            self.flush_pending()
        finally:
            event.remove(self.session, "do_orm_execute", self._before_read)
            self._held = None

    def _before_read(self, _state: ORMExecuteState) -> None:
        self.flush_pending()

    def flush_pending(self) -> None:
        """Write what `batch()` holds: balance changes summed per key, applied in key
        order, then the movement rows, each an executemany."""
        pending = self._held
        if pending is None or not (pending.changes or pending.movements):
            return
        sums: dict[tuple[int, int], list[Any]] = {}
        for loc, lot, item, delta, negative in pending.changes:
            entry = sums.setdefault((loc, lot), [item, 0, negative])
            entry[1] += delta
        rows = [
            _balance_row(loc, lot, item, delta, negative)
            for (loc, lot), (item, delta, negative) in sorted(sums.items())
            if delta
        ]
        movements = pending.movements[:]
        pending.changes.clear()
        pending.movements.clear()
        conn = self._conn()
        if rows:
            conn.execute(_UPSERTS[self._dialect], rows)
        for start in range(0, len(movements), BATCH_ROWS):
            conn.execute(_INSERT_MOVEMENTS, movements[start : start + BATCH_ROWS])

    def _next_id(self) -> int:
        """A movement id taken up front (inside `batch()`): the sequence's next values on
        PostgreSQL; on SQLite, past the largest id (the transaction holds the write lock)."""
        pending = self._held
        assert pending is not None
        if not pending.ids:
            if self._dialect == "postgresql":
                got = self._conn().execute(_NEXT_IDS_PG, {"n": BATCH_ROWS}).scalars().all()
                pending.ids.extend(sorted((int(i) for i in got), reverse=True))
            else:
                top = max(
                    int(self._conn().execute(_MAX_ID).scalar_one()),
                    max((m["id"] for m in pending.movements), default=0),
                    max(self.movement_ids, default=0),
                )
                pending.ids.extend(range(top + BATCH_ROWS, top, -1))
        return pending.ids.pop()

    def balance(self, location_id: int, lot_id: int) -> tuple[int, int]:
        """(on hand, reserved) of one location x lot; (0, 0) if never stocked."""
        self.flush_pending()
        row = self._conn().execute(_BALANCE, {"loc": location_id, "lot": lot_id}).first()
        return (0, 0) if row is None else (int(row[0]), int(row[1]))

    # ------------------------------------------------------------ the primitive
    def _apply(self, lot: Lot, changes: list[tuple[Location, int, bool]]) -> None:
        """Apply balance changes (location, delta, from reserved) in the order given (key
        order). Increases and changes at locations allowed to go negative cannot fail: a
        run of them is one upsert (executemany); a decrease is a guarded UPDATE that raises
        InsufficientStockError when too little stock is there."""
        rows: list[dict[str, Any]] = []
        for location, delta, from_reserved in changes:
            allow_negative = location.kind in NEGATIVE_ALLOWED
            if delta >= 0 or allow_negative:
                if self._held is not None:
                    self._held.changes.append(
                        (location.id, lot.id, lot.item_code, delta, allow_negative)
                    )
                else:
                    rows.append(
                        _balance_row(location.id, lot.id, lot.item_code, delta, allow_negative)
                    )
                continue
            self._upsert(rows)
            self._decrease(location, lot, -delta, from_reserved=from_reserved)
        self._upsert(rows)

    def _upsert(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._conn().execute(_UPSERTS[self._dialect], rows[0] if len(rows) == 1 else rows)
            rows.clear()

    def _decrease(self, location: Location, lot: Lot, qty: int, *, from_reserved: bool) -> None:
        self.flush_pending()
        stmt = _DECREASE_RESERVED if from_reserved else _DECREASE
        result: CursorResult[Any] = self._conn().execute(
            stmt, {"loc": location.id, "lot": lot.id, "qty": qty}
        )
        if result.rowcount != 1:
            on_hand, reserved = self.balance(location.id, lot.id)
            what = lot.lot_no or lot.item_code
            raise InsufficientStockError(
                f"{location.code} holds {on_hand - reserved} available of {what} "
                f"(on hand {on_hand}, reserved {reserved}); {qty} requested",
                field="quantity",
            )

    def _post(
        self,
        kind: MovementKind,
        source: Location,
        target: Location,
        lot: Lot,
        quantity: int,
        *,
        reason: str,
        reference: str | None = None,
        note: str | None = None,
        idempotency_key: str | None = None,
        from_reserved: bool = False,
        reverses_id: int | None = None,
    ) -> PostedMovement:
        """Post one movement and its two balance changes, locking in key order."""
        if quantity <= 0:
            raise ValidationError("quantity must be greater than zero", field="quantity")
        if source.id == target.id:
            raise ValidationError("a movement needs two different locations", field="to")
        for loc in (source, target):
            self._within_scope(loc)
        changes = sorted(
            [(source, -quantity, from_reserved), (target, quantity, False)],
            key=lambda c: c[0].id,
        )
        self._apply(lot, changes)
        values = dict(
            zip(
                _MOVEMENT_COLUMNS,
                (
                    kind,
                    source.id,
                    target.id,
                    lot.item_code,
                    lot.id,
                    quantity,
                    reason,
                    reference,
                    note,
                    self.actor,
                    self.now,
                    idempotency_key,
                    reverses_id,
                ),
                strict=True,
            )
        )
        if self._held is not None:
            values["id"] = movement_id = self._next_id()
            self._held.movements.append(values)
            if len(self._held.movements) >= BATCH_ROWS:
                self.flush_pending()
        else:
            movement_id = int(self._conn().execute(_INSERT_MOVEMENT, values).scalar_one())
        self.movement_ids.append(movement_id)
        return PostedMovement(
            movement_id, kind, source.id, target.id, lot.item_code, lot.id, quantity, reference
        )

    def _set_reference(self, movement_id: int, reference: str) -> None:
        """Name what a movement belongs to once that exists (a transfer's id)."""
        self.flush_pending()
        self._conn().execute(
            update(_movements).where(_movements.c.id == movement_id).values(reference=reference)
        )

    def _within_scope(self, location: Location) -> None:
        """A depot's stock changes only by someone scoped to that depot. A transfer's far end
        is in transit, not at the receiving depot, so a manager may send anywhere; the
        receiving depot's manager books the arrival."""
        if location.depot_code is None:
            return
        if self.scope is not None and location.depot_code not in self.scope:
            raise ForbiddenError(
                f"{self.actor} may not change stock at depot {location.depot_code}",
                field="depot",
            )
        self.depots_touched.add(location.depot_code)

    def _line(
        self, movement: PostedMovement, lot: Lot, source: Location, target: Location
    ) -> dict[str, Any]:
        return {
            "movement_id": movement.id,
            "kind": movement.kind.value,
            "from": source.code,
            "to": target.code,
            "item": lot.item_code,
            "lot_no": lot.lot_no,
            "quantity": movement.quantity,
        }


def _balance_row(loc: int, lot: int, item: str, delta: int, negative: bool) -> dict[str, Any]:
    return {
        "location_id": loc,
        "lot_id": lot,
        "item_code": item,
        "on_hand": delta,
        "reserved": 0,
        "allow_negative": negative,
    }
