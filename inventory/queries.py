"""Read models for depot managers: stock by depot x item or lot, alerts (the stock card is
`inventory.stock_card`, transfers `inventory.transfers`)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, get_args

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from .capacity import DepotOverCapacity, depots_over_capacity
from .errors import NotFoundError, ValidationError
from .ledger import VN_TZ, depot_location_code, lot_usability
from .lookups import usability
from .models import (
    Balance,
    Condition,
    Depot,
    Item,
    Location,
    LocationKind,
    Lot,
    StockPolicy,
    Tracking,
)


@dataclass(frozen=True)
class StockFilter:
    depot: str | None = None
    item: str | None = None
    category: str | None = None
    lot_no: str | None = None
    condition: Condition | None = None
    include_empty: bool = False


@dataclass(frozen=True)
class StockRow:
    depot: str
    item: str
    item_name: str
    category: str
    unit: str
    on_hand: int
    reserved: int
    available: int
    unusable: int
    lot_no: str | None = None
    expiry_date: dt.date | None = None
    calibration_due: dt.date | None = None
    condition: str | None = None
    status: str | None = None


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def _fixed(value: Any, column: Any = None) -> Any:
    """A constant written into the SQL text rather than sent as a parameter: PostgreSQL
    plans a prepared statement once for all parameter values (a generic plan), and with
    the constants and the page size hidden behind parameters it chose a nested loop over
    every item x balance (5.3 ms for D-HNI's page instead of 1.2 ms)."""
    return literal(value, column.type if column is not None else None, literal_execute=True)


def usable_clause(today: dt.date | ColumnElement[dt.date]) -> ColumnElement[bool]:
    """Serviceable, not expired, calibration not overdue: stock that may be issued."""
    return and_(
        Lot.condition == _fixed(Condition.SERVICEABLE, Lot.condition),
        or_(Lot.expiry_date.is_(None), Lot.expiry_date >= today),
        or_(Lot.calibration_due.is_(None), Lot.calibration_due >= today),
    )


#: the filters of a stock page, each a bound parameter of the same name when given
_FILTERS: dict[str, Any] = {
    "depot": Location.depot_code,
    "item": Item.code,
    "category": Item.category,
    "lot_no": Lot.lot_no,
    "condition": Lot.condition,
}


def _filtered(stmt: Select[Any], given: frozenset[str], include_empty: bool) -> Select[Any]:
    stmt = stmt.where(Location.kind == _fixed(LocationKind.DEPOT, Location.kind))
    for name, column in _FILTERS.items():
        if name in given:
            stmt = stmt.where(column == bindparam(name))
    if not include_empty:
        stmt = stmt.where(Balance.on_hand != _fixed(0))
    return stmt


def _check_filter(session: Session, flt: StockFilter) -> None:
    if flt.depot and session.get(Depot, flt.depot) is None:
        raise NotFoundError(f"unknown depot {flt.depot!r}", field="depot")
    if flt.item and session.get(Item, flt.item) is None:
        raise NotFoundError(f"unknown item {flt.item!r}", field="item")


def list_stock(
    session: Session,
    flt: StockFilter,
    *,
    today: dt.date,
    group_by: Literal["item", "lot"] = "item",
    limit: int = 100,
    offset: int = 0,
) -> Page[StockRow]:
    """On hand, reserved and available per depot x item (or per lot)."""
    rows, total = stock_page(
        session, flt, today=today, group_by=group_by, limit=limit, offset=offset
    )
    return Page([StockRow(**row) for row in rows], total, limit, offset)


def stock_page(
    session: Session,
    flt: StockFilter,
    *,
    today: dt.date,
    group_by: Literal["item", "lot"] = "item",
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """One page of stock rows as plain dicts (the keys of `StockRow`) and the total: one
    query, the total counted by a window over the groups. Only a page past the end (or an
    empty result) costs more: the filter's depot and item are checked (404) and counted."""
    by_lot = group_by == "lot"
    given = frozenset(name for name in _FILTERS if getattr(flt, name))
    page, count = _page_statements(given, flt.include_empty, by_lot)
    params = {name: getattr(flt, name) for name in given}
    params |= {"today": today, "page_limit": limit, "page_offset": offset}
    conn = session.connection()
    rows = conn.execute(page, params).all()
    if rows:
        return [_stock_row(row, today=today, by_lot=by_lot) for row in rows], int(rows[0][-1])
    _check_filter(session, flt)
    if not offset:
        return [], 0
    return [], int(conn.execute(count, params).scalar() or 0)


@functools.cache
def _page_statements(
    given: frozenset[str], include_empty: bool, by_lot: bool
) -> tuple[Select[Any], Select[Any]]:
    """(a page with its total as a window count, the count alone) for one shape of filter:
    built once with bound parameters, so a request pays no statement building."""
    stmt = _stock_query(given, include_empty, by_lot=by_lot)
    order: tuple[Any, ...] = (Location.depot_code, Item.code)
    if by_lot:
        order = (*order, Lot.expiry_date, Lot.id)
    page = (
        stmt.add_columns(func.count().over())
        .order_by(*order)
        .limit(bindparam("page_limit", type_=Integer(), literal_execute=True))
        .offset(bindparam("page_offset", type_=Integer(), literal_execute=True))
    )
    return page, select(func.count()).select_from(stmt.subquery())


def _stock_query(given: frozenset[str], include_empty: bool, *, by_lot: bool) -> Select[Any]:
    """Sums per depot x item; by lot, the lot's columns join the grouping and the row."""
    usable = usable_clause(bindparam("today", type_=Date()))
    avail = func.sum(case((usable, Balance.on_hand - Balance.reserved), else_=_fixed(0)))
    unusable = func.sum(case((usable, _fixed(0)), else_=Balance.on_hand))
    base_cols = (
        Location.depot_code,
        Item.code,
        Item.name_en,
        Item.category,
        Item.unit,
        func.sum(Balance.on_hand),
        func.sum(Balance.reserved),
        avail,
        unusable,
    )
    lot_cols: tuple[Any, ...] = (
        (Lot.lot_no, Lot.expiry_date, Lot.calibration_due, Lot.condition, Lot.id) if by_lot else ()
    )
    stmt: Select[Any] = (
        select(*base_cols, *lot_cols)
        .select_from(Balance)
        .join(Location, Location.id == Balance.location_id)
        .join(Lot, Lot.id == Balance.lot_id)
        .join(Item, Item.code == Balance.item_code)
    )
    return _filtered(stmt, given, include_empty).group_by(
        Location.depot_code, Item.code, Item.name_en, Item.category, Item.unit, *lot_cols
    )


def _stock_row(row: Row[*tuple[Any, ...]], *, today: dt.date, by_lot: bool) -> dict[str, Any]:
    """One result row of `_stock_query` as the keys of `StockRow`, with the lot's usability
    status when by lot."""
    out = {
        "depot": row[0],
        "item": row[1],
        "item_name": row[2],
        "category": row[3],
        "unit": row[4],
        "on_hand": int(row[5]),
        "reserved": int(row[6]),
        "available": int(row[7]),
        "unusable": int(row[8]),
        "lot_no": None,
        "expiry_date": None,
        "calibration_due": None,
        "condition": None,
        "status": None,
    }
    if by_lot:
        condition, expiry, due = row[12], row[10], row[11]
        status = usability(condition, expiry, due, today) or "usable"
        out |= {
            "lot_no": row[9],
            "expiry_date": expiry,
            "calibration_due": due,
            "condition": condition.value,
            "status": status,
        }
    return out


@dataclass(frozen=True)
class LotRow:
    lot_no: str | None
    expiry_date: dt.date | None
    calibration_due: dt.date | None
    condition: str
    on_hand: int
    reserved: int
    status: str


@dataclass(frozen=True)
class StockDetail:
    depot: str
    item: str
    item_name_vi: str
    item_name_en: str
    unit: str
    tracking: str
    on_hand: int
    reserved: int
    available: int
    unusable: int
    lots: list[LotRow] = field(default_factory=list)
    policy: dict[str, int] | None = None


def stock_detail(session: Session, depot: str, item: str, *, today: dt.date) -> StockDetail:
    """One depot x item with each lot or serial and its state."""
    depot_row = session.get(Depot, depot)
    if depot_row is None:
        raise NotFoundError(f"unknown depot {depot!r}", field="depot")
    item_row = session.get(Item, item)
    if item_row is None:
        raise NotFoundError(f"unknown item {item!r}", field="item")
    rows = session.execute(
        select(Lot, Balance.on_hand, Balance.reserved)
        .join(Balance, Balance.lot_id == Lot.id)
        .join(Location, Location.id == Balance.location_id)
        .where(Location.code == depot_location_code(depot), Lot.item_code == item)
        .where(Balance.on_hand != 0)
        .order_by(Lot.expiry_date, Lot.lot_no)
    ).all()
    lots: list[LotRow] = []
    on_hand = reserved = available = unusable = 0
    for lot, oh, rs in rows:
        why = lot_usability(lot, today)
        lots.append(
            LotRow(
                lot.lot_no,
                lot.expiry_date,
                lot.calibration_due,
                lot.condition.value,
                oh,
                rs,
                why or "usable",
            )
        )
        on_hand += oh
        reserved += rs
        if why is None:
            available += oh - rs
        else:
            unusable += oh
    pol = session.get(StockPolicy, (depot, item))
    return StockDetail(
        depot,
        item,
        item_row.name_vi,
        item_row.name_en,
        item_row.unit,
        item_row.tracking.value,
        on_hand,
        reserved,
        available,
        unusable,
        lots,
        None
        if pol is None
        else {"min_qty": pol.min_qty, "target_qty": pol.target_qty, "max_qty": pol.max_qty},
    )


AlertKind = Literal[
    "below_min",
    "expiring",
    "expired",
    "calibration_due",
    "calibration_overdue",
    "quarantined",
    "unserviceable",
    "over_capacity",
]
ALERT_KINDS: tuple[str, ...] = get_args(AlertKind)


@dataclass(frozen=True)
class Alert:
    kind: str
    severity: str
    depot: str
    item: str
    message: str
    lot_no: str | None = None
    quantity: int | None = None
    date: dt.date | None = None
    days: int | None = None


def alerts(
    session: Session,
    *,
    today: dt.date,
    depot: str | None = None,
    kinds: set[str] | None = None,
    expiring_within_days: int = 90,
    calibration_within_days: int = 30,
) -> list[Alert]:
    """What needs a depot manager's attention, most urgent first."""
    _check_alert_args(session, depot, kinds, expiring_within_days, calibration_within_days)
    wanted = kinds or set(ALERT_KINDS)
    out: list[Alert] = []
    for depot_code_opt, lot, qty, tracking in session.execute(_lots_on_hand(depot)):
        depot_code = depot_code_opt or ""
        label = "serial" if tracking == Tracking.SERIAL else "lot"
        where = f"{depot_code}: {lot.item_code} {label} {lot.lot_no}"
        found = (
            _expiry_alert(lot, depot_code, qty, where, today, expiring_within_days),
            _calibration_alert(lot, depot_code, qty, where, today, calibration_within_days),
            _condition_alert(lot, depot_code, qty, where),
        )
        out.extend(a for a in found if a is not None and a.kind in wanted)
    if "below_min" in wanted:
        out.extend(_below_min(session, today=today, depot=depot))
    if "over_capacity" in wanted:
        out.extend(_over_capacity_alert(o) for o in depots_over_capacity(session, depot))
    out.sort(key=_alert_order)
    return out


def _check_alert_args(
    session: Session,
    depot: str | None,
    kinds: set[str] | None,
    expiring_within_days: int,
    calibration_within_days: int,
) -> None:
    """Refuse an unknown depot or alert kind and a negative look-ahead."""
    if depot and session.get(Depot, depot) is None:
        raise NotFoundError(f"unknown depot {depot!r}", field="depot")
    if kinds and not kinds <= set(ALERT_KINDS):
        bad = sorted(kinds - set(ALERT_KINDS))
        raise ValidationError(f"unknown alert kind(s) {bad}; use {list(ALERT_KINDS)}", field="kind")
    if expiring_within_days < 0 or calibration_within_days < 0:
        raise ValidationError("the look-ahead must be zero or more days", field="days")


def _lots_on_hand(depot: str | None) -> Select[str | None, Lot, int, Tracking]:
    """Tracked lots and serials with stock in a depot (bulk stock has no dates to watch)."""
    stmt = (
        select(Location.depot_code, Lot, Balance.on_hand, Item.tracking)
        .join(Balance, Balance.lot_id == Lot.id)
        .join(Location, Location.id == Balance.location_id)
        .join(Item, Item.code == Lot.item_code)
        .where(Location.kind == LocationKind.DEPOT, Balance.on_hand > 0, Lot.is_bulk.is_(False))
    )
    if depot:
        stmt = stmt.where(Location.depot_code == depot)
    return stmt


def _expiry_alert(
    lot: Lot, depot: str, qty: int, where: str, today: dt.date, within_days: int
) -> Alert | None:
    """Expired (critical), or expiring within the look-ahead (warning)."""
    if lot.expiry_date is None:
        return None
    days = (lot.expiry_date - today).days
    if days < 0:
        message = f"{where} expired on {lot.expiry_date} ({qty} on hand)"
        kind, severity = "expired", "critical"
    elif days <= within_days:
        message = f"{where} expires in {days} days ({qty} on hand)"
        kind, severity = "expiring", "warning"
    else:
        return None
    return Alert(
        kind, severity, depot, lot.item_code, message, lot.lot_no, qty, lot.expiry_date, days
    )


def _calibration_alert(
    lot: Lot, depot: str, qty: int, where: str, today: dt.date, within_days: int
) -> Alert | None:
    """Calibration overdue (critical), or due within the look-ahead (warning)."""
    if lot.calibration_due is None:
        return None
    days = (lot.calibration_due - today).days
    if days < 0:
        message = f"{where} calibration overdue since {lot.calibration_due}"
        kind, severity = "calibration_overdue", "critical"
    elif days <= within_days:
        message = f"{where} calibration due in {days} days"
        kind, severity = "calibration_due", "warning"
    else:
        return None
    return Alert(
        kind, severity, depot, lot.item_code, message, lot.lot_no, qty, lot.calibration_due, days
    )


def _condition_alert(lot: Lot, depot: str, qty: int, where: str) -> Alert | None:
    """Stock that cannot be issued whatever its dates: quarantined, unserviceable, in repair."""
    if lot.condition == Condition.QUARANTINED:
        message = f"{where} is quarantined ({qty} on hand)"
        return Alert("quarantined", "warning", depot, lot.item_code, message, lot.lot_no, qty)
    if lot.condition in (Condition.UNSERVICEABLE, Condition.IN_REPAIR):
        message = f"{where} is {lot.condition.value.replace('_', ' ')}"
        return Alert("unserviceable", "warning", depot, lot.item_code, message, lot.lot_no, qty)
    return None


_SEVERITY = {"critical": 0, "warning": 1}


def _alert_order(a: Alert) -> tuple[int, int, str, str, str]:
    """Critical first, then soonest (most overdue) first, then by place."""
    return (
        _SEVERITY[a.severity],
        a.days if a.days is not None else 0,
        a.depot,
        a.item,
        a.lot_no or "",
    )


def available_by_depot_item(today: dt.date) -> Select[str | None, str, Any]:
    """(depot, item, available): usable units not reserved, per depot x item; what the
    below-minimum alert compares with a policy and what readiness measures."""
    return (
        select(
            Location.depot_code.label("depot"),
            Balance.item_code.label("item"),
            func.sum(
                case((usable_clause(today), Balance.on_hand - Balance.reserved), else_=literal(0))
            ).label("available"),
        )
        .join(Location, Location.id == Balance.location_id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Location.kind == LocationKind.DEPOT)
        .group_by(Location.depot_code, Balance.item_code)
    )


def _below_min(session: Session, *, today: dt.date, depot: str | None) -> list[Alert]:
    """Policies whose usable, unreserved quantity is under the minimum."""
    avail = available_by_depot_item(today).subquery()
    stmt = select(StockPolicy, func.coalesce(avail.c.available, 0)).outerjoin(
        avail,
        and_(avail.c.depot == StockPolicy.depot_code, avail.c.item == StockPolicy.item_code),
    )
    if depot:
        stmt = stmt.where(StockPolicy.depot_code == depot)
    out = []
    for pol, available in session.execute(stmt):
        available = int(available)
        if available < pol.min_qty:
            out.append(
                Alert(
                    "below_min",
                    "critical" if available == 0 else "warning",
                    pol.depot_code,
                    pol.item_code,
                    f"{pol.depot_code}: {pol.item_code} has {available} usable, below its "
                    f"minimum {pol.min_qty} (target {pol.target_qty}; short "
                    f"{pol.target_qty - available} to target)",
                    quantity=available,
                )
            )
    return out


def _over_capacity_alert(over: DepotOverCapacity) -> Alert:
    """A depot past its weight or volume capacity, quoting the last reason it was let in
    for; it lasts until the load is back within capacity."""
    d, load, excess = over.depot, over.load, over.excess
    message = (
        f"{d.code} is over capacity: {load.m3:,.1f} of {d.capacity_m3:,.1f} m3, "
        f"{load.kg:,.0f} of {d.capacity_kg:,.0f} kg (excess {excess.m3:,.1f} m3 / "
        f"{excess.kg:,.0f} kg)"
    )
    last = over.last
    if last is None:
        message += "; no reason recorded"
        item = ""
    else:
        at = last.recorded_at.astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M")
        message += (
            f"; taken in for: {last.reason!r} ({last.quantity} {last.item_code}, "
            f"by {last.actor}, {at} UTC+7)"
        )
        item = last.item_code
    return Alert("over_capacity", "warning", d.code, item, message)
