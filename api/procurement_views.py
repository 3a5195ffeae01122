"""What a procurement run's outputs are made from: the optimiser's result, the readiness
each year-end stock buys, and the catalogue facts a reader needs (names, categories).
Shared by the workbook and charts (`api.procurement_outputs`) and the use cases that load
a stored run (`api.procurement_service`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from optimizer.procurement_model import ProcurementResult


@dataclass(frozen=True)
class YearReadiness:
    """The stock-levels readiness evaluation of one year's year-end stock."""

    year: int
    #: share of sampled incident scenarios served in full and in time
    served_share: float
    #: expected priority-weighted units not served
    expected_unmet: float


@dataclass(frozen=True)
class ItemFacts:
    code: str
    name_vi: str
    name_en: str
    category: str
    unit: str


@dataclass(frozen=True)
class RunOutputs:
    """One finished run, as the outputs need it."""

    run_id: int
    #: how a person names the run ("base", "2027 budget -20 %")
    label: str
    result: ProcurementResult
    readiness: tuple[YearReadiness, ...]
    #: today's readiness, before any order (the starting point of the chart)
    readiness_today: YearReadiness | None = None
    items: Mapping[str, ItemFacts] = field(default_factory=dict)
