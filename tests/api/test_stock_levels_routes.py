"""The planner's stock levels over HTTP: a run as a job, readiness before and after with
charts, accepting it into the policies the alerts follow, the rebalancing plan, today's
readiness following the ledger, and bad input refused with nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from api.jobs import JobRunner
from api.services import Database
from tests.api.api_support import Api, assert_problem, new_key

#: Small enough for a test, large enough that every zone and level appears.
RUN = {"scenarios": 40, "seed": 3, "time_limit_s": 30, "gap": 0.01}


class InlineRunner:
    """Runs each job to its end inside the request (the app's pool spawns processes)."""

    def __init__(self) -> None:
        self.submitted: list[int] = []

    def submit(self, db_url: str, job_id: int, fn: str, args: dict[str, Any]) -> None:
        self.submitted.append(job_id)
        JobRunner().run_inline(db_url, job_id, fn, args)

    def shutdown(self, *, wait: bool = True) -> None:
        pass


class IdleRunner(InlineRunner):
    """Takes jobs and never runs them: the run stays queued."""

    def submit(self, db_url: str, job_id: int, fn: str, args: dict[str, Any]) -> None:
        self.submitted.append(job_id)


def _inline(api: Api) -> InlineRunner:
    runner = InlineRunner()
    api.client.app.state.jobs = runner  # type: ignore[attr-defined]
    return runner


def _run(api: Api, **body: Any) -> dict[str, Any]:
    response = api.client.post("/stock-levels/runs", json={**RUN, **body})
    assert response.status_code == 202, response.text
    started: dict[str, Any] = response.json()
    job = api.get(started["job_url"])
    assert job["status"] == "succeeded", job
    run: dict[str, Any] = api.get(started["run_url"])
    return run


def _overall(run: dict[str, Any], stock: str) -> dict[str, Any]:
    return next(r for r in run["readiness"] if r["stock"] == stock and r["tag"] == "all")


def test_a_planner_optimises_levels_and_sees_readiness_before_and_after(api: Api) -> None:
    _inline(api)
    run = _run(api, budget_vnd=20_000_000_000)

    before, after = _overall(run, "before"), _overall(run, "after")
    assert run["status"] == "succeeded"
    assert run["gap"] is not None and run["gap"] <= 0.01 + 1e-9
    assert run["bound"] <= run["objective"] + 1e-6 * max(1.0, abs(run["objective"]))
    assert after["served_share"] >= before["served_share"]
    assert after["expected_unmet"] <= before["expected_unmet"] + 1e-9
    assert {r["tag"] for r in run["readiness"]} == {"all", "type", "level", "zone"}
    assert run["spent_vnd"] <= 20_000_000_000
    assert run["levels"], "a run sets levels"
    for lv in run["levels"]:
        assert lv["min"] <= lv["target"] <= lv["max"]
        assert lv["change"] == lv["target"] - lv["current"]


def test_a_run_with_no_money_only_moves_stock_so_every_item_total_stays(api: Api) -> None:
    _inline(api)
    run = _run(api, budget_vnd=0)

    totals: dict[str, list[int]] = {}
    for lv in run["levels"]:
        t = totals.setdefault(lv["item"], [0, 0])
        t[0] += lv["current"]
        t[1] += lv["target"]
    assert all(target == current for current, target in totals.values()), totals
    assert run["spent_vnd"] == 0
    assert not [t for t in run["transfers"] if t["from_depot"] is None], "nothing is bought"
    assert _overall(run, "after")["served_share"] >= _overall(run, "before")["served_share"]


def test_the_rebalancing_plan_moves_today_stock_onto_the_targets(api: Api) -> None:
    _inline(api)
    run = _run(api, budget_vnd=0)

    held = {(lv["depot"], lv["item"]): lv["current"] for lv in run["levels"]}
    for t in run["transfers"]:
        assert t["from_depot"] is not None
        assert t["quantity"] > 0 and t["road_hours"] is not None
        held[(t["from_depot"], t["item"])] -= t["quantity"]
        held[(t["to_depot"], t["item"])] += t["quantity"]
    for lv in run["levels"]:
        assert held[(lv["depot"], lv["item"])] >= min(lv["current"], lv["target"])
        if lv["target"] > lv["current"]:
            assert held[(lv["depot"], lv["item"])] == lv["target"], lv
    # each line posts as one transfer, as it stands (lot first expiry first out)
    for line in run["transfers"][:3]:
        body = {
            "type": "transfer",
            "from_depot": line["from_depot"],
            "to_depot": line["to_depot"],
            "item": line["item"],
            "quantity": line["quantity"],
        }
        if line["lot_no"] is not None:
            body["lot_no"] = line["lot_no"]
        api.posted(body)


def test_the_run_charts_are_png_images(api: Api) -> None:
    _inline(api)
    run = _run(api, budget_vnd=5_000_000_000)

    assert len(run["charts"]) == 3
    for url in run["charts"]:
        response = api.client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"] == "image/png"
        assert response.content.startswith(b"\x89PNG")


def test_accepting_a_run_writes_its_policies_and_the_alerts_follow_them(api: Api) -> None:
    _inline(api)
    run = _run(api, budget_vnd=5_000_000_000)
    below_before = api.get("/alerts", kind="below_min")

    response = api.client.post(f"/stock-levels/runs/{run['id']}/accept")
    assert response.status_code == 200, response.text
    assert response.json()["policies_written"] == len(run["levels"])

    policies = api.pages("/stock-policies")
    by_pair = {(p["depot"], p["item"]): p for p in policies}
    for lv in run["levels"]:
        p = by_pair[(lv["depot"], lv["item"])]
        assert (p["min"], p["target"], p["max"], p["run_id"]) == (
            lv["min"],
            lv["target"],
            lv["max"],
            run["id"],
        )
    short = {(lv["depot"], lv["item"]) for lv in run["levels"] if lv["current"] < lv["min"]}
    below_after = {(a["depot"], a["item"]) for a in api.get("/alerts", kind="below_min")}
    assert short <= below_after
    assert below_after != {(a["depot"], a["item"]) for a in below_before} or not short
    assert api.get(f"/stock-levels/runs/{run['id']}")["status"] == "accepted"


def test_a_run_is_accepted_once(api: Api) -> None:
    _inline(api)
    run = _run(api, budget_vnd=0)
    assert api.client.post(f"/stock-levels/runs/{run['id']}/accept").status_code == 200

    again = api.client.post(f"/stock-levels/runs/{run['id']}/accept")
    assert_problem(again, 409, "run_id")


def test_a_run_still_running_cannot_be_accepted_and_nothing_changes(api: Api) -> None:
    api.client.app.state.jobs = IdleRunner()  # type: ignore[attr-defined]
    started = api.client.post("/stock-levels/runs", json=RUN).json()
    policies = api.pages("/stock-policies")

    assert api.get(started["run_url"])["status"] == "queued"
    assert_problem(api.client.post(f"/stock-levels/runs/{started['run_id']}/accept"), 409, "run_id")
    assert api.pages("/stock-policies") == policies


def test_an_unknown_run_is_404_naming_it(api: Api) -> None:
    assert_problem(api.client.get("/stock-levels/runs/999"), 404, "run_id")
    assert_problem(api.client.post("/stock-levels/runs/999/accept"), 404, "run_id")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"budget_vnd": -1}, "budget_vnd"),
        ({"scenarios": 0}, "scenarios"),
        ({"scenarios": 5001}, "scenarios"),
        ({"time_limit_s": 901}, "time_limit_s"),
        ({"fixed": [{"depot": "D-NOPE", "item": "RSP-SCBA", "quantity": 3}]}, "fixed[0].depot"),
        ({"fixed": [{"depot": "D-HNI", "item": "NOPE", "quantity": 3}]}, "fixed[0].item"),
        ({"levels": ["galactic"]}, "levels"),
        (
            {"fixed": [{"depot": "D-HNI", "item": "PPE-A-RE", "quantity": 10_000_000}]},
            "fixed[0].quantity",
        ),
    ],
)
def test_bad_run_requests_are_refused_naming_the_field_and_nothing_is_written(
    api: Api, body: dict[str, Any], field: str
) -> None:
    runner = _inline(api)
    response = api.client.post("/stock-levels/runs", json={**RUN, **body})

    problem = assert_problem(response, 422)
    assert field in str(problem.get("field")), problem
    assert api.get("/stock-levels/runs")["total"] == 0
    assert runner.submitted == []


