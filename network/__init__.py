"""The road network: Vietnam's main roads as a graph, travel times, closures, hazard
zones and coverage. Pure (networkx), no database."""

from .coverage import Coverage, compute_coverage
from .errors import (
    GraphDataError,
    InvalidLocationError,
    InvalidOverlayError,
    MatrixTooLargeError,
    NetworkError,
    UnknownEdgeError,
    UnknownNodeError,
)
from .graph import Edge, Node, RoadGraph, load_road_graph
from .overlays import NO_OVERLAY, Closure, HazardZone, Overlay
from .places import Place, load_hazard_sources, load_province_centres
from .routing import (
    COAST_TOLERANCE_KM,
    MAX_MATRIX_SIDE,
    OFFSHORE_REACH_KM,
    Matrix,
    RoadRouter,
    Route,
    Site,
    Snap,
)

__all__ = [
    "COAST_TOLERANCE_KM",
    "MAX_MATRIX_SIDE",
    "NO_OVERLAY",
    "OFFSHORE_REACH_KM",
    "Closure",
    "Coverage",
    "Edge",
    "GraphDataError",
    "HazardZone",
    "InvalidLocationError",
    "InvalidOverlayError",
    "Matrix",
    "MatrixTooLargeError",
    "NetworkError",
    "Node",
    "Overlay",
    "Place",
    "RoadGraph",
    "RoadRouter",
    "Route",
    "Site",
    "Snap",
    "UnknownEdgeError",
    "UnknownNodeError",
    "compute_coverage",
    "load_hazard_sources",
    "load_province_centres",
    "load_road_graph",
]
