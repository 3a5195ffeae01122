"""`GET /jobs/{id}` and `GET /jobs`: a job's status, progress, outcome and log, times in
Vietnam local time; and the app marking jobs a previous process left unfinished."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI

from api.app import create_app
from api.jobs import JobRunner
from api.services import Database
from api.settings import Settings
from inventory.jobs import INTERRUPTED_QUEUED, INTERRUPTED_RUNNING, JobRepo
from inventory.planning_models import JobStatus
from tests.api.api_support import Api, assert_problem
from tests.auth_support import client_as

FUNCTIONS = "tests.integration.job_functions"
#: How long a test waits for a worker to start before it fails (patience, not a speed
#: requirement: never reached when passing).
PATIENCE_S = 60.0


def _db(api: Api) -> Database:
    return cast(Database, cast(FastAPI, api.client.app).state.db)


def _create(db: Database, kind: str = "test", params: dict[str, Any] | None = None) -> int:
    with db.uow() as uow:
        job = JobRepo(uow.session).create(kind, params or {}, "planner")
        uow.commit()
    return job.id


def _is_local(moment: str) -> bool:
    return moment.endswith("+07:00")


def test_read_job_shows_its_status_log_result_url_and_local_times(any_api: Api) -> None:
    db = _db(any_api)
    job_id = _create(db, "stock-levels", {"budget": 1_000_000})
    JobRunner().run_inline(
        db.url, job_id, f"{FUNCTIONS}:halfway_then_done", {"ref": "stock-levels-run:3"}
    )

    job = any_api.get(f"/jobs/{job_id}")
    assert job["id"] == job_id
    assert (job["kind"], job["status"], job["progress"]) == ("stock-levels", "succeeded", 1.0)
    assert job["params"] == {"budget": 1_000_000}
    assert job["created_by"] == "planner"
    assert job["result_ref"] == "stock-levels-run:3"
    assert job["result_url"] == "/stock-levels/runs/3"
    assert job["error"] is None
    assert [entry["line"] for entry in job["log"]][1:] == ["three quarters"]
    times = [job["created_at"], job["started_at"], job["finished_at"]]
    times += [entry["at"] for entry in job["log"]]
    assert all(_is_local(t) for t in times), times
    with db.uow().reading() as uow:
        stored = JobRepo(uow.session).get(job_id)
        assert dt.datetime.fromisoformat(job["finished_at"]) == stored.finished_at


def test_a_failed_job_shows_its_error_and_no_result(api: Api) -> None:
    db = _db(api)
    job_id = _create(db)
    JobRunner().run_inline(db.url, job_id, f"{FUNCTIONS}:raises", {"message": "over budget"})

    job = api.get(f"/jobs/{job_id}")
    assert (job["status"], job["error"]) == ("failed", "over budget")
    assert job["result_ref"] is None and job["result_url"] is None
    assert job["log"][-1]["line"] == "failed: RuntimeError: over budget"


def test_read_job_shows_the_newest_50_log_lines_oldest_first(api: Api) -> None:
    db = _db(api)
    job_id = _create(db)
    with db.uow() as uow:
        repo = JobRepo(uow.session)
        repo.start(job_id)
        for n in range(60):
            repo.progress(job_id, n / 100, f"line {n}")
        uow.commit()

    job = api.get(f"/jobs/{job_id}")
    assert job["status"] == "running"
    assert job["progress"] == 0.59
    assert [entry["line"] for entry in job["log"]] == [f"line {n}" for n in range(10, 60)]


def test_read_job_not_found(api: Api) -> None:
    body = assert_problem(api.client.get("/jobs/999999"), 404, "job_id")
    assert "999999" in body["detail"]


def test_list_jobs_filters_by_status_and_kind_and_pages(api: Api) -> None:
    db = _db(api)
    levels = [_create(db, "stock-levels") for _ in range(3)]
    other = _create(db, "procurement")
    with db.uow() as uow:
        JobRepo(uow.session).start(levels[0])
        uow.commit()

    every = api.get("/jobs")
    assert [j["id"] for j in every["items"]] == [other, *reversed(levels)]
    assert every["total"] == 4
    assert "log" not in every["items"][0]
    page = api.get("/jobs", status="queued", kind="stock-levels", limit=1, offset=1)
    assert page["total"] == 2
    assert [j["id"] for j in page["items"]] == [levels[1]]
    assert [j["id"] for j in api.get("/jobs", status="running")["items"]] == [levels[0]]


def test_list_jobs_refuses_an_unknown_status(api: Api) -> None:
    assert_problem(api.client.get("/jobs", params={"status": "paused"}), 422, "status")


def test_a_job_submitted_to_the_apps_runner_runs_in_a_worker(api: Api) -> None:
    db = _db(api)
    app = cast(FastAPI, api.client.app)
    runner: JobRunner = app.state.jobs
    job_id = _create(db)
    runner.submit(db.url, job_id, f"{FUNCTIONS}:halfway_then_done", {"ref": "test:app"})
    runner.shutdown(wait=True)

    job = api.get(f"/jobs/{job_id}")
    assert (job["status"], job["result_ref"], job["result_url"]) == ("succeeded", "test:app", None)


def test_starting_the_app_marks_jobs_left_unfinished_interrupted(
    seeded_sqlite: Database,
) -> None:
    db = seeded_sqlite
    queued, running, done = (_create(db) for _ in range(3))
    with db.uow() as uow:
        repo = JobRepo(uow.session)
        repo.start(running)
        repo.start(done)
        repo.succeed(done, "test:done")
        uow.commit()

    app = create_app(Settings(database_url=db.url), database=db)
    idle = Api(client_as(db, app=app))  # no lifespan: building an app marks nothing
    assert idle.get(f"/jobs/{running}")["status"] == "running"

    with client_as(db, app=app) as client:
        served = Api(client)
        for job_id, why in ((queued, INTERRUPTED_QUEUED), (running, INTERRUPTED_RUNNING)):
            job = served.get(f"/jobs/{job_id}")
            assert (job["status"], job["error"]) == (JobStatus.INTERRUPTED.value, why)
            assert job["log"][-1]["line"] == f"interrupted: {why}"
        assert served.get(f"/jobs/{done}")["status"] == "succeeded"


def test_stopping_the_app_interrupts_the_job_it_was_running(
    seeded_sqlite: Database, tmp_path: Path
) -> None:
    db = seeded_sqlite
    app = create_app(Settings(database_url=db.url), database=db)
    with client_as(db, app=app) as client:
        job_id = _create(db)  # after startup, which marks earlier jobs interrupted
        never = str(tmp_path / "never-created")
        app.state.jobs.submit(db.url, job_id, f"{FUNCTIONS}:waits_for", {"path": never})
        deadline = time.monotonic() + PATIENCE_S
        while Api(client).get(f"/jobs/{job_id}")["status"] == "queued":
            assert time.monotonic() < deadline, "the worker never reported progress"
            time.sleep(0.05)

    job = Api(client_as(db, app=app)).get(f"/jobs/{job_id}")
    assert (job["status"], job["error"]) == ("interrupted", INTERRUPTED_RUNNING)
