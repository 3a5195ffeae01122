"""Use case: plan (or re-plan) the dispatch for one or more open incidents.

Read a snapshot, solve with no transaction open, then write in one short transaction that
rechecks what the plan relied on. Each incident keeps at most one live plan: asking again
supersedes its draft; a confirmed plan is replaced only by a re-plan of its own incident."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inventory.errors import ConflictError, ValidationError
from inventory.idempotency import Claim
from inventory.ledger import utcnow
from inventory.models import DispatchPlanRecord, Incident, IncidentStatus, PlanStatus
from inventory.new_plan import NewPlan
from inventory.snapshot import DispatchSnapshot
from inventory.uow import UnitOfWork
from network import Overlay, RoadRouter
from optimizer import (
    DispatchParams,
    DispatchPlan,
    DispatchProblem,
    check_dispatch_plan,
    solve_dispatch,
)

from .dispatch_presenters import plan_read
from .dispatch_problem import build_problem, load_crews, reliance, to_record
from .idempotency import LEASE, run_once
from .network_service import active_overlay
from .problems import PlanCheckError
from .settings import Settings

log = logging.getLogger(__name__)

Solver = Callable[[DispatchProblem, DispatchParams], DispatchPlan]

#: Times a plan is solved again when the books changed under it before it is given up.
SOLVE_ATTEMPTS = 3
#: The default solver budget is `dispatch_time_limit_s` per incident, at most this.
MAX_DEFAULT_S = 5.0


@dataclass(frozen=True)
class PlanCommand:
    incident_id: int
    with_incidents: tuple[int, ...] = ()
    replan: bool = False
    time_limit_s: float | None = None
    seed: int = 0
    #: confirm the new plan in the same transaction (the CLI's --confirm)
    confirm: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "with_incidents": list(self.with_incidents),
            "replan": self.replan,
            "time_limit_s": self.time_limit_s,
            "seed": self.seed,
            "confirm": self.confirm,
        }


@dataclass(frozen=True)
class _Basis:
    """What the solve starts from, and what the write must find unchanged."""

    incident_ids: tuple[int, ...]
    expected_live: dict[int, tuple[int, PlanStatus] | None]  # incident -> live plan seen
    replaces: int | None
    overlay: Overlay
    snapshot: DispatchSnapshot


def plan_dispatch(
    uow: UnitOfWork,
    road: RoadRouter,
    settings: Settings,
    cmd: PlanCommand,
    *,
    actor: str,
    key: str | None = None,
    solve: Solver | None = None,
) -> tuple[dict[str, Any], bool]:
    """Returns (plan, replayed): a retry with the same idempotency key gets the first
    plan (or refusal) back without solving again. The key's lease covers every solve."""
    solves = SOLVE_ATTEMPTS * (cmd.time_limit_s or MAX_DEFAULT_S)
    return run_once(
        uow,
        key,
        "replan" if cmd.replan else "dispatch-plan",
        cmd.payload(),
        lambda claim: _plan(uow, road, settings, cmd, actor, claim, solve or solve_dispatch),
        lease=LEASE + dt.timedelta(seconds=solves),
    )


def _plan(
    uow: UnitOfWork,
    road: RoadRouter,
    settings: Settings,
    cmd: PlanCommand,
    actor: str,
    claim: Claim,
    solve: Solver,
) -> dict[str, Any]:
    """Snapshot, solve with no transaction open, then store if the books still hold."""
    changes: list[str] = []
    for _ in range(SOLVE_ATTEMPTS):
        with uow.reading():
            basis = _read_basis(uow, settings, cmd)
        plan, new = _solve(road, settings, cmd, basis, solve)
        with uow:
            changes = _recheck_and_release(uow, basis, plan, actor=actor)
            if changes:
                continue  # leaving the block rolls the release back; solve again
            record = uow.plans.add(new, actor=actor, replaces=basis.replaces)
            if cmd.confirm:
                opened = dict.fromkeys(basis.incident_ids, IncidentStatus.OPEN)
                uow.plans.confirm(record, ledger=uow.ledger(actor), open_status=opened)
            answer = plan_read(uow.plans, record).model_dump(mode="json")
            uow.answer(claim, answer)
            uow.note(f"plan {record.id}")
            uow.commit()
            return answer
    raise ConflictError(
        "the books kept changing while the plan was solved ("
        + "; ".join(changes)
        + "): ask again with a new Idempotency-Key",
        field="incident_id",
    )


