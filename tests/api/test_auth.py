"""Bearer tokens, roles, depot scope and the audit log through HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.services import Database
from inventory.accounts import User
from inventory.models import Movement
from tests.api.api_support import Api, Facts, assert_problem, new_key
from tests.auth_support import TEST_ADMIN, bearer


def receipt(depot: str, item: str, quantity: int = 1) -> dict[str, Any]:
    return {"type": "receipt", "depot": depot, "item": item, "quantity": quantity}


def movements(db: Database) -> int:
    with db.readers() as session:
        return int(session.scalar(select(func.count()).select_from(Movement)) or 0)


def anonymous(api: Api) -> TestClient:
    return TestClient(api.client.app)


def assert_unauthorised(response: httpx.Response) -> None:
    assert_problem(response, 401, "Authorization")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_receipt_without_a_token_is_a_401_and_posts_nothing(
    api: Api, seeded_sqlite: Database, facts: Facts
) -> None:
    row = facts.lot(tracking="none")
    before = movements(seeded_sqlite)

    response = anonymous(api).post(
        "/movements",
        json=receipt(row["depot"], row["item"]),
        headers={"Idempotency-Key": new_key()},
    )

    assert_unauthorised(response)
    assert movements(seeded_sqlite) == before


def test_a_request_without_a_token_is_refused_before_its_body_is_read(api: Api) -> None:
    response = anonymous(api).post(
        "/movements", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert_unauthorised(response)


def test_a_malformed_authorization_header_is_a_401(api: Api) -> None:
    client = anonymous(api)
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer short", "Bearer bad token!", "tok"):
        assert_unauthorised(client.get("/depots", headers={"Authorization": header}))


def test_an_unknown_token_is_a_401(api: Api) -> None:
    response = anonymous(api).get("/depots", headers=bearer("x" * 43))

    assert_unauthorised(response)
    assert "unknown or revoked" in response.json()["detail"]


def test_a_revoked_token_is_a_401_from_then_on(api: Api) -> None:
    issued = api.client.post("/users/" + TEST_ADMIN + "/tokens").json()
    client = anonymous(api)
    assert client.get("/depots", headers=bearer(issued["token"])).status_code == 200

    revoked = api.client.delete(f"/tokens/{issued['id']}")

    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert_unauthorised(client.get("/depots", headers=bearer(issued["token"])))
    (entry,) = audit(api, kind="delete_token")
    assert entry["target"] == f"token {issued['id']} of {TEST_ADMIN}"


def test_health_and_the_docs_answer_without_a_token(api: Api) -> None:
    client = anonymous(api)
    for path in ("/health", "/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 200, path


def test_an_unknown_path_without_a_token_is_a_401_not_a_404(api: Api) -> None:
    assert_unauthorised(anonymous(api).get("/no-such-route"))


def test_a_viewer_cannot_post_a_receipt(api: Api, seeded_sqlite: Database, facts: Facts) -> None:
    row = facts.lot(tracking="none")
    before = movements(seeded_sqlite)

    response = api.as_user("watcher", "viewer").post_movement(receipt(row["depot"], row["item"]))

    body = assert_problem(response, 403)
    assert "viewer" in body["detail"]
    assert movements(seeded_sqlite) == before


def test_a_viewer_reads_the_stock(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="none")

    assert api.as_user("watcher", "viewer").on_hand(row["depot"], row["item"]) >= 0


def test_a_depot_manager_receives_at_its_own_depot(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="none")
    manager = api.as_user("thu-kho", "depot_manager", [row["depot"]])
    before = api.on_hand(row["depot"], row["item"])

    response = manager.post_movement(receipt(row["depot"], row["item"], 2))

    assert response.status_code == 201, response.text
    assert api.on_hand(row["depot"], row["item"]) == before + 2
    assert api.card(row["depot"], row["item"])[-1]["actor"] == "thu-kho"


def test_a_depot_manager_posting_at_another_depot_is_a_403_and_posts_nothing(
    api: Api, seeded_sqlite: Database, facts: Facts
) -> None:
    row = facts.lot(tracking="none")
    other = facts.other_depot(row["item"], row["depot"])
    manager = api.as_user("thu-kho", "depot_manager", [other])
    before = movements(seeded_sqlite)

    response = manager.post_movement(receipt(row["depot"], row["item"]))

    body = assert_problem(response, 403, "depot")
    assert row["depot"] in body["detail"]
    assert movements(seeded_sqlite) == before


def test_a_depot_manager_may_send_a_transfer_from_its_depot_but_not_receive_it_elsewhere(
    api: Api, facts: Facts
) -> None:
    row = facts.lot(tracking="none", min_on_hand=5)
    to = facts.other_depot(row["item"], row["depot"])
    sender = api.as_user("sender", "depot_manager", [row["depot"]])
    transfer = {
        "type": "transfer",
        "from_depot": row["depot"],
        "to_depot": to,
        "item": row["item"],
        "quantity": 1,
    }
    sent = sender.post_movement(transfer)
    assert sent.status_code == 201, sent.text
    arrival = {"type": "transfer_receive", "transfer_id": sent.json()["transfer_id"]}

    assert_problem(sender.post_movement(arrival), 403, "depot")
    receiver = api.as_user("receiver", "depot_manager", [to])
    assert receiver.post_movement(arrival).status_code == 201


def test_a_depot_manager_cannot_send_from_another_depot(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="none", min_on_hand=5)
    to = facts.other_depot(row["item"], row["depot"])
    manager = api.as_user("thu-kho", "depot_manager", [to])
    transfer = {
        "type": "transfer",
        "from_depot": row["depot"],
        "to_depot": to,
        "item": row["item"],
        "quantity": 1,
    }

    assert_problem(manager.post_movement(transfer), 403, "depot")


def test_a_user_for_an_unknown_role_or_depot_is_a_422_and_nothing_is_written(
    api: Api, seeded_sqlite: Database
) -> None:
    def users() -> int:
        with seeded_sqlite.readers() as session:
            return int(session.scalar(select(func.count()).select_from(User)) or 0)

    before = users()
    bad_role = api.client.post("/users", json={"name": "x", "role": "general"})
    bad_depot = api.client.post(
        "/users", json={"name": "y", "role": "depot_manager", "depots": ["D-NOWHERE"]}
    )
    no_depot = api.client.post("/users", json={"name": "z", "role": "depot_manager"})

    assert_problem(bad_role, 422, "role")
    assert_problem(bad_depot, 422, "depots")
    assert_problem(no_depot, 422, "depots")
    assert users() == before


def test_a_token_for_an_unknown_user_is_a_404(api: Api) -> None:
    assert_problem(api.client.post("/users/nobody/tokens"), 404, "name")


def test_tokens_are_listed_by_id_and_never_by_secret(api: Api) -> None:
    issued = api.client.post(f"/users/{TEST_ADMIN}/tokens").json()

    listed = api.get("/tokens")

    mine = next(t for t in listed if t["id"] == issued["id"])
    assert mine["user"] == TEST_ADMIN and "token" not in mine
    assert issued["token"] not in str(listed)


def audit(api: Api, **params: Any) -> list[dict[str, Any]]:
    return api.pages("/audit", **params)


def test_a_write_records_the_real_user_in_the_audit_log(any_api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="none")
    manager = any_api.as_user("thu-kho", "depot_manager", [row["depot"]])

    posted = manager.post_movement(receipt(row["depot"], row["item"])).json()

    (entry,) = audit(any_api, user="thu-kho")
    assert entry["kind"] == "create_movement"
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/movements", 201)
    assert entry["depot"] == row["depot"]
    assert entry["target"] == f"movement {posted['movement_ids'][0]}"
    assert dt.datetime.fromisoformat(entry["at"]).utcoffset() == dt.timedelta(hours=7)


def test_reads_and_refusals_leave_no_audit_entry(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="none")
    before = audit(api)
    viewer = api.as_user("watcher", "viewer")
    viewer.get("/stock")
    viewer.post_movement(receipt(row["depot"], row["item"]))
    api.post_movement(receipt("D-NOWHERE", row["item"]))

    after = audit(api)

    # only the two user creations and two token issues of `as_user` were written
    assert [e["kind"] for e in after[: len(after) - len(before)]] == [
        "create_token",
        "create_user",
    ]


def test_the_audit_log_filters_by_user_kind_depot_and_time(api: Api, facts: Facts) -> None:
    row = facts.lot(tracking="none")
    other = facts.other_depot(row["item"], row["depot"])
    start = dt.datetime.now(dt.UTC)
    first = api.as_user("a-manager", "depot_manager", [row["depot"]])
    second = api.as_user("b-manager", "depot_manager", [other])
    assert first.post_movement(receipt(row["depot"], row["item"])).status_code == 201
    assert second.post_movement(receipt(other, row["item"])).status_code == 201
    end = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)

    by_user = audit(api, user="a-manager")
    by_depot = audit(api, depot=row["depot"])
    by_kind = audit(api, kind="create_user")
    in_time = audit(api, **{"from": start.isoformat(), "to": end.isoformat()})
    before = audit(api, to=start.isoformat())

    assert [e["user"] for e in by_user] == ["a-manager"]
    assert {e["depot"] for e in by_depot} == {row["depot"]}
    assert {e["user"] for e in by_kind} == {TEST_ADMIN}
    assert len(by_kind) == 2
    assert {e["user"] for e in in_time} >= {"a-manager", TEST_ADMIN}
    assert all(e["user"] != "a-manager" for e in before)


def test_an_audit_time_without_a_zone_is_a_422(api: Api) -> None:
    response = api.client.get("/audit", params={"from": "2026-01-01T00:00:00"})

    assert_problem(response, 422, "from")


def test_the_audit_log_is_for_admins_only(api: Api) -> None:
    response = api.as_user("planner-1", "planner").client.get("/audit")

    assert_problem(response, 403)


def test_a_depot_manager_importing_a_row_at_another_depot_is_a_403_and_posts_nothing(
    api: Api, seeded_sqlite: Database, facts: Facts
) -> None:
    row = facts.lot(tracking="none")
    other = facts.other_depot(row["item"], row["depot"])
    manager = api.as_user("thu-kho", "depot_manager", [row["depot"]])
    before = movements(seeded_sqlite)
    rows = [[row["depot"], row["item"], 1], [other, row["item"], 1]]

    refused = manager.import_table("csv", ["depot", "item", "quantity"], rows)

    assert_problem(refused, 403, "depot")
    assert movements(seeded_sqlite) == before
    mine = manager.import_table("csv", ["depot", "item", "quantity"], rows[:1])
    assert mine.status_code == 201, mine.text
