"""The stock pages kept in memory stay within their byte budget, dropping the page read
longest ago first."""

from __future__ import annotations

import datetime as dt

from api.stock_pages import PageKey, StockPages
from inventory.queries import StockFilter

DAY = dt.date(2026, 11, 30)


def _key(version: int) -> PageKey:
    return (version, StockFilter(depot="D-HNI"), DAY, "item", 50, 0)


def test_pages_past_the_byte_budget_drop_the_one_read_longest_ago() -> None:
    pages = StockPages(max_bytes=250)
    for version in (1, 2):
        pages.put(_key(version), b"x" * 100)
    assert pages.get(_key(1)) is not None  # now read more recently than version 2
    pages.put(_key(3), b"y" * 100)
    assert [pages.get(_key(v)) is not None for v in (1, 2, 3)] == [True, False, True]


def test_a_page_larger_than_the_whole_budget_is_not_kept() -> None:
    pages = StockPages(max_bytes=50)
    pages.put(_key(1), b"z" * 51)
    assert pages.get(_key(1)) is None
