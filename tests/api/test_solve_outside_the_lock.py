"""A plan is solved with no transaction open: the books stay writable while it solves, and
what changed meanwhile is rechecked before the plan is stored. A plan that fails the
solver-independent checks is never stored and is answered as a 500 that names it."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.network_service import RoadContext
from api.planning import PlanCommand, plan_dispatch
from api.services import Database
from api.settings import Settings
from optimizer import DispatchParams, DispatchPlan, DispatchProblem, solve_dispatch
from tests.api.api_support import Api, Facts
from tests.auth_support import TEST_ADMIN, bearer, client_as, token_for

from .test_one_live_plan import books_balance, declare


def client(db: Database) -> TestClient:
    return client_as(db)


def test_a_movement_posts_while_a_plan_is_being_solved(seeded_db: Database, facts: Facts) -> None:
    settings = Settings(database_url=seeded_db.url)
    road = RoadContext.load(settings.data_dir).router
    api = Api(client(seeded_db))
    incident = declare(api.client, "F13", "chemical_release", "national")
    item = facts.item_with("none")["code"]
    depot = facts.receiving_depot(item)
    solving, posted = threading.Event(), threading.Event()

    def slow_solve(problem: DispatchProblem, params: DispatchParams) -> DispatchPlan:
        solving.set()
        if not posted.wait(20):  # a solve holding the write lock would keep it from posting
            raise AssertionError("the movement did not post while the plan was solving")
        return solve_dispatch(problem, params)

    cmd = PlanCommand(incident["id"], time_limit_s=1)
    with ThreadPoolExecutor(max_workers=1) as pool:
        job = pool.submit(
            plan_dispatch, seeded_db.uow(), road, settings, cmd, actor="test", solve=slow_solve
        )
        assert solving.wait(60)
        receipt = api.post_movement(
            {"type": "receipt", "depot": depot, "item": item, "quantity": 3}
        )
        posted.set()
        answer, replayed = job.result(timeout=120)

    assert receipt.status_code == 201, receipt.text
    assert answer["status"] == "draft" and not replayed
    books_balance(seeded_db)


def test_a_plan_whose_stock_is_taken_while_it_solves_is_solved_again(
    seeded_sqlite: Database,
) -> None:
    settings = Settings(database_url=seeded_sqlite.url)
    road = RoadContext.load(settings.data_dir).router
    api = Api(client(seeded_sqlite))
    incident = declare(api.client, "F13", "chemical_release", "national")
    solves: list[DispatchPlan] = []

    def solve_then_lose_stock(problem: DispatchProblem, params: DispatchParams) -> DispatchPlan:
        plan = solve_dispatch(problem, params)
        if not solves:  # someone issues the first pick's whole lot meanwhile
            pick = plan.picks[0]
            lot = next(
                lot
                for lot in problem.depot(pick.depot).lots[pick.item]
                if lot.lot_id == pick.lot_id
            )
            body: dict[str, Any] = {
                "type": "issue",
                "depot": pick.depot,
                "item": pick.item,
                "quantity": lot.quantity,
            }
            if pick.lot_no:
                body["lot_no"] = pick.lot_no
            assert api.post_movement(body).status_code == 201
        solves.append(plan)
        return plan

    cmd = PlanCommand(incident["id"], time_limit_s=1)
    answer, _ = plan_dispatch(
        seeded_sqlite.uow(), road, settings, cmd, actor="test", solve=solve_then_lose_stock
    )

    assert len(solves) == 2
    taken = solves[0].picks[0]
    lines = [line for pl in answer["pick_lists"] for line in pl["lines"]]
    assert all(
        (pl["depot"], line["lot_id"]) != (taken.depot, taken.lot_id)
        for pl in answer["pick_lists"]
        for line in pl["lines"]
    )
    assert lines
    books_balance(seeded_sqlite)


def test_a_plan_that_fails_its_checks_is_a_500_problem_that_names_it_and_stores_nothing(
    seeded_sqlite: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def overdrawing_solve(problem: DispatchProblem, params: DispatchParams) -> DispatchPlan:
        plan = solve_dispatch(problem, params)
        broken = dataclasses.replace(plan.picks[0], quantity=plan.picks[0].quantity + 10**6)
        return dataclasses.replace(plan, picks=(broken, *plan.picks[1:]))

    monkeypatch.setattr("api.planning.solve_dispatch", overdrawing_solve)
    c = TestClient(
        create_app(Settings(database_url=seeded_sqlite.url), database=seeded_sqlite),
        raise_server_exceptions=False,
        headers=bearer(token_for(seeded_sqlite, TEST_ADMIN)),
    )
    incident = declare(c, "F13", "chemical_release", "national")

    resp = c.post(f"/incidents/{incident['id']}/dispatch-plans")

    assert resp.status_code == 500
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["title"] == "Dispatch plan failed its checks"
    assert "overdraw" in resp.json()["detail"]
    assert c.get(f"/incidents/{incident['id']}/dispatch-plans").json() == []
