"""Jobs against real databases (SQLite and PostgreSQL): their life as records, and job
functions run in real spawned worker processes, which always leave the job ended."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

import pytest

from api.jobs import JobContext, JobRunner, interrupt_unfinished_jobs, run_job
from api.services import Database
from inventory.errors import ConflictError, NotFoundError, ValidationError
from inventory.jobs import INTERRUPTED_QUEUED, INTERRUPTED_RUNNING, JobRepo, job_params
from inventory.planning_models import FINISHED_JOB_STATUSES, Job, JobStatus

FUNCTIONS = "tests.integration.job_functions"
#: How long a test waits for a worker to reach a point before it fails (never reached
#: when passing: this is patience, not a speed requirement).
PATIENCE_S = 60.0


def _create(db: Database, kind: str = "test", params: dict[str, Any] | None = None) -> int:
    with db.uow() as uow:
        job = JobRepo(uow.session).create(kind, params or {}, "planner")
        uow.commit()
    return job.id


def _change(db: Database, job_id: int, *steps: str) -> None:
    """Apply repository steps by name ("start", "succeed", "fail") in one transaction."""
    with db.uow() as uow:
        repo = JobRepo(uow.session)
        for step in steps:
            if step == "start":
                repo.start(job_id)
            elif step == "succeed":
                repo.succeed(job_id, "test:done")
            else:
                repo.fail(job_id, "it broke")
        uow.commit()


def _read(db: Database, job_id: int) -> tuple[Job, list[str]]:
    """The job as stored and its log lines, oldest first."""
    with db.uow().reading() as uow:
        repo = JobRepo(uow.session)
        job, lines = repo.get(job_id), [line.line for line in repo.log(job_id)]
        uow.session.expunge(job)  # keep what was read past the closing rollback
        return job, lines


def _wait_until_running(db: Database, job_id: int) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while _read(db, job_id)[0].progress == 0.0:
        assert time.monotonic() < deadline, "the worker never reported progress"
        time.sleep(0.05)


# ------------------------------------------------------------------ in worker processes
def test_a_job_run_in_a_worker_process_ends_succeeded_with_its_log_and_full_progress(
    world: Database,
) -> None:
    job_id = _create(world, params={"budget": 5})
    runner = JobRunner(max_workers=1)
    runner.submit(world.url, job_id, f"{FUNCTIONS}:halfway_then_done", {"ref": "test:1"})
    runner.shutdown(wait=True)

    job, lines = _read(world, job_id)
    assert job.status is JobStatus.SUCCEEDED
    assert job.progress == 1.0
    assert job.result_ref == "test:1"
    assert job.error is None
    assert job_params(job) == {"budget": 5}
    assert job.started_at is not None and job.finished_at is not None
    assert job.created_at <= job.started_at <= job.finished_at
    worker_pid = int(lines[0].removeprefix("half-way in process "))
    assert worker_pid != os.getpid()
    # the second report came within the throttle interval: kept and written at the end
    assert lines[1:] == ["three quarters"]


def test_a_job_that_raises_in_a_worker_ends_failed_with_its_message(world: Database) -> None:
    job_id = _create(world)
    runner = JobRunner()
    runner.submit(world.url, job_id, f"{FUNCTIONS}:raises", {"message": "no feasible plan"})
    runner.shutdown(wait=True)

    job, lines = _read(world, job_id)
    assert job.status is JobStatus.FAILED
    assert job.error == "no feasible plan"
    assert job.result_ref is None
    assert job.finished_at is not None
    assert job.progress == 0.25
    assert lines == ["about to fail", "failed: RuntimeError: no feasible plan"]


def test_a_worker_that_dies_leaves_its_job_failed_and_the_runner_runs_the_next_job(
    world: Database,
) -> None:
    dead, alive = _create(world), _create(world)
    runner = JobRunner()
    runner.submit(world.url, dead, f"{FUNCTIONS}:dies", {})
    deadline = time.monotonic() + PATIENCE_S
    while _read(world, dead)[0].status not in FINISHED_JOB_STATUSES:
        assert time.monotonic() < deadline, "the dead worker's job was never settled"
        time.sleep(0.05)
    runner.submit(world.url, alive, f"{FUNCTIONS}:halfway_then_done", {"ref": "test:2"})
    runner.shutdown(wait=True)

    job, lines = _read(world, dead)
    assert job.status is JobStatus.FAILED
    assert job.error is not None and job.error.startswith("the worker process stopped")
    assert lines == ["about to die"]
    assert _read(world, alive)[0].status is JobStatus.SUCCEEDED


def test_stopping_the_runner_without_waiting_interrupts_its_running_and_queued_jobs(
    world: Database, tmp_path: Path
) -> None:
    running, queued, later = _create(world), _create(world), _create(world)
    runner = JobRunner(max_workers=1)
    never = str(tmp_path / "never-created")
    runner.submit(world.url, running, f"{FUNCTIONS}:waits_for", {"path": never})
    runner.submit(world.url, queued, f"{FUNCTIONS}:waits_for", {"path": never})
    runner.submit(world.url, later, f"{FUNCTIONS}:waits_for", {"path": never})
    _wait_until_running(world, running)
    runner.shutdown(wait=False)

    job, lines = _read(world, running)
    assert job.status is JobStatus.INTERRUPTED
    assert job.error == INTERRUPTED_RUNNING
    assert lines == ["waiting", f"interrupted: {INTERRUPTED_RUNNING}"]
    for job_id in (queued, later):
        job, _ = _read(world, job_id)
        assert job.status is JobStatus.INTERRUPTED
        assert job.error == INTERRUPTED_QUEUED
    with pytest.raises(RuntimeError, match="stopped"):
        runner.submit(world.url, _create(world), f"{FUNCTIONS}:halfway_then_done", {"ref": "x"})


# ------------------------------------------------------------------ run inline
def test_progress_never_goes_backwards(world: Database) -> None:
    job_id = _create(world)
    _change(world, job_id, "start")
    with world.uow() as uow:
        repo = JobRepo(uow.session)
        repo.progress(job_id, 0.6, "most of it")
        repo.progress(job_id, 0.3, "a smaller report")
        repo.progress(job_id, 0.7)
        repo.progress(job_id, 0.65)
        uow.commit()
    job, lines = _read(world, job_id)
    assert job.progress == 0.7
    assert lines == ["most of it", "a smaller report"]

    inline = _create(world)
    JobRunner().run_inline(world.url, inline, f"{FUNCTIONS}:goes_backwards", {})
    job, lines = _read(world, inline)
    assert job.status is JobStatus.SUCCEEDED
    assert lines == ["far", "a later, smaller report"]


def test_progress_outside_zero_to_one_is_refused(world: Database) -> None:
    job_id = _create(world)
    _change(world, job_id, "start")
    for fraction in (-0.1, 1.5, float("nan")):
        with world.uow() as uow, pytest.raises(ValidationError) as refused:
            JobRepo(uow.session).progress(job_id, fraction)
        assert refused.value.field == "fraction"
        with pytest.raises(ValueError, match="between 0 and 1"):
            JobContext(world, job_id).progress(fraction)


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_writes_are_throttled_but_no_report_is_lost(world: Database) -> None:
    job_id = _create(world)
    _change(world, job_id, "start")
    clock = _Clock()
    ctx = JobContext(world, job_id, interval_s=0.5, clock=clock)

    ctx.progress(0.1, "first")
    assert _read(world, job_id)[0].progress == 0.1
    clock.now += 0.1
    ctx.progress(0.2, "soon after")
    ctx.progress(0.3)
    job, lines = _read(world, job_id)
    assert (job.progress, lines) == (0.1, ["first"])

    clock.now += 0.5
    ctx.progress(0.4, "later")
    job, lines = _read(world, job_id)
    assert (job.progress, lines) == (0.4, ["first", "soon after", "later"])

    ctx.progress(1.0, "done")  # the final report is written at once
    job, lines = _read(world, job_id)
    assert (job.progress, lines[-1]) == (1.0, "done")


def test_a_job_function_that_returns_no_reference_ends_failed(world: Database) -> None:
    job_id = _create(world)
    run_job(world.url, job_id, f"{FUNCTIONS}:returns_nothing", {})
    job, _ = _read(world, job_id)
    assert job.status is JobStatus.FAILED
    assert job.error is not None and "not a result reference" in job.error


def test_an_unknown_job_function_ends_the_job_failed(world: Database) -> None:
    job_id = _create(world)
    JobRunner().run_inline(world.url, job_id, f"{FUNCTIONS}:no_such_function", {})
    job, _ = _read(world, job_id)
    assert job.status is JobStatus.FAILED
    assert job.error is not None and "no_such_function" in job.error

    malformed = _create(world)
    with pytest.raises(ValueError, match="module:function"):
        JobRunner().submit(world.url, malformed, "no colon here", {})
    job, _ = _read(world, malformed)
    assert job.status is JobStatus.FAILED
    assert job.error is not None and "could not start" in job.error


def test_a_job_interrupted_before_its_worker_started_is_not_run(world: Database) -> None:
    job_id = _create(world)
    assert interrupt_unfinished_jobs(world) == 1
    run_job(world.url, job_id, f"{FUNCTIONS}:halfway_then_done", {"ref": "test:late"})
    job, lines = _read(world, job_id)
    assert job.status is JobStatus.INTERRUPTED
    assert job.result_ref is None
    assert lines == [f"interrupted: {INTERRUPTED_QUEUED}"]


# ------------------------------------------------------------------ the records
def test_mark_interrupted_marks_queued_and_running_jobs_and_leaves_finished_ones(
    world: Database,
) -> None:
    queued, running, succeeded, failed = (_create(world) for _ in range(4))
    _change(world, running, "start")
    _change(world, succeeded, "start", "succeed")
    _change(world, failed, "fail")
    before = {i: _read(world, i)[0] for i in (succeeded, failed)}
    now = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)

    with world.uow() as uow:
        assert JobRepo(uow.session).mark_interrupted(now) == 2
        uow.commit()

    for job_id, why in ((queued, INTERRUPTED_QUEUED), (running, INTERRUPTED_RUNNING)):
        job, lines = _read(world, job_id)
        assert (job.status, job.error, job.finished_at) == (JobStatus.INTERRUPTED, why, now)
        assert lines == [f"interrupted: {why}"]
    for job_id, was in before.items():
        job, lines = _read(world, job_id)
        assert (job.status, job.error, job.finished_at) == (was.status, was.error, was.finished_at)
        assert lines == []
    assert interrupt_unfinished_jobs(world) == 0


def test_a_finished_job_cannot_change_again_and_an_unknown_one_is_not_found(
    world: Database,
) -> None:
    job_id = _create(world)
    with world.uow() as uow, pytest.raises(ConflictError, match="queued, not running"):
        JobRepo(uow.session).succeed(job_id, "test:early")
    _change(world, job_id, "start", "succeed")
    for step in ("start", "succeed", "fail"):
        with pytest.raises(ConflictError, match="it has finished") as refused:
            _change(world, job_id, step)
        assert refused.value.field == "job_id"
    with world.uow() as uow, pytest.raises(NotFoundError) as unknown:
        JobRepo(uow.session).get(job_id + 1000)
    assert unknown.value.field == "job_id"


def test_pages_of_jobs_are_newest_first_and_filtered_by_status_and_kind(
    world: Database,
) -> None:
    levels = [_create(world, "stock-levels") for _ in range(3)]
    other = _create(world, "procurement")
    _change(world, levels[0], "start")
    with world.uow().reading() as uow:
        repo = JobRepo(uow.session)
        every = repo.page()  # read inside the transaction
        assert [j.id for j in every.items] == [other, *reversed(levels)]
        queued_levels = repo.page(status=JobStatus.QUEUED, kind="stock-levels", limit=1)
        assert queued_levels.total == 2
        assert [j.id for j in queued_levels.items] == [levels[2]]
        assert [j.id for j in repo.page(status=JobStatus.RUNNING).items] == [levels[0]]
