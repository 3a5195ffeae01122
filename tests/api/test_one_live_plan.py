"""One live plan per incident: asking again supersedes the draft, a re-plan never takes in
an incident with a confirmed plan of its own, and a superseded plan cannot be confirmed.
The double allocation that was seen (two confirmed plans for F13, D-BHA's SCBA reserved
twice) is replayed step by step on SQLite and PostgreSQL, and then with racing requests."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.services import Database
from inventory.checks import check_ledger
from inventory.models import PlanIncidentLink, Reservation, ReservationStatus
from tests.auth_support import client_as


def client(db: Database) -> TestClient:
    return client_as(db)


def declare(c: TestClient, hazard: str, incident_type: str, level: str) -> dict[str, Any]:
    body = {"incident_type": incident_type, "level": level, "location": {"hazard_source": hazard}}
    resp = c.post("/incidents", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def plan(c: TestClient, incident_id: int, **body: Any) -> dict[str, Any]:
    resp = c.post(f"/incidents/{incident_id}/dispatch-plans", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def live_plans(db: Database, incident_id: int) -> list[int]:
    with db.readers() as session:
        return list(
            session.scalars(
                select(PlanIncidentLink.plan_id).where(
                    PlanIncidentLink.incident_id == incident_id, PlanIncidentLink.live
                )
            )
        )


def held_by(db: Database, plan_id: int) -> int:
    with db.readers() as session:
        rows = session.scalars(
            select(Reservation.quantity).where(
                Reservation.reference == f"plan:{plan_id}",
                Reservation.status == ReservationStatus.PENDING,
            )
        )
        return sum(rows)


def books_balance(db: Database) -> None:
    with db.readers() as session:
        assert check_ledger(session) == []


def test_the_double_allocation_sequence_leaves_one_confirmed_plan_per_incident(
    seeded_db: Database,
) -> None:
    c = client(seeded_db)
    f13 = declare(c, "F13", "chemical_release", "national")  # Biên Hòa chlorine
    f05 = declare(c, "F05", "toxic_gas", "provincial")  # Phú Mỹ ammonia
    joint = plan(c, f13["id"], with_incidents=[f05["id"]])
    alone = plan(c, f13["id"])
    confirmed = c.post(f"/dispatch-plans/{alone['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text

    replan = c.post(f"/incidents/{f05['id']}/replan")

    assert replan.status_code == 201, replan.text
    assert replan.json()["incidents"] == [f05["id"]]  # F13 is not taken back in
    assert c.post(f"/dispatch-plans/{replan.json()['id']}/confirm").status_code == 200
    stale = c.post(f"/dispatch-plans/{joint['id']}/confirm")
    assert stale.status_code == 409
    assert f"superseded by plan {alone['id']}" in stale.json()["detail"]
    assert live_plans(seeded_db, f13["id"]) == [alone["id"]]
    assert live_plans(seeded_db, f05["id"]) == [replan.json()["id"]]
    statuses = {
        p["id"]: p["status"] for p in c.get(f"/incidents/{f13['id']}/dispatch-plans").json()
    }
    assert statuses == {joint["id"]: "superseded", alone["id"]: "confirmed"}
    assert held_by(seeded_db, joint["id"]) == 0
    books_balance(seeded_db)


def test_asking_again_supersedes_the_draft_instead_of_piling_up_drafts(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)
    f13 = declare(c, "F13", "chemical_release", "national")
    plans = [plan(c, f13["id"]) for _ in range(3)]

    listed = c.get(f"/incidents/{f13['id']}/dispatch-plans").json()

    assert [p["status"] for p in listed] == ["superseded", "superseded", "draft"]
    assert [p["superseded_by"] for p in listed] == [plans[1]["id"], plans[2]["id"], None]
    assert plans[2]["replaces"] == plans[1]["id"]
    assert live_plans(seeded_sqlite, f13["id"]) == [plans[2]["id"]]


def test_a_plan_request_for_an_incident_with_a_confirmed_plan_says_to_replan(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)
    f13 = declare(c, "F13", "chemical_release", "national")
    first = plan(c, f13["id"])
    assert c.post(f"/dispatch-plans/{first['id']}/confirm").status_code == 200

    again = c.post(f"/incidents/{f13['id']}/dispatch-plans")
    replan = c.post(f"/incidents/{f13['id']}/replan")

    assert again.status_code == 409
    assert "replan" in again.json()["detail"] and again.json()["field"] == "incident_id"
    assert replan.status_code == 201, replan.text
    assert replan.json()["replaces"] == first["id"]
    assert held_by(seeded_sqlite, first["id"]) == 0  # the old reservations were voided
    assert live_plans(seeded_sqlite, f13["id"]) == [replan.json()["id"]]
    books_balance(seeded_sqlite)


@pytest.mark.parametrize(("status", "word"), [("close", "closed"), ("cancel", "cancelled")])
def test_no_plan_is_made_for_a_closed_or_cancelled_incident(
    seeded_sqlite: Database, status: str, word: str
) -> None:
    c = client(seeded_sqlite)
    f13 = declare(c, "F13", "chemical_release", "national")
    assert c.post(f"/incidents/{f13['id']}/{status}").status_code == 200

    resp = c.post(f"/incidents/{f13['id']}/dispatch-plans")

    assert resp.status_code == 409
    assert word in resp.json()["detail"] and resp.json()["field"] == "incident_id"
    assert c.get(f"/incidents/{f13['id']}/dispatch-plans").json() == []


def test_with_incidents_naming_the_incident_itself_or_an_unknown_one_is_refused(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)
    f13 = declare(c, "F13", "chemical_release", "national")
    path = f"/incidents/{f13['id']}/dispatch-plans"

    itself = c.post(path, json={"with_incidents": [f13["id"]]})
    unknown = c.post(path, json={"with_incidents": [9999]})
    twice = c.post(path, json={"with_incidents": [9999, 9999]})

    assert itself.status_code == 422 and itself.json()["field"] == "with_incidents[0]"
    assert unknown.status_code == 404 and unknown.json()["field"] == "with_incidents[0]"
    assert twice.status_code in (404, 422)
    assert c.get(path).json() == []


def test_the_database_refuses_a_second_live_plan_for_an_incident(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)
    f13 = declare(c, "F13", "chemical_release", "national")
    first = plan(c, f13["id"])
    second = plan(c, f13["id"])

    with pytest.raises(IntegrityError), seeded_sqlite.sessions.begin() as session:
        link = session.scalars(
            select(PlanIncidentLink).where(PlanIncidentLink.plan_id == first["id"])
        ).one()
        link.live = True
        session.flush()
    assert live_plans(seeded_sqlite, f13["id"]) == [second["id"]]


def test_racing_plan_requests_and_confirms_leave_one_live_plan_and_one_reservation(
    seeded_db: Database,
) -> None:
    c = client(seeded_db)
    f13 = declare(c, "F13", "chemical_release", "national")
    path = f"/incidents/{f13['id']}/dispatch-plans"

    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(lambda _: c.post(path, json={"time_limit_s": 1}), range(4)))
    ids = [r.json()["id"] for r in made if r.status_code == 201]
    assert all(r.status_code in (201, 409) for r in made), [r.text for r in made]
    with ThreadPoolExecutor(max_workers=4) as pool:
        confirms = list(pool.map(lambda i: c.post(f"/dispatch-plans/{i}/confirm"), ids))

    assert len(live_plans(seeded_db, f13["id"])) == 1
    assert sum(r.status_code == 200 for r in confirms) == 1
    assert all(r.status_code in (200, 409) for r in confirms)
    assert sum(held_by(seeded_db, i) > 0 for i in ids) == 1
    books_balance(seeded_db)


def test_with_incidents_naming_an_incident_twice_or_an_id_out_of_range_is_refused(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)
    f13 = declare(c, "F13", "chemical_release", "national")
    f05 = declare(c, "F05", "toxic_gas", "provincial")
    path = f"/incidents/{f13['id']}/dispatch-plans"

    twice = c.post(path, json={"with_incidents": [f05["id"], f05["id"]]})
    zero = c.post(path, json={"with_incidents": [0]})
    huge = c.post(path, json={"with_incidents": [2**40]})

    assert twice.status_code == 422 and twice.json()["field"] == "with_incidents[1]"
    assert zero.status_code == 422 and zero.json()["field"].startswith("body.with_incidents")
    assert huge.status_code == 422 and huge.json()["field"].startswith("body.with_incidents")
    assert c.get(path).json() == []
    assert c.get(f"/incidents/{f05['id']}/dispatch-plans").json() == []
