"""What the API shows of a job: its status, progress, outcome and the tail of its log,
with times in Vietnam local time."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pydantic import BaseModel

from inventory.jobs import job_params
from inventory.planning_models import Job, JobLogLine, JobStatus

from .timefmt import LocalTime

#: Where the thing a job made can be read, by the prefix of its result reference
#: ("stock-levels-run:3" -> "/stock-levels/runs/3").
RESULT_URLS: dict[str, str] = {
    "stock-levels-run": "/stock-levels/runs/{id}",
    "dispatch-plan": "/dispatch-plans/{id}",
}


class JobLogLineRead(BaseModel):
    at: LocalTime
    line: str


class JobSummary(BaseModel):
    """A job as listed: where it is and how it ended."""

    id: int
    kind: str
    status: JobStatus
    #: 0..1; 1 once succeeded
    progress: float
    #: the request that started it
    params: dict[str, Any]
    created_by: str
    created_at: LocalTime
    started_at: LocalTime | None
    finished_at: LocalTime | None
    #: what it made, e.g. "stock-levels-run:3"
    result_ref: str | None
    #: where to read what it made, when the API has a page for it
    result_url: str | None
    error: str | None


class JobRead(JobSummary):
    """One job with the newest lines of its log, oldest first."""

    log: list[JobLogLineRead]


def result_url(result_ref: str | None) -> str | None:
    if result_ref is None:
        return None
    prefix, _, ident = result_ref.partition(":")
    template = RESULT_URLS.get(prefix)
    if template is None or not ident:
        return None
    return template.format(id=quote(ident, safe=""))


def job_summary(job: Job) -> JobSummary:
    return JobSummary(
        id=job.id,
        kind=job.kind,
        status=job.status,
        progress=job.progress,
        params=job_params(job),
        created_by=job.created_by,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        result_ref=job.result_ref,
        result_url=result_url(job.result_ref),
        error=job.error,
    )


def job_read(job: Job, lines: list[JobLogLine]) -> JobRead:
    return JobRead(
        **job_summary(job).model_dump(),
        log=[JobLogLineRead(at=line.at, line=line.line) for line in lines],
    )
