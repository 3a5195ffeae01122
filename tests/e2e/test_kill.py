"""The kill test: the real server process on PostgreSQL is SIGKILLed while a dispatch plan
confirm, and separately a large receipts import, is being committed; a new process is
started on the same database; all of the request is in the books or none of it, and
`check_ledger` holds.

Each scenario first kills while the server's connection runs COMMIT (the database is
told to make each commit last about 0.1 s, see kill_support; this trial also measures
how long the request takes up to its commit), then at fractions of that time, so the
kills fall in the middle of the work as well as in its commit. A kill that lands
after the answer was sent proves nothing about atomicity but is still checked."""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.services import Database
from bench.http_server import ServerProcess, start_chemdepot
from inventory.checks import check_ledger
from inventory.models import (
    DispatchPlanRecord,
    IdempotencyRecord,
    KeyState,
    Movement,
    PlanPickRecord,
    Reservation,
    ReservationStatus,
)
from tests.api.test_dispatch_routes import chlorine_release
from tests.e2e.kill_support import Kill, Killed, kill_during, widen_commits

pytestmark = pytest.mark.postgres

#: Kills after the first (at COMMIT), as fractions of the time the request took to commit.
FRACTIONS = (0.3, 0.7)
#: Rows of the import: enough that posting them takes seconds (the issue's probe used
#: 3,000); fewer, because the import runs two times and a half per test and each row costs
#: about 10-50 ms on a two-core machine, depending on what else runs on it.
IMPORT_ROWS = 1000


@pytest.fixture
def server(seeded_pg: Database) -> Iterator[ServerProcess]:
    """`chemdepot serve` on a fresh seeded database whose commits last about 0.1 s; the
    process is stopped at the end whichever one (after restarts) is running."""
    widen_commits(seeded_pg)
    process = start_chemdepot(seeded_pg.url)
    try:
        yield process
    finally:
        process.stop()


def _trials(
    server: ServerProcess,
    db: Database,
    send: Callable[[httpx.Client], httpx.Response],
    prepare: Callable[[ServerProcess], None],
    verdict: Callable[[], str],
) -> list[tuple[Killed, str]]:
    """Kill at COMMIT, then at each fraction of the time that took; after each kill start
    a new process, and record the verdict ("all" or "none", asserted inside) with the
    books checked."""
    seen: list[tuple[Killed, str]] = []
    kills = [Kill(None)]
    while kills:
        prepare(server)
        killed = kill_during(server, db, send, kills.pop(0))
        server.restart()
        outcome = verdict()
        with db.readers() as session:
            assert check_ledger(session) == [], f"{killed.kill.label}: books broken"
        seen.append((killed, outcome))
        print(
            f"  kill {killed.kill.label}: at {killed.at_s:.2f} s, "
            f"answered={killed.answered}, {outcome}; restart {server.started_s:.1f} s"
        )
        if killed.kill.after_s is None:
            kills = [Kill(killed.at_s * f) for f in FRACTIONS]
    return seen


# ------------------------------------------------------------------ confirm
def _plan_state(db: Database, plan_id: int) -> tuple[str, int, int, int]:
    """(status, picks, picks holding a reservation, pending reservations of the plan)."""
    with db.readers() as session:
        status = session.get_one(DispatchPlanRecord, plan_id).status.value
        picks = session.scalars(select(PlanPickRecord).where(PlanPickRecord.plan_id == plan_id))
        holding = [p.reservation_id is not None for p in picks]
        held = session.scalar(
            select(func.count())
            .select_from(Reservation)
            .where(
                Reservation.reference == f"plan:{plan_id}",
                Reservation.status == ReservationStatus.PENDING,
            )
        )
    return status, len(holding), sum(holding), int(held or 0)


