"""Retries and failures around incidents and plans: a retried request creates nothing new,
and a re-plan that cannot be made leaves the plans it would replace as they were."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.services import Database

from .api_support import assert_problem
from .test_dispatch_routes import books_balance, chlorine_release, client

INCIDENT = {
    "incident_type": "toxic_gas",
    "level": "provincial",
    "location": {"hazard_source": "F12"},
    "description": "ammonia leak reported twice by a flaky radio link",
}


def _post(c: TestClient, path: str, key: str, body: dict[str, Any] | None = None) -> Any:
    return c.post(path, json=body, headers={"Idempotency-Key": key})


def test_a_retried_incident_declaration_with_the_same_key_declares_one_incident(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)

    first = _post(c, "/incidents", "incident-0001", INCIDENT)
    retry = _post(c, "/incidents", "incident-0001", INCIDENT)

    assert first.status_code == 201, first.text
    assert retry.status_code == 201, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert retry.json() == first.json()
    assert [i["id"] for i in c.get("/incidents").json()] == [first.json()["id"]]


def test_the_same_key_with_another_incident_is_refused_and_nothing_is_stored(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)
    _post(c, "/incidents", "incident-0002", INCIDENT)

    other = _post(c, "/incidents", "incident-0002", {**INCIDENT, "level": "national"})

    assert other.status_code == 409, other.text
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["field"] == "Idempotency-Key"
    assert len(c.get("/incidents").json()) == 1


@pytest.mark.parametrize("key", ["short", "k" * 201], ids=["too-short", "too-long"])
def test_an_optional_key_of_the_wrong_length_is_refused_and_nothing_is_stored(
    seeded_sqlite: Database, key: str
) -> None:
    c = client(seeded_sqlite)
    incident = chlorine_release(c)

    declared = _post(c, "/incidents", key, INCIDENT)
    planned = _post(c, f"/incidents/{incident['id']}/dispatch-plans", key)

    for response in (declared, planned):
        assert_problem(response, 422, "Idempotency-Key")
    assert [i["id"] for i in c.get("/incidents").json()] == [incident["id"]]
    assert c.get(f"/incidents/{incident['id']}/dispatch-plans").json() == []


def test_a_retried_plan_request_with_the_same_key_returns_the_first_plan(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)
    incident = chlorine_release(c)
    path = f"/incidents/{incident['id']}/dispatch-plans"

    first = _post(c, path, "plan-request-0001")
    retry = _post(c, path, "plan-request-0001")

    assert first.status_code == 201, first.text
    assert retry.status_code == 201, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert [p["id"] for p in c.get(path).json()] == [first.json()["id"]]


def test_a_plan_request_when_everything_is_on_the_road_is_refused_and_stores_nothing(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)
    incident = chlorine_release(c)
    path = f"/incidents/{incident['id']}/dispatch-plans"
    sent = c.post(path).json()
    assert sent["summary"]["unmet_units"] == 0
    assert c.post(f"/dispatch-plans/{sent['id']}/confirm").status_code == 200
    assert c.post(f"/dispatch-plans/{sent['id']}/dispatch").status_code == 200

    again = c.post(path)
    replan = c.post(f"/incidents/{incident['id']}/replan")

    assert again.status_code == 409, again.text  # everything demanded is on the road
    assert replan.status_code == 409, replan.text
    assert [p["id"] for p in c.get(path).json()] == [sent["id"]]
    books_balance(seeded_sqlite)


def test_a_refused_replan_leaves_the_draft_it_would_replace(seeded_sqlite: Database) -> None:
    c = client(seeded_sqlite)
    first = chlorine_release(c)
    second = c.post("/incidents", json=INCIDENT).json()
    draft = c.post(f"/incidents/{first['id']}/dispatch-plans").json()
    own = c.post(f"/incidents/{second['id']}/dispatch-plans").json()
    assert c.post(f"/dispatch-plans/{own['id']}/confirm").status_code == 200

    replan = c.post(f"/incidents/{first['id']}/replan", json={"with_incidents": [second["id"]]})

    assert replan.status_code == 409, replan.text
    assert replan.json()["field"] == "with_incidents[0]"
    assert f"confirmed plan {own['id']}" in replan.json()["detail"]
    assert c.get(f"/dispatch-plans/{draft['id']}").json()["status"] == "draft"
    assert c.get(f"/dispatch-plans/{own['id']}").json()["status"] == "confirmed"
    books_balance(seeded_sqlite)


def test_a_replan_leaves_out_an_incident_planned_alongside_that_was_closed_since(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)
    first = chlorine_release(c)
    second = c.post("/incidents", json=INCIDENT).json()
    joint = c.post(
        f"/incidents/{first['id']}/dispatch-plans", json={"with_incidents": [second["id"]]}
    ).json()
    assert joint["incidents"] == [first["id"], second["id"]]
    assert c.post(f"/incidents/{second['id']}/close").status_code == 200

    replan = c.post(f"/incidents/{first['id']}/replan")

    assert replan.status_code == 201, replan.text
    assert replan.json()["incidents"] == [first["id"]]
    assert replan.json()["replaces"] == joint["id"]
    assert c.get(f"/dispatch-plans/{joint['id']}").json()["status"] == "superseded"
    books_balance(seeded_sqlite)
