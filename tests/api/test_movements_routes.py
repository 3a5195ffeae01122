"""POST /movements happy paths, idempotency, and GET /movements (the stock card)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.api.api_support import FAR_EXPIRY, Api, Facts, assert_problem, new_key, new_lot_no


def _last_balance(card: list[dict[str, Any]]) -> int:
    return int(card[-1]["balance"]) if card else 0


# --------------------------------------------------------- receipt and issue
def test_receiving_then_issuing_an_untracked_item_changes_on_hand_by_each_quantity(
    any_api: Api, facts: Facts
) -> None:
    row = facts.lot(tracking="none")
    depot, item = row["depot"], row["item"]
    before = any_api.on_hand(depot, item)

    receipt = any_api.posted({"type": "receipt", "depot": depot, "item": item, "quantity": 5})
    after_receipt = any_api.on_hand(depot, item)
    issue = any_api.posted({"type": "issue", "depot": depot, "item": item, "quantity": 3})

    assert after_receipt == before + 5
    assert any_api.on_hand(depot, item) == before + 2
    [line] = receipt["lines"]
    assert (line["kind"], line["from"], line["to"], line["quantity"]) == (
        "receipt",
        "SUPPLIER",
        f"DEPOT/{depot}",
        5,
    )
    assert issue["lines"][0]["from"] == f"DEPOT/{depot}"
    assert issue["lines"][0]["to"] == "ISSUED"
    card = any_api.card(depot, item)
    assert [c["movement_id"] for c in card[-2:]] == receipt["movement_ids"] + issue["movement_ids"]
    assert _last_balance(card) == before + 2


def test_receiving_a_new_lot_then_issuing_from_it_tracks_that_lot(
    any_api: Api, facts: Facts
) -> None:
    item = facts.item_with("lot", shelf_life=True)["code"]
    depot = facts.receiving_depot(item)
    lot_no = new_lot_no()

    any_api.posted(
        {
            "type": "receipt",
            "depot": depot,
            "item": item,
            "quantity": 10,
            "lot_no": lot_no,
            "expiry_date": FAR_EXPIRY.isoformat(),
            "reference": "PO-1",
            "note": "test",
        }
    )
    any_api.posted(
        {
            "type": "issue",
            "depot": depot,
            "item": item,
            "quantity": 4,
            "lot_no": lot_no,
            "reason": "exercise",
        }
    )

    [lot] = [x for x in any_api.detail(depot, item)["lots"] if x["lot_no"] == lot_no]
    assert lot == {
        "lot_no": lot_no,
        "expiry_date": FAR_EXPIRY.isoformat(),
        "calibration_due": None,
        "condition": "serviceable",
        "on_hand": 6,
        "reserved": 0,
        "status": "usable",
    }
    lot_card = any_api.card(depot, item, lot=lot_no)
    assert [(c["kind"], c["quantity_in"], c["quantity_out"]) for c in lot_card] == [
        ("receipt", 10, 0),
        ("issue", 0, 4),
    ]
    assert lot_card[0]["reference"] == "PO-1"
    assert lot_card[1]["reason"] == "exercise"
    assert _last_balance(lot_card) == 6


def test_issuing_more_than_available_is_refused_with_409_and_posts_nothing(
    any_api: Api, facts: Facts
) -> None:
    row = facts.lot(tracking="lot")
    before = any_api.snapshot(row["depot"], row["item"])

    response = any_api.post_movement(
        {
            "type": "issue",
            "depot": row["depot"],
            "item": row["item"],
            "quantity": row["available"] + 1,
            "lot_no": row["lot_no"],
        }
    )

    body = assert_problem(response, 409, "quantity")
    assert row["lot_no"] in body["detail"]
    assert any_api.snapshot(row["depot"], row["item"]) == before


def test_an_issue_can_go_to_an_incident_location(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="none", min_on_hand=2)

    result = api.posted(
        {
            "type": "issue",
            "depot": row["depot"],
            "item": row["item"],
            "quantity": 2,
            "destination": "INCIDENT",
        }
    )

    assert result["lines"][0]["to"] == "INCIDENT"
    assert api.on_hand(row["depot"], row["item"]) == row["on_hand"] - 2


@pytest.mark.parametrize(
    ("destination", "status"), [("SCRAP", 422), ("NO-SUCH-PLACE", 404)], ids=["scrap", "unknown"]
)
def test_an_issue_to_anywhere_but_units_or_an_incident_is_refused_naming_destination(
    api: Api, facts: Facts, destination: str, status: int
) -> None:
    row = facts.lot(tracking="none")
    before = api.snapshot(row["depot"], row["item"])

    response = api.post_movement(
        {
            "type": "issue",
            "depot": row["depot"],
            "item": row["item"],
            "quantity": 1,
            "destination": destination,
        }
    )

    assert_problem(response, status, "destination")
    assert api.snapshot(row["depot"], row["item"]) == before


# ----------------------------------------------------------------- transfers
def test_a_transfer_leaves_the_source_at_once_and_reaches_the_destination_only_on_receipt(
    any_api: Api, facts: Facts
) -> None:
    row = facts.lot(tracking="lot", min_on_hand=5)
    item, lot_no, source = row["item"], row["lot_no"], row["depot"]
    target = facts.other_depot(item, source)
    target_before = any_api.on_hand(target, item, lot_no)

    shipped = any_api.posted(
        {
            "type": "transfer",
            "from_depot": source,
            "to_depot": target,
            "item": item,
            "quantity": 3,
            "lot_no": lot_no,
        }
    )
    in_transit_source = any_api.on_hand(source, item, lot_no)
    in_transit_target = any_api.on_hand(target, item, lot_no)
    received = any_api.posted({"type": "transfer_receive", "transfer_id": shipped["transfer_id"]})

    assert shipped["transfer_status"] == "in_transit"
    assert shipped["lines"][0]["to"] == "IN_TRANSIT"
    assert in_transit_source == row["on_hand"] - 3
    assert in_transit_target == target_before
    assert received["transfer_id"] == shipped["transfer_id"]
    assert received["transfer_status"] == "received"
    assert received["lines"][0]["from"] == "IN_TRANSIT"
    assert received["lines"][0]["to"] == f"DEPOT/{target}"
    assert any_api.on_hand(source, item, lot_no) == row["on_hand"] - 3
    assert any_api.on_hand(target, item, lot_no) == target_before + 3
    assert _last_balance(any_api.card(target, item)) == any_api.on_hand(target, item)


def test_receiving_a_transfer_twice_is_a_409_and_posts_nothing(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="lot", min_on_hand=5)
    target = facts.other_depot(row["item"], row["depot"])
    shipped = api.posted(
        {
            "type": "transfer",
            "from_depot": row["depot"],
            "to_depot": target,
            "item": row["item"],
            "quantity": 2,
            "lot_no": row["lot_no"],
        }
    )
    api.posted({"type": "transfer_receive", "transfer_id": shipped["transfer_id"]})
    before = (api.snapshot(row["depot"], row["item"]), api.snapshot(target, row["item"]))

    again = api.post_movement({"type": "transfer_receive", "transfer_id": shipped["transfer_id"]})

    assert_problem(again, 409, "transfer_id")
    assert (api.snapshot(row["depot"], row["item"]), api.snapshot(target, row["item"])) == before


def test_a_serial_can_be_transferred_between_depots(api: Api, facts: Facts) -> None:
    serial = facts.lot(tracking="serial")
    target = facts.other_depot(serial["item"], serial["depot"])

    shipped = api.posted(
        {
            "type": "transfer",
            "from_depot": serial["depot"],
            "to_depot": target,
            "item": serial["item"],
            "quantity": 1,
            "lot_no": serial["lot_no"],
        }
    )
    api.posted({"type": "transfer_receive", "transfer_id": shipped["transfer_id"]})

    holders = api.stock_lots(item=serial["item"], lot=serial["lot_no"])
    assert [(h["depot"], h["on_hand"]) for h in holders] == [(target, 1)]


# -------------------------------------------------------------------- counts
def test_a_count_books_the_difference_and_sets_on_hand(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="lot", min_on_hand=5)
    depot, item, lot_no, on_hand = row["depot"], row["item"], row["lot_no"], row["on_hand"]

    down = api.posted(
        {
            "type": "count",
            "depot": depot,
            "item": item,
            "lot_no": lot_no,
            "counted_quantity": on_hand - 2,
        }
    )
    after_down = api.on_hand(depot, item, lot_no)
    up = api.posted(
        {
            "type": "count",
            "depot": depot,
            "item": item,
            "lot_no": lot_no,
            "counted_quantity": on_hand + 3,
            "reason": "found",
        }
    )

    assert (down["previous_on_hand"], down["counted_quantity"]) == (on_hand, on_hand - 2)
    assert after_down == on_hand - 2
    [line] = down["lines"]
    assert (line["kind"], line["from"], line["to"], line["quantity"]) == (
        "count",
        f"DEPOT/{depot}",
        "ADJUSTMENT",
        2,
    )
    assert (up["previous_on_hand"], up["counted_quantity"]) == (on_hand - 2, on_hand + 3)
    assert (up["lines"][0]["from"], up["lines"][0]["quantity"]) == ("ADJUSTMENT", 5)
    assert api.on_hand(depot, item, lot_no) == on_hand + 3
    card = api.card(depot, item, lot=lot_no)
    assert [(c["quantity_in"], c["quantity_out"]) for c in card[-2:]] == [(0, 2), (5, 0)]
    assert card[-1]["reason"] == "found"


def test_a_count_equal_to_on_hand_posts_nothing(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="none")
    before = api.snapshot(row["depot"], row["item"])

    result = api.posted(
        {
            "type": "count",
            "depot": row["depot"],
            "item": row["item"],
            "counted_quantity": row["on_hand"],
        }
    )

    assert result["movement_ids"] == []
    assert result["previous_on_hand"] == result["counted_quantity"] == row["on_hand"]
    assert api.snapshot(row["depot"], row["item"]) == before


# ---------------------------------------------------------------- write-offs
def test_writing_off_an_expired_lot_takes_it_off_the_books(api: Api, facts: Facts) -> None:
    expired = facts.lot(tracking="lot", status="expired")
    depot, item = expired["depot"], expired["item"]
    before = api.detail(depot, item)

    result = api.posted(
        {
            "type": "write_off",
            "depot": depot,
            "item": item,
            "lot_no": expired["lot_no"],
            "quantity": expired["on_hand"],
            "reason": "expired",
        }
    )

    assert result["lines"][0]["to"] == "SCRAP"
    after = api.detail(depot, item)
    assert expired["lot_no"] not in {lot["lot_no"] for lot in after["lots"]}
    assert after["on_hand"] == before["on_hand"] - expired["on_hand"]
    assert after["unusable"] == before["unusable"] - expired["on_hand"]
    assert after["available"] == before["available"]
    expired_alerts = api.get("/alerts", depot=depot, kind="expired")
    assert expired["lot_no"] not in {a["lot_no"] for a in expired_alerts}


# ----------------------------------------------------------------- reversals
def test_a_reversal_restores_the_balance_and_a_second_reversal_is_409(
    any_api: Api, facts: Facts
) -> None:
    row = facts.lot(tracking="lot", min_on_hand=4)
    depot, item, lot_no = row["depot"], row["item"], row["lot_no"]
    issued = any_api.posted(
        {"type": "issue", "depot": depot, "item": item, "quantity": 4, "lot_no": lot_no}
    )
    [movement_id] = issued["movement_ids"]

    reversal = any_api.posted(
        {"type": "reversal", "movement_id": movement_id, "reason": "keyed twice"}
    )
    restored = any_api.snapshot(depot, item)
    second = any_api.post_movement(
        {"type": "reversal", "movement_id": movement_id, "reason": "again"}
    )

    assert any_api.on_hand(depot, item, lot_no) == row["on_hand"]
    [line] = reversal["lines"]
    assert (line["kind"], line["from"], line["to"], line["quantity"]) == (
        "reversal",
        "ISSUED",
        f"DEPOT/{depot}",
        4,
    )
    assert restored.card[-1]["reference"] == f"reversal:{movement_id}"
    assert_problem(second, 409, "movement_id")
    assert any_api.snapshot(depot, item) == restored


def test_a_reversal_cannot_itself_be_reversed(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="none")
    receipt = api.posted(
        {"type": "receipt", "depot": row["depot"], "item": row["item"], "quantity": 2}
    )
    reversal = api.posted(
        {"type": "reversal", "movement_id": receipt["movement_ids"][0], "reason": "wrong"}
    )
    before = api.snapshot(row["depot"], row["item"])

    response = api.post_movement(
        {"type": "reversal", "movement_id": reversal["movement_ids"][0], "reason": "undo"}
    )

    assert_problem(response, 409, "movement_id")
    assert api.snapshot(row["depot"], row["item"]) == before
    assert before.detail["on_hand"] == row["on_hand"]


def test_reversing_a_receipt_whose_stock_was_issued_is_refused_and_posts_nothing(
    api: Api, facts: Facts
) -> None:
    item = facts.item_with("lot", shelf_life=True)["code"]
    depot = facts.receiving_depot(item)
    lot_no = new_lot_no()
    receipt = api.posted(
        {
            "type": "receipt",
            "depot": depot,
            "item": item,
            "quantity": 3,
            "lot_no": lot_no,
            "expiry_date": FAR_EXPIRY.isoformat(),
        }
    )
    api.posted({"type": "issue", "depot": depot, "item": item, "quantity": 2, "lot_no": lot_no})
    before = api.snapshot(depot, item)

    response = api.post_movement(
        {"type": "reversal", "movement_id": receipt["movement_ids"][0], "reason": "wrong"}
    )

    assert_problem(response, 409, "quantity")
    assert api.snapshot(depot, item) == before


# --------------------------------------------------------------- idempotency
def test_a_retry_with_the_same_key_and_body_replays_the_first_answer_and_posts_nothing(
    any_api: Api, facts: Facts
) -> None:
    row = facts.lot(tracking="none")
    body = {"type": "receipt", "depot": row["depot"], "item": row["item"], "quantity": 7}
    key = new_key()

    first = any_api.post_movement(body, key=key)
    after_first = any_api.snapshot(row["depot"], row["item"])
    retry = any_api.post_movement(body, key=key)

    assert first.status_code == retry.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == {**first.json(), "replayed": True}
    assert any_api.snapshot(row["depot"], row["item"]) == after_first
    assert after_first.detail["on_hand"] == row["on_hand"] + 7


def test_the_same_key_with_another_body_is_a_409_and_posts_nothing(
    any_api: Api, facts: Facts
) -> None:
    row = facts.lot(tracking="none")
    body = {"type": "receipt", "depot": row["depot"], "item": row["item"], "quantity": 7}
    key = new_key()
    any_api.posted(body, key=key)
    before = any_api.snapshot(row["depot"], row["item"])

    response = any_api.post_movement({**body, "quantity": 8}, key=key)

    assert_problem(response, 409, "Idempotency-Key")
    assert any_api.snapshot(row["depot"], row["item"]) == before


def test_a_refused_request_keeps_its_key_for_its_own_body(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="none")
    key = new_key()
    too_much = {
        "type": "issue",
        "depot": row["depot"],
        "item": row["item"],
        "quantity": row["on_hand"] + 1,
    }
    refused = api.post_movement(too_much, key=key)
    again = api.post_movement(too_much, key=key)
    other = api.post_movement({**too_much, "quantity": 1}, key=key)

    assert assert_problem(again, 409, "quantity") == assert_problem(refused, 409, "quantity")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert_problem(other, 409, "Idempotency-Key")
    assert api.on_hand(row["depot"], row["item"]) == row["on_hand"]


def test_a_replayed_transfer_returns_the_same_transfer_and_ships_once(
    api: Api, facts: Facts
) -> None:
    row = facts.lot(tracking="lot", min_on_hand=4)
    target = facts.other_depot(row["item"], row["depot"])
    body = {
        "type": "transfer",
        "from_depot": row["depot"],
        "to_depot": target,
        "item": row["item"],
        "quantity": 2,
        "lot_no": row["lot_no"],
    }
    key = new_key()

    first = api.posted(body, key=key)
    retry = api.post_movement(body, key=key)

    assert retry.status_code == 201
    assert retry.json()["transfer_id"] == first["transfer_id"]
    assert retry.json()["replayed"] is True
    assert api.on_hand(row["depot"], row["item"], row["lot_no"]) == row["on_hand"] - 2


def test_the_tokens_user_is_recorded_on_the_stock_card(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="none")
    sergeant = api.as_user("sgt.nguyen", "depot_manager", [row["depot"]])

    response = sergeant.post_movement(
        {"type": "receipt", "depot": row["depot"], "item": row["item"], "quantity": 1}
    )

    assert response.status_code == 201
    assert api.card(row["depot"], row["item"])[-1]["actor"] == "sgt.nguyen"


# ---------------------------------------------------------------- stock card
def test_the_stock_card_ends_on_the_on_hand_of_the_depot_and_item(api: Api, facts: Facts) -> None:
    depot, item = facts.fefo_case()
    lot = next(r for r in facts.lots_of(depot, item) if r["status"] == "usable")
    api.posted(
        {"type": "issue", "depot": depot, "item": item, "quantity": 1, "lot_no": lot["lot_no"]}
    )
    api.posted(
        {"type": "receipt", "depot": depot, "item": item, "quantity": 5, "lot_no": lot["lot_no"]}
    )

    card = api.card(depot, item)
    page = api.get("/movements", depot=depot, item=item)

    assert (page["depot"], page["item"], page["lot_no"]) == (depot, item, None)
    assert page["total"] == len(card) >= 3
    assert [c["movement_id"] for c in card] == sorted(c["movement_id"] for c in card)
    running = 0
    for line in card:
        running += line["quantity_in"] - line["quantity_out"]
        assert line["balance"] == running, line
    assert _last_balance(card) == api.on_hand(depot, item)


def test_paging_the_stock_card_keeps_the_running_balance(api: Api, facts: Facts) -> None:
    depot, item = facts.fefo_case()
    lot = next(r for r in facts.lots_of(depot, item) if r["status"] == "usable")
    for quantity in (1, 2, 3):
        api.posted(
            {
                "type": "issue",
                "depot": depot,
                "item": item,
                "quantity": quantity,
                "lot_no": lot["lot_no"],
            }
        )
    full = api.card(depot, item)

    pages = [
        api.get("/movements", depot=depot, item=item, limit=2, offset=offset)
        for offset in range(0, len(full), 2)
    ]

    assert [line for page in pages for line in page["items"]] == full
    for previous, page in itertools.pairwise(pages):
        first = page["items"][0]
        carried = previous["items"][-1]["balance"]
        assert first["balance"] == carried + first["quantity_in"] - first["quantity_out"]
    assert pages[-1]["items"][-1]["balance"] == api.on_hand(depot, item)


def test_the_stock_card_of_one_lot_ends_on_that_lots_on_hand(api: Api, facts: Facts) -> None:
    depot, item = facts.fefo_case()
    lot = next(r for r in facts.lots_of(depot, item) if r["status"] == "usable")
    api.posted(
        {"type": "issue", "depot": depot, "item": item, "quantity": 2, "lot_no": lot["lot_no"]}
    )

    card = api.card(depot, item, lot=lot["lot_no"])

    assert {line["lot_no"] for line in card} == {lot["lot_no"]}
    assert _last_balance(card) == lot["on_hand"] - 2 == api.on_hand(depot, item, lot["lot_no"])


@pytest.mark.parametrize("field", ["depot", "item", "lot"])
def test_the_stock_card_of_an_unknown_depot_item_or_lot_is_a_404_naming_it(
    api: Api, facts: Facts, field: str
) -> None:
    row = facts.lot(tracking="lot")
    params = {"depot": row["depot"], "item": row["item"], "lot": row["lot_no"]}
    params[field] = "NO-SUCH"

    response = api.client.get("/movements", params=params)

    assert_problem(response, 404, "lot_no" if field == "lot" else field)


def test_the_stock_card_needs_a_depot_and_an_item(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="lot")

    response = api.client.get("/movements", params={"item": row["item"]})

    assert_problem(response, 422, "depot")


# ------------------------------------------------- reversals of transfers
def test_a_reversed_transfer_cannot_take_the_stock_of_another_transfer(
    api: Api, facts: Facts
) -> None:
    row = facts.lot(tracking="lot", min_on_hand=4)
    item, lot_no, source = row["item"], row["lot_no"], row["depot"]
    target = facts.other_depot(item, source)
    target_before = api.on_hand(target, item, lot_no)
    body = {
        "type": "transfer",
        "from_depot": source,
        "to_depot": target,
        "item": item,
        "quantity": 2,
        "lot_no": lot_no,
    }
    first = api.posted(body)
    second = api.posted(body)

    reversal = api.post_movement(
        {"type": "reversal", "movement_id": first["movement_ids"][0], "reason": "cancelled"}
    )
    api.post_movement({"type": "transfer_receive", "transfer_id": first["transfer_id"]})
    receive_second = api.post_movement(
        {"type": "transfer_receive", "transfer_id": second["transfer_id"]}
    )

    assert reversal.status_code in {201, 409}, reversal.text
    assert receive_second.status_code == 201, receive_second.text
    held = api.on_hand(source, item, lot_no) + api.on_hand(target, item, lot_no)
    assert held == row["on_hand"] + target_before


def test_reversing_a_transfer_receipt_never_strands_the_stock_in_transit(
    api: Api, facts: Facts
) -> None:
    row = facts.lot(tracking="lot", min_on_hand=3)
    item, lot_no, source = row["item"], row["lot_no"], row["depot"]
    target = facts.other_depot(item, source)
    target_before = api.on_hand(target, item, lot_no)
    shipped = api.posted(
        {
            "type": "transfer",
            "from_depot": source,
            "to_depot": target,
            "item": item,
            "quantity": 3,
            "lot_no": lot_no,
        }
    )
    received = api.posted({"type": "transfer_receive", "transfer_id": shipped["transfer_id"]})

    reversal = api.post_movement(
        {"type": "reversal", "movement_id": received["movement_ids"][0], "reason": "wrong dock"}
    )
    again = api.post_movement({"type": "transfer_receive", "transfer_id": shipped["transfer_id"]})

    assert reversal.status_code in {201, 409}, reversal.text
    assert again.status_code in {201, 409}, again.text
    held = api.on_hand(source, item, lot_no) + api.on_hand(target, item, lot_no)
    assert held == row["on_hand"] + target_before
