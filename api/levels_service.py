"""Use cases of the planner's stock levels: start an optimisation run (a job), accept a run
into the stock policies, and read the readiness of today's stock.

A run is asked for in one short transaction (scenario set, run and job rows), solved in a
worker process with no transaction open (`api.levels_jobs`), and written back in one."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from inventory.errors import ValidationError
from inventory.idempotency import Claim
from inventory.ledger import utcnow
from inventory.levels_records import LevelsRecords, ReadinessRow, ledger_version, usable_stock
from inventory.models import Depot, Item
from inventory.planning_models import ScenarioSetRecord
from inventory.scenarios import (
    ScenarioDataError,
    ScenarioParams,
    ScenarioParamsError,
    ScenarioSet,
    params_dict,
    params_from_dict,
    sample_scenarios,
)
from inventory.uow import UnitOfWork
from optimizer.levels_model import LevelsProblem
from optimizer.stock_levels import evaluate_levels

from .idempotency import run_once, start_once
from .levels_problem import DepotFacts, ItemFacts, LevelsInputs, build_levels_problem
from .levels_readiness import readiness_rows
from .network_service import RoadContext, active_overlay
from .settings import Settings

#: The most scenarios one run or evaluation samples (the issue's largest bench size).
MAX_SCENARIOS = 5000
#: The longest a run may solve.
MAX_TIME_LIMIT_S = 900.0
#: GET /readiness samples this many scenarios when no accepted run names a set.
READINESS_SCENARIOS = 500
#: Policies from a run's level L: min = L (1 - band) rounded down, max = L (1 + band) up.
POLICY_BAND = 0.25
JOB_KIND = "stock-levels"
JOB_FUNCTION = "api.levels_jobs:optimise_levels"

Submit = Callable[[int, dict[str, Any]], None]


@dataclass(frozen=True)
class FixedLevel:
    depot: str
    item: str
    quantity: int


@dataclass(frozen=True)
class LevelsCommand:
    """What a planner asks of a run; its payload is what a retry must repeat."""

    budget_vnd: int | None = None
    scenarios: int = 1000
    seed: int = 0
    levels: tuple[str, ...] = ("provincial", "national")
    incident_types: tuple[str, ...] = ()
    time_limit_s: float = 60.0
    gap: float = 0.01
    method: str = "auto"
    solver: str = "highs"
    #: priority-hours per unit placed above a depot's level today: moves only when they pay
    move_cost: float = 0.01
    fixed: tuple[FixedLevel, ...] = field(default_factory=tuple)

    def payload(self) -> dict[str, Any]:
        out = asdict(self)
        out["levels"] = list(self.levels)
        out["incident_types"] = list(self.incident_types)
        out["fixed"] = [asdict(f) for f in self.fixed]
        return out

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> LevelsCommand:
        data = dict(data)
        data["levels"] = tuple(data.get("levels", ()))
        data["incident_types"] = tuple(data.get("incident_types", ()))
        data["fixed"] = tuple(FixedLevel(**f) for f in data.get("fixed", ()))
        return cls(**data)

    def scenario_params(self) -> ScenarioParams:
        """Raises ScenarioParamsError (a ValidationError naming the field) when bad."""
        return ScenarioParams(
            count=self.scenarios,
            seed=self.seed,
            levels=self.levels,
            incident_types=self.incident_types,
        )


def sample(data_dir: Path, params: ScenarioParams) -> ScenarioSet:
    """The scenario set of `params`; a parameter data/ does not know (a level or type)
    is a ValidationError naming it; a fault in data/ itself stays a server error."""
    try:
        return sample_scenarios(data_dir, params)
    except ScenarioParamsError:
        raise
    except ScenarioDataError as exc:
        raise RuntimeError(f"data/ is inconsistent: {exc}") from exc


def start_levels_run(
    uow: UnitOfWork,
    settings: Settings,
    cmd: LevelsCommand,
    submit: Submit,
    *,
    actor: str,
    key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store the run and its job, then hand the job to a worker. Returns (answer,
    replayed): a retry with the same key gets the same run back and starts nothing."""
    return start_once(
        uow,
        key,
        "stock-levels-run",
        cmd.payload(),
        lambda claim: _store_run(uow, settings, cmd, actor, claim),
        submit,
        str(settings.data_dir),
    )


