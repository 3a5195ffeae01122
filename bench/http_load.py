"""Many HTTP clients posting issues, transfers and receipts on the same lots for a fixed
time, with Idempotency-Keys, deliberate retries and twin sends; then the books are
checked against every answer. Shared by `bench/api.py` and the load test.

Every request is remembered with its key and every answer, so the check can say, key by
key, that an accepted request posted exactly the movements its answer names (none lost,
none twice) and that a refused one posted nothing."""

from __future__ import annotations

import random
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select

from api.services import Database
from inventory.checks import check_ledger
from inventory.models import Balance, Movement

from .http_server import ServerProcess

#: Sends of one request before it is given up as unanswered (connection errors only).
MAX_SENDS = 5


@dataclass(frozen=True)
class Lane:
    """One untracked item at the depots that hold it: every client works on its one bulk
    lot, so the same balance rows are hot for all of them."""

    item: str
    depots: tuple[str, ...]


@dataclass(frozen=True)
class LoadParams:
    clients: int = 16
    seconds: float = 10.0
    seed: int = 11
    #: share of answered requests sent again with the same key and body
    retry_share: float = 0.1
    #: share of requests sent twice at once (same key and body) on two connections
    twin_share: float = 0.05
    #: units each lane's depots keep when the load starts, so stock runs short under load
    start_stock: int = 6


@dataclass
class Request:
    """One logical request (one key) and every answer it got."""

    key: str
    body: dict[str, Any]
    answers: list[tuple[int, dict[str, Any] | None]] = field(default_factory=list)
    unanswered_sends: int = 0

    def accepted(self) -> list[dict[str, Any]]:
        return [a for s, a in self.answers if 200 <= s < 300 and a is not None]


@dataclass
class LoadResult:
    requests: list[Request]
    #: (seconds, status) of every send in the timed phase; status 0 is a transport error
    sends: list[tuple[float, int]]
    elapsed_s: float

    def statuses(self) -> Counter[int]:
        return Counter(s for _, s in self.sends)

    def per_second(self) -> float:
        answered = sum(1 for _, s in self.sends if s)
        return answered / self.elapsed_s if self.elapsed_s else 0.0

    def latency_ms(self) -> tuple[float, float]:
        """(p50, p99) of answered sends."""
        samples = sorted(t * 1000 for t, s in self.sends if s)
        if len(samples) < 2:
            return (samples[0], samples[0]) if samples else (0.0, 0.0)
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
        return statistics.median(samples), cuts[98]

    def server_errors(self) -> list[tuple[str, int]]:
        return [(r.key, s) for r in self.requests for s, _ in r.answers if s >= 500]


@dataclass
class BooksReport:
    """What the database says after the load, against every answer the clients got."""

    accepted: int
    postings: int
    lost: list[str]
    duplicated: list[str]
    inconsistent: list[str]
    negative_balances: int
    ledger_problems: list[str]
    unanswered: int

    def problems(self) -> list[str]:
        out = [f"lost: {k}" for k in self.lost] + [f"posted twice: {k}" for k in self.duplicated]
        out += [f"answers disagree: {k}" for k in self.inconsistent]
        if self.negative_balances:
            out.append(f"{self.negative_balances} negative balance(s)")
        return out + self.ledger_problems


def choose_lanes(client: httpx.Client, *, items: int = 2, depots: int = 3) -> list[Lane]:
    """The untracked items held (usable) at the most depots, and those depots."""
    untracked = sorted(i["code"] for i in _ok(client.get("/items")) if i["tracking"] == "none")
    holders: dict[str, list[str]] = {}
    for item in untracked:
        rows = _ok(client.get("/stock", params={"item": item, "limit": 1000}))["items"]
        holders[item] = sorted(r["depot"] for r in rows if r["available"] > 0)
    ranked = sorted(untracked, key=lambda i: (-len(holders[i]), i))
    lanes = [Lane(i, tuple(holders[i][:depots])) for i in ranked[:items]]
    if not lanes or any(len(lane.depots) < 2 for lane in lanes):
        raise RuntimeError("the dataset has no untracked item held at two depots")
    return lanes


def _ok(response: httpx.Response) -> Any:
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response.json()


