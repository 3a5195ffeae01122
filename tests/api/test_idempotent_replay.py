"""Retries that keep their word, through HTTP on SQLite and PostgreSQL: the same
Idempotency-Key and body get the first answer back, refusals included, however the books
changed since; a twin sent at once posts nothing and is never told "insufficient stock";
a server failure frees the key; a claim left by a dead process is taken over after its
lease; request validation never claims a key."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

import api.idempotency
import api.services
from api.app import create_app
from api.services import Database
from api.settings import Settings
from inventory.audit import Acting
from inventory.commands import Issue, command_payload
from inventory.idempotency import Claim
from tests.api.api_support import FAR_EXPIRY, Api, Facts, assert_problem, new_key
from tests.auth_support import TEST_ADMIN, client_as

#: Identical requests sent at once in the race tests.
TWINS = 6


@pytest.fixture
def books(seeded_db: Database) -> Iterator[tuple[Api, Database]]:
    """The API on SQLite and PostgreSQL, with its database for direct claims; a server
    error is answered (500), not raised into the test."""
    app = create_app(Settings(database_url=seeded_db.url), database=seeded_db)
    yield Api(client_as(seeded_db, app=app, raise_server_exceptions=False)), seeded_db


def _lot(facts: Facts) -> dict[str, Any]:
    return facts.lot(tracking="lot", min_on_hand=2)


def _issue_all_and_one(lot: dict[str, Any]) -> dict[str, Any]:
    """An issue of one more than the lot holds: refused for want of stock."""
    return {
        "type": "issue",
        "depot": lot["depot"],
        "item": lot["item"],
        "lot_no": lot["lot_no"],
        "quantity": lot["on_hand"] + 1,
    }


def _receive(api: Api, lot: dict[str, Any], quantity: int) -> None:
    api.posted(
        {
            "type": "receipt",
            "depot": lot["depot"],
            "item": lot["item"],
            "lot_no": lot["lot_no"],
            "expiry_date": lot["expiry_date"],
            "quantity": quantity,
        }
    )


def _postings(api: Api, lot: dict[str, Any]) -> int:
    return len(api.card(lot["depot"], lot["item"], lot["lot_no"]))


def _same_problem(first: httpx.Response, again: httpx.Response) -> None:
    assert again.status_code == first.status_code
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers


def test_a_409_is_replayed_with_the_same_key_even_after_stock_arrived_and_nothing_posts(
    any_api: Api, facts: Facts
) -> None:
    lot, key = _lot(facts), new_key()
    body = _issue_all_and_one(lot)
    first = any_api.post_movement(body, key=key)
    assert assert_problem(first, 409, "quantity")["title"] == "Insufficient stock"
    _receive(any_api, lot, 5)  # a re-run would now succeed
    before = _postings(any_api, lot)
    for _ in range(3):
        _same_problem(first, any_api.post_movement(body, key=key))
    assert _postings(any_api, lot) == before
    assert any_api.on_hand(lot["depot"], lot["item"], lot["lot_no"]) == lot["on_hand"] + 5


def test_a_404_for_an_unknown_lot_is_replayed_after_the_lot_is_received(
    any_api: Api, facts: Facts
) -> None:
    lot, key = _lot(facts), new_key()
    unknown = {**lot, "lot_no": f"{lot['lot_no']}-NEW", "expiry_date": FAR_EXPIRY.isoformat()}
    body = {**_issue_all_and_one(unknown), "quantity": 1}
    first = any_api.post_movement(body, key=key)
    assert_problem(first, 404, "lot_no")
    _receive(any_api, unknown, 3)
    _same_problem(first, any_api.post_movement(body, key=key))
    assert any_api.on_hand(lot["depot"], lot["item"], unknown["lot_no"]) == 3


def test_a_retry_posts_once_however_many_times_it_is_sent(any_api: Api, facts: Facts) -> None:
    lot, key = _lot(facts), new_key()
    body = {**_issue_all_and_one(lot), "quantity": 1}
    answers = [any_api.post_movement(body, key=key) for _ in range(8)]
    assert [r.status_code for r in answers] == [201] * 8
    assert {tuple(r.json()["movement_ids"]) for r in answers} == {
        tuple(answers[0].json()["movement_ids"])
    }
    assert [r.json()["replayed"] for r in answers] == [False] + [True] * 7
    assert any_api.on_hand(lot["depot"], lot["item"], lot["lot_no"]) == lot["on_hand"] - 1


def test_the_same_key_with_another_body_is_a_409_naming_the_key(any_api: Api, facts: Facts) -> None:
    lot, key = _lot(facts), new_key()
    refused = any_api.post_movement(_issue_all_and_one(lot), key=key)
    assert_problem(refused, 409, "quantity")
    other = any_api.post_movement({**_issue_all_and_one(lot), "quantity": 1}, key=key)
    assert "different request" in assert_problem(other, 409, "Idempotency-Key")["detail"]
    assert any_api.on_hand(lot["depot"], lot["item"], lot["lot_no"]) == lot["on_hand"]


def test_a_request_refused_by_validation_does_not_claim_its_key(any_api: Api, facts: Facts) -> None:
    lot, key = _lot(facts), new_key()
    body = {**_issue_all_and_one(lot), "quantity": 1}
    assert_problem(any_api.post_movement({**body, "quantity": 0}, key=key), 422, "quantity")
    assert any_api.post_movement(body, key=key).status_code == 201


def _slow_postings(monkeypatch: pytest.MonkeyPatch, started: threading.Event) -> None:
    """Every posting lingers a moment, so that twins surely arrive while it runs."""
    post = api.services._dispatch

    def slow(*args: Any, **kwargs: Any) -> Any:
        started.set()
        threading.Event().wait(0.3)
        return post(*args, **kwargs)

    monkeypatch.setattr(api.services, "_dispatch", slow)


def _race(api_: Api, body: dict[str, Any], key: str) -> list[httpx.Response]:
    barrier = threading.Barrier(TWINS)

    def send(_: int) -> httpx.Response:
        barrier.wait()
        return api_.post_movement(body, key=key)

    with ThreadPoolExecutor(max_workers=TWINS) as pool:
        return list(pool.map(send, range(TWINS)))


def test_identical_requests_sent_at_once_post_once_and_never_answer_insufficient_stock(
    books: tuple[Api, Database], facts: Facts, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_, _ = books
    lot, key = _lot(facts), new_key()
    _slow_postings(monkeypatch, threading.Event())
    body = {**_issue_all_and_one(lot), "quantity": lot["on_hand"]}  # a re-run would be short
    answers = _race(api_, body, key)
    created = [r for r in answers if r.status_code == 201]
    waiting = [r for r in answers if r.status_code != 201]
    assert created, [r.text for r in answers]
    assert len({tuple(r.json()["movement_ids"]) for r in created}) == 1
    assert sum(not r.json()["replayed"] for r in created) == 1
    for r in waiting:
        assert assert_problem(r, 409, "Idempotency-Key")["title"] == "Request in progress"
        assert int(r.headers["Retry-After"]) >= 1
    assert api_.on_hand(lot["depot"], lot["item"], lot["lot_no"]) == 0


def test_a_twin_that_waits_too_long_is_told_the_request_is_in_progress_with_retry_after(
    books: tuple[Api, Database], facts: Facts, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_, lot, body, key = _claimed(books, facts, monkeypatch, dt.timedelta(minutes=1))
    busy = api_.post_movement(body, key=key)
    assert assert_problem(busy, 409, "Idempotency-Key")["title"] == "Request in progress"
    assert 1 <= int(busy.headers["Retry-After"]) <= 60
    assert api_.on_hand(lot["depot"], lot["item"], lot["lot_no"]) == lot["on_hand"]


def test_a_server_failure_frees_the_key_for_a_retry_that_posts_once(
    books: tuple[Api, Database], facts: Facts, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_, _ = books
    lot, key = _lot(facts), new_key()
    body = {**_issue_all_and_one(lot), "quantity": 1}
    post, calls = api.services._dispatch, []

    def fails_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return post(*args, **kwargs)

    monkeypatch.setattr(api.services, "_dispatch", fails_once)
    assert_problem(api_.post_movement(body, key=key), 500)
    retried = api_.post_movement(body, key=key)
    assert (retried.status_code, retried.json()["replayed"]) == (201, False)
    assert api_.post_movement(body, key=key).json()["replayed"] is True
    assert api_.on_hand(lot["depot"], lot["item"], lot["lot_no"]) == lot["on_hand"] - 1


def test_a_claim_left_by_a_dead_process_is_taken_over_after_its_lease(
    books: tuple[Api, Database], facts: Facts, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The claim's lease ends at once: its process was killed, it never answers.
    api_, lot, body, key = _claimed(books, facts, monkeypatch, dt.timedelta(0))
    taken = api_.post_movement(body, key=key)
    assert (taken.status_code, taken.json()["replayed"]) == (201, False)
    assert api_.on_hand(lot["depot"], lot["item"], lot["lot_no"]) == lot["on_hand"] - 1


def _claimed(
    books: tuple[Api, Database],
    facts: Facts,
    monkeypatch: pytest.MonkeyPatch,
    lease: dt.timedelta,
) -> tuple[Api, dict[str, Any], dict[str, Any], str]:
    """An issue of one whose key another request claimed (for `lease`) and never answered;
    a twin waits 0.2 s for it. Returns (api, lot, body, key)."""
    api_, db = books
    lot, key = _lot(facts), new_key()
    body = {**_issue_all_and_one(lot), "quantity": 1}
    fields = {k: v for k, v in body.items() if k != "type"}  # what POST /movements claims
    twin = Acting(user=TEST_ADMIN, kind="movement", method="POST", path="/movements")
    claim = db.uow(twin).claim(key, "movement", command_payload(Issue(**fields)), lease)
    assert isinstance(claim, Claim)
    monkeypatch.setattr(api.idempotency, "WAIT_S", 0.2)
    return api_, lot, body, key


def test_a_key_belongs_to_its_user_so_another_user_sending_it_with_the_same_body_is_refused(
    books: tuple[Api, Database], facts: Facts
) -> None:
    api, _ = books
    lot = _lot(facts)
    body = {
        "type": "receipt",
        "depot": lot["depot"],
        "item": lot["item"],
        "lot_no": lot["lot_no"],
        "expiry_date": lot["expiry_date"],
        "quantity": 1,
    }
    key = new_key()
    assert api.post_movement(body, key=key).status_code == 201
    postings = _postings(api, lot)

    again = api.as_user("second-admin", "admin").post_movement(body, key=key)

    assert_problem(again, 409, "Idempotency-Key")
    assert _postings(api, lot) == postings
