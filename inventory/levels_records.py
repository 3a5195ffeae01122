"""The planner's stock-levels records: scenario sets, runs with their levels, readiness and
rebalancing transfers, the daily readiness figure, and accepting a run into the policies
the alerts follow. The caller owns the transaction (a unit of work)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from .errors import ConflictError, NotFoundError
from .models import (
    Depot,
    Item,
    LotConditionChange,
    Movement,
    Reservation,
    ReservationStatus,
    StockPolicy,
)
from .planning_models import (
    Job,
    JobStatus,
    LevelsRunLevel,
    LevelsRunReadiness,
    LevelsRunRecord,
    LevelsRunTransfer,
    ReadinessDaily,
    RunStatus,
    ScenarioSetRecord,
)
from .queries import available_by_depot_item


@dataclass(frozen=True)
class LevelRow:
    depot: str
    item: str
    current: int
    min_qty: int
    target: int
    max_qty: int


@dataclass(frozen=True)
class ReadinessRow:
    stock: str  # "before" | "after"
    tag: str
    value: str
    scenarios: int
    served_share: float
    expected_unmet: float
    expected_late: float
    expected_time_to_full_h: float | None


@dataclass(frozen=True)
class TransferRow:
    from_depot: str | None
    to_depot: str
    item: str
    quantity: int
    road_seconds: int | None
    lot_no: str | None = None


@dataclass(frozen=True)
class RunOutcome:
    solve_status: str
    method: str
    objective: float | None
    bound: float | None
    gap: float | None
    wall_s: float
    spent: int
    moved_units: int
    levels: Sequence[LevelRow]
    readiness: Sequence[ReadinessRow]
    transfers: Sequence[TransferRow]


def usable_stock(session: Session, today: dt.date) -> dict[tuple[str, str], int]:
    """(depot, item) -> usable units not reserved: what an incident could draw on today."""
    rows = session.execute(available_by_depot_item(today))
    return {(str(d), str(i)): int(q) for d, i, q in rows if q and int(q) > 0}


def ledger_version(session: Session) -> str:
    """Changes whenever what `usable_stock` reads can change: a movement, a reservation
    made or closed, a lot's condition changed. Readiness is cached under it."""
    moved = session.scalar(select(func.max(Movement.id))) or 0
    newest = session.scalar(select(func.max(Reservation.id))) or 0
    pending = session.scalar(
        select(func.count(Reservation.id)).where(Reservation.status == ReservationStatus.PENDING)
    )
    changed = session.scalar(select(func.max(LotConditionChange.id))) or 0
    return f"m{moved}-r{newest}.{pending or 0}-c{changed}"


