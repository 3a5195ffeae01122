"""Tables of the planner's records: jobs, scenario sets, stock-levels runs and the daily
readiness figure. Kept beside `models.py` (which imports this module at its end, so one
metadata holds every table) because they are the planner's, not the ledger's."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UTCDateTime, _enum


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    #: the service stopped while the job ran; it will not finish
    INTERRUPTED = "interrupted"


FINISHED_JOB_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.INTERRUPTED)


class Job(Base):
    """A long solve run in a worker process: who started it, where it is, how it ended."""

    __tablename__ = "jobs"
    __table_args__ = (CheckConstraint("progress >= 0 AND progress <= 1", name="ck_job_progress"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus, "job_status"), index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    #: the request that started it, as JSON text (what a retry must repeat)
    params: Mapped[str] = mapped_column(Text, default="{}")
    #: what the job made, e.g. "stock-levels-run:3"
    result_ref: Mapped[str | None] = mapped_column(String(80))
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class JobLogLine(Base):
    __tablename__ = "job_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    line: Mapped[str] = mapped_column(Text)


class ScenarioSetRecord(Base):
    """A sampled scenario set: its parameters and seed regenerate it exactly from data/;
    the fingerprint says whether a regeneration gave the same set."""

    __tablename__ = "scenario_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(Integer)
    #: generator parameters as JSON text (levels, types, years, place radius)
    params: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ACCEPTED = "accepted"


class LevelsRunRecord(Base):
    """One stock-levels optimisation: what it was asked, what it found, whether accepted."""

    __tablename__ = "levels_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "levels_run_status"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    scenario_set_id: Mapped[int] = mapped_column(ForeignKey("scenario_sets.id"))
    #: VND for new stock; None: no limit
    budget: Mapped[int | None] = mapped_column(BigInteger)
    params: Mapped[str] = mapped_column(Text, default="{}")
    solve_status: Mapped[str | None] = mapped_column(String(20))
    method: Mapped[str | None] = mapped_column(String(40))
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    wall_s: Mapped[float | None] = mapped_column(Float)
    spent: Mapped[int | None] = mapped_column(BigInteger)
    moved_units: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    accepted_by: Mapped[str | None] = mapped_column(String(80))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class LevelsRunLevel(Base):
    """The run's level for one depot x item beside what the depot held when it ran."""

    __tablename__ = "levels_run_levels"
    __table_args__ = (UniqueConstraint("run_id", "depot_code", "item_code", name="uq_run_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("levels_runs.id"), index=True)
    depot_code: Mapped[str] = mapped_column(ForeignKey("depots.code"))
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    current_qty: Mapped[int] = mapped_column(Integer)
    min_qty: Mapped[int] = mapped_column(Integer)
    target_qty: Mapped[int] = mapped_column(Integer)
    max_qty: Mapped[int] = mapped_column(Integer)


class LevelsRunReadiness(Base):
    """Readiness before (today's stock) or after (the run's targets), overall
    (`tag` "all") and by type, level and zone."""

    __tablename__ = "levels_run_readiness"
    __table_args__ = (UniqueConstraint("run_id", "stock", "tag", "value", name="uq_run_readiness"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("levels_runs.id"), index=True)
    stock: Mapped[str] = mapped_column(String(10))  # "before" | "after"
    tag: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(60))
    scenarios: Mapped[int] = mapped_column(Integer)
    served_share: Mapped[float] = mapped_column(Float)
    expected_unmet: Mapped[float] = mapped_column(Float)
    #: units per incident landing after their required-by time, expected
    expected_late: Mapped[float] = mapped_column(Float)
    expected_time_to_full_h: Mapped[float | None] = mapped_column(Float)


class LevelsRunTransfer(Base):
    """One transfer of the run's rebalancing plan, in the order to post them."""

    __tablename__ = "levels_run_transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("levels_runs.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    from_depot: Mapped[str | None] = mapped_column(ForeignKey("depots.code"))  # None: buy
    to_depot: Mapped[str] = mapped_column(ForeignKey("depots.code"))
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    #: the sender's lot, first expiry first out (None: bought, or untracked stock)
    lot_no: Mapped[str | None] = mapped_column(String(60))
    quantity: Mapped[int] = mapped_column(Integer)
    road_seconds: Mapped[int | None] = mapped_column(Integer)


class ReadinessDaily(Base):
    """Readiness of the day's stock over the reference scenario set, for the trend."""

    __tablename__ = "readiness_daily"
    __table_args__ = (UniqueConstraint("day", "scenario_set_id", name="uq_readiness_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    scenario_set_id: Mapped[int] = mapped_column(ForeignKey("scenario_sets.id"))
    ledger_version: Mapped[str] = mapped_column(String(40))
    served_share: Mapped[float] = mapped_column(Float)
    expected_unmet: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
