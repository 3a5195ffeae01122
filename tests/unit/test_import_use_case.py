"""The receipts import (`api.tabular.import_receipts`) on a fake unit of work: every row
or none, every bad row named at once, a re-sent file posted once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from api.problems import ApiProblem
from api.tabular import ImportRejected, import_receipts
from inventory import commands as c
from inventory.errors import IdempotencyConflictError, NotFoundError
from inventory.models import KeyState
from tests.unit.fakes import FakeUnitOfWork, Predicate

HEADER = "depot,item,quantity,lot_no,expiry_date\n"
GOOD = HEADER + "D-AAA,BOOM,5,,\nD-AAA,HTH,2,H-1,2027-01-31\n"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def _import(
    uow: FakeUnitOfWork, text: str, key: str | None = "file-0001"
) -> tuple[dict[str, Any], bool]:
    return import_receipts(uow, text.encode(), "receipts.csv", key=key, actor="kho", max_rows=100)


def _unknown_item(item: str) -> Predicate:
    def when(operation: str, request: object) -> bool:
        return isinstance(request, c.Receipt) and request.item == item

    return when


def test_importing_a_file_posts_every_row_and_commits_once(uow: FakeUnitOfWork) -> None:
    result, replayed = _import(uow, GOOD)
    assert replayed is False
    assert result == {"rows": 2, "movement_ids": [1, 2]}
    assert uow.commits == 1
    assert [call.request for call in uow.posted] == [
        c.Receipt(depot="D-AAA", item="BOOM", quantity=5),
        c.Receipt(
            depot="D-AAA", item="HTH", quantity=2, lot_no="H-1", expiry_date=dt.date(2027, 1, 31)
        ),
    ]
    assert {call.key for call in uow.posted} == {"file-0001"}


def test_a_file_sent_again_with_the_same_key_replays_without_posting(uow: FakeUnitOfWork) -> None:
    first, _ = _import(uow, GOOD)
    again, replayed = _import(uow, GOOD)
    assert (again, replayed) == (first, True)
    assert len(uow.posted) == 2


def test_another_file_under_the_same_key_is_a_conflict(uow: FakeUnitOfWork) -> None:
    _import(uow, GOOD)
    with pytest.raises(IdempotencyConflictError):
        _import(uow, HEADER + "D-AAA,BOOM,6,,\n")
    assert len(uow.posted) == 2


def test_a_row_the_ledger_refuses_rejects_the_whole_file_naming_the_row(
    uow: FakeUnitOfWork,
) -> None:
    uow.refuse_when(NotFoundError("unknown item 'NOPE'", field="item"), when=_unknown_item("NOPE"))
    with pytest.raises(ImportRejected) as rejected:
        _import(uow, HEADER + "D-AAA,BOOM,5,,\nD-AAA,NOPE,1,,\nD-AAA,BOOM,1,,\n")
    assert rejected.value.errors == [{"row": 3, "field": "item", "message": "unknown item 'NOPE'"}]
    assert (uow.commits, uow.posted) == (0, [])
    kept = uow.keys["file-0001"]
    assert (kept.state, kept.status, kept.body["errors"]) == (
        KeyState.REFUSED,
        422,
        rejected.value.errors,
    )


def test_shape_errors_and_ledger_refusals_are_reported_together_and_nothing_is_kept(
    uow: FakeUnitOfWork,
) -> None:
    uow.refuse_when(NotFoundError("unknown item 'NOPE'", field="item"), when=_unknown_item("NOPE"))
    with pytest.raises(ImportRejected) as rejected:
        _import(uow, HEADER + "D-AAA,BOOM,-1,,\nD-AAA,NOPE,1,,\nD-AAA,HTH,1,H-2,soon\n")
    assert [(e["row"], e["field"]) for e in rejected.value.errors or []] == [
        (2, "quantity"),
        (3, "item"),
        (4, "expiry_date"),
    ]
    assert (uow.commits, uow.posted, uow.keys) == (0, [], {})


def test_an_empty_file_is_refused_before_the_books_are_opened(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ApiProblem) as refused:
        _import(uow, HEADER + ",,,,\n")
    assert (refused.value.status, refused.value.field) == (422, "file")
    assert uow.opened == 0
