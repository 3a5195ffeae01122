"""The stock use cases (`api.services`) on a fake unit of work: what they post, when
they commit, and how an idempotency key is honoured. The ledger's own rules are tested
against real databases in tests/integration."""

from __future__ import annotations

import datetime as dt

import pytest

from api.problems import ReplayedRefusal
from api.services import change_condition, post_movement
from inventory import commands as c
from inventory.errors import ConflictError, IdempotencyConflictError, InsufficientStockError
from inventory.models import Condition, KeyState
from tests.unit.fakes import FakeUnitOfWork

NOW = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)
ISSUE = c.Issue(depot="D-AAA", item="BOOM", quantity=3)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def test_posting_a_movement_commits_once_and_returns_the_ledger_lines(
    uow: FakeUnitOfWork,
) -> None:
    result, replayed = post_movement(uow, ISSUE, key="key-0001", actor="kho", now=NOW)
    assert replayed is False
    assert uow.commits == 1
    assert result == {"movement_ids": [1], "lines": [{"movement_id": 1, "kind": "issue"}]}
    [call] = uow.posted
    assert (call.operation, call.request, call.key, call.actor, call.now) == (
        "issue",
        ISSUE,
        "key-0001",
        "kho",
        NOW,
    )


@pytest.mark.parametrize(
    ("command", "operation"),
    [
        (c.Receipt(depot="D-AAA", item="BOOM", quantity=5), "receive"),
        (ISSUE, "issue"),
        (
            c.TransferOut(from_depot="D-AAA", to_depot="D-BBB", item="BOOM", quantity=1),
            "transfer_out",
        ),
        (c.TransferReceive(transfer_id=7), "transfer_receive"),
        (c.Count(depot="D-AAA", item="BOOM", counted_quantity=4), "count"),
        (c.WriteOff(depot="D-AAA", item="BOOM", quantity=1, reason="damaged"), "write_off"),
        (("reversal", 12, "typed twice"), "reverse"),
    ],
)
def test_each_request_goes_to_its_ledger_operation(
    uow: FakeUnitOfWork, command: c.Command | tuple[str, int, str], operation: str
) -> None:
    post_movement(uow, command, key=None, actor="kho")
    assert [call.operation for call in uow.posted] == [operation]


def test_a_reversal_names_the_movement_and_the_reason(uow: FakeUnitOfWork) -> None:
    post_movement(uow, ("reversal", 12, "typed twice"), key="key-0002", actor="kho")
    assert uow.posted[0].request == (12, "typed twice")


def test_a_retry_with_the_same_key_replays_the_first_answer_without_posting(
    uow: FakeUnitOfWork,
) -> None:
    first, _ = post_movement(uow, ISSUE, key="key-0003", actor="kho")
    again, replayed = post_movement(uow, ISSUE, key="key-0003", actor="kho")
    assert replayed is True
    assert again == first
    assert len(uow.posted) == 1
    assert uow.commits == 1


def test_a_retry_with_a_changed_payload_is_a_conflict_that_posts_nothing(
    uow: FakeUnitOfWork,
) -> None:
    post_movement(uow, ISSUE, key="key-0004", actor="kho")
    with pytest.raises(IdempotencyConflictError) as refused:
        post_movement(
            uow, c.Issue(depot="D-AAA", item="BOOM", quantity=4), key="key-0004", actor="kho"
        )
    assert refused.value.field == "Idempotency-Key"
    assert len(uow.posted) == 1


def test_requests_without_a_key_are_posted_every_time(uow: FakeUnitOfWork) -> None:
    post_movement(uow, ISSUE, key=None, actor="kho")
    post_movement(uow, ISSUE, key=None, actor="kho")
    assert len(uow.posted) == 2
    assert uow.commits == 2


def test_a_failed_posting_commits_nothing(uow: FakeUnitOfWork) -> None:
    uow.refuse_when(InsufficientStockError("D-AAA holds 2 available", field="quantity"))
    with pytest.raises(InsufficientStockError):
        post_movement(uow, ISSUE, key="key-0005", actor="kho")
    assert uow.commits == 0
    assert uow.posted == []
    assert uow.keys["key-0005"].state == KeyState.REFUSED


def test_a_refused_request_keeps_its_refusal_for_a_retry_and_its_key_for_its_body(
    uow: FakeUnitOfWork,
) -> None:
    uow.refuse_when(
        InsufficientStockError("short", field="quantity"), when=lambda op, _: op == "issue"
    )
    with pytest.raises(InsufficientStockError):
        post_movement(uow, ISSUE, key="key-0006", actor="kho")
    uow.refuse_when(InsufficientStockError("never asked", field="quantity"))
    with pytest.raises(ReplayedRefusal) as replayed:
        post_movement(uow, ISSUE, key="key-0006", actor="kho")
    assert (replayed.value.status, replayed.value.body["detail"]) == (409, "short")
    receipt = c.Receipt(depot="D-AAA", item="BOOM", quantity=3)
    with pytest.raises(IdempotencyConflictError):
        post_movement(uow, receipt, key="key-0006", actor="kho")
    assert uow.posted == []


def test_changing_a_lot_condition_commits_the_change_with_who_and_why(
    uow: FakeUnitOfWork,
) -> None:
    result, replayed = change_condition(
        uow, "HTH", "L-7", Condition.QUARANTINED, reason="seal broken", key="key-0007", actor="qa"
    )
    assert replayed is False
    assert uow.commits == 1
    assert result["old_condition"] == "serviceable"
    assert result["condition"] == "quarantined"
    assert (result["reason"], result["actor"]) == ("seal broken", "qa")
    assert uow.posted[0].request == ("HTH", "L-7", Condition.QUARANTINED, "seal broken")


def test_a_retried_condition_change_replays_without_changing_again(uow: FakeUnitOfWork) -> None:
    args = ("HTH", "L-7", Condition.QUARANTINED)
    first, _ = change_condition(uow, *args, reason="seal broken", key="key-0008", actor="qa")
    again, replayed = change_condition(uow, *args, reason="seal broken", key="key-0008", actor="qa")
    assert (again, replayed) == (first, True)
    assert len(uow.posted) == 1


def test_a_refused_condition_change_commits_nothing(uow: FakeUnitOfWork) -> None:
    uow.refuse_when(ConflictError("reserved for a confirmed plan", field="condition"))
    with pytest.raises(ConflictError):
        change_condition(
            uow, "HTH", "L-7", Condition.UNSERVICEABLE, reason="dent", key="key-0009", actor="qa"
        )
    assert (uow.commits, uow.posted) == (0, [])
    assert uow.keys["key-0009"].state == KeyState.REFUSED
