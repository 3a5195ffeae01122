"""Optimisation models: pure functions from typed problems to typed plans."""

from .dispatch import solve_dispatch
from .dispatch_check import check_dispatch_plan
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
from .routing import (
    RoutingParams,
    RoutingProblem,
    RoutingRequest,
    RoutingResult,
    RoutingVehicle,
    check_routing,
    solve_routing,
)

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
    "RoutingParams",
    "RoutingProblem",
    "RoutingRequest",
    "RoutingResult",
    "RoutingVehicle",
    "Vehicle",
    "Violation",
    "check_dispatch_plan",
    "check_routing",
    "solve_dispatch",
    "solve_routing",
]
