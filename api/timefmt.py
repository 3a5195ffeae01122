"""Times as Vietnam reads them: stored in UTC, shown in Asia/Ho_Chi_Minh (ISO 8601, +07:00).

`VN_TZ` is the fixed UTC+7 of `inventory.ledger`: Vietnam has kept no daylight saving since
1975, so it reads the same as the Asia/Ho_Chi_Minh zone for any date the depots deal with."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import PlainSerializer

from inventory.ledger import VN_TZ

#: How the CLI labels the times it prints.
LOCAL_LABEL = "giờ VN, UTC+7"


def to_local(moment: dt.datetime) -> dt.datetime:
    """The same instant on Vietnamese clocks; a naive moment is UTC, as stored."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VN_TZ)


#: A response datetime: validated as any datetime, written to JSON in Vietnam local time.
#: The serialiser returns a datetime, so the OpenAPI schema keeps `format: date-time`.
LocalTime = Annotated[
    dt.datetime, PlainSerializer(to_local, return_type=dt.datetime, when_used="json")
]


def local_clock(moment: str | dt.datetime, *, with_date: bool = False) -> str:
    """`HH:MM` (or `MM-DD HH:MM`) in Vietnam of an ISO 8601 string or datetime, whatever
    its offset."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return to_local(moment).strftime("%m-%d %H:%M" if with_date else "%H:%M")
