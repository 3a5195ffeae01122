"""A depot's stock page is kept in memory under its stock version: whatever the page shows
must still be current when it is read again, on SQLite and on PostgreSQL. Each test reads
the page (so it is kept), changes the books in one way, and reads it again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import api.routes.stock as stock_routes
from api.services import Database, today
from inventory.commands import ReserveLine
from tests.api.api_support import Api, Facts, new_key


def _row(api: Api, depot: str, item: str, **params: Any) -> dict[str, Any]:
    """The depot's row for `item`, read twice: the second answer comes from memory."""
    first = api.get("/stock", depot=depot, limit=1000, **params)
    again = api.get("/stock", depot=depot, limit=1000, **params)
    assert again == first
    rows = [r for r in again["items"] if r["item"] == item]
    assert len(rows) == 1, rows
    return rows[0]


def test_a_kept_page_shows_a_receipt_and_an_issue_posted_after_it(
    any_api: Api, facts: Facts
) -> None:
    lot = facts.lot(tracking="none", min_on_hand=5)
    depot, item = lot["depot"], lot["item"]
    before = _row(any_api, depot, item)
    any_api.posted({"type": "receipt", "depot": depot, "item": item, "quantity": 7})
    received = _row(any_api, depot, item)
    assert (received["on_hand"], received["available"]) == (
        before["on_hand"] + 7,
        before["available"] + 7,
    )
    any_api.posted({"type": "issue", "depot": depot, "item": item, "quantity": 3})
    assert _row(any_api, depot, item)["on_hand"] == before["on_hand"] + 4


def test_a_kept_page_shows_a_lot_quarantined_after_it(any_api: Api, facts: Facts) -> None:
    lot = facts.lot(tracking="lot")
    depot, item = lot["depot"], lot["item"]
    before = _row(any_api, depot, item)
    body = {"item": item, "lot_no": lot["lot_no"], "condition": "quarantined", "reason": "leak"}
    changed = any_api.client.post(
        "/lots/condition", json=body, headers={"Idempotency-Key": new_key()}
    )
    assert changed.status_code == 200, changed.text
    after = _row(any_api, depot, item)
    assert after["available"] == before["available"] - lot["available"]
    assert after["unusable"] == before["unusable"] + lot["on_hand"]


def test_a_kept_page_shows_stock_reserved_after_it(
    any_api: Api, facts: Facts, seeded_db: Database
) -> None:
    lot = facts.lot(tracking="none", min_on_hand=4)
    depot, item = lot["depot"], lot["item"]
    before = _row(any_api, depot, item)
    with seeded_db.uow() as uow:
        uow.ledger("officer").reserve([ReserveLine(depot, item, 4)], "plan 1")
        uow.commit()
    after = _row(any_api, depot, item)
    assert (after["reserved"], after["available"]) == (
        before["reserved"] + 4,
        before["available"] - 4,
    )


def test_a_kept_page_counts_a_lot_as_expired_the_day_after_its_expiry(
    any_api: Api, facts: Facts, monkeypatch: pytest.MonkeyPatch
) -> None:
    dated = [r for r in facts.lots if r["status"] == "usable" and r["expiry_date"]]
    lot = min(dated, key=lambda r: r["expiry_date"])
    depot, item = lot["depot"], lot["item"]
    before = _row(any_api, depot, item)
    next_day = dt.date.fromisoformat(lot["expiry_date"]) + dt.timedelta(days=1)
    assert next_day > today()
    monkeypatch.setattr(stock_routes, "today", lambda: next_day)
    after = _row(any_api, depot, item)
    assert after["available"] <= before["available"] - lot["available"]
    assert after["unusable"] >= before["unusable"] + lot["on_hand"]