def _store_run(
    uow: UnitOfWork, settings: Settings, cmd: LevelsCommand, actor: str, claim: Claim
) -> dict[str, Any]:
    """Store the run and its queued job; the job starts once this has committed."""
    scenarios = sample(settings.data_dir, cmd.scenario_params())
    with uow:
        _check_fixed(uow, cmd)
        now = utcnow()
        scenario_set = stored_scenario_set(uow.levels, scenarios, actor, now)
        job = uow.jobs.create(JOB_KIND, cmd.payload(), actor)
        run = uow.levels.add_run(
            scenario_set_id=scenario_set.id,
            job_id=job.id,
            budget=cmd.budget_vnd,
            params=cmd.payload(),
            actor=actor,
            now=now,
        )
        answer = {
            "job_id": job.id,
            "run_id": run.id,
            "scenario_set_id": scenario_set.id,
            "job_url": f"/jobs/{job.id}",
            "run_url": f"/stock-levels/runs/{run.id}",
        }
        uow.answer(claim, answer)
        uow.note(f"stock-levels run {run.id}, job {job.id}")
        uow.commit()
    return answer


def _check_fixed(uow: UnitOfWork, cmd: LevelsCommand) -> None:
    """Fixed levels name known depots and items, and fit the depot: its storage classes,
    and its volume and weight (all its fixed levels together)."""
    room: dict[str, list[float]] = {}
    for n, f in enumerate(cmd.fixed):
        depot = uow.session.get(Depot, f.depot)
        if depot is None:
            raise ValidationError(f"unknown depot {f.depot!r}", field=f"fixed[{n}].depot")
        item = uow.session.get(Item, f.item)
        if item is None:
            raise ValidationError(f"unknown item {f.item!r}", field=f"fixed[{n}].item")
        if item.storage_class not in depot.storage_classes:
            raise ValidationError(
                f"{f.depot} has no {item.storage_class} storage for {f.item}",
                field=f"fixed[{n}].depot",
            )
        used = room.setdefault(f.depot, [0.0, 0.0])
        used[0] += item.unit_volume_m3 * f.quantity
        used[1] += item.unit_weight_kg * f.quantity
        if used[0] > depot.capacity_m3 or used[1] > depot.capacity_kg:
            raise ValidationError(
                f"the levels fixed at {f.depot} need {used[0]:,.0f} m3 and {used[1]:,.0f} kg; "
                f"it holds {depot.capacity_m3:,.0f} m3 and {depot.capacity_kg:,.0f} kg",
                field=f"fixed[{n}].quantity",
            )


def stored_scenario_set(
    records: LevelsRecords, scenarios: ScenarioSet, actor: str, now: dt.datetime
) -> ScenarioSetRecord:
    found = records.find_scenario_set(scenarios.fingerprint)
    if found is not None:
        return found
    params = scenarios.params
    return records.add_scenario_set(
        seed=params.seed,
        count=params.count,
        params=params_dict(params),
        fingerprint=scenarios.fingerprint,
        actor=actor,
        now=now,
    )


def scenario_params_of(row: ScenarioSetRecord) -> ScenarioParams:
    return params_from_dict(json.loads(row.params))


def accept_levels_run(
    uow: UnitOfWork, run_id: int, *, actor: str, key: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Write the run's min / target / max into the stock policies (the alerts follow)."""

    def accept(claim: Claim) -> dict[str, Any]:
        with uow:
            written = uow.levels.accept(run_id, actor, utcnow())
            answer = {"run_id": run_id, "status": "accepted", "policies_written": written}
            uow.answer(claim, answer)
            uow.commit()
        return answer

    return run_once(uow, key, "stock-levels-accept", {"run_id": run_id}, accept)


def read_inputs(
    uow: UnitOfWork, fixed: tuple[FixedLevel, ...], today: dt.date
) -> tuple[LevelsInputs, str]:
    """The books as the model needs them, and the ledger version they were read at."""
    session = uow.session
    inputs = LevelsInputs(
        depots=[DepotFacts.of(d) for d in uow.levels.depots()],
        items=[ItemFacts.of(i) for i in uow.levels.items()],
        stock=usable_stock(session, today),
        overlay=active_overlay(uow.closures),
        fixed={(f.depot, f.item): f.quantity for f in fixed},
    )
    return inputs, ledger_version(session)


def today_readiness(
    inputs: LevelsInputs, scenarios: ScenarioSet, road: RoadContext, settings: Settings
) -> list[ReadinessRow]:
    """Readiness of today's usable stock over a scenario set."""
    problem = build_levels_problem(
        inputs,
        scenarios.scenarios,
        road.router,
        national_level=settings.national_level,
        budget=None,
        move_cost=0.0,
        shore=road.shore(),
    )
    return readiness_rows(evaluate_levels(problem, current_levels(problem)), "today")


def current_levels(problem: LevelsProblem) -> dict[tuple[str, str], float]:
    """Today's usable stock of the items the problem models."""
    return {(d.id, i): q for d in problem.depots for i, q in d.current.items()}


def policy_band(level: int) -> tuple[int, int, int]:
    """(min, target, max) around a run's level."""
    low = int(level * (1 - POLICY_BAND))
    high = -int(-level * (1 + POLICY_BAND) // 1)
    return low, level, max(level, high)
