"""Request and response bodies of the planner's stock levels and readiness."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .dispatch_schemas import IncidentType
from .levels_service import MAX_SCENARIOS, MAX_TIME_LIMIT_S
from .number_rules import WHOLE
from .text_rules import DepotCode, ItemCode
from .timefmt import LocalTime

#: a stock-levels budget stays far inside the BIGINT column it is stored in
MAX_BUDGET_VND = 10**15
#: the incident levels scenarios can be sampled at (those with a size distribution,
#: inventory.scenarios.DEFAULT_SIZES; a test keeps the two equal)
IncidentLevel = Literal["facility", "provincial", "national"]


class FixedLevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    depot: DepotCode
    item: ItemCode
    quantity: Annotated[int, Field(ge=0, le=10_000_000), WHOLE]


class LevelsRunCreate(BaseModel):
    """An optimisation of how much of each item each depot should hold."""

    model_config = ConfigDict(extra="forbid")

    budget_vnd: Annotated[int, Field(ge=0, le=MAX_BUDGET_VND), WHOLE] | None = Field(
        default=None, description="VND for new stock (at unit cost); none: no limit"
    )
    scenarios: Annotated[int, WHOLE] = Field(
        default=1000, ge=1, le=MAX_SCENARIOS, description="incident scenarios sampled"
    )
    seed: Annotated[int, Field(ge=0, le=2**31 - 1), WHOLE] = 0
    levels: list[IncidentLevel] = Field(
        default=["provincial", "national"],
        min_length=1,
        max_length=20,
        description="incident levels sampled",
    )
    incident_types: list[IncidentType] = Field(
        default=[], max_length=20, description="empty: every type"
    )
    time_limit_s: float = Field(default=60.0, gt=0, le=MAX_TIME_LIMIT_S)
    gap: float = Field(default=0.01, gt=0, lt=0.5, description="relative gap to stop at")
    method: Literal["auto", "extensive", "decomposition"] = "auto"
    solver: Literal["highs", "scip"] = "highs"
    move_cost: float = Field(
        default=0.01, ge=0, le=1000, description="priority-hours per unit moved or delivered"
    )
    fixed: list[FixedLevelIn] = Field(default=[], max_length=5000)


class RunStarted(BaseModel):
    job_id: int
    run_id: int
    scenario_set_id: int
    job_url: str
    run_url: str
    replayed: bool = False


class ReadinessRead(BaseModel):
    stock: str
    tag: str
    value: str
    scenarios: int
    served_share: float = Field(description="probability-weighted share served in time")
    expected_unmet: float = Field(description="units unmet per incident, expected")
    expected_late: float = Field(
        description="units per incident landing after their required-by time, expected"
    )
    expected_time_to_full_h: float | None


class LevelRead(BaseModel):
    depot: str
    item: str
    current: int
    min: int
    target: int
    max: int
    change: int


class TransferRead(BaseModel):
    seq: int
    from_depot: str | None = Field(description="none: to be bought")
    to_depot: str
    item: str
    lot_no: str | None = Field(description="the sender's lot (first expiry first out)")
    quantity: int
    road_hours: float | None


class ScenarioSetRead(BaseModel):
    id: int
    seed: int
    count: int
    fingerprint: str
    levels: list[str]
    incident_types: list[str]


class LevelsRunRead(BaseModel):
    id: int
    status: str
    job_id: int | None
    scenario_set: ScenarioSetRead
    budget_vnd: int | None
    solve_status: str | None
    method: str | None
    objective: float | None
    bound: float | None
    gap: float | None
    wall_s: float | None
    spent_vnd: int | None
    moved_units: int | None
    error: str | None
    created_by: str
    created_at: LocalTime
    finished_at: LocalTime | None
    accepted_by: str | None
    accepted_at: LocalTime | None
    readiness: list[ReadinessRead]
    levels: list[LevelRead]
    transfers: list[TransferRead]
    charts: list[str]


class LevelsRunSummary(BaseModel):
    id: int
    status: str
    budget_vnd: int | None
    gap: float | None
    served_before: float | None
    served_after: float | None
    created_at: LocalTime


class LevelsRunPage(BaseModel):
    items: list[LevelsRunSummary]
    total: int
    limit: int
    offset: int


class Accepted(BaseModel):
    run_id: int
    status: str
    policies_written: int
    replayed: bool = False


class TrendPoint(BaseModel):
    day: dt.date
    served_share: float
    expected_unmet: float


class ReadinessToday(BaseModel):
    computed_at: LocalTime
    ledger_version: str
    cached: bool
    scenario_set_id: int
    scenarios: int
    seed: int
    served_share: float
    expected_unmet: float
    expected_late: float
    expected_time_to_full_h: float | None
    by: list[ReadinessRead]
    trend: list[TrendPoint]


class StockPolicyRead(BaseModel):
    depot: str
    item: str
    min: int
    target: int
    max: int
    source: str
    run_id: int | None
    updated_at: LocalTime


class StockPolicyPage(BaseModel):
    items: list[StockPolicyRead]
    total: int
    limit: int
    offset: int