def test_a_confirm_killed_while_it_commits_is_either_whole_or_absent(
    server: ServerProcess, seeded_pg: Database
) -> None:
    began = time.perf_counter()
    with server.client() as client:
        incident = int(chlorine_release(client)["id"])
    plan: dict[str, int] = {}

    def prepare(srv: ServerProcess) -> None:
        """A draft to confirm: the last one if the kill left it a draft, else a new one."""
        if plan and _plan_state(seeded_pg, plan["id"])[0] == "draft":
            return
        with srv.client() as client:
            if plan:
                assert client.post(f"/dispatch-plans/{plan['id']}/cancel").status_code == 200
            resp = client.post(f"/incidents/{incident}/dispatch-plans", json={"time_limit_s": 1})
            assert resp.status_code == 201, resp.text
            plan["id"] = int(resp.json()["id"])

    def verdict() -> str:
        status, picks, holding, held = _plan_state(seeded_pg, plan["id"])
        assert picks > 0
        if status == "confirmed":
            assert holding == held == picks, (holding, held, picks)
            return "all"
        assert status == "draft" and holding == held == 0, (status, holding, held)
        return "none"

    def confirm(client: httpx.Client) -> httpx.Response:
        return client.post(f"/dispatch-plans/{plan['id']}/confirm")

    seen = _trials(server, seeded_pg, confirm, prepare, verdict)

    with server.client() as client:
        after = client.get(f"/dispatch-plans/{plan['id']}").json()["status"]
    assert after == _plan_state(seeded_pg, plan["id"])[0]
    assert len(seen) == 1 + len(FRACTIONS)
    assert any(not killed.answered for killed, _ in seen), "no kill cut a request short"
    print(f"confirm kill test took {time.perf_counter() - began:.1f} s")


# ------------------------------------------------------------------- import
def _receipt_rows(client: httpx.Client, rows: int) -> list[tuple[str, str, int]]:
    """(depot, item, quantity) rows of untracked items at depots that store them."""
    depots = client.get("/depots").json()
    items = [i for i in client.get("/items").json() if i["tracking"] == "none"]
    pairs = [
        (d["code"], i["code"])
        for d in depots
        for i in items
        if i["storage_class"] in d["storage_classes"]
    ]
    return [(*pairs[n % len(pairs)], 1 + n % 5) for n in range(rows)]


def _csv(rows: list[tuple[str, str, int]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["depot", "item", "quantity", "reference"])
    writer.writerows((*row, "kill-test import") for row in rows)
    return buf.getvalue().encode()


def _posted_under(db: Database, key: str) -> tuple[int, int, bool]:
    """(movements, units) posted under `key`, and whether its answer is stored."""
    with db.readers() as session:
        count, units = session.execute(
            select(func.count(), func.coalesce(func.sum(Movement.quantity), 0)).where(
                Movement.idempotency_key == key
            )
        ).one()
        record = session.get(IdempotencyRecord, key)
        # a claim is written before the import runs; only an answer commits with its rows
        stored = record is not None and record.state == KeyState.ANSWERED
    return int(count), int(units), stored


def test_an_import_killed_while_it_commits_is_either_whole_or_absent(
    server: ServerProcess, seeded_pg: Database
) -> None:
    began = time.perf_counter()
    with server.client() as client:
        rows = _receipt_rows(client, IMPORT_ROWS)
    content = _csv(rows)
    upload: dict[str, Any] = {}

    def prepare(_: ServerProcess) -> None:
        upload["key"] = f"kill-import-{uuid.uuid4().hex}"

    def send(client: httpx.Client) -> httpx.Response:
        files = {"file": ("receipts.csv", content, "text/csv")}
        return client.post(
            "/movements/import", files=files, headers={"Idempotency-Key": upload["key"]}
        )

    def verdict() -> str:
        count, units, stored = _posted_under(seeded_pg, upload["key"])
        if stored:
            assert (count, units) == (len(rows), sum(q for *_, q in rows)), (count, units)
            return "all"
        assert (count, units) == (0, 0), (count, units)
        return "none"

    seen = _trials(server, seeded_pg, send, prepare, verdict)

    assert len(seen) == 1 + len(FRACTIONS)
    assert any(not killed.answered for killed, _ in seen), "no kill cut a request short"
    print(f"import kill test took {time.perf_counter() - began:.1f} s")
