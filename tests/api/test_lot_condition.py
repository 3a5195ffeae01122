"""Quarantining and releasing lots: availability, alerts and the record of who did it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.services import Database
from tests.auth_support import client_as


def client(db: Database) -> TestClient:
    return client_as(db)


def usable_lot(c: TestClient) -> dict[str, Any]:
    rows = c.get("/stock", params={"group_by": "lot", "limit": 1000}).json()["items"]
    return next(
        r
        for r in rows
        if r["status"] == "usable" and r["lot_no"] and r["on_hand"] > 5 and r["reserved"] == 0
    )


def post(c: TestClient, body: dict[str, Any], key: str) -> Any:
    return c.post("/lots/condition", json=body, headers={"Idempotency-Key": key})


def test_quarantining_a_lot_takes_it_out_of_available_and_raises_an_alert(
    seeded_sqlite: Database,
) -> None:
    c = client_as(seeded_sqlite, "qa-officer")
    lot = usable_lot(c)
    detail = f"/stock/{lot['depot']}/{lot['item']}"
    before = c.get(detail).json()
    resp = post(
        c,
        {
            "item": lot["item"],
            "lot_no": lot["lot_no"],
            "condition": "quarantined",
            "reason": "leak test failed",
        },
        "cond-0000001",
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["actor"] == "qa-officer"
    assert resp.json()["old_condition"] == "serviceable"
    after = c.get(detail).json()
    assert after["available"] == before["available"] - lot["on_hand"]
    alerts = c.get("/alerts", params={"depot": lot["depot"], "kind": "quarantined"}).json()
    assert any(a["lot_no"] == lot["lot_no"] for a in alerts)

    again = post(
        c,
        {
            "item": lot["item"],
            "lot_no": lot["lot_no"],
            "condition": "quarantined",
            "reason": "leak test failed",
        },
        "cond-0000001",
    )
    assert again.json()["replayed"] is True
    released = post(
        c,
        {
            "item": lot["item"],
            "lot_no": lot["lot_no"],
            "condition": "serviceable",
            "reason": "retest passed",
        },
        "cond-0000002",
    )
    assert released.status_code == 200
    assert c.get(detail).json()["available"] == before["available"]


def test_a_lot_reserved_for_a_confirmed_plan_cannot_be_quarantined(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)
    incident = c.post(
        "/incidents",
        json={
            "incident_type": "chemical_release",
            "level": "national",
            "location": {"hazard_source": "F12"},
        },
    ).json()
    plan = c.post(f"/incidents/{incident['id']}/dispatch-plans").json()
    c.post(f"/dispatch-plans/{plan['id']}/confirm")
    line = next(ln for pl in plan["pick_lists"] for ln in pl["lines"] if ln["lot_no"])
    resp = post(
        c,
        {
            "item": line["item"],
            "lot_no": line["lot_no"],
            "condition": "quarantined",
            "reason": "suspect",
        },
        "cond-0000003",
    )
    assert resp.status_code == 409
    assert resp.json()["field"] == "condition"


def test_bad_condition_changes_are_refused_naming_the_field(seeded_sqlite: Database) -> None:
    c = client(seeded_sqlite)
    lot = usable_lot(c)
    cases = [
        (
            {
                "item": lot["item"],
                "lot_no": "NO-SUCH-LOT",
                "condition": "quarantined",
                "reason": "x",
            },
            404,
            "lot_no",
        ),
        (
            {"item": "NO-SUCH-ITEM", "lot_no": "X", "condition": "quarantined", "reason": "x"},
            404,
            "item",
        ),
        (
            {
                "item": lot["item"],
                "lot_no": lot["lot_no"],
                "condition": "serviceable",
                "reason": "x",
            },
            409,
            "condition",
        ),
        (
            {"item": lot["item"], "lot_no": lot["lot_no"], "condition": "broken", "reason": "x"},
            422,
            "body.condition",
        ),
        (
            {"item": lot["item"], "lot_no": lot["lot_no"], "condition": "quarantined"},
            422,
            "body.reason",
        ),
    ]
    for n, (body, status, field) in enumerate(cases):
        resp = post(c, body, f"cond-bad-{n:04d}")
        assert resp.status_code == status, (body, resp.text)
        assert resp.json()["field"] == field
    untracked = next(i for i in c.get("/items").json() if i["tracking"] == "none")
    resp = post(
        c,
        {"item": untracked["code"], "lot_no": "ANY", "condition": "quarantined", "reason": "x"},
        "cond-bad-9999",
    )
    assert resp.status_code == 422
    assert resp.json()["field"] == "lot_no"
