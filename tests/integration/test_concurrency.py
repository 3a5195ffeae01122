"""Many writers at once on PostgreSQL (and SQLite): no negative stock, no double
posting, no deadlock, and the ledger still equals the balances."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.services import Database, post_movement
from inventory.checks import check_ledger
from inventory.commands import Issue, Receipt, ReserveLine, TransferOut
from inventory.errors import ConflictError, InsufficientStockError
from inventory.ledger import Ledger, depot_location_code
from inventory.models import Lot
from tests.ledger_world import NOW, TODAY

WORKERS = 16


def _on_hand(db: Database, depot: str, item: str, lot: str | None = None) -> tuple[int, int]:
    with db.sessions() as session:
        ledger = Ledger(session, now=NOW)
        lot_row = ledger.existing_lot(ledger.item(item), lot)
        return ledger.balance(ledger.location(depot_location_code(depot)).id, lot_row.id)


def _together(n: int, job: Callable[[int], Any]) -> list[Any]:
    """Run `job(i)` on n threads released at the same instant."""
    barrier = threading.Barrier(n)

    def run(i: int) -> Any:
        barrier.wait()
        return job(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_sixteen_workers_issuing_from_one_lot_never_drive_it_negative(world: Database) -> None:
    opening = 60
    post_movement(
        world.uow(),
        Receipt(
            depot="D-AAA",
            item="HTH",
            quantity=opening,
            lot_no="H1",
            expiry_date=TODAY.replace(year=TODAY.year + 2),
        ),
        key="opening-1",
        actor="t",
        now=NOW,
    )
    rng = random.Random(7)
    wanted = [[rng.randint(1, 9) for _ in range(3)] for _ in range(WORKERS)]

    def job(i: int) -> int:
        done = 0
        for n, qty in enumerate(wanted[i]):
            try:
                post_movement(
                    world.uow(),
                    Issue(depot="D-AAA", item="HTH", quantity=qty, lot_no="H1"),
                    key=f"w{i}-{n}",
                    actor=f"worker-{i}",
                    now=NOW,
                )
                done += qty
            except InsufficientStockError:
                pass
        return done

    issued = sum(_together(WORKERS, job))
    assert sum(map(sum, wanted)) > opening, "the test must ask for more than there is"
    on_hand, _ = _on_hand(world, "D-AAA", "HTH", "H1")
    assert on_hand == opening - issued >= 0
    with world.sessions() as session:
        assert check_ledger(session) == []


def test_the_same_key_sent_by_sixteen_workers_at_once_posts_once(world: Database) -> None:
    cmd = Receipt(depot="D-AAA", item="BOOM", quantity=5)
    results = _together(
        WORKERS, lambda i: post_movement(world.uow(), cmd, key="same-key-1", actor="t", now=NOW)
    )
    assert sum(1 for _, replayed in results if not replayed) == 1
    assert len({tuple(r["movement_ids"]) for r, _ in results}) == 1
    assert _on_hand(world, "D-AAA", "BOOM") == (5, 0)


def test_crossing_transfers_and_reservations_do_not_deadlock(world: Database) -> None:
    for depot in ("D-AAA", "D-BBB"):
        post_movement(
            world.uow(),
            Receipt(depot=depot, item="BOOM", quantity=200),
            key=f"open-{depot}",
            actor="t",
            now=NOW,
        )

    def job(i: int) -> None:
        src, dst = ("D-AAA", "D-BBB") if i % 2 else ("D-BBB", "D-AAA")
        for n in range(4):
            post_movement(
                world.uow(),
                TransferOut(from_depot=src, to_depot=dst, item="BOOM", quantity=1),
                key=f"x{i}-{n}",
                actor="t",
                now=NOW,
            )
            with world.sessions.begin() as session:
                Ledger(session, now=NOW).reserve(
                    [ReserveLine(dst, "BOOM", 1), ReserveLine(src, "BOOM", 1)], f"plan-{i}-{n}"
                )

    _together(WORKERS, job)
    a, ra = _on_hand(world, "D-AAA", "BOOM")
    b, rb = _on_hand(world, "D-BBB", "BOOM")
    assert a + b == 400 - WORKERS * 4
    assert ra == rb == WORKERS * 4
    with world.sessions() as session:
        assert check_ledger(session) == []


def test_sixteen_concurrent_reversals_of_one_movement_post_exactly_one(world: Database) -> None:
    first, _ = post_movement(
        world.uow(),
        Receipt(depot="D-AAA", item="BOOM", quantity=16),
        key="receipt-rev-1",
        actor="t",
        now=NOW,
    )
    movement_id = first["movement_ids"][0]

    def job(i: int) -> bool:
        try:
            with world.sessions.begin() as session:
                Ledger(session, now=NOW).reverse(movement_id, reason="duplicate")
        except (ConflictError, IntegrityError):
            return False
        return True

    assert sum(_together(WORKERS, job)) == 1
    assert _on_hand(world, "D-AAA", "BOOM") == (0, 0)
    with world.sessions() as session:
        assert check_ledger(session) == []


def test_concurrent_first_receipts_of_an_untracked_item_share_one_bulk_lot(
    world: Database,
) -> None:
    _together(
        WORKERS,
        lambda i: post_movement(
            world.uow(),
            Receipt(depot="D-AAA", item="BOOM", quantity=1),
            key=f"first-{i}",
            actor="t",
            now=NOW,
        ),
    )
    with world.sessions() as session:
        bulk = session.scalars(select(Lot).where(Lot.item_code == "BOOM")).all()
        assert len(bulk) == 1
    assert _on_hand(world, "D-AAA", "BOOM") == (WORKERS, 0)