class _Client:
    """One simulated client: its own connection (and a second for twin sends), its own
    random stream and the transfers it shipped and may receive."""

    def __init__(self, server: ServerProcess, lanes: list[Lane], params: LoadParams, n: int):
        self.lanes, self.params, self.run = lanes, params, uuid.uuid4().hex[:8]
        self.rng = random.Random(params.seed * 1000 + n)
        self.prefix = f"load-{self.run}-{n}-"
        self.requests: list[Request] = []
        self.sends: list[tuple[float, int]] = []
        self.pending: list[int] = []
        self.timed = False
        self._stack = ExitStack()
        self.http = self._stack.enter_context(server.client())
        self.twin = self._stack.enter_context(server.client())
        self.pool = self._stack.enter_context(ThreadPoolExecutor(1))

    def close(self) -> None:
        self._stack.close()

    def body(self) -> dict[str, Any]:
        """The next request: receipts keep stock coming, issues and transfers use it up."""
        lane = self.rng.choice(self.lanes)
        depot, other = self.rng.sample(lane.depots, 2)
        roll = self.rng.random()
        if self.pending and roll < 0.15:
            return {"type": "transfer_receive", "transfer_id": self.pending.pop(0)}
        if roll < 0.3:
            qty = self.rng.randint(3, 8)
            return {"type": "receipt", "depot": depot, "item": lane.item, "quantity": qty}
        if roll < 0.65:
            qty = self.rng.randint(1, 3)
            return {"type": "issue", "depot": depot, "item": lane.item, "quantity": qty}
        qty = self.rng.randint(1, 3)
        return {
            "type": "transfer",
            "from_depot": depot,
            "to_depot": other,
            "item": lane.item,
            "quantity": qty,
        }

    def send(self, req: Request, http: httpx.Client) -> None:
        """Send until answered (a dropped connection is sent again with the same key)."""
        for _ in range(MAX_SENDS):
            began = time.perf_counter()
            headers = {"Idempotency-Key": req.key}
            try:
                resp = http.post("/movements", json=req.body, headers=headers)
            except httpx.TransportError:
                self._note(began, 0)
                req.unanswered_sends += 1
                continue
            self._note(began, resp.status_code)
            answer = resp.json() if resp.headers.get("content-type", "").endswith("json") else None
            req.answers.append((resp.status_code, answer))
            return

    def _note(self, began: float, status: int) -> None:
        if self.timed:
            self.sends.append((time.perf_counter() - began, status))

    def step(self) -> None:
        req = Request(f"{self.prefix}{len(self.requests)}", self.body())
        self.requests.append(req)
        if self.rng.random() < self.params.twin_share:
            twin = self.pool.submit(self.send, req, self.twin)
            self.send(req, self.http)
            twin.result()
        else:
            self.send(req, self.http)
        if req.answers and self.rng.random() < self.params.retry_share:
            self.send(req, self.http)
        for answer in req.accepted():
            if req.body["type"] == "transfer" and answer.get("transfer_id"):
                self.pending.append(int(answer["transfer_id"]))
                break


def _drain(client: _Client, lanes: list[Lane], keep: int) -> None:
    """Issue each lane's stock down to `keep`, so the load runs close to empty shelves."""
    for lane in lanes:
        for depot in lane.depots:
            page = _ok(client.http.get("/stock", params={"depot": depot, "item": lane.item}))
            extra = sum(r["available"] for r in page["items"]) - keep
            if extra > 0:
                body = {"type": "issue", "depot": depot, "item": lane.item, "quantity": extra}
                req = Request(
                    f"{client.prefix}drain-{lane.item}-{depot}", body | {"reason": "load-drain"}
                )
                client.requests.append(req)
                client.send(req, client.http)


def run_load(
    server: ServerProcess, lanes: list[Lane], params: LoadParams, *, drain: bool = True
) -> LoadResult:
    """`params.clients` threads post for `params.seconds` seconds, then stop together.
    With `drain`, each lane's stock is first issued down to `params.start_stock`."""
    clients = [_Client(server, lanes, params, n) for n in range(params.clients)]
    try:
        if drain:
            _drain(clients[0], lanes, params.start_stock)
        barrier = threading.Barrier(params.clients + 1)
        stop = threading.Event()

        def work(client: _Client) -> None:
            client.timed = True
            barrier.wait()
            while not stop.is_set():
                client.step()

        threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
        for t in threads:
            t.start()
        barrier.wait()
        began = time.perf_counter()
        stop.wait(params.seconds)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
    finally:
        for c in clients:
            c.close()
    return LoadResult(
        [r for c in clients for r in c.requests], [s for c in clients for s in c.sends], elapsed
    )


def _movements_by_key(db: Database, keys: list[str]) -> Iterator[tuple[str | None, int]]:
    with db.readers() as session:
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            rows = session.execute(
                select(Movement.idempotency_key, Movement.id).where(
                    Movement.idempotency_key.in_(chunk)
                )
            )
            yield from ((key, movement_id) for key, movement_id in rows)


def check_books(db: Database, result: LoadResult) -> BooksReport:
    """Key by key: the movements in the ledger are exactly those the accepted answer named;
    a key never accepted posted nothing; every answer to one key names the same postings.
    Then no balance is negative and `check_ledger` holds."""
    found: dict[str, set[int]] = defaultdict(set)
    for key, movement_id in _movements_by_key(db, [r.key for r in result.requests]):
        found[str(key)].add(movement_id)
    lost: list[str] = []
    twice: list[str] = []
    inconsistent: list[str] = []
    accepted = unanswered = 0
    for req in result.requests:
        answers = {tuple(a.get("movement_ids", ())) for a in req.accepted()}
        if len(answers) > 1:
            inconsistent.append(req.key)
        if not req.answers:
            unanswered += 1
            continue  # never answered: the books may hold it or not, both are honest
        expected = set(next(iter(answers), ()))
        accepted += bool(answers)
        if expected - found[req.key]:
            lost.append(req.key)
        if found[req.key] - expected:
            twice.append(req.key)
    with db.readers() as session:
        negative = session.scalar(
            select(func.count())
            .select_from(Balance)
            .where(Balance.on_hand < 0, Balance.allow_negative.is_(False))
        )
        ledger = check_ledger(session)
    return BooksReport(
        accepted=accepted,
        postings=sum(len(ids) for ids in found.values()),
        lost=lost,
        duplicated=twice,
        inconsistent=inconsistent,
        negative_balances=int(negative or 0),
        ledger_problems=ledger,
        unanswered=unanswered,
    )
