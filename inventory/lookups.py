"""Reference rows a posting needs (items with their bulk lot, depots with their locations,
lots by number), read with SQLAlchemy Core once per ledger and kept: a posting of an
untracked item at a depot already seen reads nothing. Items, depots, locations and bulk
lots are built as read-only instances (no per-attribute events); numbered lots come from
the session, since their condition and dates may change.

Items, depots, locations and bulk lots never change once written (seeding and restore
write them; a bulk lot's condition cannot be set), so a `ReferenceCache` shared by the
ledgers of one database keeps them across transactions too: a posting then reads no
reference row at all. A ledger hands the rows it read to the cache only after its
transaction commits (`Lookups.publish`), so a row it made and then rolled back (a first
receipt's bulk lot) is never shared. Restoring another database's backup under a running
service would make the shared ids stale: restore with the service stopped (README).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Table, and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction, configure_mappers
from sqlalchemy.orm.instrumentation import manager_of_class

from .errors import NotFoundError
from .models import Condition, Depot, Item, Location, LocationKind, Lot

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

_items = cast(Table, Item.__table__)
_depots = cast(Table, Depot.__table__)
_locations = cast(Table, Location.__table__)
_lots = cast(Table, Lot.__table__)

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


class ReferenceCache:
    """Reference rows as plain values, shared by the ledgers of one database (module
    docstring). Dict reads and writes are atomic under the GIL, and a row, once written,
    is never replaced by a different one, so threads need no lock."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.bulk: dict[str, dict[str, Any]] = {}
        self.depots: dict[str, dict[str, Any]] = {}
        self.locations: dict[str, dict[str, Any]] = {}

    def clear(self) -> None:
        """Forget everything (after a restore or a reseed in this process)."""
        for kept in (self.items, self.bulk, self.depots, self.locations):
            kept.clear()


class Lookups:
    """The reference rows of one session, kept for the life of one ledger."""

    def __init__(
        self, session: Session, now: dt.datetime, shared: ReferenceCache | None = None
    ) -> None:
        self.session = session
        self.now = now
        #: rows kept across transactions, and what this ledger read to add to them once
        #: its transaction has committed
        self.shared = shared
        self._read: list[tuple[dict[str, dict[str, Any]], str, dict[str, Any]]] = []
        self._items: dict[str, Item] = {}
        self._depots: dict[str, Depot] = {}
        self._locations: dict[str, Location] = {}
        self._bulk: dict[str, Lot] = {}
        self._lots: dict[tuple[str, str], Lot] = {}
        self._absent: set[tuple[str, str]] = set()
        self._connection: Connection | None = None
        self._connection_for: SessionTransaction | None = None

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

    # ------------------------------------------------------------------ lookups
    def depot(self, code: str, field_name: str = "depot") -> Depot:
        depot = self._depots.get(code)
        if depot is None:
            if not self._depot_from_shared(code):
                self._load_depot(code, field_name)
            depot = self._depots[code]
        return depot

    def _depot_from_shared(self, code: str) -> bool:
        """The depot and its location from the shared cache, if it holds them."""
        shared = self.shared
        if shared is None or code not in shared.depots:
            return False
        location = shared.locations.get(depot_location_code(code))
        if location is None:
            return False
        self._depots[code] = _read_only(Depot, shared.depots[code])
        self._locations[location["code"]] = _read_only(Location, location)
        return True

    def _load_depot(self, code: str, field_name: str) -> None:
        rows = self._conn().execute(_DEPOT_AND_LOCATIONS, {"code": code}).mappings().all()
        if not rows:
            raise NotFoundError(f"unknown depot {code!r}", field=field_name)
        row = rows[0]
        values = {c.name: row[c.name] for c in _depots.columns}
        self._depots[code] = _read_only(Depot, values)
        if row["loc_id"] is not None:
            self._remember_location(row["loc_id"], row["loc_code"], row["loc_kind"], code, row)
            self._note_read("depots", code, values)
        for row in rows:
            if row["v_id"] is not None and row["v_code"] not in self._locations:
                self._remember_location(row["v_id"], row["v_code"], row["v_kind"], None, row)

    def _remember_location(
        self, loc_id: int, code: str, kind: LocationKind, depot: str | None, row: Any
    ) -> None:
        name = row["loc_name"] if depot is not None else row["v_name"]
        values = {"id": loc_id, "code": code, "kind": kind, "depot_code": depot, "name": name}
        self._locations[code] = _read_only(Location, values)
        self._note_read("locations", code, values)

    def _note_read(self, kind: str, code: str, values: dict[str, Any]) -> None:
        """Remember a row read from the database, for `publish` after the commit."""
        if self.shared is not None:
            self._read.append((getattr(self.shared, kind), code, values))

    def publish(self) -> None:
        """Share the reference rows this ledger read, once its transaction has committed
        (so each of them is in the books for good)."""
        for kept, code, values in self._read:
            kept.setdefault(code, values)
        self._read.clear()

    def item(self, code: str, field_name: str = "item") -> Item:
        item = self._items.get(code)
        if item is not None:
            return item
        shared = self.shared
        if shared is not None and code in shared.items:
            item = self._items[code] = _read_only(Item, shared.items[code])
            bulk = shared.bulk.get(code)
            if bulk is not None:
                self._bulk[code] = _read_only(Lot, bulk)
            return item
        row = self._conn().execute(_ITEM_AND_BULK, {"code": code}).mappings().first()
        if row is None:
            raise NotFoundError(f"unknown item {code!r}", field=field_name)
        values = {c.name: row[c.name] for c in _items.columns}
        item = self._items[code] = _read_only(Item, values)
        if row["bulk_id"] is not None:
            bulk_values = {
                "id": row["bulk_id"],
                "item_code": code,
                "lot_no": None,
                "is_bulk": True,
                "expiry_date": None,
                "calibration_due": None,
                "condition": row["bulk_condition"],
                "created_at": row["bulk_created_at"],
            }
            self._bulk[code] = _read_only(Lot, bulk_values)
            self._note_read("bulk", code, bulk_values)
        self._note_read("items", code, values)
        return item

    def location(self, code: str, field_name: str = "location") -> Location:
        cached = self._locations.get(code)
        if cached is not None:
            return cached
        shared = self.shared.locations.get(code) if self.shared is not None else None
        if shared is not None:
            location = self._locations[code] = _read_only(Location, shared)
            return location
        row = self._conn().execute(_LOCATION, {"code": code}).mappings().first()
        if row is None:
            raise NotFoundError(f"unknown location {code!r}", field=field_name)
        values = dict(row)
        location = self._locations[code] = _read_only(Location, values)
        self._note_read("locations", code, values)
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
        self._note_read("bulk", item.code, {c.name: getattr(lot, c.name) for c in _lots.columns})
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


def _read_only(cls: type[T], values: Mapping[str, Any]) -> T:
    """A transient instance holding a reference row the ledger only reads (an item, a
    depot, a location, a bulk lot), built without the ORM's per-attribute set events: the
    values go straight to the instance's dict, where attribute reads find them."""
    configure_mappers()  # the first use in a process may come before any ORM query
    obj = manager_of_class(cls).new_instance()
    obj.__dict__.update(values)
    return obj
