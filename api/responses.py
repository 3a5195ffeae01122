"""JSON answers written straight from rows, for the read routes that serve many rows often:
no pydantic model per row, one `json.dumps` in C. The routes still declare their response
model, so the OpenAPI document is unchanged."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import Response


def _plain(value: Any) -> str:
    """Dates and times as ISO 8601, as pydantic writes them; anything else is a bug."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_response(payload: Any, status_code: int = 200) -> Response:
    """`payload` as UTF-8 JSON (Vietnamese names keep their diacritics)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_plain)
    return Response(body.encode(), status_code=status_code, media_type="application/json")
