"""POST /movements refusals: every bad input is a 4xx problem+json naming the field, and
nothing is written (GET /stock/{depot}/{item} and the stock card are unchanged)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.api_support import FAR_EXPIRY, Api, Facts, Snapshot, assert_problem, new_lot_no


@dataclass(frozen=True)
class Case:
    """A request that must be refused with `status` naming `field`; `watch` lists the
    depot x item pairs whose stock and stock card must not change."""

    body: Any
    status: int
    field: str
    watch: tuple[tuple[str, str], ...]


def _snapshots(api: Api, watch: tuple[tuple[str, str], ...]) -> list[Snapshot]:
    return [api.snapshot(depot, item) for depot, item in watch]


def _assert_refused(api: Api, case: Case) -> dict[str, Any]:
    before = _snapshots(api, case.watch)

    response = api.post_movement(case.body)

    body = assert_problem(response, case.status, case.field)
    assert _snapshots(api, case.watch) == before
    return body


def _untracked(f: Facts) -> dict[str, Any]:
    return f.lot(tracking="none", min_on_hand=2)


def _lot(f: Facts) -> dict[str, Any]:
    return f.lot(tracking="lot", min_on_hand=2)


def _serial(f: Facts) -> dict[str, Any]:
    return f.lot(tracking="serial")


def _at(row: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return ((row["depot"], row["item"]),)


def _move(kind: str, row: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A movement of `kind` on the depot, item (and lot, if tracked) of a stock row."""
    body: dict[str, Any] = {"type": kind, "depot": row["depot"], "item": row["item"]}
    if row["lot_no"] is not None:
        body["lot_no"] = row["lot_no"]
    if kind == "count":
        body["counted_quantity"] = 1
    else:
        body["quantity"] = 1
    if kind == "write_off":
        body["reason"] = "damaged"
    return {**body, **extra}


def _transfer(f: Facts, row: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "type": "transfer",
        "from_depot": row["depot"],
        "to_depot": f.other_depot(row["item"], row["depot"]),
        "item": row["item"],
        "quantity": 1,
        "lot_no": row["lot_no"],
    }
    return {k: v for k, v in {**body, **extra}.items() if v is not None}