def _read_basis(uow: UnitOfWork, settings: Settings, cmd: PlanCommand) -> _Basis:
    """Validate the request against the books and read the snapshot (read-only)."""
    primary = uow.incidents.get(cmd.incident_id)
    uow.incidents.expect_open(primary)
    others = _others(uow, cmd)
    live = uow.plans.live_plans([cmd.incident_id, *[o.id for o in others]])
    replaces: DispatchPlanRecord | None = live.get(cmd.incident_id)
    if replaces is not None and replaces.status == PlanStatus.CONFIRMED and not cmd.replan:
        raise ConflictError(
            f"incident {primary.id} has confirmed plan {replaces.id}: re-plan it "
            f"(POST /incidents/{primary.id}/replan) or cancel that plan first",
            field="incident_id",
        )
    for n, other in enumerate(others):
        own = live.get(other.id)
        if own is not None and own.status == PlanStatus.CONFIRMED and own is not replaces:
            raise ConflictError(
                f"incident {other.id} has confirmed plan {own.id} of its own: "
                "it cannot be taken into this plan",
                field=f"with_incidents[{n}]",
            )
    incidents = [primary, *others]
    if cmd.replan and replaces is not None:  # take in what the old plan served, if still open
        seen = {i.id for i in incidents}
        for incident_id in replaces.incident_ids:
            if incident_id not in seen:
                joint = uow.incidents.get(incident_id)
                if joint.status == IncidentStatus.OPEN:
                    incidents.append(joint)
    ids = tuple(i.id for i in incidents)
    live = uow.plans.live_plans(ids)
    releasing = sorted({p.id for p in live.values() if p.status == PlanStatus.CONFIRMED})
    return _Basis(
        incident_ids=ids,
        expected_live={i: (live[i].id, live[i].status) if i in live else None for i in ids},
        replaces=None if replaces is None else replaces.id,
        overlay=active_overlay(uow.closures),
        snapshot=uow.plans.snapshot(incidents, utcnow(), releasing),
    )


def _others(uow: UnitOfWork, cmd: PlanCommand) -> list[Incident]:
    seen = {cmd.incident_id}
    others = []
    for n, incident_id in enumerate(cmd.with_incidents):
        field = f"with_incidents[{n}]"
        if incident_id == cmd.incident_id:
            raise ValidationError(
                f"with_incidents names incident {incident_id} itself", field=field
            )
        if incident_id in seen:
            raise ValidationError(f"incident {incident_id} is named twice", field=field)
        seen.add(incident_id)
        incident = uow.incidents.get(incident_id, field=field)
        uow.incidents.expect_open(incident, field=field)
        others.append(incident)
    return others


def _solve(
    road: RoadRouter, settings: Settings, cmd: PlanCommand, basis: _Basis, solve: Solver
) -> tuple[DispatchPlan, NewPlan]:
    """Solve with no transaction open; check the plan before anything is stored."""
    problem, sites = build_problem(
        basis.snapshot,
        road,
        basis.overlay,
        national_level=settings.national_level,
        crews=load_crews(settings.data_dir),
    )
    if not any(i.demands for i in problem.incidents):
        raise ConflictError(
            "nothing left to send: everything demanded is on the road or delivered",
            field="incident_id",
        )
    # The default budget grows with the incidents planned together, up to 5 s.
    budget = min(MAX_DEFAULT_S, settings.dispatch_time_limit_s * len(problem.incidents))
    params = DispatchParams(
        time_limit_s=cmd.time_limit_s or budget,
        seed=cmd.seed,
        beyond_bound_h=settings.dispatch_beyond_bound_h,
    )
    plan = solve(problem, params)
    violations = check_dispatch_plan(problem, plan)
    if violations:  # a solver bug: never store a plan that breaks the books
        log.error("dispatch plan failed its checks: %s", violations)
        raise PlanCheckError([f"{v.rule}: {v.detail}" for v in violations])

    new = to_record(
        plan,
        t0=basis.snapshot.t0,
        incident_ids=basis.incident_ids,
        sites=sites,
        road=road,
        overlay=basis.overlay,
    )
    return plan, new


def _status(live: tuple[int, PlanStatus] | None) -> PlanStatus | None:
    return None if live is None else live[1]


def _recheck_and_release(
    uow: UnitOfWork, basis: _Basis, plan: DispatchPlan, *, actor: str
) -> list[str]:
    """Lock the incidents, supersede their live plans, and say what changed since the
    snapshot (empty: the plan may be stored)."""
    incidents = uow.incidents.lock(basis.incident_ids)
    for incident in incidents:
        uow.incidents.expect_open(incident)
    changes: list[str] = []
    live = uow.plans.live_plans(basis.incident_ids)
    ledger = uow.ledger(actor)
    for incident_id in basis.incident_ids:
        # Drafts hold nothing: only a confirmed plan appearing or going away matters.
        seen = basis.expected_live[incident_id]
        held = live.get(incident_id)
        current = None if held is None else (held.id, held.status)
        if current != seen and PlanStatus.CONFIRMED in (_status(seen), _status(current)):
            changes.append(f"incident {incident_id}'s confirmed plan changed")
            return changes
    if active_overlay(uow.closures).key() != basis.overlay.key():
        changes.append("road closures changed")
        return changes
    for old in {p.id: p for p in live.values()}.values():
        uow.plans.supersede(old, ledger=ledger)
    changes.extend(uow.plans.changes_since(reliance(plan), utcnow()))
    return changes
