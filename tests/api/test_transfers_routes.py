"""GET /transfers (what is on its way to or from a depot) and the stock card's transfer
lines naming the other depot, and notes on the card."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.api.api_support import Api, Facts, assert_problem

#: How long a test may take between a posting and reading its time back.
_SLACK = dt.timedelta(minutes=5)


def _room_for(api: Api, facts: Facts, item: str, quantity: int, not_depot: str) -> str:
    """Another depot that takes `item` and has storage room for `quantity` more of it, so
    that receiving the transfer is refused by nothing."""
    unit = facts.items[item]
    for code, depot in facts.depots.items():
        if code == not_depot or not facts.accepts(code, item):
            continue
        used = api.get(f"/depots/{code}")
        if (
            used["used_kg"] + quantity * unit["unit_weight_kg"] <= depot["capacity_kg"]
            and used["used_m3"] + quantity * unit["unit_volume_m3"] <= depot["capacity_m3"]
        ):
            return code
    raise LookupError(f"no depot with room for {quantity} {item}")


def _ship(
    api: Api, facts: Facts, *, quantity: int = 2, tracking: str = "lot", **extra: Any
) -> dict[str, Any]:
    """Ship `quantity` of a usable lot to another depot with room; returns what was sent
    (source, target, item, lot_no, quantity, transfer_id)."""
    row = facts.lot(tracking=tracking, min_on_hand=2 * quantity)
    target = _room_for(api, facts, row["item"], quantity, row["depot"])
    body = {
        "type": "transfer",
        "from_depot": row["depot"],
        "to_depot": target,
        "item": row["item"],
        "quantity": quantity,
        **({"lot_no": row["lot_no"]} if row["lot_no"] else {}),
        **extra,
    }
    shipped = api.posted(body)
    return {
        "source": row["depot"],
        "target": target,
        "item": row["item"],
        "lot_no": row["lot_no"],
        "quantity": quantity,
        "transfer_id": shipped["transfer_id"],
    }


def _receive(api: Api, transfer_id: int) -> None:
    api.posted({"type": "transfer_receive", "transfer_id": transfer_id})


def _listed(api: Api, **params: Any) -> list[dict[str, Any]]:
    return api.pages("/transfers", **params)


def _card_line(api: Api, depot: str, item: str, kind: str, transfer_id: int) -> dict[str, Any]:
    (line,) = [
        c for c in api.card(depot, item) if c["kind"] == kind and c["transfer_id"] == transfer_id
    ]
    return line


def _recent(stamp: str) -> dt.datetime:
    """A time from a response: shown in Vietnam (+07:00) and within the test's run."""
    moment = dt.datetime.fromisoformat(stamp)
    assert moment.utcoffset() == dt.timedelta(hours=7), stamp
    assert abs(dt.datetime.now(dt.UTC) - moment) < _SLACK, stamp
    return moment


# ------------------------------------------------------------------ the listing
def test_an_inbound_transfer_is_listed_at_the_receiving_depot_before_it_arrives(
    any_api: Api, facts: Facts
) -> None:
    sent = _ship(any_api, facts, reference="LC-2026/117", note="xe tải 29C-123.45")

    inbound = _listed(any_api, depot=sent["target"], direction="inbound", status="in_transit")

    (row,) = [r for r in inbound if r["id"] == sent["transfer_id"]]
    assert row["from_depot"]["code"] == sent["source"]
    assert row["from_depot"]["name_vi"] == facts.depots[sent["source"]]["name_vi"]
    assert row["to_depot"]["code"] == sent["target"]
    assert row["item"] == {
        "code": sent["item"],
        "name_vi": facts.items[sent["item"]]["name_vi"],
        "name_en": facts.items[sent["item"]]["name_en"],
    }
    assert (row["lot_no"], row["quantity"], row["status"]) == (
        sent["lot_no"],
        sent["quantity"],
        "in_transit",
    )
    assert (row["reference"], row["note"]) == ("LC-2026/117", "xe tải 29C-123.45")
    assert row["received_at"] is None and row["received_by"] is None
    assert row["shipped_by"]
    _recent(row["shipped_at"])


