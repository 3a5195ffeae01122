"""Whole numbers and ISO times in requests. JSON Schema's `integer` (what the OpenAPI document says)
admits `5.0`, so the API must too; but a string ("5"), a boolean or a fraction (5.5) is not
a count of anything and is refused, as pydantic's strict mode would."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator


def _whole(value: Any) -> Any:
    if isinstance(value, (bool, str)):
        raise ValueError("must be a whole number, not a string or a boolean")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


#: Put last in an `int` field's metadata (`Annotated[int, Field(ge=1), WHOLE]`): it then
#: takes 5 and 5.0 and refuses "5", true and 5.5. (Placed before the `Field`, pydantic would
#: write the bounds into the schema as `gt` / `le` instead of JSON Schema's keywords.)
WHOLE = BeforeValidator(_whole)


_ISO = "must be an ISO 8601 date-time with a zone, e.g. 2026-06-01T08:00:00+07:00"


def _iso_time(value: Any) -> Any:
    """pydantic reads `0.5` or "0.5" as seconds since 1970; a time here is written in ISO
    8601 (what `format: date-time` says) or it is refused."""
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(
            "must be an ISO 8601 date-time with a zone, e.g. 2026-06-01T08:00:00+07:00"
        )
    try:
        dt.datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(_ISO) from None
    return value


#: A time with its zone, written in ISO 8601: not a number of seconds, not zone-less.
IsoTime = Annotated[AwareDatetime, BeforeValidator(_iso_time)]
