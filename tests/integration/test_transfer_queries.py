"""How transfers and their movements are tied together for the listing and the stock card,
on the tiny world (SQLite and PostgreSQL): each transfer names its two ledger lines, so two
transfers alike in depot, lot, instant and quantity still each get their own line."""

from __future__ import annotations

import datetime as dt

from api.services import Database
from inventory.commands import Receipt, TransferOut, TransferReceive
from inventory.ledger import Ledger
from inventory.stock_card import stock_card
from inventory.transfers import TransferFilter, list_transfers
from tests.ledger_world import NOW

LATER = NOW + dt.timedelta(hours=5)


def _ship_twice_at_one_instant(world: Database) -> list[int]:
    """Two transfers of BOOM from D-AAA to D-BBB, alike in every way, posted by one
    ledger (one instant), then the second received later."""
    with world.sessions.begin() as session:
        ledger = Ledger(session, actor="thủ kho", now=NOW)
        ledger.receive(
            Receipt(
                depot="D-AAA",
                item="BOOM",
                quantity=10,
                reference="PO-7",
            )
        )
        body = TransferOut(from_depot="D-AAA", to_depot="D-BBB", item="BOOM", quantity=3)
        ids = [int(ledger.transfer_out(body).extra["transfer_id"]) for _ in range(2)]
    with world.sessions.begin() as session:
        Ledger(session, actor="kho B", now=LATER).transfer_receive(TransferReceive(ids[1]))
    return ids


def test_two_alike_transfers_at_one_instant_each_get_their_own_card_line(
    world: Database,
) -> None:
    ids = _ship_twice_at_one_instant(world)

    with world.readers() as session:
        sender = stock_card(session, "D-AAA", "BOOM").items
        receiver = stock_card(session, "D-BBB", "BOOM").items

    outs = [line for line in sender if line.kind == "transfer_out"]
    assert sorted(line.transfer_id for line in outs if line.transfer_id) == ids
    assert {line.counterpart for line in outs} == {"to D-BBB (in transit)", "to D-BBB (received)"}
    (arrival,) = receiver
    assert (arrival.transfer_id, arrival.counterpart, arrival.balance) == (ids[1], "from D-AAA", 3)


def test_the_listing_ties_each_transfer_to_its_own_movements(world: Database) -> None:
    ids = _ship_twice_at_one_instant(world)

    with world.readers() as session:
        page = list_transfers(session, TransferFilter(depot="D-BBB", direction="inbound"))

    assert [row.id for row in page.items] == ids[::-1]
    received, in_transit = page.items
    assert (received.status, received.received_at, received.received_by) == (
        "received",
        LATER,
        "kho B",
    )
    assert (in_transit.status, in_transit.received_at, in_transit.received_by) == (
        "in_transit",
        None,
        None,
    )
    assert received.shipped_by == in_transit.shipped_by == "thủ kho"
    assert received.reference == f"transfer:{ids[1]}"
    assert in_transit.reference == f"transfer:{ids[0]}"
