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


def plain_json(payload: Any) -> bytes:
    """`payload` as UTF-8 JSON (Vietnamese names keep their diacritics)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_plain).encode()


def json_response(payload: Any, status_code: int = 200) -> Response:
    """`payload` as a JSON response."""
    return json_bytes_response(plain_json(payload), status_code)


def json_bytes_response(body: bytes, status_code: int = 200) -> Response:
    """JSON already written (a kept stock page)."""
    return Response(body, status_code=status_code, media_type="application/json")
