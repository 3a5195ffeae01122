"""Depot-to-depot transfers as the two depots see them: the list of what is on its way in or
out, and the other depot of a transfer line on a stock card.

A transfer row and its two movements are written by one ledger call each, at one instant:
the TRANSFER_OUT movement leaves the sending depot with the transfer's lot and quantity at
`shipped_at`, the TRANSFER_IN movement reaches the receiving depot at `received_at`. That
is how a movement is tied to its transfer here (the schema holds no link; a sender's own
`reference` replaces the `transfer:<id>` one on the out movement). Should two rows ever
match one key, they pair off in id order, so no line is counted twice."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from .errors import NotFoundError, ValidationError
from .models import Depot, Item, Location, Lot, Movement, MovementKind, Transfer, TransferStatus
from .queries import Page

Direction = Literal["inbound", "outbound"]


@dataclass(frozen=True)
class TransferEnd:
    """The transfer a stock-card line belongs to, seen from the card's depot."""

    transfer_id: int
    #: the depot at the other end
    depot: str
    status: str
    #: "to D-HNI (in transit)", "to D-HNI (received)" or "from D-BHA"
    label: str


#: (depot, lot id, instant, quantity): what a transfer and one of its movements share
_Key = tuple[str, int, dt.datetime, int]


def _transfer_key(t: Transfer, incoming: bool) -> _Key | None:
    """The key of the transfer's in (or out) movement; None for an arrival not yet booked."""
    moment = t.received_at if incoming else t.shipped_at
    if moment is None:
        return None
    return (t.to_depot if incoming else t.from_depot, t.lot_id, moment, t.quantity)


def _pair(
    transfers: Sequence[Transfer], movements: Sequence[tuple[Movement, str]], incoming: bool
) -> list[tuple[Transfer, Movement]]:
    """Transfers with their in (or out) movement, given as (movement, its depot): equal
    keys pair off in id order, so each is used once."""
    pool: dict[_Key, list[Transfer]] = defaultdict(list)
    for t in sorted(transfers, key=lambda t: t.id):
        key = _transfer_key(t, incoming)
        if key is not None:
            pool[key].append(t)
    pairs = []
    for mv, depot in sorted(movements, key=lambda m: m[0].id):
        matches = pool.get((depot, mv.lot_id, mv.posted_at, mv.quantity))
        if matches:
            pairs.append((matches.pop(0), mv))
    return pairs


def transfer_ends(
    session: Session, depot: str, item: str, movements: Sequence[tuple[Movement, bool]]
) -> dict[int, TransferEnd]:
    """For each transfer movement of `depot`'s card of `item` (movement, incoming), the
    transfer it belongs to, by movement id. One query, only when there is such a line."""
    wanted: dict[bool, list[tuple[Movement, str]]] = {True: [], False: []}
    for mv, incoming in movements:
        kind = MovementKind.TRANSFER_IN if incoming else MovementKind.TRANSFER_OUT
        if mv.kind == kind:
            wanted[incoming].append((mv, depot))
    if not wanted[True] and not wanted[False]:
        return {}
    found = session.scalars(
        select(Transfer).where(
            Transfer.item_code == item,
            or_(
                and_(
                    Transfer.from_depot == depot,
                    Transfer.shipped_at.in_([mv.posted_at for mv, _ in wanted[False]]),
                ),
                and_(
                    Transfer.to_depot == depot,
                    Transfer.received_at.in_([mv.posted_at for mv, _ in wanted[True]]),
                ),
            ),
        )
    ).all()
    return {
        mv.id: _end(t, incoming)
        for incoming in (False, True)
        for t, mv in _pair(found, wanted[incoming], incoming)
    }


def _end(t: Transfer, incoming: bool) -> TransferEnd:
    if incoming:
        return TransferEnd(t.id, t.from_depot, t.status.value, f"from {t.from_depot}")
    status = "in transit" if t.status == TransferStatus.IN_TRANSIT else "received"
    return TransferEnd(t.id, t.to_depot, t.status.value, f"to {t.to_depot} ({status})")


@dataclass(frozen=True)
class TransferFilter:
    depot: str | None = None
    item: str | None = None
    #: relative to `depot`: inbound = to it, outbound = from it; None = either
    direction: Direction | None = None
    status: TransferStatus | None = None


@dataclass(frozen=True)
class Named:
    code: str
    name_vi: str
    name_en: str