def _transfer_watch(f: Facts, row: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return ((row["depot"], row["item"]), (f.other_depot(row["item"], row["depot"]), row["item"]))


# -------------------------------------------------- zero or negative quantity
QUANTITY_CASES: dict[str, Callable[[Facts, int], Case]] = {
    "receipt": lambda f, q: Case(
        _move("receipt", _untracked(f), quantity=q), 422, "quantity", _at(_untracked(f))
    ),
    "issue": lambda f, q: Case(
        _move("issue", _untracked(f), quantity=q), 422, "quantity", _at(_untracked(f))
    ),
    "transfer": lambda f, q: Case(
        _transfer(f, _lot(f), quantity=q), 422, "quantity", _transfer_watch(f, _lot(f))
    ),
    "write_off": lambda f, q: Case(
        _move("write_off", _lot(f), quantity=q), 422, "quantity", _at(_lot(f))
    ),
}


@pytest.mark.parametrize("quantity", [0, -5])
@pytest.mark.parametrize("kind", sorted(QUANTITY_CASES))
def test_a_zero_or_negative_quantity_is_refused_naming_quantity(
    api: Api, facts: Facts, kind: str, quantity: int
) -> None:
    _assert_refused(api, QUANTITY_CASES[kind](facts, quantity))


def test_a_negative_count_is_refused_naming_counted_quantity(api: Api, facts: Facts) -> None:
    row = _lot(facts)

    _assert_refused(
        api, Case(_move("count", row, counted_quantity=-1), 422, "counted_quantity", _at(row))
    )


# -------------------------------------------- unknown depot, item, lot, serial
UNKNOWN_CASES: dict[str, Callable[[Facts], Case]] = {
    "receipt-depot": lambda f: Case(
        _move("receipt", _untracked(f), depot="NO-SUCH"), 404, "depot", _at(_untracked(f))
    ),
    "receipt-item": lambda f: Case(
        _move("receipt", _untracked(f), item="NO-SUCH"), 404, "item", _at(_untracked(f))
    ),
    "issue-depot": lambda f: Case(
        _move("issue", _lot(f), depot="NO-SUCH"), 404, "depot", _at(_lot(f))
    ),
    "issue-item": lambda f: Case(
        _move("issue", _untracked(f), item="NO-SUCH"), 404, "item", _at(_untracked(f))
    ),
    "issue-lot": lambda f: Case(
        _move("issue", _lot(f), lot_no="NO-SUCH-LOT"), 404, "lot_no", _at(_lot(f))
    ),
    "issue-serial": lambda f: Case(
        _move("issue", _serial(f), lot_no="NO-SUCH-SN"), 404, "lot_no", _at(_serial(f))
    ),
    "transfer-from-depot": lambda f: Case(
        _transfer(f, _lot(f), from_depot="NO-SUCH"), 404, "from_depot", _transfer_watch(f, _lot(f))
    ),
    "transfer-to-depot": lambda f: Case(
        _transfer(f, _lot(f), to_depot="NO-SUCH"), 404, "to_depot", _at(_lot(f))
    ),
    "transfer-lot": lambda f: Case(
        _transfer(f, _lot(f), lot_no="NO-SUCH-LOT"), 404, "lot_no", _transfer_watch(f, _lot(f))
    ),
    "count-depot": lambda f: Case(
        _move("count", _lot(f), depot="NO-SUCH"), 404, "depot", _at(_lot(f))
    ),
    "count-lot": lambda f: Case(
        _move("count", _lot(f), lot_no="NO-SUCH-LOT"), 404, "lot_no", _at(_lot(f))
    ),
    "write-off-item": lambda f: Case(
        _move("write_off", _untracked(f), item="NO-SUCH"), 404, "item", _at(_untracked(f))
    ),
    "write-off-serial": lambda f: Case(
        _move("write_off", _serial(f), lot_no="NO-SUCH-SN"), 404, "lot_no", _at(_serial(f))
    ),
    "transfer-receive": lambda f: Case(
        {"type": "transfer_receive", "transfer_id": 999_999}, 404, "transfer_id", _at(_lot(f))
    ),
    "reversal": lambda f: Case(
        {"type": "reversal", "movement_id": 99_999_999, "reason": "typo"},
        404,
        "movement_id",
        _at(_lot(f)),
    ),
}


@pytest.mark.parametrize("case", sorted(UNKNOWN_CASES))
def test_an_unknown_depot_item_lot_or_serial_is_a_404_naming_it(
    api: Api, facts: Facts, case: str
) -> None:
    body = _assert_refused(api, UNKNOWN_CASES[case](facts))

    assert "NO-SUCH" in body["detail"] or "99" in body["detail"]


# --------------------------------------------------------- not enough stock
def test_issuing_more_than_an_untracked_item_has_is_a_409_naming_quantity(
    api: Api, facts: Facts
) -> None:
    row = _untracked(facts)

    _assert_refused(
        api, Case(_move("issue", row, quantity=row["available"] + 1), 409, "quantity", _at(row))
    )


def test_transferring_more_than_a_lot_holds_is_a_409_naming_quantity(
    api: Api, facts: Facts
) -> None:
    row = _lot(facts)

    _assert_refused(
        api,
        Case(
            _transfer(facts, row, quantity=row["on_hand"] + 1),
            409,
            "quantity",
            _transfer_watch(facts, row),
        ),
    )


def test_issuing_a_serial_from_a_depot_that_does_not_hold_it_is_a_409(
    api: Api, facts: Facts
) -> None:
    serial = _serial(facts)
    elsewhere = facts.other_depot(serial["item"], serial["depot"])

    _assert_refused(
        api,
        Case(
            _move("issue", serial, depot=elsewhere),
            409,
            "quantity",
            ((elsewhere, serial["item"]), (serial["depot"], serial["item"])),
        ),
    )


# ------------------------------------------------------------ unusable stock
@pytest.mark.parametrize(
    ("status", "tracking"),
    [
        ("expired", "lot"),
        ("quarantined", "lot"),
        ("unserviceable", "serial"),
        ("in_repair", "serial"),
        ("calibration overdue", "serial"),
    ],
)
def test_issuing_from_an_unusable_lot_or_serial_is_a_409_naming_lot_no(
    api: Api, facts: Facts, status: str, tracking: str
) -> None:
    row = facts.lot(tracking=tracking, status=status)

    body = _assert_refused(api, Case(_move("issue", row), 409, "lot_no", _at(row)))

    assert status in body["detail"]


@pytest.mark.parametrize("status", ["expired", "quarantined"])
def test_transferring_an_unusable_lot_is_a_409_naming_lot_no(
    api: Api, facts: Facts, status: str
) -> None:
    row = facts.lot(tracking="lot", status=status)

    _assert_refused(api, Case(_transfer(facts, row), 409, "lot_no", _transfer_watch(facts, row)))


# ------------------------------------------------------------------ transfers
def test_a_transfer_to_the_same_depot_is_a_422_naming_to_depot(api: Api, facts: Facts) -> None:
    row = _lot(facts)

    _assert_refused(
        api, Case(_transfer(facts, row, to_depot=row["depot"]), 422, "to_depot", _at(row))
    )


def test_a_transfer_to_a_depot_without_storage_for_the_item_is_a_409_naming_to_depot(
    api: Api, facts: Facts
) -> None:
    row, depot = facts.storage_mismatch()
    body = {
        "type": "transfer",
        "from_depot": row["depot"],
        "to_depot": depot,
        "item": row["item"],
        "quantity": 1,
        "lot_no": row["lot_no"],
    }

    _assert_refused(api, Case(body, 409, "to_depot", ((row["depot"], row["item"]),)))


def test_a_receipt_at_a_depot_without_storage_for_the_item_is_a_409_naming_depot_even_with_a_reason(
    api: Api, facts: Facts
) -> None:
    row, depot = facts.storage_mismatch()
    body = {
        "type": "receipt",
        "depot": depot,
        "item": row["item"],
        "quantity": 1,
        "lot_no": row["lot_no"],
        "over_capacity_reason": "no reason overrides a missing storage class",
    }

    _assert_refused(api, Case(body, 409, "depot", ((depot, row["item"]),)))


# ------------------------------------------------------- tracking and serials
TRACKING_CASES: dict[str, Callable[[Facts], Case]] = {
    "receipt-lot-no-on-untracked": lambda f: Case(
        _move("receipt", _untracked(f), lot_no="LOT-1"), 422, "lot_no", _at(_untracked(f))
    ),
    "issue-lot-no-on-untracked": lambda f: Case(
        _move("issue", _untracked(f), lot_no="LOT-1"), 422, "lot_no", _at(_untracked(f))
    ),
    "count-lot-no-on-untracked": lambda f: Case(
        _move("count", _untracked(f), lot_no="LOT-1"), 422, "lot_no", _at(_untracked(f))
    ),
    "receipt-no-lot-on-lot-tracked": lambda f: Case(
        _move("receipt", _lot(f), lot_no=None), 422, "lot_no", _at(_lot(f))
    ),
    # issues, transfers and write-offs without a lot take lots FEFO (test_default_lots.py);
    # a count always names the lot it counted
    "count-no-lot-on-lot-tracked": lambda f: Case(
        _move("count", _lot(f), lot_no=None), 422, "lot_no", _at(_lot(f))
    ),
    "count-no-serial": lambda f: Case(
        _move("count", _serial(f), lot_no=None), 422, "lot_no", _at(_serial(f))
    ),
    "receipt-no-serial": lambda f: Case(
        _move("receipt", _serial(f), lot_no=None), 422, "lot_no", _at(_serial(f))
    ),
    "receipt-serial-quantity-2": lambda f: Case(
        _move("receipt", _serial(f), lot_no=new_lot_no(), quantity=2),
        422,
        "quantity",
        _at(_serial(f)),
    ),
    "issue-serial-quantity-2": lambda f: Case(
        _move("issue", _serial(f), quantity=2), 422, "quantity", _at(_serial(f))
    ),
    "transfer-serial-quantity-2": lambda f: Case(
        _transfer(f, _serial(f), quantity=2), 422, "quantity", _transfer_watch(f, _serial(f))
    ),
    "write-off-serial-quantity-2": lambda f: Case(
        _move("write_off", _serial(f), quantity=2), 422, "quantity", _at(_serial(f))
    ),
    "count-serial-as-2": lambda f: Case(
        _move("count", _serial(f), counted_quantity=2), 422, "counted_quantity", _at(_serial(f))
    ),
}


@pytest.mark.parametrize("case", sorted(TRACKING_CASES))
def test_a_lot_number_must_match_the_items_tracking_and_a_serial_counts_as_one(
    api: Api, facts: Facts, case: str
) -> None:
    _assert_refused(api, TRACKING_CASES[case](facts))


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def test_an_expiry_date_on_an_untracked_item_is_a_422_naming_expiry_date(
    api: Api, facts: Facts
) -> None:
    row = _untracked(facts)
    body = _move("receipt", row, expiry_date=FAR_EXPIRY.isoformat())

    _assert_refused(api, Case(body, 422, "expiry_date", _at(row)))


def test_a_new_lot_of_an_item_with_a_shelf_life_needs_an_expiry_date(
    api: Api, facts: Facts
) -> None:
    item = facts.item_with("lot", shelf_life=True)["code"]
    depot = facts.receiving_depot(item)
    body = {"type": "receipt", "depot": depot, "item": item, "quantity": 1, "lot_no": new_lot_no()}

    _assert_refused(api, Case(body, 422, "expiry_date", ((depot, item),)))


def test_receiving_an_existing_lot_with_another_expiry_is_a_409_naming_expiry_date(
    api: Api, facts: Facts
) -> None:
    row = _lot(facts)
    other = dt.date.fromisoformat(row["expiry_date"]) + dt.timedelta(days=1)

    _assert_refused(
        api,
        Case(_move("receipt", row, expiry_date=other.isoformat()), 409, "expiry_date", _at(row)),
    )


def test_receiving_a_serial_already_in_stock_is_a_409_naming_lot_no(api: Api, facts: Facts) -> None:
    serial = _serial(facts)
    elsewhere = facts.other_depot(serial["item"], serial["depot"])

    _assert_refused(
        api,
        Case(
            _move("receipt", serial, depot=elsewhere),
            409,
            "lot_no",
            ((elsewhere, serial["item"]), (serial["depot"], serial["item"])),
        ),
    )


# ------------------------------------------------- body of the wrong shape
SHAPE_CASES: dict[str, Callable[[dict[str, Any]], tuple[Any, str]]] = {
    "string-quantity": lambda b: ({**b, "quantity": "5"}, "quantity"),
    "float-quantity": lambda b: ({**b, "quantity": 2.5}, "quantity"),
    "boolean-quantity": lambda b: ({**b, "quantity": True}, "quantity"),
    "null-quantity": lambda b: ({**b, "quantity": None}, "quantity"),
    "huge-quantity": lambda b: ({**b, "quantity": 10_000_001}, "quantity"),
    "unknown-field": lambda b: ({**b, "colour": "red"}, "colour"),
    "missing-item": lambda b: ({k: v for k, v in b.items() if k != "item"}, "item"),
    "empty-depot": lambda b: ({**b, "depot": "  "}, "depot"),
    "bad-condition": lambda b: ({**b, "condition": "shiny"}, "condition"),
    "bad-source": lambda b: ({**b, "source": "found"}, "source"),
    "bad-date": lambda b: ({**b, "expiry_date": "31/12/2030"}, "expiry_date"),
    "json-array": lambda b: ([b], "body"),
    "json-string": lambda b: ("receipt", "body"),
}


@pytest.mark.parametrize("case", sorted(SHAPE_CASES))
def test_a_body_of_the_wrong_type_or_shape_is_a_422_naming_the_field(
    api: Api, facts: Facts, case: str
) -> None:
    row = _untracked(facts)
    body, field = SHAPE_CASES[case](_move("receipt", row))

    problem = _assert_refused(api, Case(body, 422, field, _at(row)))

    assert problem["errors"]
    assert problem["errors"][0]["field"] == problem["field"]


def test_a_whole_quantity_written_with_a_decimal_point_is_accepted_as_json_schema_says(
    api: Api, facts: Facts
) -> None:
    """The OpenAPI document says `integer`, which JSON Schema takes to include 3.0."""
    row = _untracked(facts)
    before = api.on_hand(row["depot"], row["item"])

    api.posted(_move("receipt", row, quantity=3.0))

    assert api.on_hand(row["depot"], row["item"]) == before + 3


@pytest.mark.parametrize("reason", ["stolen", ""])
def test_a_write_off_reason_outside_the_list_is_a_422_naming_reason(
    api: Api, facts: Facts, reason: str
) -> None:
    row = _lot(facts)

    _assert_refused(api, Case(_move("write_off", row, reason=reason), 422, "reason", _at(row)))


@pytest.mark.parametrize(
    "body",
    [
        {"type": "shipment", "depot": "D", "item": "I", "quantity": 1},
        {"depot": "D", "item": "I", "quantity": 1},
    ],
    ids=["unknown-tag", "missing-tag"],
)
def test_an_unknown_or_missing_type_tag_is_a_422_and_posts_nothing(
    api: Api, facts: Facts, body: dict[str, Any]
) -> None:
    row = _untracked(facts)
    body = {**body, "depot": row["depot"], "item": row["item"]}

    problem = _assert_refused(api, Case(body, 422, "type", _at(row)))

    assert "'type'" in problem["detail"]


@pytest.mark.parametrize("tag", ["shipment", None], ids=["unknown-tag", "missing-tag"])
def test_an_unknown_or_missing_type_tag_names_the_type_field(
    api: Api, facts: Facts, tag: str | None
) -> None:
    body = _without_none({**_move("receipt", _untracked(facts)), "type": tag})

    assert_problem(api.post_movement(body), 422, "type")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"type=receipt&quantity=1", "application/json"),
        (b'{"type": "receipt", "quantity": 1', "application/json"),
        (b"", "application/json"),
        (b"type=receipt&quantity=1", "text/plain"),
    ],
    ids=["form-as-json", "truncated-json", "empty", "text-plain"],
)
def test_a_non_json_body_is_a_422_naming_the_body(
    api: Api, facts: Facts, content: bytes, content_type: str
) -> None:
    row = _untracked(facts)
    before = api.snapshot(row["depot"], row["item"])

    response = api.client.post(
        "/movements",
        content=content,
        headers={"Idempotency-Key": "non-json-body-1", "Content-Type": content_type},
    )

    problem = assert_problem(response, 422)
    assert problem["field"].split(".")[0] == "body"
    assert api.snapshot(row["depot"], row["item"]) == before


