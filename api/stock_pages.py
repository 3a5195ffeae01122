"""GET /stock pages kept in memory, each under its depot's stock version
(`inventory.stock_versions`): a page is served again only while the database says nothing
it shows has changed. Every request still reads the version (one indexed statement), so a
posting, a reservation, a lot's new condition or calibration, or a new day (the key holds
today's date) is seen at once, by every process alike. Pages over all depots, and empty
pages (a 404 may be due), are computed every time."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Literal

from inventory.queries import StockFilter, stock_page
from inventory.stock_versions import depot_stock_version

from .responses import plain_json

if TYPE_CHECKING:
    from .services import Database

PageKey = tuple[int, StockFilter, dt.date, str, int, int]


class StockPages:
    """The pages served last, as the JSON bytes sent, up to `max_bytes` in all (the least
    recently read go first)."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[PageKey, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: PageKey) -> bytes | None:
        with self._lock:
            body = self._pages.get(key)
            if body is not None:
                self._pages.move_to_end(key)
            return body

    def put(self, key: PageKey, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            self._bytes += len(body) - (len(old) if old is not None else 0)
            self._pages[key] = body
            while self._bytes > self.max_bytes:
                _key, dropped = self._pages.popitem(last=False)
                self._bytes -= len(dropped)


def stock_page_json(
    db: Database,
    flt: StockFilter,
    *,
    today: dt.date,
    group_by: Literal["item", "lot"],
    limit: int,
    offset: int,
) -> bytes:
    """The page as JSON bytes, from memory while the depot's version stands. The version
    is read before the page, so a page kept under a version shows that state or a newer
    one, never an older."""
    pages = db.stock_pages
    key = None
    if flt.depot:  # a bare connection: a session costs more than this one statement
        with db.single_reads.connect() as conn:
            version = depot_stock_version(conn, flt.depot)
        if version is not None:
            key = (version, flt, today, group_by, limit, offset)
            if (body := pages.get(key)) is not None:
                return body
    with db.single_readers() as session:
        rows, total = stock_page(
            session, flt, today=today, group_by=group_by, limit=limit, offset=offset
        )
    body = plain_json({"items": rows, "total": total, "limit": limit, "offset": offset})
    if key is not None and rows:
        pages.put(key, body)
    return body
