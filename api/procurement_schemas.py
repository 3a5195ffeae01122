"""Request and response bodies of procurement to 2030 (issue 13). Year and percent limits
are checked by the use case, so a refusal names the field as planners know it (`percent`,
`year`, `source`) wherever in the what-ifs it sits."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .number_rules import WHOLE
from .procurement_service import (
    DEFAULT_LAST_YEAR,
    MAX_COMPARED,
    MAX_READINESS_SCENARIOS,
    MAX_TIME_LIMIT_S,
    READINESS_SCENARIOS,
)
from .text_rules import DepotCode, ItemCode
from .timefmt import LocalTime

Year = Annotated[int, Field(ge=1900, le=9999), WHOLE]
SourceCode = Annotated[str, Field(min_length=1, max_length=40)]


class BudgetCutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: Year
    percent: float = Field(description="0 to 100: the share of that year's budget cut")


class DelayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: SourceCode
    years: Annotated[int, Field(ge=-100, le=100), WHOLE]


class NewHazardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    template: str = Field(min_length=1, max_length=80, description="a scenario template")
    annual_likelihood: float = Field(gt=0, le=10, description="incidents a year")


class WhatIfsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    budget_cuts: list[BudgetCutIn] = Field(default=[], max_length=50)
    delays: list[DelayIn] = Field(default=[], max_length=50)
    lost_sources: list[SourceCode] = Field(default=[], max_length=50)
    new_hazards: list[NewHazardIn] = Field(default=[], max_length=10)


class ProcurementRunCreate(BaseModel):
    """What to buy or produce, year by year, to reach the readiness targets."""

    model_config = ConfigDict(extra="forbid")

    first_year: Year | None = Field(default=None, description="default: this year (UTC+7)")
    last_year: Year = DEFAULT_LAST_YEAR
    solver: Literal["highs", "cbc"] = "highs"
    time_limit_s: float = Field(default=60.0, gt=0, le=MAX_TIME_LIMIT_S)
    gap: float = Field(default=1e-4, ge=0, lt=1, description="relative gap to stop at")
    keep: Literal["cells", "total"] = Field(
        default="cells",
        description="what the cost phase keeps of the readiness phase: every target cell "
        "(depot, item, year) no further from its target (proved in seconds), or only the "
        "weighted total (may trade one depot's readiness for another's to save money)",
    )
    label: str = Field(default="", max_length=120, description="default: said from the what-ifs")
    readiness_scenarios: Annotated[int, WHOLE] = Field(
        default=READINESS_SCENARIOS, ge=1, le=MAX_READINESS_SCENARIOS
    )
    seed: Annotated[int, Field(ge=0, le=2**31 - 1), WHOLE] = 0
    items: list[ItemCode] = Field(default=[], max_length=500, description="empty: every item")
    depots: list[DepotCode] = Field(default=[], max_length=100, description="empty: every depot")
    what_ifs: WhatIfsIn = Field(default_factory=WhatIfsIn)


class RunStarted(BaseModel):
    job_id: int
    run_id: int
    job_url: str
    run_url: str
    replayed: bool = False


class YearReadinessRead(BaseModel):
    year: int
    served_share: float = Field(description="share of sampled scenarios served in time")
    expected_unmet: float = Field(description="priority-weighted units unmet, expected")


class YearRead(BaseModel):
    year: int
    budget_vnd: int
    spend_vnd: int
    target_units: int
    shortfall_units: int
    served_share: float | None
    expected_unmet: float | None


class ComparedYear(YearRead):
    run_id: int


class BindingRead(BaseModel):
    kind: str
    subject: str
    year: int | None
    text: str
    shadow_price: float | None


class ProcurementRunRead(BaseModel):
    id: int
    label: str
    status: str
    job_id: int | None
    first_year: int
    last_year: int
    params: dict[str, Any]
    what_ifs: dict[str, Any]
    solve_status: str | None
    solver: str | None
    shortfall: float | None
    shortfall_bound: float | None
    cost_vnd: int | None
    cost_bound: float | None
    gap: float | None
    wall_s: float | None
    message: str | None
    error: str | None
    created_by: str
    created_at: LocalTime
    finished_at: LocalTime | None
    readiness_today: YearReadinessRead | None
    readiness: list[YearReadinessRead]
    years: list[YearRead]
    binding: list[BindingRead]
    tables: dict[str, list[dict[str, Any]]] = Field(description="the workbook's sheets")
    workbook: str | None
    charts: list[str]


class ProcurementRunSummary(BaseModel):
    id: int
    label: str
    status: str
    first_year: int
    last_year: int
    solve_status: str | None
    shortfall: float | None
    cost_vnd: int | None
    created_at: LocalTime


class ProcurementRunPage(BaseModel):
    items: list[ProcurementRunSummary]
    total: int
    limit: int
    offset: int


class CompareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    runs: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(
        min_length=1, max_length=MAX_COMPARED
    )


class ComparedRun(BaseModel):
    id: int
    label: str


class CompareRead(BaseModel):
    runs: list[ComparedRun]
    years: list[ComparedYear] = Field(description="readiness and spend per run and year")
    table: list[dict[str, Any]] = Field(description="the comparison as the workbook has it")
    chart: str
