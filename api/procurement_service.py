"""Use cases of procurement to 2030: start a run (a job), compare finished runs.

A run is asked for in one short transaction (run and job rows), after its command is
checked against the books and data/ so a bad one writes nothing; it is solved in a worker
process with no transaction open (`api.procurement_jobs`) and written back in one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, get_args

from inventory.errors import ConflictError, ValidationError
from inventory.hazard_data import load_hazard_data
from inventory.idempotency import Claim
from inventory.ledger import utcnow
from inventory.models import Depot, Item
from inventory.procurement_data import load_procurement_data
from inventory.procurement_records import ProcurementRecords
from inventory.uow import UnitOfWork
from optimizer.procurement_model import LAST_YEAR_ALLOWED, Keep, Solver

from .idempotency import start_once
from .procurement_store import run_outputs
from .procurement_views import RunOutputs
from .settings import Settings
from .timefmt import to_local

JOB_KIND = "procurement"
JOB_FUNCTION = "api.procurement_jobs:plan_procurement"
#: The horizon's default end (the issue's).
DEFAULT_LAST_YEAR = 2030
#: Readiness of each year-end stock is measured over this many sampled scenarios.
READINESS_SCENARIOS = 300
MAX_READINESS_SCENARIOS = 2000
MAX_TIME_LIMIT_S = 900.0
MAX_COMPARED = 8

Submit = Callable[[int, dict[str, Any]], None]


def this_year() -> int:
    """The current year in Vietnam (a run's default first year)."""
    return to_local(utcnow()).year


@dataclass(frozen=True)
class BudgetCut:
    year: int
    percent: float


@dataclass(frozen=True)
class Delay:
    source: str
    years: int


@dataclass(frozen=True)
class NewHazard:
    """A hazard source not in data/, with one template it may cause (events a year)."""

    name: str
    lat: float
    lon: float
    template: str
    annual_likelihood: float


@dataclass(frozen=True)
class WhatIfs:
    budget_cuts: tuple[BudgetCut, ...] = ()
    delays: tuple[Delay, ...] = ()
    lost_sources: tuple[str, ...] = ()
    new_hazards: tuple[NewHazard, ...] = ()

    def payload(self) -> dict[str, Any]:
        return {
            k: [asdict(v) if not isinstance(v, str) else v for v in vs]
            for k, vs in vars(self).items()
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> WhatIfs:
        return cls(
            budget_cuts=tuple(BudgetCut(**c) for c in data.get("budget_cuts", ())),
            delays=tuple(Delay(**d) for d in data.get("delays", ())),
            lost_sources=tuple(data.get("lost_sources", ())),
            new_hazards=tuple(NewHazard(**h) for h in data.get("new_hazards", ())),
        )


@dataclass(frozen=True)
class ProcurementCommand:
    """What a planner asks of a run; its payload is what a retry must repeat."""

    first_year: int
    last_year: int = DEFAULT_LAST_YEAR
    solver: str = "highs"
    time_limit_s: float = 60.0
    gap: float = 1e-4
    #: what the cost phase keeps of the readiness phase (`ProcurementParams.keep`)
    keep: str = "cells"
    label: str = ""
    readiness_scenarios: int = READINESS_SCENARIOS
    seed: int = 0
    #: the items and depots planned (empty: all)
    items: tuple[str, ...] = ()
    depots: tuple[str, ...] = ()
    what_ifs: WhatIfs = field(default_factory=WhatIfs)

    def payload(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k != "what_ifs"}
        out["items"], out["depots"] = list(self.items), list(self.depots)
        return {**out, "what_ifs": self.what_ifs.payload()}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> ProcurementCommand:
        values = dict(data)
        values["items"] = tuple(values.get("items", ()))
        values["depots"] = tuple(values.get("depots", ()))
        values["what_ifs"] = WhatIfs.from_payload(values.get("what_ifs", {}))
        return cls(**values)

    def name(self) -> str:
        """The label, or one said from the what-ifs ("base", "2027 budget -20 %")."""
        if self.label:
            return self.label
        w = self.what_ifs
        parts = [f"{c.year} budget -{c.percent:g} %" for c in w.budget_cuts]
        parts += [f"{d.source} +{d.years} y" for d in w.delays]
        parts += [f"without {s}" for s in w.lost_sources]
        parts += [f"new hazard {h.name}" for h in w.new_hazards]
        return ", ".join(parts) or "base"


@dataclass(frozen=True)
class KnownCodes:
    """What data/ names: suppliers and production lines, scenario templates."""

    sources: frozenset[str]
    templates: frozenset[str]

    @classmethod
    def read(cls, data_dir: Path) -> KnownCodes:
        return cls(
            frozenset(s.code for s in load_procurement_data(data_dir).sources),
            frozenset(load_hazard_data(data_dir).lines),
        )


def check_command(uow: UnitOfWork, known: KnownCodes, cmd: ProcurementCommand) -> None:
    """Refuse, naming the field, what the run could not be solved with."""
    if cmd.last_year < cmd.first_year:
        raise ValidationError(
            f"the horizon ends ({cmd.last_year}) before it starts ({cmd.first_year})",
            field="last_year",
        )
    if cmd.last_year > LAST_YEAR_ALLOWED:
        raise ValidationError(
            f"the horizon may not end after {LAST_YEAR_ALLOWED}", field="last_year"
        )
    if cmd.solver not in get_args(Solver):
        raise ValidationError("the solver is highs or cbc", field="solver")
    if cmd.keep not in get_args(Keep):
        raise ValidationError("keep is cells or total", field="keep")
    horizon = range(cmd.first_year, cmd.last_year + 1)
    for code in cmd.items:
        if uow.session.get(Item, code) is None:
            raise ValidationError(f"unknown item {code!r}", field="items")
    for code in cmd.depots:
        if uow.session.get(Depot, code) is None:
            raise ValidationError(f"unknown depot {code!r}", field="depots")
    w = cmd.what_ifs
    for cut in w.budget_cuts:
        if cut.year not in horizon:
            raise ValidationError(f"{cut.year} is outside the horizon", field="year")
        if not 0 <= cut.percent <= 100:
            raise ValidationError("a budget cut is 0 to 100 %", field="percent")
    for code in [d.source for d in w.delays] + list(w.lost_sources):
        if code not in known.sources:
            raise ValidationError(f"unknown supplier or production line {code!r}", field="source")
    if any(d.years < 0 for d in w.delays):
        raise ValidationError("a delay is 0 years or more", field="years")
    _check_hazards(known, w.new_hazards)


def _check_hazards(known: KnownCodes, hazards: Sequence[NewHazard]) -> None:
    for h in hazards:
        if h.template not in known.templates:
            raise ValidationError(f"unknown scenario template {h.template!r}", field="template")
        if not h.annual_likelihood > 0:
            raise ValidationError("a likelihood is above 0", field="annual_likelihood")


def start_procurement_run(
    uow: UnitOfWork,
    settings: Settings,
    cmd: ProcurementCommand,
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
        "procurement-run",
        cmd.payload(),
        lambda claim: _store_run(uow, settings, cmd, actor, claim),
        submit,
        str(settings.data_dir),
    )


def _store_run(
    uow: UnitOfWork, settings: Settings, cmd: ProcurementCommand, actor: str, claim: Claim
) -> dict[str, Any]:
    known = KnownCodes.read(settings.data_dir)  # files read before the transaction opens
    with uow:
        check_command(uow, known, cmd)
        job = uow.jobs.create(JOB_KIND, cmd.payload(), actor)
        run = ProcurementRecords(uow.session).add_run(
            job_id=job.id,
            label=cmd.name(),
            years=(cmd.first_year, cmd.last_year),
            params=cmd.payload(),
            what_ifs=cmd.what_ifs.payload(),
            readiness_scenarios=cmd.readiness_scenarios,
            actor=actor,
            now=utcnow(),
        )
        answer = {
            "job_id": job.id,
            "run_id": run.id,
            "job_url": f"/jobs/{job.id}",
            "run_url": f"/procurement/runs/{run.id}",
        }
        uow.answer(claim, answer)
        uow.note(f"procurement run {run.id}, job {job.id}")
        uow.commit()
    return answer


def finished_outputs(uow: UnitOfWork, run_ids: Sequence[int]) -> list[RunOutputs]:
    """The runs' outputs, in the order asked; 404 for an unknown run, 409 (`runs`) for one
    that has not finished."""
    if not run_ids:
        raise ValidationError("name at least one run", field="runs")
    if len(run_ids) > MAX_COMPARED:
        raise ValidationError(f"compare at most {MAX_COMPARED} runs", field="runs")
    with uow.reading():
        records = ProcurementRecords(uow.session)
        runs = [records.run(n) for n in run_ids]
        for run in runs:
            reason = records.unfinished_reason(run)
            if reason is not None:
                raise ConflictError(f"{reason}: only finished runs are compared", field="runs")
        return [run_outputs(records, run) for run in runs]
