"""The ceiling of `bench/api.py`: a bare FastAPI app that takes the same POST /movements
request (JSON body, Idempotency-Key header) and answers at once, touching no database, and
answers GET /stock with the page chemdepot gave (read once from the file named by
`CHEMDEPOT_BENCH_STOCK_PAGE`). It is served by the same uvicorn as `chemdepot serve`, so
the difference is the application."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Header

app = FastAPI(title="bare endpoint")
_ids = itertools.count(1)
_page_file = os.environ.get("CHEMDEPOT_BENCH_STOCK_PAGE")
_page: dict[str, Any] = (
    json.loads(Path(_page_file).read_text(encoding="utf-8")) if _page_file else {}
)


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


@app.get("/stock")
def stock(depot: str | None = None, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """The same rows chemdepot's GET /stock answered, from memory: a synchronous handler
    with query parameters, as chemdepot's is; FastAPI writes the JSON."""
    del depot, limit, offset
    return _page
