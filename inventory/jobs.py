"""Jobs as records: a long solve's life (queued -> running -> succeeded or failed, or
interrupted when the service stopped under it), its progress and its log.

Every change is a guarded UPDATE on the job's status, so a worker finishing a job and a
restarting service marking it interrupted cannot both win. The repository never commits:
the caller owns the transaction."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from .errors import ConflictError, NotFoundError, ValidationError
from .ledger import utcnow
from .planning_models import FINISHED_JOB_STATUSES, Job, JobLogLine, JobStatus
from .queries import Page

#: Longest `kind`, `created_by` and `result_ref` the table holds.
_KIND_LENGTH = 40
_ACTOR_LENGTH = 80
_REF_LENGTH = 80

#: Why a job left queued or running by a stopped service will never finish.
INTERRUPTED_RUNNING = "the service stopped while the job ran; it will not finish: start it again"
INTERRUPTED_QUEUED = "the service stopped before the job started; it will not run: start it again"

_UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


def job_params(job: Job) -> dict[str, Any]:
    """The request that started the job, as it was stored."""
    params: dict[str, Any] = json.loads(job.params)
    return params


class JobRepo:
    """Jobs and their log lines in the caller's transaction."""

    def __init__(self, session: Session, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.session = session
        self._clock = clock

    # ------------------------------------------------------------ reading
    def get(self, job_id: int) -> Job:
        """The job as stored now (re-read even if this session loaded it before)."""
        job = self.session.get(Job, job_id, populate_existing=True)
        if job is None:
            raise NotFoundError(f"unknown job {job_id}", field="job_id")
        return job

    def log(self, job_id: int, *, last: int | None = None) -> list[JobLogLine]:
        """The job's log lines, oldest first; with `last`, only the newest `last` of them."""
        stmt = select(JobLogLine).where(JobLogLine.job_id == job_id)
        if last is None:
            return list(self.session.scalars(stmt.order_by(JobLogLine.id)))
        newest = self.session.scalars(stmt.order_by(JobLogLine.id.desc()).limit(last))
        return list(reversed(list(newest)))

    def page(
        self,
        *,
        status: JobStatus | None = None,
        kind: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[Job]:
        """Jobs newest first, filtered by status and kind."""
        where = []
        if status is not None:
            where.append(Job.status == status)
        if kind is not None:
            where.append(Job.kind == kind)
        total = self.session.scalar(select(func.count()).select_from(Job).where(*where)) or 0
        rows = self.session.scalars(
            select(Job).where(*where).order_by(Job.id.desc()).limit(limit).offset(offset)
        )
        return Page(items=list(rows), total=int(total), limit=limit, offset=offset)

    # ------------------------------------------------------------ the life of a job
    def create(self, kind: str, params: dict[str, Any], actor: str) -> Job:
        """A queued job; `params` (JSON-serialisable) is the request that started it."""
        if not 0 < len(kind) <= _KIND_LENGTH:
            raise ValidationError(f"a job kind has 1 to {_KIND_LENGTH} characters", field="kind")
        if not 0 < len(actor) <= _ACTOR_LENGTH:
            raise ValidationError(f"an actor has 1 to {_ACTOR_LENGTH} characters", field="actor")
        job = Job(
            kind=kind,
            status=JobStatus.QUEUED,
            progress=0.0,
            params=json.dumps(params, sort_keys=True, ensure_ascii=False),
            created_by=actor,
            created_at=self._clock(),
        )
        self.session.add(job)
        self.session.flush()
        return job

    def start(self, job_id: int) -> None:
        """A worker took the queued job."""
        self._move(job_id, (JobStatus.QUEUED,), status=JobStatus.RUNNING, started_at=self._clock())

    def progress(
        self,
        job_id: int,
        fraction: float,
        line: str | None = None,
        *,
        at: dt.datetime | None = None,
    ) -> None:
        """Report how far a running job is (0..1; a smaller fraction than the stored one
        leaves it as it was) and append `line`, stamped `at` (default now), to its log."""
        if not 0.0 <= fraction <= 1.0:  # also refuses NaN
            raise ValidationError(f"progress {fraction} is not between 0 and 1", field="fraction")
        self._move(
            job_id,
            (JobStatus.RUNNING,),
            progress=case((Job.progress < fraction, fraction), else_=Job.progress),
        )
        if line is not None:
            self.session.add(JobLogLine(job_id=job_id, at=at or self._clock(), line=line))
            self.session.flush()

    def succeed(self, job_id: int, result_ref: str) -> None:
        """The running job made `result_ref` (e.g. "stock-levels-run:3")."""
        if not 0 < len(result_ref) <= _REF_LENGTH:
            raise ValidationError(
                f"a result reference has 1 to {_REF_LENGTH} characters", field="result_ref"
            )
        self._move(
            job_id,
            (JobStatus.RUNNING,),
            status=JobStatus.SUCCEEDED,
            progress=1.0,
            result_ref=result_ref,
            finished_at=self._clock(),
        )

    def fail(self, job_id: int, error: str) -> None:
        """The job (running, or queued and never started) ended with `error`."""
        self._move(
            job_id, _UNFINISHED, status=JobStatus.FAILED, error=error, finished_at=self._clock()
        )

    def mark_interrupted(self, now: dt.datetime, job_ids: Collection[int] | None = None) -> int:
        """Every queued or running job (of `job_ids`, if given) becomes interrupted: the
        service that ran it stopped. Returns how many were."""
        count = 0
        for status, why in (
            (JobStatus.RUNNING, INTERRUPTED_RUNNING),
            (JobStatus.QUEUED, INTERRUPTED_QUEUED),
        ):
            stmt = update(Job).where(Job.status == status)
            if job_ids is not None:
                stmt = stmt.where(Job.id.in_(list(job_ids)))
            ids = self.session.scalars(
                stmt.values(status=JobStatus.INTERRUPTED, error=why, finished_at=now)
                .returning(Job.id)
                .execution_options(synchronize_session=False)
            ).all()
            self.session.add_all(
                JobLogLine(job_id=i, at=now, line=f"interrupted: {why}") for i in ids
            )
            count += len(ids)
        self.session.flush()
        return count

    def _move(self, job_id: int, allowed: tuple[JobStatus, ...], **values: Any) -> None:
        """Apply `values` if the job's status is one of `allowed`, else say why not."""
        result = self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status.in_(allowed))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return
        job = self.get(job_id)
        expected = " or ".join(s.value for s in allowed)
        finished = " (it has finished)" if job.status in FINISHED_JOB_STATUSES else ""
        raise ConflictError(
            f"job {job_id} is {job.status.value}{finished}, not {expected}", field="job_id"
        )