@pytest.mark.parametrize(
    "headers",
    [{}, {"Idempotency-Key": "short"}, {"Idempotency-Key": "k" * 201}],
    ids=["missing", "too-short", "too-long"],
)
def test_an_idempotency_key_is_required_and_8_to_200_characters_long(
    api: Api, facts: Facts, headers: dict[str, str]
) -> None:
    row = _untracked(facts)
    before = api.snapshot(row["depot"], row["item"])

    response = api.client.post("/movements", json=_move("receipt", row), headers=headers)

    assert_problem(response, 422, "Idempotency-Key")
    assert api.snapshot(row["depot"], row["item"]) == before


def test_a_refusal_lists_every_invalid_field(api: Api, facts: Facts) -> None:
    row = _untracked(facts)
    body = {**_move("receipt", row), "quantity": 0, "colour": "red", "condition": "shiny"}

    problem = _assert_refused(api, Case(body, 422, "quantity", _at(row)))

    assert {e["field"] for e in problem["errors"]} == {
        "body.quantity",
        "body.colour",
        "body.condition",
    }


# ------------------------------------------- rules the ledger should enforce
def test_receiving_quarantined_stock_into_a_serviceable_lot_never_makes_it_available(
    api: Api, facts: Facts
) -> None:
    row = _lot(facts)
    before = api.detail(row["depot"], row["item"])

    response = api.post_movement(_move("receipt", row, quantity=7, condition="quarantined"))

    assert response.status_code in {201, 409}, response.text
    assert api.detail(row["depot"], row["item"])["available"] == before["available"]


def test_counting_a_serial_held_at_another_depot_is_a_409_and_posts_nothing(
    api: Api, facts: Facts
) -> None:
    serial = _serial(facts)
    elsewhere = facts.other_depot(serial["item"], serial["depot"])

    _assert_refused(
        api,
        Case(
            _move("count", serial, depot=elsewhere, counted_quantity=1),
            409,
            "lot_no",
            ((elsewhere, serial["item"]), (serial["depot"], serial["item"])),
        ),
    )
    holders = api.stock_lots(item=serial["item"], lot=serial["lot_no"])
    assert sum(h["on_hand"] for h in holders) == 1
