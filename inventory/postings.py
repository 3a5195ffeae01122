"""The ledger's primitive: look-ups, the guarded balance change and the posting of one
movement, in SQLAlchemy Core on the caller's transaction.

Balances change only through one statement per change, applied in a fixed key order
(location id, lot id): an increase (or a change at a location allowed to go negative)
is an upsert, a decrease a guarded `UPDATE ... WHERE on_hand - reserved >= q` that
succeeds only if enough stock is there while the row lock is held. So no balance goes
negative however many writers run at once, and writers never wait on each other in a
cycle. A movement is one `INSERT ... RETURNING id`: no ORM flush per posting.

Reference rows (items, depots, locations, bulk lots, lots by number) are read once per
ledger with Core and kept: a posting of an untracked item costs two balance statements
and one insert once they are known. Within `batch()` (an import) the changes that cannot
fail (increases, negative-allowed locations) and the movement rows are kept in memory and
written in batches (executemany, sorted by key), with movement ids taken up front; every
read through the session, and every guarded decrease, writes what is pending first, so
nothing ever reads a stale balance.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    Table,
    and_,
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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.orm.instrumentation import manager_of_class

from .errors import ForbiddenError, InsufficientStockError, NotFoundError, ValidationError
from .models import (
    NEGATIVE_ALLOWED,
    Balance,
    Condition,
    Depot,
    Item,
    Location,
    LocationKind,
    Lot,
    Movement,
    MovementKind,
)

VN_TZ = dt.timezone(dt.timedelta(hours=7), name="ICT")

#: Codes of the virtual locations every database has.
VIRTUAL_LOCATIONS: dict[str, tuple[LocationKind, str]] = {
    "SUPPLIER": (LocationKind.SUPPLIER, "Suppliers (purchases)"),
    "PRODUCTION": (LocationKind.PRODUCTION, "Domestic production"),
    "IN_TRANSIT": (LocationKind.IN_TRANSIT, "In transit between locations"),
    "INCIDENT": (LocationKind.INCIDENT, "Incident sites (unspecified)"),
    "ISSUED": (LocationKind.ISSUED, "Issued to units"),
    "SCRAP": (LocationKind.SCRAP, "Scrap and write-offs"),
    "ADJUSTMENT": (LocationKind.ADJUSTMENT, "Inventory count adjustments"),
}

T = TypeVar("T")

#: movements written per executemany inside `batch()`
BATCH_ROWS = 2000

_items = cast(Table, Item.__table__)
_depots = cast(Table, Depot.__table__)
_locations = cast(Table, Location.__table__)
_lots = cast(Table, Lot.__table__)
_balances = cast(Table, Balance.__table__)
_movements = cast(Table, Movement.__table__)

_ITEM_AND_BULK = (
    select(
        _items,
        _lots.c.id.label("bulk_id"),
        _lots.c.condition.label("bulk_condition"),
        _lots.c.created_at.label("bulk_created_at"),
    )
    .outerjoin(_lots, and_(_lots.c.item_code == _items.c.code, _lots.c.is_bulk.is_(True)))
    .where(_items.c.code == bindparam("code"))
)
_virtual = _locations.alias("virtual")
#: a depot, its location and the virtual locations (one row each): what a posting at the
#: depot needs, in one statement
_DEPOT_AND_LOCATIONS = (
    select(
        _depots,
        _locations.c.id.label("loc_id"),
        _locations.c.code.label("loc_code"),
        _locations.c.kind.label("loc_kind"),
        _locations.c.name.label("loc_name"),
        _virtual.c.id.label("v_id"),
        _virtual.c.code.label("v_code"),
        _virtual.c.kind.label("v_kind"),
        _virtual.c.name.label("v_name"),
    )
    .outerjoin(_locations, _locations.c.depot_code == _depots.c.code)
    .outerjoin(_virtual, _virtual.c.code.in_(list(VIRTUAL_LOCATIONS)))
    .where(_depots.c.code == bindparam("code"))
)
_LOCATION = select(_locations).where(_locations.c.code == bindparam("code"))
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


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_date(moment: dt.datetime) -> dt.date:
    """Expiry and calibration dates are Vietnamese calendar dates."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VN_TZ).date()


