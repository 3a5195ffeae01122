"""Optimisation models: pure functions from typed problems to typed plans."""

from .dispatch import check_dispatch_plan, solve_dispatch
from .dispatch_model import (
    Demand,
    DepotStock,
    DispatchParams,
    DispatchPlan,
    DispatchProblem,
    IncidentDemand,
    ItemSpec,
    LotStock,
    Vehicle,
    Violation,
)
from .errors import InvalidProblemError

__all__ = [
    "Demand",
    "DepotStock",
    "DispatchParams",
    "DispatchPlan",
    "DispatchProblem",
    "IncidentDemand",
    "InvalidProblemError",
    "ItemSpec",
    "LotStock",
    "Vehicle",
    "Violation",
    "check_dispatch_plan",
    "solve_dispatch",
]
