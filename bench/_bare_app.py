"""The ceiling of `bench/api.py`: a bare FastAPI app that takes the same POST /movements
request (JSON body, Idempotency-Key header) and answers at once, touching no database. It
is served by the same uvicorn as `chemdepot serve`, so the difference is the application."""

from __future__ import annotations

import itertools
from typing import Annotated, Any

from fastapi import FastAPI, Header

app = FastAPI(title="bare endpoint")
_ids = itertools.count(1)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/movements", status_code=201)
def post_movement(
    body: dict[str, Any], idempotency_key: Annotated[str, Header(alias="Idempotency-Key")]
) -> dict[str, Any]:
    """A synchronous handler, as chemdepot's are (both run in the same thread pool)."""
    del idempotency_key
    return {"movement_ids": [next(_ids)], "lines": [], "replayed": False, "type": body.get("type")}
