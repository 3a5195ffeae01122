"""Tables of the procurement runs (issue 13): a run as asked and as it ended, and its typed
result rows (orders, upgrade starts, year-end stock, year summaries, binding constraints),
so a stored run is re-made from rows, never from a JSON blob. Imported at the end of
`models.py` with the planner's other tables."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UTCDateTime, _enum


class ProcurementStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ProcurementRun(Base):
    """One procurement optimisation: the command (with its what-ifs) and how it ended."""

    __tablename__ = "procurement_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    label: Mapped[str] = mapped_column(String(120))
    status: Mapped[ProcurementStatus] = mapped_column(
        _enum(ProcurementStatus, "procurement_run_status"), index=True
    )
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    #: the command as JSON text (what a retry must repeat)
    params: Mapped[str] = mapped_column(Text)
    #: the what-ifs alone, as JSON text (also inside `params`), for listing runs
    what_ifs: Mapped[str] = mapped_column(Text)
    solve_status: Mapped[str | None] = mapped_column(String(20))
    solver: Mapped[str | None] = mapped_column(String(40))
    shortfall: Mapped[float | None] = mapped_column(Float)
    shortfall_bound: Mapped[float | None] = mapped_column(Float)
    cost_vnd: Mapped[int | None] = mapped_column(BigInteger)
    cost_bound: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    wall_s: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str | None] = mapped_column(Text)
    #: readiness of today's stock, before any order
    today_served_share: Mapped[float | None] = mapped_column(Float)
    today_expected_unmet: Mapped[float | None] = mapped_column(Float)
    readiness_scenarios: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ProcurementOrder(Base):
    """Units to buy or produce from one source for one depot, ordered in `year`."""

    __tablename__ = "procurement_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("procurement_runs.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40))
    depot_code: Mapped[str] = mapped_column(ForeignKey("depots.code"))
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    quantity: Mapped[int] = mapped_column(BigInteger)
    cost_vnd: Mapped[int] = mapped_column(BigInteger)
    arrives_year: Mapped[int] = mapped_column(Integer)
    usable_through: Mapped[int | None] = mapped_column(Integer)


class ProcurementUpgradeStart(Base):
    """A depot enlargement the run starts."""

    __tablename__ = "procurement_upgrade_starts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("procurement_runs.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    upgrade: Mapped[str] = mapped_column(String(40))
    depot_code: Mapped[str] = mapped_column(ForeignKey("depots.code"))
    year: Mapped[int] = mapped_column(Integer)
    ready_year: Mapped[int] = mapped_column(Integer)
    cost_vnd: Mapped[int] = mapped_column(BigInteger)


class ProcurementStock(Base):
    """One depot x item at one year's end: target, held, short, expiring, arriving."""

    __tablename__ = "procurement_stock"
    __table_args__ = (
        UniqueConstraint("run_id", "year", "depot_code", "item_code", name="uq_proc_stock"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("procurement_runs.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    depot_code: Mapped[str] = mapped_column(ForeignKey("depots.code"))
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    target: Mapped[int] = mapped_column(BigInteger)
    held: Mapped[int] = mapped_column(BigInteger)
    shortfall: Mapped[int] = mapped_column(BigInteger)
    expiring: Mapped[int] = mapped_column(BigInteger)
    arriving: Mapped[int] = mapped_column(BigInteger)


class ProcurementYear(Base):
    """One year of a run: money, units short, storage, and the readiness its year-end
    stock buys over the run's scenario set."""

    __tablename__ = "procurement_years"
    __table_args__ = (UniqueConstraint("run_id", "year", name="uq_proc_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("procurement_runs.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    budget_vnd: Mapped[int] = mapped_column(BigInteger)
    spend_vnd: Mapped[int] = mapped_column(BigInteger)
    target_units: Mapped[int] = mapped_column(BigInteger)
    shortfall_units: Mapped[int] = mapped_column(BigInteger)
    weighted_shortfall: Mapped[float] = mapped_column(Float)
    storage_used_m3: Mapped[float] = mapped_column(Float)
    storage_capacity_m3: Mapped[float] = mapped_column(Float)
    served_share: Mapped[float | None] = mapped_column(Float)
    expected_unmet: Mapped[float | None] = mapped_column(Float)


class ProcurementBinding(Base):
    """A constraint that holds the run's readiness back, in plain words."""

    __tablename__ = "procurement_binding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("procurement_runs.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(120))
    year: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    shadow_price: Mapped[float | None] = mapped_column(Float)
