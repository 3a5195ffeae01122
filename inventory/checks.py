"""Invariants of the books, recomputed from the ledger. An empty list means they hold."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Balance, Movement, Reservation, ReservationStatus


def check_ledger(session: Session) -> list[str]:
    """Balances equal the ledger, nothing physical is negative, reservations add up,
    and per item the balances over all locations sum to zero."""
    problems: list[str] = []
    expected: dict[tuple[int, int], int] = defaultdict(int)
    for loc, lot, qty in session.execute(
        select(Movement.to_location_id, Movement.lot_id, func.sum(Movement.quantity)).group_by(
            Movement.to_location_id, Movement.lot_id
        )
    ):
        expected[(loc, lot)] += int(qty)
    for loc, lot, qty in session.execute(
        select(Movement.from_location_id, Movement.lot_id, func.sum(Movement.quantity)).group_by(
            Movement.from_location_id, Movement.lot_id
        )
    ):
        expected[(loc, lot)] -= int(qty)

    reserved: dict[tuple[int, int], int] = defaultdict(int)
    for loc, lot, qty in session.execute(
        select(Reservation.location_id, Reservation.lot_id, func.sum(Reservation.quantity))
        .where(Reservation.status == ReservationStatus.PENDING)
        .group_by(Reservation.location_id, Reservation.lot_id)
    ):
        reserved[(loc, lot)] = int(qty)

    per_item: dict[str, int] = defaultdict(int)
    seen: set[tuple[int, int]] = set()
    for bal in session.scalars(select(Balance)):
        key = (bal.location_id, bal.lot_id)
        seen.add(key)
        per_item[bal.item_code] += bal.on_hand
        if bal.on_hand != expected.get(key, 0):
            problems.append(
                f"balance {key} holds {bal.on_hand}, ledger says {expected.get(key, 0)}"
            )
        if not bal.allow_negative and bal.on_hand < 0:
            problems.append(f"balance {key} is negative ({bal.on_hand})")
        if bal.reserved < 0 or (not bal.allow_negative and bal.reserved > bal.on_hand):
            problems.append(f"balance {key} reserves {bal.reserved} of {bal.on_hand}")
        if bal.reserved != reserved.get(key, 0):
            problems.append(
                f"balance {key} reserves {bal.reserved}, "
                f"pending reservations {reserved.get(key, 0)}"
            )
    for key, qty in expected.items():
        if key not in seen and qty != 0:
            problems.append(f"ledger has {qty} at {key} but no balance row")
    for item, total in per_item.items():
        if total != 0:
            problems.append(f"item {item} sums to {total} over all locations, not 0")
    return problems
