"""Which lots a movement out of a depot takes: the one the request names, or, for a lot-
or serial-tracked item sent without `lot_no`, the usable lots first expiry first out
(`Ledger.pick_fefo`), split across as many lots as the quantity needs. A manager no longer
has to ask `/pick` first and copy lot numbers back; the answer lists the lots taken."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from .models import Item, Lot, Tracking

if TYPE_CHECKING:
    from .ledger import Ledger


@dataclass(frozen=True)
class Take:
    """`quantity` units of one lot."""

    lot: Lot
    quantity: int
    #: picked by the ledger (FEFO) rather than named by the request
    picked: bool


def lots_to_take(
    ledger: Ledger, item: Item, depot: str, lot_no: str | None, quantity: int
) -> list[Take]:
    """The lots `quantity` of `item` leaves `depot` from. A named lot is taken as it is
    (its usability is the use case's rule: a write-off may take an expired lot); picked
    lots are usable ones only, and 409 when the depot holds too few."""
    if lot_no is not None or item.tracking == Tracking.NONE:
        lot = ledger.existing_lot(item, lot_no)
        ledger._check_serial_quantity(item, quantity)
        return [Take(lot, quantity, picked=False)]
    # before looking at its stock: an outsider learns nothing of what the depot holds
    ledger._within_scope(ledger.depot_location(depot))
    picks = ledger.pick_fefo(depot, item.code, quantity)
    lots = {
        lot.id: lot
        for lot in ledger.session.scalars(select(Lot).where(Lot.id.in_([p.lot_id for p in picks])))
    }
    return [Take(lots[p.lot_id], p.quantity, picked=True) for p in picks]
