"""Retries that keep their word: one wrapper runs every idempotent use case.

    claim the key -> run the use case (it stores its answer in its own write)
                  -> or store its 4xx refusal -> or, on a 5xx / any other failure, free the key

A retry with the same key and body gets the first answer back, refusals included (same
status, same problem), even if the books changed since. A twin that arrives while the
first request still runs waits up to `WAIT_S` for its answer, then gets a 409 "Request in
progress" with `Retry-After`. A claim lives for its lease (`LEASE`, longer for a plan's
solves): after that a retry may take it over, so a process killed mid-request never blocks
its key for good. Request-validation 422s (bad JSON, a missing header) are answered by
FastAPI before any use case runs and never claim the key."""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from inventory.errors import ClaimLostError, IdempotencyRaceError
from inventory.idempotency import NO_KEY, Busy, Claim, FirstAnswer
from inventory.ledger import utcnow
from inventory.uow import UnitOfWork

from .problems import ReplayedRefusal, refusal_of

log = logging.getLogger(__name__)

#: How long a claim holds its key before a retry may take it over (its request died).
LEASE = dt.timedelta(seconds=60)
#: How long a request waits for its twin's answer before it is told to come back.
WAIT_S = 5.0
#: How often a waiting twin looks again.
POLL_S = 0.05

Answer = dict[str, Any]


def start_once(
    uow: UnitOfWork,
    key: str | None,
    operation: str,
    payload: dict[str, Any],
    store: Callable[[Claim], Answer],
    submit: Callable[[int, dict[str, Any]], None],
    data_dir: str,
) -> tuple[Answer, bool]:
    """A run and its job stored once per key (`store` answers `job_id` and `run_id`), then
    the job handed to a worker; a replay gets the same run back and starts nothing."""
    answer, replayed = run_once(uow, key, operation, payload, store)
    if not replayed:
        submit(answer["job_id"], {"run_id": answer["run_id"], "data_dir": data_dir})
    return answer, replayed


def run_once(
    uow: UnitOfWork,
    key: str | None,
    operation: str,
    payload: dict[str, Any],
    use_case: Callable[[Claim], Answer],
    *,
    lease: dt.timedelta = LEASE,
    keep_refusals: bool = True,
    in_write: bool = False,
) -> tuple[Answer, bool]:
    """Run `use_case` once per key and body; returns (answer, replayed). The use case
    stores its answer with `uow.answer(claim, answer)` before it commits. A refused
    first request is replayed by raising `ReplayedRefusal`; `keep_refusals=False` frees
    the key on a refusal instead (the CLI's content-hash keys). `in_write=True` is for a
    use case whose first act is its one write (`with uow:`): on SQLite the key is then
    claimed inside that write (`inventory.uow`)."""
    if key is None:
        return use_case(NO_KEY), False
    first = _claim(uow, key, operation, payload, lease, in_write)
    if isinstance(first, FirstAnswer):
        if first.status is not None:
            raise ReplayedRefusal(first.status, first.body)
        return first.body, True
    try:
        return use_case(first), False
    except ClaimLostError:
        raise  # the key is a retry's now: leave it alone
    except BaseException as exc:
        refusal = refusal_of(exc) if keep_refusals else None
        _settle(uow, first, refusal)
        raise
    finally:
        uow.abandon()  # a write opened for the claim and never entered is rolled back


def _claim(
    uow: UnitOfWork,
    key: str,
    operation: str,
    payload: dict[str, Any],
    lease: dt.timedelta,
    in_write: bool,
) -> Claim | FirstAnswer:
    """The key, or the first answer to it; waits a while for a twin still running."""
    deadline = time.monotonic() + WAIT_S
    while True:
        got = uow.claim(key, operation, payload, lease, in_write=in_write)
        if not isinstance(got, Busy):
            return got
        if time.monotonic() >= deadline:
            raise IdempotencyRaceError(
                f"a request with idempotency key {key!r} is still in progress: retry later",
                field="Idempotency-Key",
                retry_after_s=_retry_after(got.lease_until),
            )
        time.sleep(POLL_S)


def _retry_after(lease_until: dt.datetime) -> int:
    """Seconds until the twin has likely answered: at most one wait, at least one second."""
    left = (lease_until - utcnow()).total_seconds()
    return max(1, math.ceil(min(left, WAIT_S)))


def _settle(uow: UnitOfWork, claim: Claim, refusal: tuple[int, Answer] | None) -> None:
    """Keep the refusal or free the key; a failure here must not hide the first one (the
    claim then simply runs out its lease)."""
    try:
        if refusal is None:
            uow.release(claim)
        else:
            uow.refuse(claim, *refusal)
    except Exception:
        log.exception("could not settle idempotency key %r", claim.key)
