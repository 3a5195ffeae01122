"""Whole numbers in JSON bodies. JSON Schema's `integer` (what the OpenAPI document says)
admits `5.0`, so the API must too; but a string ("5"), a boolean or a fraction (5.5) is not
a count of anything and is refused, as pydantic's strict mode would."""

from __future__ import annotations

from typing import Any

from pydantic import BeforeValidator


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
