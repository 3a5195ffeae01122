"""Rules a receipt obeys before anything is booked: what has already expired comes in
only as quarantined stock, to be inspected and written off or released, never silently
as serviceable stock that the next alert run flags at once."""

from __future__ import annotations

import datetime as dt

from .errors import ValidationError
from .models import Condition


def refuse_expired(
    expiry_date: dt.date | None, condition: Condition, today: dt.date, source: str
) -> None:
    """An expiry before today (a Vietnamese calendar date) is refused unless the stock is
    received quarantined. Opening balances (the seed) are exempt: they record what a depot
    already holds, expired or not, and the expired alert shows it."""
    if expiry_date is None or expiry_date >= today or condition == Condition.QUARANTINED:
        return
    if source == "opening":
        return
    raise ValidationError(
        f"expiry_date {expiry_date.isoformat()} has passed (today is {today.isoformat()} in "
        "Vietnam): receive it with condition 'quarantined' to book it for inspection",
        field="expiry_date",
    )
