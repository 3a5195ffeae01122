"""Depot-to-depot transfers as the two depots see them: the list of what is on its way in or
out, and the other depot of a transfer line on a stock card. A transfer names its two
ledger lines (`out_movement_id`, `in_movement_id` once received), which is how a stock
card's line finds its transfer and the transfer list finds who shipped and received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from .errors import NotFoundError, ValidationError
from .models import Depot, Item, Lot, Movement, MovementKind, Transfer, TransferStatus
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


def transfer_ends(
    session: Session, depot: str, item: str, movements: Sequence[tuple[Movement, bool]]
) -> dict[int, TransferEnd]:
    """For each transfer movement of `depot`'s card of `item` (movement, incoming), the
    transfer it belongs to, by movement id. One query, only when there is such a line."""
    legs = {
        mv.id: incoming
        for mv, incoming in movements
        if mv.kind == (MovementKind.TRANSFER_IN if incoming else MovementKind.TRANSFER_OUT)
    }
    if not legs:
        return {}
    found = session.scalars(
        select(Transfer).where(
            or_(Transfer.out_movement_id.in_(legs), Transfer.in_movement_id.in_(legs))
        )
    ).all()
    ends: dict[int, TransferEnd] = {}
    for t in found:
        for movement_id, incoming in ((t.out_movement_id, False), (t.in_movement_id, True)):
            if movement_id is not None and legs.get(movement_id) is incoming:
                ends[movement_id] = _end(t, incoming)
    return ends


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
    """The out (or in) movement of each transfer of the page, by transfer id: one query."""
    ids = {
        leg: t.id
        for t in page
        if (leg := t.in_movement_id if incoming else t.out_movement_id) is not None
    }
    if not ids:
        return {}
    rows = session.scalars(select(Movement).where(Movement.id.in_(ids))).all()
    return {ids[mv.id]: mv for mv in rows}


def _named(row: Depot | Item) -> Named:
    return Named(row.code, row.name_vi, row.name_en)
