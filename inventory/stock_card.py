"""The stock card of a depot x item: every movement in or out, oldest first, with the
running balance, the note each was posted with and, for a transfer, the depot at its
other end (the ledger itself only knows the IN_TRANSIT location there)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Row, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from .errors import NotFoundError
from .ledger import depot_location_code
from .models import Depot, Item, Location, Lot, Movement
from .queries import Page
from .transfers import TransferEnd, transfer_ends


@dataclass(frozen=True)
class CardLine:
    movement_id: int
    posted_at: dt.datetime
    kind: str
    reason: str
    reference: str | None
    #: the other end in words: a location code, or for a transfer "to D-HNI (in transit)"
    #: on the sender's card and "from D-BHA" on the receiver's
    counterpart: str
    lot_no: str | None
    quantity_in: int
    quantity_out: int
    balance: int
    actor: str
    note: str | None = None
    #: a transfer's other depot, its id and status (None on other lines)
    counterpart_depot: str | None = None
    transfer_id: int | None = None
    transfer_status: str | None = None


def stock_card(
    session: Session,
    depot: str,
    item: str,
    *,
    lot_no: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Page[CardLine]:
    """The stock card: every movement in or out of a depot for one item, oldest first,
    with the running balance after each line."""
    loc_id = _card_location(session, depot, item)
    cond = _card_condition(session, item, loc_id, lot_no)
    total = session.scalar(select(func.count()).select_from(Movement).where(cond)) or 0
    opening = _opening_balance(session, cond, loc_id, offset) if offset else 0
    rows = session.execute(_card_query(cond, loc_id).limit(limit).offset(offset)).all()
    moves = [(mv, mv.to_location_id == loc_id) for mv, _, _ in rows]
    ends = transfer_ends(session, depot, item, moves)
    return Page(_card_lines(rows, loc_id, opening, ends), int(total), limit, offset)


def _card_location(session: Session, depot: str, item: str) -> int:
    """The depot's stock location id, once depot and item are known to exist."""
    if session.get(Depot, depot) is None:
        raise NotFoundError(f"unknown depot {depot!r}", field="depot")
    if session.get(Item, item) is None:
        raise NotFoundError(f"unknown item {item!r}", field="item")
    loc_id = session.scalar(select(Location.id).where(Location.code == depot_location_code(depot)))
    if loc_id is None:
        raise NotFoundError(f"depot {depot!r} has no location", field="depot")
    return loc_id


def _card_condition(
    session: Session, item: str, loc_id: int, lot_no: str | None
) -> ColumnElement[bool]:
    """Movements of the item into or out of the location, of one lot if given."""
    cond = and_(
        Movement.item_code == item,
        or_(Movement.to_location_id == loc_id, Movement.from_location_id == loc_id),
    )
    if lot_no is not None:
        lot_id = session.scalar(select(Lot.id).where(Lot.item_code == item, Lot.lot_no == lot_no))
        if lot_id is None:
            raise NotFoundError(f"unknown lot {lot_no!r} of {item}", field="lot_no")
        cond = and_(cond, Movement.lot_id == lot_id)
    return cond


def _opening_balance(session: Session, cond: ColumnElement[bool], loc_id: int, offset: int) -> int:
    """The balance before the page: the signed sum of the first `offset` movements."""
    signed = case((Movement.to_location_id == loc_id, Movement.quantity), else_=-Movement.quantity)
    ids = select(Movement.id).where(cond).order_by(Movement.id).limit(offset).subquery()
    return int(
        session.scalar(
            select(func.coalesce(func.sum(signed), 0)).where(Movement.id.in_(select(ids.c.id)))
        )
        or 0
    )


def _card_query(cond: ColumnElement[bool], loc_id: int) -> Select[Movement, str, str | None]:
    """Each movement with the location at its other end and its lot number, oldest first."""
    other = aliased(Location)
    return (
        select(Movement, other.code, Lot.lot_no)
        .join(
            other,
            other.id
            == case(
                (Movement.to_location_id == loc_id, Movement.from_location_id),
                else_=Movement.to_location_id,
            ),
        )
        .join(Lot, Lot.id == Movement.lot_id)
        .where(cond)
        .order_by(Movement.id)
    )


def _card_lines(
    rows: Sequence[Row[Movement, str, str | None]],
    loc_id: int,
    opening: int,
    ends: dict[int, TransferEnd],
) -> list[CardLine]:
    """Card lines with the running balance, starting from `opening`."""
    lines: list[CardLine] = []
    running = opening
    for mv, counterpart, lot in rows:
        incoming = mv.to_location_id == loc_id
        running += mv.quantity if incoming else -mv.quantity
        end = ends.get(mv.id)
        lines.append(
            CardLine(
                mv.id,
                mv.posted_at,
                mv.kind.value,
                mv.reason,
                mv.reference,
                counterpart if end is None else end.label,
                lot,
                mv.quantity if incoming else 0,
                0 if incoming else mv.quantity,
                running,
                mv.actor,
                mv.note,
                None if end is None else end.depot,
                None if end is None else end.transfer_id,
                None if end is None else end.status,
            )
        )
    return lines