def test_an_outbound_transfer_is_listed_at_the_sender_and_not_as_inbound_there(
    api: Api, facts: Facts
) -> None:
    sent = _ship(api, facts)

    outbound = _listed(api, depot=sent["source"], direction="outbound")
    inbound = _listed(api, depot=sent["source"], direction="inbound")
    either = _listed(api, depot=sent["source"])

    assert sent["transfer_id"] in {r["id"] for r in outbound}
    assert sent["transfer_id"] not in {r["id"] for r in inbound}
    assert sent["transfer_id"] in {r["id"] for r in either}
    others = [c for c in facts.depots if c not in (sent["source"], sent["target"])]
    assert sent["transfer_id"] not in {r["id"] for r in _listed(api, depot=others[0])}


def test_once_received_it_is_listed_as_received_with_its_date(any_api: Api, facts: Facts) -> None:
    sent = _ship(any_api, facts)
    _receive(any_api, sent["transfer_id"])

    received = _listed(any_api, depot=sent["target"], direction="inbound", status="received")
    still_coming = _listed(any_api, depot=sent["target"], direction="inbound", status="in_transit")

    (row,) = [r for r in received if r["id"] == sent["transfer_id"]]
    assert row["status"] == "received"
    assert _recent(row["received_at"]) >= _recent(row["shipped_at"])
    assert row["received_by"]
    assert sent["transfer_id"] not in {r["id"] for r in still_coming}


def test_transfers_are_listed_newest_first_and_paged(api: Api, facts: Facts) -> None:
    first = _ship(api, facts, quantity=1)
    second = _ship(api, facts, quantity=1)

    page = api.get("/transfers", limit=1)
    everything = _listed(api)

    assert page["total"] == len(everything) >= 2
    assert [r["id"] for r in page["items"]] == [second["transfer_id"]]
    assert [r["id"] for r in everything] == sorted((r["id"] for r in everything), reverse=True)
    assert first["transfer_id"] in {r["id"] for r in everything}


def test_a_depot_manager_of_another_depot_reads_transfers_as_every_role_reads(
    api: Api, facts: Facts
) -> None:
    sent = _ship(api, facts)
    elsewhere = next(c for c in facts.depots if c not in (sent["source"], sent["target"]))
    manager = api.as_user("thieu.ta.le", "depot_manager", [elsewhere])

    seen = manager.get("/transfers", depot=sent["target"], direction="inbound")

    assert sent["transfer_id"] in {r["id"] for r in seen["items"]}


# ------------------------------------------------------------------ bad filters
def _books(api: Api) -> tuple[int, int]:
    """(transfers, audit entries): what a refused read must leave as it was."""
    return api.get("/transfers", limit=1)["total"], len(api.pages("/audit"))


@pytest.mark.parametrize(
    "params", [{"depot": "D-NOPE"}, {"depot": "D-NOPE", "direction": "inbound"}]
)
def test_a_transfer_filter_with_an_unknown_depot_is_a_problem_naming_depot_and_writes_nothing(
    api: Api, facts: Facts, params: dict[str, str]
) -> None:
    _ship(api, facts)
    before = _books(api)

    response = api.client.get("/transfers", params=params)

    assert_problem(response, 404, "depot")
    assert _books(api) == before


def test_a_transfer_filter_with_an_unknown_item_is_a_problem_naming_item(api: Api) -> None:
    assert_problem(api.client.get("/transfers", params={"item": "NO-SUCH"}), 404, "item")


def test_a_direction_without_a_depot_is_refused_naming_direction(api: Api, facts: Facts) -> None:
    _ship(api, facts)
    before = _books(api)

    response = api.client.get("/transfers", params={"direction": "inbound"})

    body = assert_problem(response, 422, "direction")
    assert "depot" in body["detail"]
    assert _books(api) == before