def test_a_retried_run_request_starts_one_run(api: Api) -> None:
    runner = _inline(api)
    key = new_key()
    first = api.client.post("/stock-levels/runs", json=RUN, headers={"Idempotency-Key": key})
    again = api.client.post("/stock-levels/runs", json=RUN, headers={"Idempotency-Key": key})

    assert first.json()["run_id"] == again.json()["run_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(runner.submitted) == 1


def test_the_same_seed_samples_the_same_scenario_set(api: Api) -> None:
    _inline(api)
    a = api.client.post("/stock-levels/runs", json=RUN).json()
    b = api.client.post("/stock-levels/runs", json=RUN).json()
    c = api.client.post("/stock-levels/runs", json={**RUN, "seed": 4}).json()

    assert a["scenario_set_id"] == b["scenario_set_id"] != c["scenario_set_id"]
    run_a, run_b = api.get(a["run_url"]), api.get(b["run_url"])
    assert [(lv["depot"], lv["item"], lv["target"]) for lv in run_a["levels"]] == [
        (lv["depot"], lv["item"], lv["target"]) for lv in run_b["levels"]
    ]


def test_readiness_follows_a_movement_and_keeps_the_days_figure(api: Api) -> None:
    first = api.get("/readiness")
    assert [t["served_share"] for t in first["trend"]] == [first["served_share"]]
    again = api.get("/readiness")
    assert again["cached"] is True
    assert again["ledger_version"] == first["ledger_version"]
    assert 0 <= first["served_share"] <= 1
    assert {r["tag"] for r in first["by"]} == {"type", "level", "zone"}

    # issue Hà Nội's largest lot of heavy Level B suits: readiness is measured again
    lots = api.detail("D-HNI", "PPE-B-HV")["lots"]
    lot = max((x for x in lots if x["status"] == "usable"), key=lambda x: x["on_hand"])
    api.posted(
        {
            "type": "issue",
            "depot": "D-HNI",
            "item": "PPE-B-HV",
            "quantity": lot["on_hand"] - lot["reserved"],
            "lot_no": lot["lot_no"],
        }
    )
    after = api.get("/readiness")

    assert after["cached"] is False
    assert after["ledger_version"] != first["ledger_version"]
    assert after["expected_unmet"] >= first["expected_unmet"]
    assert len(after["trend"]) == 1
    assert after["trend"][0]["served_share"] == after["served_share"]


def test_a_run_whose_job_failed_shows_it_and_cannot_be_accepted(api: Api) -> None:
    api.client.app.state.jobs = IdleRunner()  # type: ignore[attr-defined]
    started = api.client.post("/stock-levels/runs", json=RUN).json()
    db: Database = api.client.app.state.db  # type: ignore[attr-defined]
    with db.uow() as uow:
        uow.jobs.fail(started["job_id"], "the worker process stopped")
        uow.commit()

    assert api.get(started["run_url"])["status"] == "failed"
    refused = assert_problem(
        api.client.post(f"/stock-levels/runs/{started['run_id']}/accept"), 409, "run_id"
    )
    assert "the worker process stopped" in refused["detail"]


def test_policies_of_an_unknown_depot_or_item_are_404_naming_it(api: Api) -> None:
    assert_problem(api.client.get("/stock-policies", params={"depot": "D-NOPE"}), 404, "depot")
    assert_problem(api.client.get("/stock-policies", params={"item": "NOPE"}), 404, "item")
    assert api.get("/stock-policies", depot="D-HNI")["total"] > 0


def test_an_unknown_chart_is_refused_naming_it(api: Api) -> None:
    _inline(api)
    run = _run(api, budget_vnd=0)
    refused = assert_problem(
        api.client.get(f"/stock-levels/runs/{run['id']}/charts/by-moon.png"), 422
    )
    assert refused["field"] == "path.name" and "by-zone" in refused["detail"]


def test_the_levels_a_run_may_name_are_exactly_those_the_sampler_can_size() -> None:
    """The OpenAPI document's enum and the sampler must agree, or a schema-valid request
    would be refused (or a sized level would be unreachable)."""
    from typing import get_args

    from api.levels_schemas import IncidentLevel
    from inventory.scenarios import DEFAULT_SIZES

    assert set(get_args(IncidentLevel)) == set(DEFAULT_SIZES)
