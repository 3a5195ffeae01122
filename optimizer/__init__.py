"""Optimisation models: pure functions from typed problems to typed plans."""

from .dispatch import solve_dispatch
from .dispatch_check import check_dispatch_plan
from .dispatch_model import (
    Boat,
    Demand,
    DepotStock,
    DispatchParams,
    DispatchPlan,
    DispatchProblem,
    IncidentDemand,
    ItemSpec,
    LotStock,
    SeaLeg,
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
from .stock_levels import MapFn, evaluate_levels, solve_stock_levels

__all__ = [
    "Boat",
    "Demand",
    "DepotStock",
    "DispatchParams",
    "DispatchPlan",
    "DispatchProblem",
    "IncidentDemand",
    "InvalidProblemError",
    "ItemSpec",
    "LotStock",
    "MapFn",
    "RoutingParams",
    "RoutingProblem",
    "RoutingRequest",
    "RoutingResult",
    "RoutingVehicle",
    "SeaLeg",
    "Vehicle",
    "Violation",
    "check_dispatch_plan",
    "check_routing",
    "evaluate_levels",
    "solve_dispatch",
    "solve_routing",
    "solve_stock_levels",
]