@dataclass(frozen=True)
class TransferRow:
    id: int
    from_depot: Named
    to_depot: Named
    item: Named
    unit: str
    lot_no: str | None
    quantity: int
    status: str
    shipped_at: dt.datetime
    received_at: dt.datetime | None
    reference: str | None
    note: str | None
    shipped_by: str | None
    received_by: str | None


def list_transfers(
    session: Session, flt: TransferFilter, *, limit: int = 100, offset: int = 0
) -> Page[TransferRow]:
    """Transfers touching a depot (or all), newest first, with both depots, the item, the
    lot, the dates and what the sender wrote on it."""
    _check_filter(session, flt)
    where = _conditions(flt)
    total = session.scalar(select(func.count()).select_from(Transfer).where(*where)) or 0
    rows = session.execute(
        _listing().where(*where).order_by(Transfer.id.desc()).limit(limit).offset(offset)
    ).all()
    page = [t for t, *_ in rows]
    shipped, received = _legs(session, page, incoming=False), _legs(session, page, incoming=True)
    out = [
        _row(t, src, dst, item, lot_no, shipped.get(t.id), received.get(t.id))
        for t, src, dst, item, lot_no in rows
    ]
    return Page(out, int(total), limit, offset)


def _row(
    t: Transfer,
    src: Depot,
    dst: Depot,
    item: Item,
    lot_no: str | None,
    shipped: Movement | None,
    received: Movement | None,
) -> TransferRow:
    return TransferRow(
        t.id,
        _named(src),
        _named(dst),
        _named(item),
        item.unit,
        lot_no,
        t.quantity,
        t.status.value,
        t.shipped_at,
        t.received_at,
        None if shipped is None else shipped.reference,
        None if shipped is None else shipped.note,
        None if shipped is None else shipped.actor,
        None if received is None else received.actor,
    )


def _check_filter(session: Session, flt: TransferFilter) -> None:
    """Refuse a direction without a depot, and an unknown depot or item."""
    if flt.direction is not None and not flt.depot:
        raise ValidationError(
            f"direction={flt.direction} is relative to a depot: give depot as well",
            field="direction",
        )
    if flt.depot and session.get(Depot, flt.depot) is None:
        raise NotFoundError(f"unknown depot {flt.depot!r}", field="depot")
    if flt.item and session.get(Item, flt.item) is None:
        raise NotFoundError(f"unknown item {flt.item!r}", field="item")


def _conditions(flt: TransferFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if flt.depot:
        if flt.direction == "inbound":
            where.append(Transfer.to_depot == flt.depot)
        elif flt.direction == "outbound":
            where.append(Transfer.from_depot == flt.depot)
        else:
            where.append(or_(Transfer.to_depot == flt.depot, Transfer.from_depot == flt.depot))
    if flt.item:
        where.append(Transfer.item_code == flt.item)
    if flt.status is not None:
        where.append(Transfer.status == flt.status)
    return where


def _listing() -> Select[Transfer, Depot, Depot, Item, str | None]:
    """Transfer, both depots, item and lot number."""
    src, dst = aliased(Depot), aliased(Depot)
    return (
        select(Transfer, src, dst, Item, Lot.lot_no)
        .join(src, src.code == Transfer.from_depot)
        .join(dst, dst.code == Transfer.to_depot)
        .join(Item, Item.code == Transfer.item_code)
        .join(Lot, Lot.id == Transfer.lot_id)
    )


def _legs(session: Session, page: Sequence[Transfer], *, incoming: bool) -> dict[int, Movement]:
    """The out (or in) movement of each transfer of the page, by transfer id: one query
    over the page's depots x items, served by the movements' (location, item) indexes
    (each depot x item's movements read once, not once per transfer)."""
    keyed = [t for t in page if _transfer_key(t, incoming) is not None]
    if not keyed:
        return {}
    end = Movement.to_location_id if incoming else Movement.from_location_id
    depots = sorted({t.to_depot if incoming else t.from_depot for t in keyed})
    kind = MovementKind.TRANSFER_IN if incoming else MovementKind.TRANSFER_OUT
    rows = session.execute(
        select(Movement, Location.depot_code)
        .join(Location, Location.id == end)
        .where(
            Location.depot_code.in_(depots),
            Movement.item_code.in_(sorted({t.item_code for t in keyed})),
            Movement.kind == kind,
            Movement.posted_at.in_([t.received_at if incoming else t.shipped_at for t in keyed]),
        )
    ).all()
    movements = [(mv, depot or "") for mv, depot in rows]
    return {t.id: mv for t, mv in _pair(keyed, movements, incoming)}


def _named(row: Depot | Item) -> Named:
    return Named(row.code, row.name_vi, row.name_en)
