"""GET /stock, /stock/{depot}/{item}, /stock/{depot}/{item}/pick and /alerts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from tests.api.api_support import Api, Facts, assert_problem


# ------------------------------------------------------------------- /stock
def test_stock_pages_carry_total_limit_and_offset_and_do_not_overlap(api: Api) -> None:
    first = api.get("/stock", limit=7, offset=0)
    second = api.get("/stock", limit=7, offset=7)
    both = api.get("/stock", limit=14, offset=0)

    assert (first["limit"], first["offset"], second["offset"]) == (7, 0, 7)
    assert first["total"] == second["total"] == both["total"] > 14
    assert len(first["items"]) == len(second["items"]) == 7
    assert first["items"] + second["items"] == both["items"]


def test_stock_by_item_sums_the_lots_of_each_depot_and_item(api: Api, facts: Facts) -> None:
    depot = facts.lot(tracking="lot")["depot"]

    by_item = api.pages("/stock", depot=depot)
    by_lot = api.stock_lots(depot=depot)

    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in by_lot:
        for key in ("on_hand", "reserved", "available", "unusable"):
            sums[row["item"]][key] += row[key]
    assert {r["item"] for r in by_item} == set(sums)
    for row in by_item:
        assert row["depot"] == depot
        assert row["lot_no"] is None
        for key in ("on_hand", "reserved", "available", "unusable"):
            assert row[key] == sums[row["item"]][key], (row, key)


def test_the_lot_status_of_expired_quarantined_and_unserviceable_stock_makes_it_unavailable(
    facts: Facts,
) -> None:
    statuses = {row["status"] for row in facts.lots}
    assert {"usable", "expired", "quarantined", "unserviceable"} <= statuses
    for row in facts.lots:
        if row["status"] == "usable":
            assert row["available"] == row["on_hand"] - row["reserved"], row
            assert row["unusable"] == 0, row
        else:
            assert row["available"] == 0, row
            assert row["unusable"] == row["on_hand"], row


def test_stock_filters_by_depot_item_category_lot_and_condition(api: Api, facts: Facts) -> None:
    lot = facts.lot(tracking="lot")
    quarantined = facts.lot(tracking="lot", status="quarantined")

    by_depot_item = api.stock_lots(depot=lot["depot"], item=lot["item"])
    by_lot = api.stock_lots(lot=lot["lot_no"])
    by_category = api.get("/stock", depot=lot["depot"], category=lot["category"])["items"]
    by_condition = api.stock_lots(condition="quarantined")

    assert by_depot_item == facts.lots_of(lot["depot"], lot["item"])
    assert lot in by_lot
    assert all(r["lot_no"] == lot["lot_no"] for r in by_lot)
    assert by_category
    assert all(r["category"] == lot["category"] for r in by_category)
    assert lot["item"] in {r["item"] for r in by_category}
    assert quarantined in by_condition
    assert all(r["condition"] == "quarantined" for r in by_condition)


@pytest.mark.parametrize("limit", [0, 1001])
def test_stock_refuses_a_page_size_under_1_or_over_1000(api: Api, limit: int) -> None:
    assert_problem(api.client.get("/stock", params={"limit": limit}), 422, "limit")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"offset": -1}, "offset"),
        ({"group_by": "depot"}, "group_by"),
        ({"condition": "broken"}, "condition"),
    ],
)
def test_stock_refuses_bad_query_values_naming_the_parameter(
    api: Api, params: dict[str, Any], field: str
) -> None:
    assert_problem(api.client.get("/stock", params=params), 422, field)


@pytest.mark.parametrize("field", ["depot", "item"])
def test_stock_for_an_unknown_depot_or_item_is_a_404_naming_the_filter(
    api: Api, field: str
) -> None:
    response = api.client.get("/stock", params={field: "NO-SUCH-CODE"})

    body = assert_problem(response, 404, field)
    assert "NO-SUCH-CODE" in body["detail"]


def test_the_stock_detail_lists_each_lot_and_sums_them(api: Api, facts: Facts) -> None:
    depot, item = facts.fefo_case()
    rows = facts.lots_of(depot, item)

    detail = api.detail(depot, item)

    assert (detail["depot"], detail["item"]) == (depot, item)
    assert detail["tracking"] == "lot"
    assert {lot["lot_no"] for lot in detail["lots"]} == {r["lot_no"] for r in rows}
    assert detail["on_hand"] == sum(lot["on_hand"] for lot in detail["lots"])
    assert detail["available"] == sum(r["available"] for r in rows)
    assert detail["unusable"] == sum(r["unusable"] for r in rows)
    statuses = {lot["lot_no"]: lot["status"] for lot in detail["lots"]}
    assert statuses == {r["lot_no"]: r["status"] for r in rows}


@pytest.mark.parametrize("field", ["depot", "item"])
def test_the_stock_detail_of_an_unknown_depot_or_item_is_a_404_naming_it(
    api: Api, facts: Facts, field: str
) -> None:
    lot = facts.lot(tracking="none")
    path = {"depot": f"/stock/NO-SUCH/{lot['item']}", "item": f"/stock/{lot['depot']}/NO-SUCH"}

    assert_problem(api.client.get(path[field]), 404, field)


# -------------------------------------------------------------------- /pick
def test_a_pick_takes_the_earliest_expiry_first_and_skips_unusable_lots(
    api: Api, facts: Facts
) -> None:
    depot, item = facts.fefo_case()
    usable = sorted(
        (r for r in facts.lots_of(depot, item) if r["status"] == "usable"),
        key=lambda r: r["expiry_date"],
    )
    unusable = {r["lot_no"] for r in facts.lots_of(depot, item) if r["status"] != "usable"}
    first = usable[0]

    picks = api.get(f"/stock/{depot}/{item}/pick", quantity=first["available"] + 1)
    everything = api.get(
        f"/stock/{depot}/{item}/pick", quantity=sum(r["available"] for r in usable)
    )

    assert picks == [
        {
            "lot_no": first["lot_no"],
            "expiry_date": first["expiry_date"],
            "quantity": first["available"],
        },
        {"lot_no": usable[1]["lot_no"], "expiry_date": usable[1]["expiry_date"], "quantity": 1},
    ]
    assert [p["lot_no"] for p in everything] == [r["lot_no"] for r in usable]
    assert [p["quantity"] for p in everything] == [r["available"] for r in usable]
    assert not unusable & {p["lot_no"] for p in everything}


def test_a_pick_of_more_than_the_usable_stock_is_a_409_naming_the_quantity(
    api: Api, facts: Facts
) -> None:
    depot, item = facts.fefo_case()
    usable = sum(r["available"] for r in facts.lots_of(depot, item))

    response = api.client.get(f"/stock/{depot}/{item}/pick", params={"quantity": usable + 1})

    assert_problem(response, 409, "quantity")


def test_a_pick_never_offers_an_expired_lot_even_when_it_is_all_there_is(
    api: Api, facts: Facts
) -> None:
    expired = facts.lot(tracking="lot", status="expired")
    others = [
        r for r in facts.lots_of(expired["depot"], expired["item"]) if r["status"] == "usable"
    ]

    response = api.client.get(
        f"/stock/{expired['depot']}/{expired['item']}/pick",
        params={"quantity": sum(r["available"] for r in others) + 1},
    )

    assert_problem(response, 409, "quantity")


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_pick_needs_a_positive_quantity(api: Api, facts: Facts, quantity: int) -> None:
    depot, item = facts.fefo_case()

    response = api.client.get(f"/stock/{depot}/{item}/pick", params={"quantity": quantity})

    assert_problem(response, 422, "quantity")


def test_a_pick_of_an_unknown_item_is_a_404_naming_the_item(api: Api, facts: Facts) -> None:
    depot, _ = facts.fefo_case()

    response = api.client.get(f"/stock/{depot}/NO-SUCH/pick", params={"quantity": 1})

    assert_problem(response, 404, "item")


# ------------------------------------------------------------------ /alerts
def test_alerts_list_expired_and_quarantined_lots_most_urgent_first(api: Api, facts: Facts) -> None:
    expired = facts.lot(tracking="lot", status="expired")
    quarantined = facts.lot(tracking="lot", status="quarantined")

    alerts = api.get("/alerts")

    keys = {(a["kind"], a["depot"], a["item"], a["lot_no"]) for a in alerts}
    assert ("expired", expired["depot"], expired["item"], expired["lot_no"]) in keys
    assert ("quarantined", quarantined["depot"], quarantined["item"], quarantined["lot_no"]) in keys
    severities = [a["severity"] for a in alerts]
    assert severities == sorted(severities, key=["critical", "warning"].index)


def test_alerts_can_be_narrowed_to_kinds_and_to_one_depot(api: Api, facts: Facts) -> None:
    expired = facts.lot(tracking="lot", status="expired")

    only_two = api.client.get("/alerts", params=[("kind", "expired"), ("kind", "quarantined")])
    at_depot = api.get("/alerts", depot=expired["depot"], kind="expired")

    assert only_two.status_code == 200
    assert {a["kind"] for a in only_two.json()} == {"expired", "quarantined"}
    assert at_depot
    assert {a["depot"] for a in at_depot} == {expired["depot"]}
    assert expired["lot_no"] in {a["lot_no"] for a in at_depot}
    assert all(a["days"] < 0 for a in at_depot)


def test_expiring_alerts_stay_within_the_look_ahead(api: Api) -> None:
    alerts = api.get("/alerts", kind="expiring", days=120)
    shorter = api.get("/alerts", kind="expiring", days=30)

    assert all(0 <= a["days"] <= 120 for a in alerts)
    assert all(0 <= a["days"] <= 30 for a in shorter)
    assert len(shorter) <= len(alerts)


def test_an_unknown_alert_kind_is_a_422_naming_kind(api: Api) -> None:
    assert_problem(api.client.get("/alerts", params={"kind": "nonsense"}), 422, "query.kind.0")


def test_alerts_for_an_unknown_depot_are_a_404_naming_the_depot(api: Api) -> None:
    assert_problem(api.client.get("/alerts", params={"depot": "NO-SUCH"}), 404, "depot")


@pytest.mark.parametrize(
    "params", [{"days": -1}, {"days": 3651}, {"calibration_days": -1}], ids=str
)
def test_alerts_refuse_a_look_ahead_out_of_range(api: Api, params: dict[str, int]) -> None:
    field = next(iter(params))

    assert_problem(api.client.get("/alerts", params=params), 422, field)