@pytest.mark.parametrize(
    ("field", "value"), [("direction", "sideways"), ("status", "lost"), ("limit", "0")]
)
def test_a_transfer_filter_outside_its_values_is_a_422_naming_it(
    api: Api, facts: Facts, field: str, value: str
) -> None:
    depot = next(iter(facts.depots))

    response = api.client.get("/transfers", params={"depot": depot, field: value})

    assert_problem(response, 422, field)


# ------------------------------------------------------------------ stock cards
@pytest.mark.parametrize("tracking", ["lot", "none"])
def test_the_senders_card_names_the_receiving_depot(
    any_api: Api, facts: Facts, tracking: str
) -> None:
    sent = _ship(any_api, facts, tracking=tracking)

    before = _card_line(any_api, sent["source"], sent["item"], "transfer_out", sent["transfer_id"])
    _receive(any_api, sent["transfer_id"])
    after = _card_line(any_api, sent["source"], sent["item"], "transfer_out", sent["transfer_id"])

    assert before["counterpart"] == f"to {sent['target']} (in transit)"
    assert before["counterpart_depot"] == sent["target"]
    assert before["transfer_status"] == "in_transit"
    assert before["quantity_out"] == sent["quantity"]
    assert after["counterpart"] == f"to {sent['target']} (received)"
    assert after["transfer_status"] == "received"


def test_the_receivers_card_names_the_sending_depot(any_api: Api, facts: Facts) -> None:
    sent = _ship(any_api, facts)
    _receive(any_api, sent["transfer_id"])

    line = _card_line(any_api, sent["target"], sent["item"], "transfer_in", sent["transfer_id"])

    assert line["counterpart"] == f"from {sent['source']}"
    assert line["counterpart_depot"] == sent["source"]
    assert line["transfer_status"] == "received"
    assert line["quantity_in"] == sent["quantity"]


def test_two_alike_transfers_each_keep_their_own_line_on_both_cards(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="lot", min_on_hand=4)
    target = _room_for(api, facts, row["item"], 2, row["depot"])
    body = {
        "type": "transfer",
        "from_depot": row["depot"],
        "to_depot": target,
        "item": row["item"],
        "quantity": 1,
        "lot_no": row["lot_no"],
    }
    ids = [api.posted(body)["transfer_id"] for _ in range(2)]
    _receive(api, ids[1])

    sender = [c for c in api.card(row["depot"], row["item"]) if c["kind"] == "transfer_out"]
    receiver = [c for c in api.card(target, row["item"]) if c["kind"] == "transfer_in"]

    assert [(c["transfer_id"], c["transfer_status"]) for c in sender[-2:]] == [
        (ids[0], "in_transit"),
        (ids[1], "received"),
    ]
    assert [c["transfer_id"] for c in receiver][-1] == ids[1]
    assert ids[0] not in {c["transfer_id"] for c in receiver}


def test_other_lines_keep_their_location_as_counterpart(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="none")
    api.posted({"type": "receipt", "depot": row["depot"], "item": row["item"], "quantity": 1})

    line = api.card(row["depot"], row["item"])[-1]

    assert (line["counterpart"], line["counterpart_depot"], line["transfer_id"]) == (
        "SUPPLIER",
        None,
        None,
    )


def test_a_counts_note_shows_on_the_card(any_api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="lot", min_on_hand=2)
    note = "Kiểm kê quý IV: 1 thùng móp, đã tách riêng"
    any_api.posted(
        {
            "type": "count",
            "depot": row["depot"],
            "item": row["item"],
            "lot_no": row["lot_no"],
            "counted_quantity": row["on_hand"] - 1,
            "reason": "stocktake",
            "note": note,
        }
    )

    line = any_api.card(row["depot"], row["item"], lot=row["lot_no"])[-1]

    assert (line["kind"], line["quantity_out"], line["note"]) == ("count", 1, note)


def test_a_transfers_note_shows_on_the_senders_card(api: Api, facts: Facts) -> None:
    sent = _ship(api, facts, note="gửi kèm phiếu xuất kho số 12")

    line = _card_line(api, sent["source"], sent["item"], "transfer_out", sent["transfer_id"])

    assert line["note"] == "gửi kèm phiếu xuất kho số 12"
