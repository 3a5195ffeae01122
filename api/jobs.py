"""Long solves run as jobs in worker processes (a solve holds the GIL: a thread would stall
the API), tracked in the `jobs` table.

A job function is a module-level `def fn(ctx: JobContext, **args) -> str` named by its
dotted path "module:function"; it returns what it made (e.g. "stock-levels-run:3"). The
worker opens its own database, marks the job running, reports progress through the
context and marks the job succeeded or failed: it never leaves a job running when the
function returns or raises. A worker that dies, or a runner stopped under a job, is
settled by the parent process."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, cast

from inventory.errors import ConflictError
from inventory.jobs import JobRepo
from inventory.ledger import utcnow

from .services import Database

log = logging.getLogger("chemdepot.jobs")

#: Progress is written at most once per this many seconds (a report reaching 1 and the
#: last report before the function ends are always written).
PROGRESS_INTERVAL_S = 0.5

JobFunction = Callable[..., str]


class JobContext:
    """What a job function is handed: `progress(fraction, line)` to say how far it is, and
    `db`, the worker's database, for the function's own reads and writes.

    Reports are written in short transactions of their own, throttled: between writes
    they are kept (the highest fraction and every line, stamped when reported), so
    nothing is lost, only batched."""

    def __init__(
        self,
        db: Database,
        job_id: int,
        *,
        interval_s: float = PROGRESS_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.job_id = job_id
        self.db = db
        self._interval_s = interval_s
        self._clock = clock
        self._now = now
        self._fraction = 0.0
        self._written = 0.0
        self._lines: list[tuple[dt.datetime, str]] = []
        self._last_write: float | None = None

    def progress(self, fraction: float, line: str | None = None) -> None:
        """The job is `fraction` (0..1) done; `line`, if given, goes to its log."""
        if not 0.0 <= fraction <= 1.0:  # also refuses NaN
            raise ValueError(f"progress {fraction} is not between 0 and 1")
        self._fraction = max(self._fraction, fraction)
        if line is not None:
            self._lines.append((self._now(), line))
        due = self._last_write is None or self._clock() - self._last_write >= self._interval_s
        if due or fraction >= 1.0:
            self.flush()

    def flush(self) -> None:
        """Write what was reported since the last write, if anything."""
        if not self._lines and self._fraction <= self._written:
            return
        with self.db.uow() as uow:
            self._write(JobRepo(uow.session))
            uow.commit()

    def finish(self, settle: Callable[[JobRepo], None]) -> None:
        """Write what is still pending and end the job with `settle`, in one transaction."""
        with self.db.uow() as uow:
            repo = JobRepo(uow.session)
            self._write(repo)
            settle(repo)
            uow.commit()

    def _write(self, repo: JobRepo) -> None:
        if not self._lines:
            repo.progress(self.job_id, self._fraction)
        for at, line in self._lines:
            repo.progress(self.job_id, self._fraction, line, at=at)
        self._lines.clear()
        self._written = self._fraction
        self._last_write = self._clock()


def resolve(path: str) -> JobFunction:
    """The module-level function named "module:function"."""
    module_name, colon, name = path.partition(":")
    if not colon or not module_name or not name:
        raise ValueError(f"job function {path!r} is not written 'module:function'")
    function = getattr(importlib.import_module(module_name), name, None)
    if not callable(function):
        raise ValueError(f"job function {path!r} is not a function of {module_name}")
    return cast(JobFunction, function)


def run_job(db_url: str, job_id: int, fn: str, args: dict[str, Any]) -> None:
    """Run one queued job here, start to finish: in a worker process, or inline."""
    db = Database(db_url)
    try:
        _run(db, job_id, fn, args)
    finally:
        db.dispose()


def _run(db: Database, job_id: int, fn: str, args: dict[str, Any]) -> None:
    try:
        with db.uow() as uow:
            JobRepo(uow.session).start(job_id)
            uow.commit()
    except ConflictError as exc:  # interrupted or failed before it started: not ours to run
        log.warning("job %d not run: %s", job_id, exc.message)
        return
    ctx = JobContext(db, job_id)
    try:
        result_ref = resolve(fn)(ctx, **args)
        if not isinstance(result_ref, str) or not result_ref:
            raise TypeError(f"job function {fn} returned {result_ref!r}, not a result reference")
    except BaseException as exc:
        log.exception("job %d (%s) failed", job_id, fn)
        _settle(ctx, job_id, partial(_fail, job_id=job_id, exc=exc))
        if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: pass them on
            raise
        return
    _settle(ctx, job_id, lambda repo: repo.succeed(job_id, result_ref))


def _fail(repo: JobRepo, *, job_id: int, exc: BaseException) -> None:
    """The job's error is the exception's message; its log says which exception it was
    (the traceback goes to the server's log)."""
    message = str(exc) or type(exc).__name__
    repo.progress(job_id, 0.0, f"failed: {type(exc).__name__}: {message}")
    repo.fail(job_id, message)


def _settle(ctx: JobContext, job_id: int, settle: Callable[[JobRepo], None]) -> None:
    try:
        ctx.finish(settle)
    except ConflictError as exc:  # e.g. marked interrupted by a restarted service meanwhile
        log.warning("job %d ended elsewhere: %s", job_id, exc.message)


class JobRunner:
    """Runs job functions in a pool of worker processes (spawned, so a worker shares no
    state with the server), made on first use. Build one per app (`app.state.jobs`)."""

    def __init__(self, max_workers: int = 1) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, not {max_workers}")
        self.max_workers = max_workers
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._inflight: dict[Future[None], tuple[str, int]] = {}
        self._stopping = False

    def submit(self, db_url: str, job_id: int, fn: str, args: dict[str, Any]) -> None:
        """Queue the (queued) job `job_id` to run `fn(ctx, **args)` in a worker. If it
        cannot be queued (a bad `fn`, a stopped runner), the job is marked failed and the
        error raised."""
        try:
            resolve(fn)
            with self._lock:
                if self._stopping:
                    raise RuntimeError("the job runner has stopped")
                future = self._queue(db_url, job_id, fn, args)
                self._inflight[future] = (db_url, job_id)
        except Exception as exc:
            why = f"the job could not start: {exc}"
            _record(db_url, lambda repo: repo.fail(job_id, why))
            raise
        future.add_done_callback(self._settle)

    def run_inline(self, db_url: str, job_id: int, fn: str, args: dict[str, Any]) -> None:
        """Run the job in this process and return when it has ended (tests, the CLI)."""
        run_job(db_url, job_id, fn, args)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking jobs; jobs not yet started are marked interrupted. With `wait`, the
        running jobs finish first; without, their workers are stopped and the jobs marked
        interrupted (the app does this on shutdown so it does not hang on a solve)."""
        with self._lock:
            self._stopping = True
            executor, self._executor = self._executor, None
        if executor is None:
            return
        if not wait:
            # ProcessPoolExecutor.terminate_workers() arrives in Python 3.14.
            for process in list((executor._processes or {}).values()):
                process.terminate()
        executor.shutdown(wait=True, cancel_futures=True)

    def _queue(self, db_url: str, job_id: int, fn: str, args: dict[str, Any]) -> Future[None]:
        if self._executor is not None:
            try:
                return self._executor.submit(run_job, db_url, job_id, fn, args)
            except BrokenProcessPool:  # a worker died: start a fresh pool
                self._executor.shutdown(wait=False)
        self._executor = ProcessPoolExecutor(
            max_workers=self.max_workers, mp_context=multiprocessing.get_context("spawn")
        )
        return self._executor.submit(run_job, db_url, job_id, fn, args)

    def _settle(self, future: Future[None]) -> None:
        """A job whose worker died, or that never ran, is ended by the parent."""
        with self._lock:
            db_url, job_id = self._inflight.pop(future)
            stopping = self._stopping
        if future.cancelled() or (stopping and future.exception() is not None):
            _record(db_url, lambda repo: _interrupted(repo, job_id))
            return
        exc = future.exception()
        if exc is None:
            return
        why = "the worker process stopped" if isinstance(exc, BrokenProcessPool) else "it failed"
        log.error("job %d: %s: %s", job_id, why, exc)
        _record(db_url, lambda repo: repo.fail(job_id, f"{why}: {exc}"))


def _interrupted(repo: JobRepo, job_id: int) -> None:
    repo.mark_interrupted(utcnow(), [job_id])


def _record(db_url: str, change: Callable[[JobRepo], None]) -> None:
    """Apply `change` in a transaction of its own; a job already ended is left as it is."""
    db = Database(db_url)
    try:
        with db.uow() as uow:
            change(JobRepo(uow.session))
            uow.commit()
    except ConflictError as exc:
        log.info("job left as it was: %s", exc.message)
    except Exception:
        log.exception("could not record the end of a job")
    finally:
        db.dispose()


def interrupt_unfinished_jobs(db: Database, now: dt.datetime | None = None) -> int:
    """At startup: jobs a previous process left queued or running will never finish."""
    with db.uow() as uow:
        count = JobRepo(uow.session).mark_interrupted(now or utcnow())
        uow.commit()
    if count:
        log.warning("%d job(s) left unfinished by a previous run marked interrupted", count)
    return count
