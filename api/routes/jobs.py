"""Jobs: long solves run in worker processes, read while they run and after."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from inventory.jobs import JobRepo
from inventory.planning_models import JobStatus

from ..deps import PagingDep, ReadSession, RowId
from ..job_schemas import JobRead, JobSummary, job_read, job_summary
from ..schemas import PageOf
from ..text_rules import ShortCode

router = APIRouter(tags=["jobs"])

#: How many of a job's newest log lines `GET /jobs/{id}` shows.
LOG_LINES_SHOWN = 50

KindQuery = Annotated[ShortCode | None, Query()]


@router.get("/jobs")
def list_jobs(
    session: ReadSession,
    paging: PagingDep,
    status: JobStatus | None = None,
    kind: KindQuery = None,
) -> PageOf[JobSummary]:
    """Jobs, newest first, by status and kind."""
    page = JobRepo(session).page(status=status, kind=kind, limit=paging.limit, offset=paging.offset)
    return PageOf[JobSummary](
        items=[job_summary(j) for j in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/jobs/{job_id}")
def read_job(job_id: RowId, session: ReadSession) -> JobRead:
    """A job's status, progress (0..1), outcome (`result_url` to read what it made, or
    the `error`) and the newest 50 lines of its log."""
    jobs = JobRepo(session)
    return job_read(jobs.get(job_id), jobs.log(job_id, last=LOG_LINES_SHOWN))
