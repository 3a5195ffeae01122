"""The load test: 16 clients post issues, transfers and receipts on the same lots through
the real server process on PostgreSQL for ten seconds, with Idempotency-Keys, retries and
twin sends; then every answer is held against the books. Speed is not asserted here (it
is measured by `python -m bench.api`)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from api.services import Database, post_movement
from bench.http_load import LoadParams, LoadResult, Request, check_books, choose_lanes, run_load
from bench.http_server import start_chemdepot
from inventory.commands import Receipt
from inventory.models import Depot, Item, Tracking

LOAD = LoadParams(clients=16, seconds=10.0)


def _untracked_receipt(db: Database) -> Receipt:
    """A receipt of 2 of the first untracked item at the first depot that stores it."""
    with db.readers() as session:
        item = session.scalars(select(Item).where(Item.tracking == Tracking.NONE)).first()
        assert item is not None
        depots = session.scalars(select(Depot).order_by(Depot.code))
        depot = next(d for d in depots if item.storage_class in d.storage_classes)
        return Receipt(depot=depot.code, item=item.code, quantity=2)


@pytest.mark.postgres
def test_many_clients_on_the_same_lots_lose_nothing_post_nothing_twice_and_never_fail(
    seeded_pg: Database,
) -> None:
    began = time.perf_counter()
    server = start_chemdepot(seeded_pg.url)
    try:
        with server.client() as client:
            lanes = choose_lanes(client)
        result = run_load(server, lanes, LOAD)
    finally:
        server.stop()
    statuses = result.statuses()
    print(f"load test: {sum(statuses.values())} sends {dict(statuses)} in {result.elapsed_s:.1f} s")

    assert result.server_errors() == []
    assert all(r.answers for r in result.requests), "a request was never answered"
    assert statuses[201] > 100, statuses
    assert statuses[409] > 0, "the shelves never ran short: the load did not contend"
    replays = [a for r in result.requests for a in r.accepted() if a.get("replayed")]
    assert replays, "no retry was replayed"
    kinds = {r.body["type"] for r in result.requests for _ in r.accepted()}
    assert kinds >= {"issue", "transfer", "transfer_receive", "receipt"}

    books = check_books(seeded_pg, result)
    assert books.problems() == []
    assert books.accepted > 100
    assert books.postings >= books.accepted
    print(f"load test: {books.accepted} accepted, took {time.perf_counter() - began:.1f} s")


def test_the_books_check_notices_a_lost_and_a_doubled_posting(seeded_sqlite: Database) -> None:
    """The check above cannot pass by accident: an answer naming a movement the ledger
    lacks is lost, and a movement under a key that was only refused is one too many."""
    receipt = _untracked_receipt(seeded_sqlite)
    posted, _ = post_movement(seeded_sqlite.uow(), receipt, key="load-check-refused", actor="t")
    body = {"type": "receipt", "depot": receipt.depot, "item": receipt.item, "quantity": 2}
    refused = Request("load-check-refused", body, [(409, {"title": "Conflict"})])
    ghost = Request("load-check-ghost", body, [(201, {"movement_ids": [10**9]})])
    books = check_books(seeded_sqlite, LoadResult([refused, ghost], [], 1.0))

    assert books.lost == ["load-check-ghost"]
    assert books.duplicated == ["load-check-refused"]
    assert books.postings == len(posted["movement_ids"])
