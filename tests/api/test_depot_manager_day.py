"""Issue 12, items 1-4 through HTTP: capacity, expiry on receipt, recalibration and
default lots, each "What was seen" case and its bad input (a 4xx naming the field, nothing
written)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.api_support import (
    FAR_EXPIRY,
    Api,
    Facts,
    assert_problem,
    new_key,
    new_lot_no,
)

RECEIPT_COLUMNS = ["depot", "item", "quantity", "lot_no", "expiry_date", "over_capacity_reason"]


def _shelters(depot: str, quantity: int, **extra: Any) -> dict[str, Any]:
    return {"type": "receipt", "depot": depot, "item": "SHL-CP", "quantity": quantity, **extra}


# ------------------------------------------------------------------- capacity
def test_a_receipt_of_500_shl_cp_at_d_dlt_is_refused_with_a_409_naming_capacity_load_and_excess(
    api: Api,
) -> None:
    depot = api.get("/depots/D-DLT")
    before = api.snapshot("D-DLT", "SHL-CP")

    body = assert_problem(api.post_movement(_shelters("D-DLT", 500)), 409, "quantity")

    detail = body["detail"]
    assert f"capacity of {depot['capacity_m3']:,.1f} m3 / {depot['capacity_kg']:,.0f} kg" in detail
    assert f"load now {depot['used_m3']:,.1f} m3" in detail
    excess_m3 = depot["used_m3"] + 500 * 2.5 - depot["capacity_m3"]
    assert f"excess {excess_m3:,.1f} m3" in detail
    assert "over_capacity_reason" in detail
    assert api.snapshot("D-DLT", "SHL-CP") == before
    assert api.get("/alerts", kind="over_capacity") == []


def test_a_receipt_over_capacity_with_a_reason_is_accepted_recorded_and_raises_an_alert(
    api: Api,
) -> None:
    reason = "Bão số 9: nhận tạm lều của Quân khu 5"

    posted = api.posted(_shelters("D-DLT", 500, over_capacity_reason=reason))

    assert posted["lines"][0]["quantity"] == 500
    found = api.get("/alerts", kind="over_capacity")
    assert [(a["depot"], a["item"]) for a in found] == [("D-DLT", "SHL-CP")]
    assert reason in found[0]["message"]
    assert "admin" in found[0]["message"]
    # the alert lasts until the depot is back within capacity
    api.posted({"type": "issue", "depot": "D-DLT", "item": "SHL-CP", "quantity": 500})
    assert api.get("/alerts", kind="over_capacity") == []


def test_a_blank_over_capacity_reason_is_a_422_naming_it(api: Api) -> None:
    before = api.snapshot("D-DLT", "SHL-CP")

    response = api.post_movement(_shelters("D-DLT", 500, over_capacity_reason=""))

    assert_problem(response, 422, "over_capacity_reason")
    assert api.snapshot("D-DLT", "SHL-CP") == before


def test_an_import_row_over_capacity_is_refused_unless_it_gives_a_reason(api: Api) -> None:
    before = api.snapshot("D-DLT", "SHL-CP")
    row = ["D-DLT", "SHL-CP", 500, "", "", ""]

    refused = assert_problem(api.import_table("csv", RECEIPT_COLUMNS, [row]), 422)

    assert refused["errors"][0]["row"] == 2
    assert refused["errors"][0]["field"] == "quantity"
    assert api.snapshot("D-DLT", "SHL-CP") == before
    row[-1] = "kho dã chiến"
    assert api.import_table("csv", RECEIPT_COLUMNS, [row]).status_code == 201
    assert api.on_hand("D-DLT", "SHL-CP") == before.detail["on_hand"] + 500


def test_import_rows_that_each_fit_but_together_overfill_a_depot_are_refused_from_the_first_over(
    api: Api,
) -> None:
    depot = api.get("/depots/D-DLT")
    room_m3 = depot["capacity_m3"] - depot["used_m3"]
    fits = int(room_m3 // 2.5)  # SHL-CP takes 2.5 m3 a unit
    assert fits >= 4, depot
    half = fits // 2 + 1  # one row of `half` fits, two do not
    before = api.snapshot("D-DLT", "SHL-CP")
    rows = [["D-DLT", "SHL-CP", half, "", "", ""], ["D-DLT", "SHL-CP", half, "", "", ""]]

    refused = assert_problem(api.import_table("csv", RECEIPT_COLUMNS, rows), 422)

    assert [(e["row"], e["field"]) for e in refused["errors"]] == [(3, "quantity")]
    assert api.snapshot("D-DLT", "SHL-CP") == before


# --------------------------------------------------------------------- expiry
def test_an_import_row_with_expiry_2021_01_01_is_refused_naming_expiry_date(
    api: Api, facts: Facts
) -> None:
    item = facts.item_with("lot", shelf_life=True)["code"]
    depot = facts.receiving_depot(item)
    before = api.snapshot(depot, item)
    rows = [
        [depot, item, 5, new_lot_no(), FAR_EXPIRY.isoformat(), ""],
        [depot, item, 5, new_lot_no(), "2021-01-01", ""],
    ]

    refused = assert_problem(api.import_table("xlsx", RECEIPT_COLUMNS, rows), 422)

    assert [(e["row"], e["field"]) for e in refused["errors"]] == [(3, "expiry_date")]
    assert "2021-01-01" in refused["errors"][0]["message"]
    assert api.snapshot(depot, item) == before


def test_an_expired_receipt_is_a_422_naming_expiry_date_and_posts_quarantined_if_asked(
    api: Api, facts: Facts
) -> None:
    item = facts.item_with("lot", shelf_life=True)["code"]
    depot = facts.receiving_depot(item)
    lot_no = new_lot_no()
    body = {
        "type": "receipt",
        "depot": depot,
        "item": item,
        "quantity": 3,
        "lot_no": lot_no,
        "expiry_date": "2021-01-01",
    }
    before = api.snapshot(depot, item)

    assert_problem(api.post_movement(body), 422, "expiry_date")
    assert api.snapshot(depot, item) == before

    api.posted({**body, "condition": "quarantined"})
    lot = next(r for r in api.stock_lots(depot=depot, item=item) if r["lot_no"] == lot_no)
    assert (lot["condition"], lot["status"]) == ("quarantined", "quarantined")
    expired = api.get("/alerts", depot=depot, kind="expired")
    assert lot_no in {a["lot_no"] for a in expired}


# ---------------------------------------------------------------- calibration
def _overdue_serial(api: Api) -> dict[str, Any]:
    found: list[dict[str, Any]] = api.get("/alerts", kind="calibration_overdue")
    assert found, "the seeded data holds serials overdue for calibration"
    return found[0]


def _calibration(alert: dict[str, Any], **extra: Any) -> dict[str, Any]:
    today = dt.date.today()
    return {
        "item": alert["item"],
        "serial": alert["lot_no"],
        "calibrated_on": (today - dt.timedelta(days=1)).isoformat(),
        "next_due": (today + dt.timedelta(days=365)).isoformat(),
        "certificate_no": "KĐ-2026/0042",
        **extra,
    }


def _post_calibration(api: Api, body: dict[str, Any]) -> Any:
    return api.client.post(
        "/serials/calibration", json=body, headers={"Idempotency-Key": new_key()}
    )


def test_a_recalibration_clears_the_calibration_overdue_alert_and_shows_on_the_card(
    api: Api,
) -> None:
    alert = _overdue_serial(api)
    body = _calibration(alert, note="hiệu chuẩn tại Viện Hóa học Quân sự")

    response = _post_calibration(api, body)

    assert response.status_code == 201, response.text
    assert response.json()["previous_due"] == alert["date"]
    overdue = api.get("/alerts", kind="calibration_overdue")
    assert alert["lot_no"] not in {a["lot_no"] for a in overdue}
    card = api.get(f"/serials/{alert['item']}/{alert['lot_no']}")
    assert (card["depot"], card["status"]) == (alert["depot"], "usable")
    assert card["calibration_due"] == body["next_due"]
    [entry] = card["calibrations"]
    assert (entry["certificate_no"], entry["actor"]) == ("KĐ-2026/0042", "test-admin")
    assert entry["recorded_at"].endswith("+07:00")


def test_the_card_of_a_serial_lists_its_condition_changes_in_local_time(api: Api) -> None:
    alert = _overdue_serial(api)
    change = api.client.post(
        "/lots/condition",
        json={
            "item": alert["item"],
            "lot_no": alert["lot_no"],
            "condition": "in_repair",
            "reason": "màn hình hỏng",
        },
        headers={"Idempotency-Key": new_key()},
    )
    assert change.status_code == 200, change.text

    card = api.get(f"/serials/{alert['item']}/{alert['lot_no']}")

    assert card["condition"] == "in_repair"
    [entry] = card["condition_history"]
    assert (entry["old_condition"], entry["condition"]) == ("serviceable", "in_repair")
    assert entry["changed_at"].endswith("+07:00")


def _refused_calibration(
    api: Api, body: dict[str, Any], status: int, field: str, card_of: dict[str, Any]
) -> None:
    path = f"/serials/{card_of['item']}/{card_of['lot_no']}"
    before = (api.get(path), api.get("/alerts", kind="calibration_overdue"))

    assert_problem(_post_calibration(api, body), status, field)

    assert (api.get(path), api.get("/alerts", kind="calibration_overdue")) == before


def test_a_recalibration_for_a_lot_tracked_item_is_a_422_naming_item(
    api: Api, facts: Facts
) -> None:
    alert = _overdue_serial(api)
    lot = facts.lot(tracking="lot")
    body = _calibration(alert, item=lot["item"], serial=lot["lot_no"])
    _refused_calibration(api, body, 422, "item", alert)


def test_a_recalibration_for_an_untracked_item_is_a_422_naming_item(api: Api, facts: Facts) -> None:
    alert = _overdue_serial(api)
    body = _calibration(alert, item=facts.item_with("none")["code"])
    _refused_calibration(api, body, 422, "item", alert)


def test_a_calibrated_on_date_in_the_future_is_a_422_naming_calibrated_on(api: Api) -> None:
    alert = _overdue_serial(api)
    future = dt.date.today() + dt.timedelta(days=2)
    body = _calibration(alert, calibrated_on=future.isoformat())
    _refused_calibration(api, body, 422, "calibrated_on", alert)


def test_a_next_due_before_the_calibration_date_is_a_422_naming_next_due(api: Api) -> None:
    alert = _overdue_serial(api)
    day = dt.date.today() - dt.timedelta(days=10)
    body = _calibration(
        alert, calibrated_on=day.isoformat(), next_due=(day - dt.timedelta(days=1)).isoformat()
    )
    _refused_calibration(api, body, 422, "next_due", alert)


def test_a_recalibration_of_an_unknown_serial_is_a_404(api: Api) -> None:
    alert = _overdue_serial(api)
    _refused_calibration(api, _calibration(alert, serial="NO-SUCH-SERIAL"), 404, "serial", alert)


def test_a_depot_manager_may_not_recalibrate_a_serial_held_at_another_depot(
    api: Api, facts: Facts
) -> None:
    alert = _overdue_serial(api)
    elsewhere = next(code for code in facts.depots if code != alert["depot"])
    manager = api.as_user("quan-ly-kho", role="depot_manager", depots=[elsewhere])
    path = f"/serials/{alert['item']}/{alert['lot_no']}"
    before = api.get(path)

    assert_problem(_post_calibration(manager, _calibration(alert)), 403, "serial")

    assert api.get(path) == before
    own = api.as_user("quan-ly-kho-2", role="depot_manager", depots=[alert["depot"]])
    assert _post_calibration(own, _calibration(alert)).status_code == 201


# --------------------------------------------------------------- default lots
def test_a_transfer_without_lot_no_takes_the_earliest_expiring_usable_lots_and_lists_them(
    api: Api, facts: Facts
) -> None:
    depot, item = facts.fefo_case()
    usable = sorted(
        (r for r in facts.lots_of(depot, item) if r["status"] == "usable"),
        key=lambda r: r["expiry_date"],
    )
    first, second = usable[0], usable[1]
    to_depot = facts.other_depot(item, depot)
    quantity = first["available"] + 1

    result = api.posted(
        {
            "type": "transfer",
            "from_depot": depot,
            "to_depot": to_depot,
            "item": item,
            "quantity": quantity,
        }
    )

    taken = [(line["lot_no"], line["quantity"]) for line in result["lines"]]
    assert taken == [(first["lot_no"], first["available"]), (second["lot_no"], 1)]
    assert len(result["transfer_ids"]) == 2
    assert result["transfer_id"] is None
    for transfer_id in result["transfer_ids"]:
        api.posted({"type": "transfer_receive", "transfer_id": transfer_id})
    assert api.on_hand(to_depot, item, first["lot_no"]) >= first["available"]


def test_the_card_of_an_unknown_serial_is_a_404_and_of_a_lot_a_422_naming_item(
    api: Api, facts: Facts
) -> None:
    serial = facts.lot(tracking="serial")
    lot = facts.lot(tracking="lot")

    assert_problem(api.client.get(f"/serials/{serial['item']}/NO-SUCH-SERIAL"), 404, "serial")
    assert_problem(api.client.get(f"/serials/{lot['item']}/{lot['lot_no']}"), 422, "item")


def test_a_transfer_received_over_capacity_is_a_409_until_it_gives_a_reason(
    api: Api, facts: Facts
) -> None:
    source = next(r for r in facts.lots_of("D-HNI", "SHL-CP") if r["available"] >= 2)
    shipped = api.posted(
        {
            "type": "transfer",
            "from_depot": "D-HNI",
            "to_depot": "D-DLT",
            "item": "SHL-CP",
            "quantity": 2,
            "lot_no": source["lot_no"],
        }
    )
    fill = api.get("/depots/D-DLT")
    room = int((fill["capacity_m3"] - fill["used_m3"]) // 2.5)
    api.posted(_shelters("D-DLT", room))
    before = api.snapshot("D-DLT", "SHL-CP")
    arrival = {"type": "transfer_receive", "transfer_id": shipped["transfer_id"]}

    assert_problem(api.post_movement(arrival), 409, "quantity")

    assert api.snapshot("D-DLT", "SHL-CP") == before
    api.posted({**arrival, "over_capacity_reason": "xe đã tới Đà Lạt"})
    assert api.get("/alerts", kind="over_capacity")[0]["depot"] == "D-DLT"
