"""Killing the real server in the middle of a request: at a delay after it was sent, or
while its database connection is running COMMIT (watched in pg_stat_activity).

A COMMIT takes a millisecond or two, too short to be caught by polling, so the test
database is told to wait before each commit's WAL flush (`commit_delay`, at most 0.1 s,
with `commit_siblings = 0` so that it applies to a lone writer): the commit then lasts
about 0.1 s, and the kill lands inside it. Only that database is changed; read-only
transactions flush nothing and are not delayed."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.services import Database
from bench.http_server import ServerProcess

#: How long each writing COMMIT on the test database waits before its flush (microseconds;
#: PostgreSQL's maximum).
COMMIT_DELAY_US = 100_000
#: The longest a watched request may run before the trial gives up waiting for its COMMIT.
WATCH_LIMIT_S = 300.0
_COMMITTING = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND state = 'active' "
    "AND query = 'COMMIT' AND pid <> pg_backend_pid()"
)


def widen_commits(db: Database) -> None:
    """Make every writing COMMIT on `db` last about COMMIT_DELAY_US (new sessions only:
    call before the server connects)."""
    name = make_url(db.url).database
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text(f'ALTER DATABASE "{name}" SET commit_delay = {COMMIT_DELAY_US}'))
        conn.execute(text(f'ALTER DATABASE "{name}" SET commit_siblings = 0'))


@dataclass(frozen=True)
class Kill:
    """When to kill: `after_s` seconds after sending, or (None) when COMMIT is seen."""

    after_s: float | None

    @property
    def label(self) -> str:
        return "at COMMIT" if self.after_s is None else f"after {self.after_s:.2f} s"


@dataclass(frozen=True)
class Killed:
    """What one kill did: how long after sending it struck, and whether the client had
    already got its answer (then the kill came too late to cut the request)."""

    kill: Kill
    at_s: float
    answered: bool


def kill_during(
    server: ServerProcess,
    db: Database,
    send: Callable[[httpx.Client], httpx.Response],
    kill: Kill,
) -> Killed:
    """Send the request on a thread, SIGKILL the server as `kill` says, and report."""
    database = make_url(db.url).database
    with server.client(timeout_s=WATCH_LIMIT_S) as client, ThreadPoolExecutor(1) as pool:
        began = time.perf_counter()
        sent: Future[httpx.Response] = pool.submit(send, client)
        if kill.after_s is None:
            _wait_for_commit(db, database, sent, began)
        else:
            _wait(sent, kill.after_s)
        at = time.perf_counter() - began
        server.kill()
        try:
            sent.result()
            answered = True
        except httpx.TransportError:
            answered = False
    return Killed(kill, at, answered)


def _wait(sent: Future[httpx.Response], seconds: float) -> None:
    with suppress(TimeoutError):
        sent.exception(timeout=seconds)


def _wait_for_commit(
    db: Database, database: str | None, sent: Future[httpx.Response], began: float
) -> None:
    """Poll until the server's connection runs COMMIT (or the request is over)."""
    with db.engine.connect() as conn:
        while not sent.done() and time.perf_counter() - began < WATCH_LIMIT_S:
            if conn.execute(_COMMITTING, {"db": database}).scalar_one():
                return
            conn.rollback()
            time.sleep(0.002)
