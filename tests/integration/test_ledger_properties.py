"""Property-based test of the ledger (TigerBeetle-style): random sequences of receipts,
issues, transfers, counts, write-offs, reservations and retries, each checked against
a plain Python model, with every invariant re-checked after each step."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from api.services import Database, post_movement
from inventory.checks import check_ledger
from inventory.commands import Count, Issue, Receipt, ReserveLine, TransferOut, TransferReceive
from inventory.db import make_engine
from inventory.errors import IdempotencyConflictError, InsufficientStockError
from inventory.ledger import Ledger, depot_location_code
from tests.ledger_world import NOW, TODAY, build_world

DEPOTS = ["D-AAA", "D-BBB"]
#: (item, lot) pairs the machine plays with; BOOM is untracked, HTH lot-tracked (D-AAA only).
STOCK_KEYS = [("BOOM", None), ("HTH", "H1"), ("HTH", "H2")]
EXPIRY = {"H1": TODAY + dt.timedelta(days=30), "H2": TODAY + dt.timedelta(days=400)}


def _allowed(depot: str, item: str) -> bool:
    return item == "BOOM" or depot == "D-AAA"


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{Path(self._tmp.name) / 'p.db'}"
        engine = make_engine(url)
        build_world(engine)
        engine.dispose()
        self.db = Database(url)
        self.on_hand: dict[tuple[str, str, str | None], int] = defaultdict(int)
        self.reserved: dict[tuple[str, str, str | None], int] = defaultdict(int)
        self.pending: dict[int, tuple[tuple[str, str, str | None], int]] = {}
        self.transfers: dict[int, tuple[tuple[str, str, str | None], int]] = {}
        self.sent: dict[str, tuple[Any, dict[str, Any]]] = {}
        self.n = 0

    def teardown(self) -> None:
        self.db.dispose()
        self._tmp.cleanup()

    def _key(self) -> str:
        self.n += 1
        return f"prop-{self.n:06d}"

    def _available(self, key: tuple[str, str, str | None]) -> int:
        return self.on_hand[key] - self.reserved[key]

    def _post(self, cmd: Any) -> dict[str, Any] | None:
        key = self._key()
        try:
            result, replayed = post_movement(self.db.uow(), cmd, key=key, actor="prop", now=NOW)
        except InsufficientStockError:
            return None
        assert not replayed
        self.sent[key] = (cmd, result)
        return result

    @rule(depot=st.sampled_from(DEPOTS), stock=st.sampled_from(STOCK_KEYS), qty=st.integers(1, 50))
    def receive(self, depot: str, stock: tuple[str, str | None], qty: int) -> None:
        item, lot = stock
        if not _allowed(depot, item):
            return
        self._post(
            Receipt(
                depot=depot, item=item, quantity=qty, lot_no=lot, expiry_date=EXPIRY.get(lot or "")
            )
        )
        self.on_hand[(depot, item, lot)] += qty

    @rule(depot=st.sampled_from(DEPOTS), stock=st.sampled_from(STOCK_KEYS), qty=st.integers(1, 60))
    def issue(self, depot: str, stock: tuple[str, str | None], qty: int) -> None:
        item, lot = stock
        if not _allowed(depot, item) or (item != "BOOM" and self.on_hand[(depot, item, lot)] == 0):
            return
        key = (depot, item, lot)
        result = self._post(Issue(depot=depot, item=item, quantity=qty, lot_no=lot))
        assert (result is not None) == (qty <= self._available(key))
        if result is not None:
            self.on_hand[key] -= qty

    @rule(qty=st.integers(1, 40), receive_now=st.booleans())
    def transfer(self, qty: int, receive_now: bool) -> None:
        key = ("D-AAA", "BOOM", None)
        result = self._post(
            TransferOut(from_depot="D-AAA", to_depot="D-BBB", item="BOOM", quantity=qty)
        )
        assert (result is not None) == (qty <= self._available(key))
        if result is None:
            return
        self.on_hand[key] -= qty
        self.transfers[result["transfer_id"]] = (("D-BBB", "BOOM", None), qty)
        if receive_now:
            self.receive_transfer()

    @precondition(lambda self: bool(self.transfers))
    @rule()
    def receive_transfer(self) -> None:
        transfer_id, (key, qty) = self.transfers.popitem()
        assert self._post(TransferReceive(transfer_id=transfer_id)) is not None
        self.on_hand[key] += qty

    @rule(depot=st.sampled_from(DEPOTS), counted=st.integers(0, 80))
    def count(self, depot: str, counted: int) -> None:
        key = (depot, "BOOM", None)
        try:
            self._post(Count(depot=depot, item="BOOM", counted_quantity=counted))
        except Exception as exc:  # a count below what is reserved is refused
            assert counted < self.reserved[key], exc
            return
        self.on_hand[key] = counted

    @rule(depot=st.sampled_from(DEPOTS), qty=st.integers(1, 30))
    def reserve(self, depot: str, qty: int) -> None:
        key = (depot, "BOOM", None)
        try:
            with self.db.sessions.begin() as session:
                held = Ledger(session, now=NOW).reserve([ReserveLine(depot, "BOOM", qty)], "p")
                rid = held[0].id
        except InsufficientStockError:
            assert qty > self._available(key)
            return
        assert qty <= self._available(key)
        self.reserved[key] += qty
        self.pending[rid] = (key, qty)

    @precondition(lambda self: bool(self.pending))
    @rule(post=st.booleans())
    def settle(self, post: bool) -> None:
        rid, (key, qty) = self.pending.popitem()
        with self.db.sessions.begin() as session:
            ledger = Ledger(session, now=NOW)
            if post:
                ledger.post_reservation(rid, to_location="INCIDENT")
            else:
                ledger.void_reservation(rid)
        self.reserved[key] -= qty
        if post:
            self.on_hand[key] -= qty

    @precondition(lambda self: bool(self.sent))
    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.sent)))
        cmd, first = self.sent[key]
        again, replayed = post_movement(self.db.uow(), cmd, key=key, actor="prop", now=NOW)
        assert replayed and again == first
        other = Receipt(depot="D-BBB", item="BOOM", quantity=999)
        with pytest.raises(IdempotencyConflictError):
            post_movement(self.db.uow(), other, key=key, actor="prop", now=NOW)

    @invariant()
    def books_agree_with_the_model(self) -> None:
        with self.db.sessions() as session:
            assert check_ledger(session) == []
            ledger = Ledger(session, now=NOW)
            for (depot, item, lot), qty in list(self.on_hand.items()):
                loc = ledger.location(depot_location_code(depot))
                lot_row = (
                    ledger.existing_lot(ledger.item(item), lot) if qty or lot is None else None
                )
                if lot_row is None:
                    continue
                on_hand, reserved = ledger.balance(loc.id, lot_row.id)
                assert on_hand == qty >= 0
                assert reserved == self.reserved[(depot, item, lot)]


LedgerMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_random_workloads_keep_every_ledger_invariant = LedgerMachine.TestCase
