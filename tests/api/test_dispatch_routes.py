"""Incidents and dispatch plans over HTTP: from an incident to pick lists, routes and ETAs,
then confirm, dispatch, deliver, cancel and re-plan, keeping every ledger invariant."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.services import Database
from inventory.checks import check_ledger
from tests.auth_support import client_as


def client(db: Database) -> TestClient:
    return client_as(db)


def later(hours: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).isoformat()


def books_balance(db: Database) -> None:
    with db.readers() as session:
        assert check_ledger(session) == []


def chlorine_release(c: TestClient, **extra: Any) -> dict[str, Any]:
    body = {
        "incident_type": "chemical_release",
        "level": "national",
        "location": {"hazard_source": "F12"},  # Việt Trì chlor-alkali plant
        "description": "chlorine tank rupture",
        **extra,
    }
    resp = c.post("/incidents", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def test_a_national_chlorine_release_yields_a_plan_a_logistics_officer_can_act_on(
    seeded_db: Database,
) -> None:
    c = client(seeded_db)
    incident = chlorine_release(c)
    assert incident["template"] == "chemical_release.national"
    assert len(incident["demands"]) >= 8
    resp = c.post(f"/incidents/{incident['id']}/dispatch-plans", json={"time_limit_s": 2})
    assert resp.status_code == 201, resp.text
    plan = resp.json()
    assert plan["status"] == "draft"
    assert plan["solve"]["status"] in ("feasible", "optimal")
    assert plan["pick_lists"] and plan["routes"]
    for pick_list in plan["pick_lists"]:
        for line in pick_list["lines"]:
            assert line["quantity"] > 0 and line["vehicle"]
    for route in plan["routes"]:
        kinds = [s["kind"] for s in route["stops"]]
        assert kinds[0] == "start" and kinds[-1] == "end" and "delivery" in kinds
        arrivals = [s["arrival"] for s in route["stops"]]
        assert arrivals == sorted(arrivals)
        assert route["geometry"]["geometry"]["type"] == "LineString"
    summary = plan["summary"]
    assert summary["met_units"] + summary["unmet_units"] == summary["demand_units"]
    for u in plan["unmet"]:
        assert u["reason"]


def test_confirm_dispatch_and_deliver_move_the_stock_and_keep_the_books(
    seeded_db: Database,
) -> None:
    c = client(seeded_db)
    incident = chlorine_release(c)
    plan = c.post(f"/incidents/{incident['id']}/dispatch-plans").json()
    line = plan["pick_lists"][0]["lines"][0]
    depot, item = plan["pick_lists"][0]["depot"], line["item"]
    before = c.get(f"/stock/{depot}/{item}").json()
    picked = sum(
        ln["quantity"]
        for pl in plan["pick_lists"]
        if pl["depot"] == depot
        for ln in pl["lines"]
        if ln["item"] == item
    )

    assert c.post(f"/dispatch-plans/{plan['id']}/confirm").status_code == 200
    held = c.get(f"/stock/{depot}/{item}").json()
    assert held["reserved"] == before["reserved"] + picked
    assert held["on_hand"] == before["on_hand"]
    books_balance(seeded_db)

    assert c.post(f"/dispatch-plans/{plan['id']}/confirm").status_code == 409
    assert c.post(f"/dispatch-plans/{plan['id']}/dispatch").status_code == 200
    gone = c.get(f"/stock/{depot}/{item}").json()
    assert gone["on_hand"] == before["on_hand"] - picked
    assert gone["reserved"] == before["reserved"]
    books_balance(seeded_db)

    delivered = c.post(f"/dispatch-plans/{plan['id']}/deliver")
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"
    assert c.post(f"/dispatch-plans/{plan['id']}/cancel").status_code == 409
    books_balance(seeded_db)


def test_cancelling_a_confirmed_plan_voids_its_reservations(seeded_sqlite: Database) -> None:
    c = client(seeded_sqlite)
    incident = chlorine_release(c)
    plan = c.post(f"/incidents/{incident['id']}/dispatch-plans").json()
    depot, item = plan["pick_lists"][0]["depot"], plan["pick_lists"][0]["lines"][0]["item"]
    before = c.get(f"/stock/{depot}/{item}").json()
    c.post(f"/dispatch-plans/{plan['id']}/confirm")
    assert c.post(f"/dispatch-plans/{plan['id']}/cancel").json()["status"] == "cancelled"
    assert c.get(f"/stock/{depot}/{item}").json() == before
    assert c.post(f"/dispatch-plans/{plan['id']}/confirm").status_code == 409
    books_balance(seeded_sqlite)


def _total_usable(c: TestClient, item: str) -> int:
    page = c.get("/stock", params={"item": item, "limit": 1000}).json()
    return sum(int(row["available"]) for row in page["items"])


def test_two_plans_competing_for_the_same_stock_never_both_confirm(seeded_db: Database) -> None:
    c = client(seeded_db)
    item = "DEC-SHLT"
    total = _total_usable(c, item)
    assert total > 0
    plans = []
    for place in ("F12", "F13"):
        incident = c.post(
            "/incidents",
            json={
                "incident_type": "chemical_release",
                "level": "national",
                "location": {"hazard_source": place},
                "demands": [{"item": item, "quantity": total, "required_by": later(48)}],
            },
        ).json()
        plan = c.post(f"/incidents/{incident['id']}/dispatch-plans").json()
        assert plan["summary"]["met_units"] == total
        plans.append(plan["id"])
    barrier = threading.Barrier(2)

    def confirm(plan_id: int) -> int:
        barrier.wait()
        return client(seeded_db).post(f"/dispatch-plans/{plan_id}/confirm").status_code

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(confirm, plans))
    assert codes == [200, 409]
    assert _total_usable(c, item) == 0
    books_balance(seeded_db)


def test_vehicles_on_a_confirmed_plan_are_not_offered_to_the_next_plan(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)
    first = c.post(f"/incidents/{chlorine_release(c)['id']}/dispatch-plans").json()
    c.post(f"/dispatch-plans/{first['id']}/confirm")
    busy = {r["vehicle"] for r in first["routes"]}
    second = c.post(f"/incidents/{chlorine_release(c)['id']}/dispatch-plans").json()
    assert busy.isdisjoint({r["vehicle"] for r in second["routes"]})


def test_a_replan_supersedes_the_confirmed_plan_and_keeps_what_is_on_the_road(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)
    incident = chlorine_release(c)
    first = c.post(f"/incidents/{incident['id']}/dispatch-plans").json()
    c.post(f"/dispatch-plans/{first['id']}/confirm")
    second = c.post(f"/incidents/{incident['id']}/replan")
    assert second.status_code == 201, second.text
    assert second.json()["replaces"] == first["id"]
    assert c.get(f"/dispatch-plans/{first['id']}").json()["status"] == "superseded"
    c.post(f"/dispatch-plans/{second.json()['id']}/confirm")
    c.post(f"/dispatch-plans/{second.json()['id']}/dispatch")
    nothing = c.post(f"/incidents/{incident['id']}/replan")
    assert nothing.status_code == 409  # everything demanded is on the road
    books_balance(seeded_sqlite)


def test_a_closure_on_the_way_changes_the_plan(seeded_sqlite: Database) -> None:
    c = client(seeded_sqlite)
    incident = c.post(
        "/incidents",
        json={
            "incident_type": "toxic_gas",
            "level": "provincial",
            "location": {"node_id": "ha_tinh"},
            "demands": [{"item": "RSP-SCBA", "quantity": 4, "required_by": later(12)}],
        },
    ).json()
    plan = c.post(f"/incidents/{incident['id']}/dispatch-plans").json()
    node = "ha_tinh"
    for edge in c.get("/network/nodes").json()["edges"]:
        if node in (edge["from_node"], edge["to_node"]):
            resp = c.post(
                "/network/closures",
                headers={"Idempotency-Key": f"close-{edge['id']}"},
                json={"kind": "edge", "edge_id": edge["id"], "reason": "flood"},
            )
            assert resp.status_code == 201
    cut = c.post(f"/incidents/{incident['id']}/dispatch-plans").json()
    assert plan["summary"]["met_units"] == 4, plan["unmet"]
    assert cut["summary"]["unmet_units"] == 4
    assert cut["unmet"][0]["reason"] == (
        "no depot can reach Hà Tĩnh: closures and hazard zones cut every road to it"
    )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"location": {"lat": 48.85, "lon": 2.35}}, 422, "location"),
        ({"location": {"lat": 12.0, "lon": 112.0}}, 422, "location"),  # the open sea
        ({"incident_type": "meteor"}, 422, "body.incident_type"),
        ({"level": "district"}, 422, "level"),
        (
            {"demands": [{"item": "NOPE", "quantity": 1, "required_by": later(5)}]},
            404,
            "demands[0].item",
        ),
        (
            {"demands": [{"item": "RSP-SCBA", "quantity": 0, "required_by": later(5)}]},
            422,
            "body.demands.0.quantity",
        ),
        (
            {"demands": [{"item": "RSP-SCBA", "quantity": 2, "required_by": later(-1)}]},
            422,
            "demands[0].required_by",
        ),
        ({"location": {"hazard_source": "ZZ9"}}, 404, "location.hazard_source"),
    ],
    ids=[
        "outside-vietnam",
        "open-sea",
        "unknown-type",
        "unknown-level",
        "unknown-item",
        "zero-quantity",
        "past-required-by",
        "unknown-hazard-source",
    ],
)
def test_a_bad_incident_is_refused_naming_the_field_and_nothing_is_stored(
    seeded_sqlite: Database, body: dict[str, Any], status: int, field: str
) -> None:
    c = client(seeded_sqlite)
    base = {
        "incident_type": "chemical_release",
        "level": "provincial",
        "location": {"hazard_source": "F12"},
    }
    resp = c.post("/incidents", json={**base, **body})
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["field"] == field
    assert c.get("/incidents").json() == []


def test_no_plan_is_made_for_a_closed_or_cancelled_incident(seeded_sqlite: Database) -> None:
    c = client(seeded_sqlite)
    for action in ("close", "cancel"):
        incident = chlorine_release(c)
        assert c.post(f"/incidents/{incident['id']}/{action}").status_code == 200
        resp = c.post(f"/incidents/{incident['id']}/dispatch-plans")
        assert resp.status_code == 409
        assert resp.json()["field"] == "incident_id"
    assert c.post("/incidents/999/dispatch-plans").status_code == 404
    assert c.post("/dispatch-plans/999/confirm").status_code == 404