def usability(
    condition: Condition, expiry: dt.date | None, calibration_due: dt.date | None, today: dt.date
) -> str | None:
    """Why stock of a lot in this state may not be issued, or None when it may."""
    if condition != Condition.SERVICEABLE:
        return condition.value
    if expiry is not None and expiry < today:
        return "expired"
    if calibration_due is not None and calibration_due < today:
        return "calibration overdue"
    return None


def depot_location_code(depot_code: str) -> str:
    return f"DEPOT/{depot_code}"


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


class Postings:
    """The primitive on one session. The caller owns the transaction: nothing here
    commits, so a use case can post several movements atomically."""

    def __init__(
        self,
        session: Session,
        *,
        actor: str = "system",
        now: dt.datetime | None = None,
        depots: frozenset[str] | None = None,
    ) -> None:
        self.session = session
        self.actor = actor
        self.now = now or utcnow()
        self.today = local_date(self.now)
        #: the depots the actor may change stock at (None: every depot)
        self.scope = depots
        #: what this ledger posted, for the audit entry of the transaction
        self.movement_ids: list[int] = []
        self.depots_touched: set[str] = set()
        self._items: dict[str, Item] = {}
        self._depots: dict[str, Depot] = {}
        self._locations: dict[str, Location] = {}
        self._bulk: dict[str, Lot] = {}
        self._lots: dict[tuple[str, str], Lot] = {}
        self._absent: set[tuple[str, str]] = set()
        self._held: _Pending | None = None
        self._connection: Connection | None = None
        self._connection_for: SessionTransaction | None = None
        self._dialect = session.get_bind().dialect.name

    # ------------------------------------------------------------ transactions
    def _conn(self) -> Connection:
        """The session's connection, kept while the session's innermost transaction lasts
        (asking the session each time costs more than most statements). A savepoint the
        session begins is only emitted when its connection is asked for: so is it here."""
        session = self.session
        current = session.get_nested_transaction() or session.get_transaction()
        conn = self._connection
        if conn is None or current is not self._connection_for or conn.closed:
            conn = self._connection = session.connection()
            self._connection_for = session.get_nested_transaction() or session.get_transaction()
        return conn

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

    # ------------------------------------------------------------------ lookups
    def depot(self, code: str, field_name: str = "depot") -> Depot:
        depot = self._depots.get(code)
        if depot is None:
            self._load_depot(code, field_name)
            depot = self._depots[code]
        return depot

    def _load_depot(self, code: str, field_name: str) -> None:
        rows = self._conn().execute(_DEPOT_AND_LOCATIONS, {"code": code}).mappings().all()
        if not rows:
            raise NotFoundError(f"unknown depot {code!r}", field=field_name)
        row = rows[0]
        self._depots[code] = _read_only(Depot, {c.name: row[c.name] for c in _depots.columns})
        if row["loc_id"] is not None:
            self._remember_location(row["loc_id"], row["loc_code"], row["loc_kind"], code, row)
        for row in rows:
            if row["v_id"] is not None and row["v_code"] not in self._locations:
                self._remember_location(row["v_id"], row["v_code"], row["v_kind"], None, row)

    def _remember_location(
        self, loc_id: int, code: str, kind: LocationKind, depot: str | None, row: Any
    ) -> None:
        name = row["loc_name"] if depot is not None else row["v_name"]
        self._locations[code] = _read_only(
            Location, {"id": loc_id, "code": code, "kind": kind, "depot_code": depot, "name": name}
        )

    def item(self, code: str, field_name: str = "item") -> Item:
        item = self._items.get(code)
        if item is not None:
            return item
        row = self._conn().execute(_ITEM_AND_BULK, {"code": code}).mappings().first()
        if row is None:
            raise NotFoundError(f"unknown item {code!r}", field=field_name)
        item = _read_only(Item, {c.name: row[c.name] for c in _items.columns})
        self._items[code] = item
        if row["bulk_id"] is not None:
            self._bulk[code] = _read_only(
                Lot,
                {
                    "id": row["bulk_id"],
                    "item_code": code,
                    "lot_no": None,
                    "is_bulk": True,
                    "expiry_date": None,
                    "calibration_due": None,
                    "condition": row["bulk_condition"],
                    "created_at": row["bulk_created_at"],
                },
            )
        return item

    def location(self, code: str, field_name: str = "location") -> Location:
        cached = self._locations.get(code)
        if cached is not None:
            return cached
        row = self._conn().execute(_LOCATION, {"code": code}).mappings().first()
        if row is None:
            raise NotFoundError(f"unknown location {code!r}", field=field_name)
        location = self._locations[code] = _read_only(Location, dict(row))
        return location

    def depot_location(self, depot_code: str, field_name: str = "depot") -> Location:
        self.depot(depot_code, field_name)
        return self.location(depot_location_code(depot_code), field_name)

    def _bulk_lot(self, item: Item) -> Lot:
        """The implicit lot of an untracked item, made by its first receipt."""
        lot = self._bulk.get(item.code)
        if lot is not None:
            return lot
        lot = Lot(
            item_code=item.code,
            lot_no=None,
            is_bulk=True,
            condition=Condition.SERVICEABLE,
            created_at=self.now,
        )
        try:
            with self.session.begin_nested():
                self.session.add(lot)
        except IntegrityError:  # a concurrent first receipt created it: use theirs
            lot = self.session.scalars(
                select(Lot).where(Lot.item_code == item.code, Lot.is_bulk.is_(True))
            ).one()
        self._bulk[item.code] = lot
        return lot

    def _find_lot(self, item_code: str, lot_no: str | None) -> Lot | None:
        """A numbered lot (or serial) of an item, from the session, kept for the ledger."""
        if lot_no is None:
            return None
        lot = self._lots.get((item_code, lot_no))
        if lot is None and (item_code, lot_no) not in self._absent:
            lot = self.session.scalars(
                select(Lot).where(Lot.item_code == item_code, Lot.lot_no == lot_no)
            ).one_or_none()
            if lot is not None:
                self._lots[(item_code, lot_no)] = lot
        return lot

    def _remember_lot(self, lot: Lot) -> None:
        if lot.lot_no is not None:
            self._lots[(lot.item_code, lot.lot_no)] = lot
            self._absent.discard((lot.item_code, lot.lot_no))

    def prefetch_lots(self, wanted: Iterable[tuple[str, str]]) -> None:
        """Read the lots an import names in a few queries instead of one per row."""
        by_item: dict[str, set[str]] = defaultdict(set)
        for item_code, lot_no in wanted:
            if (item_code, lot_no) not in self._lots:
                by_item[item_code].add(lot_no)
        # Until this transaction makes them, the lots not found are known not to exist.
        self._absent.update((i, n) for i, numbers in by_item.items() for n in numbers)
        for item_code, numbers in by_item.items():
            ordered = sorted(numbers)
            for start in range(0, len(ordered), 500):
                for lot in self.session.scalars(
                    select(Lot).where(
                        Lot.item_code == item_code, Lot.lot_no.in_(ordered[start : start + 500])
                    )
                ):
                    self._remember_lot(lot)

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


def _read_only(cls: type[T], values: Mapping[str, Any]) -> T:
    """A transient instance holding a reference row the ledger only reads (an item, a
    depot, a location, a bulk lot), built without the ORM's per-attribute set events: the
    values go straight to the instance's dict, where attribute reads find them."""
    obj = manager_of_class(cls).new_instance()
    obj.__dict__.update(values)
    return obj


def _balance_row(loc: int, lot: int, item: str, delta: int, negative: bool) -> dict[str, Any]:
    return {
        "location_id": loc,
        "lot_id": lot,
        "item_code": item,
        "on_hand": delta,
        "reserved": 0,
        "allow_negative": negative,
    }