class LevelsRecords:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ---------------------------------------------------------- scenario sets
    def add_scenario_set(
        self,
        *,
        seed: int,
        count: int,
        params: Mapping[str, Any],
        fingerprint: str,
        actor: str,
        now: dt.datetime,
    ) -> ScenarioSetRecord:
        row = ScenarioSetRecord(
            seed=seed,
            count=count,
            params=json.dumps(params, sort_keys=True),
            fingerprint=fingerprint,
            created_by=actor,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def scenario_set(self, set_id: int) -> ScenarioSetRecord:
        row = self.session.get(ScenarioSetRecord, set_id)
        if row is None:
            raise NotFoundError(f"unknown scenario set {set_id}", field="scenario_set_id")
        return row

    def find_scenario_set(self, fingerprint: str) -> ScenarioSetRecord | None:
        return self.session.scalars(
            select(ScenarioSetRecord)
            .where(ScenarioSetRecord.fingerprint == fingerprint)
            .order_by(ScenarioSetRecord.id)
        ).first()

    def accepted_scenario_set(self) -> ScenarioSetRecord | None:
        """The scenario set of the run accepted last: the one readiness is measured on."""
        run = self.session.scalars(
            select(LevelsRunRecord)
            .where(LevelsRunRecord.status == RunStatus.ACCEPTED)
            .order_by(LevelsRunRecord.accepted_at.desc(), LevelsRunRecord.id.desc())
        ).first()
        return None if run is None else self.scenario_set(run.scenario_set_id)

    # ------------------------------------------------------------------ runs
    def add_run(
        self,
        *,
        scenario_set_id: int,
        job_id: int | None,
        budget: int | None,
        params: Mapping[str, Any],
        actor: str,
        now: dt.datetime,
    ) -> LevelsRunRecord:
        row = LevelsRunRecord(
            status=RunStatus.RUNNING,
            job_id=job_id,
            scenario_set_id=scenario_set_id,
            budget=budget,
            params=json.dumps(params, sort_keys=True),
            created_by=actor,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def run(self, run_id: int, *, for_update: bool = False) -> LevelsRunRecord:
        stmt = select(LevelsRunRecord).where(LevelsRunRecord.id == run_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.scalars(stmt).first()
        if row is None:
            raise NotFoundError(f"unknown stock-levels run {run_id}", field="run_id")
        return row

    def runs(self, *, limit: int, offset: int) -> tuple[list[LevelsRunRecord], int]:
        total = self.session.scalar(select(func.count(LevelsRunRecord.id))) or 0
        rows = self.session.scalars(
            select(LevelsRunRecord).order_by(LevelsRunRecord.id.desc()).limit(limit).offset(offset)
        )
        return list(rows), int(total)

    def finish(self, run: LevelsRunRecord, outcome: RunOutcome, now: dt.datetime) -> None:
        if run.status != RunStatus.RUNNING:
            raise ConflictError(f"run {run.id} is {run.status.value}, not running", field="run_id")
        run.status = RunStatus.SUCCEEDED
        run.solve_status = outcome.solve_status
        run.method = outcome.method
        run.objective = outcome.objective
        run.bound = outcome.bound
        run.gap = outcome.gap
        run.wall_s = outcome.wall_s
        run.spent = outcome.spent
        run.moved_units = outcome.moved_units
        run.finished_at = now
        self.session.add_all(
            LevelsRunLevel(
                run_id=run.id,
                depot_code=r.depot,
                item_code=r.item,
                current_qty=r.current,
                min_qty=r.min_qty,
                target_qty=r.target,
                max_qty=r.max_qty,
            )
            for r in outcome.levels
        )
        self.session.add_all(
            LevelsRunReadiness(
                run_id=run.id,
                stock=r.stock,
                tag=r.tag,
                value=r.value,
                scenarios=r.scenarios,
                served_share=r.served_share,
                expected_unmet=r.expected_unmet,
                expected_late=r.expected_late,
                expected_time_to_full_h=r.expected_time_to_full_h,
            )
            for r in outcome.readiness
        )
        self.session.add_all(
            LevelsRunTransfer(
                run_id=run.id,
                seq=n,
                from_depot=t.from_depot,
                to_depot=t.to_depot,
                item_code=t.item,
                lot_no=t.lot_no,
                quantity=t.quantity,
                road_seconds=t.road_seconds,
            )
            for n, t in enumerate(outcome.transfers, start=1)
        )

    def _unfinished(self, run: LevelsRunRecord) -> str:
        job = None if run.job_id is None else self.session.get(Job, run.job_id)
        if job is not None and job.status in (JobStatus.FAILED, JobStatus.INTERRUPTED):
            return f"never finished: its job {job.status.value} ({job.error})"
        return "is still running"

    def fail(self, run: LevelsRunRecord, error: str, now: dt.datetime) -> None:
        run.status = RunStatus.FAILED
        run.error = error
        run.finished_at = now

    def levels(self, run_id: int) -> list[LevelsRunLevel]:
        return list(
            self.session.scalars(
                select(LevelsRunLevel)
                .where(LevelsRunLevel.run_id == run_id)
                .order_by(LevelsRunLevel.depot_code, LevelsRunLevel.item_code)
            )
        )

    def readiness(self, run_id: int) -> list[LevelsRunReadiness]:
        return list(
            self.session.scalars(
                select(LevelsRunReadiness)
                .where(LevelsRunReadiness.run_id == run_id)
                .order_by(LevelsRunReadiness.id)
            )
        )

    def transfers(self, run_id: int) -> list[LevelsRunTransfer]:
        return list(
            self.session.scalars(
                select(LevelsRunTransfer)
                .where(LevelsRunTransfer.run_id == run_id)
                .order_by(LevelsRunTransfer.seq)
            )
        )

    def accept(self, run_id: int, actor: str, now: dt.datetime) -> int:
        """Write the run's min / target / max as the policies of every depot x item it
        covers, tagged with the run; returns how many policies were written."""
        run = self.run(run_id, for_update=True)
        if run.status != RunStatus.SUCCEEDED:
            state = {
                RunStatus.RUNNING: self._unfinished(run),
                RunStatus.FAILED: f"failed ({run.error})",
                RunStatus.ACCEPTED: "was already accepted",
            }[run.status]
            raise ConflictError(
                f"run {run_id} {state}: only a finished run is accepted", field="run_id"
            )
        written = 0
        for row in self.levels(run_id):
            policy = self.session.get(StockPolicy, (row.depot_code, row.item_code))
            if policy is None:
                policy = StockPolicy(depot_code=row.depot_code, item_code=row.item_code)
                self.session.add(policy)
            policy.min_qty = row.min_qty
            policy.target_qty = row.target_qty
            policy.max_qty = row.max_qty
            policy.source = "optimiser"
            policy.run_id = run_id
            policy.updated_at = now
            written += 1
        run.status = RunStatus.ACCEPTED
        run.accepted_by = actor
        run.accepted_at = now
        return written

    # -------------------------------------------------------------- readiness
    def record_daily(
        self,
        *,
        day: dt.date,
        scenario_set_id: int,
        version: str,
        served_share: float,
        expected_unmet: float,
        now: dt.datetime,
    ) -> None:
        row = self.session.scalars(
            select(ReadinessDaily).where(
                and_(ReadinessDaily.day == day, ReadinessDaily.scenario_set_id == scenario_set_id)
            )
        ).first()
        if row is None:
            row = ReadinessDaily(day=day, scenario_set_id=scenario_set_id)
            self.session.add(row)
        row.ledger_version = version
        row.served_share = served_share
        row.expected_unmet = expected_unmet
        row.computed_at = now
        self.session.flush()

    def daily(self, scenario_set_id: int, since: dt.date) -> list[ReadinessDaily]:
        return list(
            self.session.scalars(
                select(ReadinessDaily)
                .where(
                    ReadinessDaily.scenario_set_id == scenario_set_id, ReadinessDaily.day >= since
                )
                .order_by(ReadinessDaily.day)
            )
        )

    # ------------------------------------------------------------ catalogue
    def depots(self) -> list[Depot]:
        return list(self.session.scalars(select(Depot).order_by(Depot.code)))

    def items(self) -> list[Item]:
        return list(self.session.scalars(select(Item).order_by(Item.code)))

    def policies(
        self, *, depot: str | None, item: str | None, limit: int, offset: int
    ) -> tuple[list[StockPolicy], int]:
        if depot and self.session.get(Depot, depot) is None:
            raise NotFoundError(f"unknown depot {depot!r}", field="depot")
        if item and self.session.get(Item, item) is None:
            raise NotFoundError(f"unknown item {item!r}", field="item")
        stmt = select(StockPolicy)
        if depot:
            stmt = stmt.where(StockPolicy.depot_code == depot)
        if item:
            stmt = stmt.where(StockPolicy.item_code == item)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self.session.scalars(
            stmt.order_by(StockPolicy.depot_code, StockPolicy.item_code).limit(limit).offset(offset)
        )
        return list(rows), int(total)
