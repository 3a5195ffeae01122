"""The procurement runs' records: a run asked for, written back finished (its figures and
typed result rows in the caller's one transaction) or failed, and read back row by row.
The caller owns the transaction (a unit of work); the API turns rows into the optimiser's
result (api.procurement_store), since inventory does not know the optimiser."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .errors import ConflictError, NotFoundError
from .models import Item
from .planning_models import Job, JobStatus
from .procurement_models import (
    ProcurementBinding,
    ProcurementOrder,
    ProcurementRun,
    ProcurementStatus,
    ProcurementStock,
    ProcurementUpgradeStart,
    ProcurementYear,
)


@dataclass(frozen=True)
class RunFigures:
    """The run row's own figures once solved."""

    solve_status: str
    solver: str
    shortfall: float
    shortfall_bound: float | None
    cost_vnd: int
    cost_bound: float | None
    gap: float | None
    wall_s: float
    message: str
    today_served_share: float | None
    today_expected_unmet: float | None


@dataclass
class RunRows:
    """A run's result rows (their `run_id` is set when written)."""

    orders: list[ProcurementOrder] = field(default_factory=list)
    upgrades: list[ProcurementUpgradeStart] = field(default_factory=list)
    stock: list[ProcurementStock] = field(default_factory=list)
    years: list[ProcurementYear] = field(default_factory=list)
    binding: list[ProcurementBinding] = field(default_factory=list)

    def all(self) -> list[Any]:
        return [*self.orders, *self.upgrades, *self.stock, *self.years, *self.binding]


class ProcurementRecords:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_run(
        self,
        *,
        job_id: int | None,
        label: str,
        years: tuple[int, int],
        params: Mapping[str, Any],
        what_ifs: Mapping[str, Any],
        readiness_scenarios: int,
        actor: str,
        now: dt.datetime,
    ) -> ProcurementRun:
        row = ProcurementRun(
            job_id=job_id,
            label=label,
            status=ProcurementStatus.RUNNING,
            first_year=years[0],
            last_year=years[1],
            params=json.dumps(params, sort_keys=True),
            what_ifs=json.dumps(what_ifs, sort_keys=True),
            readiness_scenarios=readiness_scenarios,
            created_by=actor,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def run(self, run_id: int, *, for_update: bool = False) -> ProcurementRun:
        stmt = select(ProcurementRun).where(ProcurementRun.id == run_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.scalars(stmt).first()
        if row is None:
            raise NotFoundError(f"unknown procurement run {run_id}", field="run_id")
        return row

    def runs(self, *, limit: int, offset: int) -> tuple[list[ProcurementRun], int]:
        total = self.session.scalar(select(func.count(ProcurementRun.id))) or 0
        rows = self.session.scalars(
            select(ProcurementRun).order_by(ProcurementRun.id.desc()).limit(limit).offset(offset)
        )
        return list(rows), int(total)

    def count(self) -> int:
        return int(self.session.scalar(select(func.count(ProcurementRun.id))) or 0)

    def finish(
        self, run: ProcurementRun, figures: RunFigures, rows: RunRows, now: dt.datetime
    ) -> None:
        """The run's figures and every result row, in the caller's transaction."""
        if run.status != ProcurementStatus.RUNNING:
            raise ConflictError(f"run {run.id} is {run.status.value}, not running", field="run_id")
        for name, value in vars(figures).items():
            setattr(run, name, value)
        run.status = ProcurementStatus.SUCCEEDED
        run.finished_at = now
        for row in rows.all():
            row.run_id = run.id
        self.session.add_all(rows.all())

    def fail(self, run: ProcurementRun, error: str, now: dt.datetime) -> None:
        run.status = ProcurementStatus.FAILED
        run.error = error
        run.finished_at = now

    def unfinished_reason(self, run: ProcurementRun) -> str | None:
        """Why a run has no result (None when it has one)."""
        if run.status == ProcurementStatus.SUCCEEDED:
            return None
        if run.status == ProcurementStatus.FAILED:
            return f"run {run.id} failed ({run.error})"
        job = None if run.job_id is None else self.session.get(Job, run.job_id)
        if job is not None and job.status in (JobStatus.FAILED, JobStatus.INTERRUPTED):
            return f"run {run.id} never finished: its job {job.status.value} ({job.error})"
        return f"run {run.id} is still running"

    def rows(self, run_id: int) -> RunRows:
        return RunRows(
            orders=self._children(ProcurementOrder, run_id, ProcurementOrder.seq),
            upgrades=self._children(ProcurementUpgradeStart, run_id, ProcurementUpgradeStart.seq),
            stock=self._children(
                ProcurementStock,
                run_id,
                ProcurementStock.year,
                ProcurementStock.depot_code,
                ProcurementStock.item_code,
            ),
            years=self._children(ProcurementYear, run_id, ProcurementYear.year),
            binding=self._children(ProcurementBinding, run_id, ProcurementBinding.seq),
        )

    def years(self, run_id: int) -> list[ProcurementYear]:
        return self._children(ProcurementYear, run_id, ProcurementYear.year)

    def _children(self, table: type[Any], run_id: int, *order: Any) -> list[Any]:
        return list(
            self.session.scalars(select(table).where(table.run_id == run_id).order_by(*order))
        )

    def items(self, codes: Sequence[str] | None = None) -> list[Item]:
        stmt = select(Item).order_by(Item.code)
        if codes is not None:
            stmt = stmt.where(Item.code.in_(list(codes)))
        return list(self.session.scalars(stmt))
