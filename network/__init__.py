"""The road network: Vietnam's main roads as a graph, travel times, closures, hazard
zones, coverage, and where Vietnam is (the province layer, islands included). Pure
(networkx, shapely), no database."""

from .coverage import Coverage, compute_coverage
from .errors import (
    GraphDataError,
    InvalidLocationError,
    InvalidOverlayError,
    MatrixTooLargeError,
    NetworkError,
    NoRoadLinkError,
    UnknownBoatError,
    UnknownEdgeError,
    UnknownNodeError,
)
from .geometry import COAST_TOLERANCE_KM, TERRITORIAL_SEA_KM, Location, Territory
from .graph import Edge, Node, RoadGraph, load_road_graph
from .overlays import NO_OVERLAY, Closure, HazardZone, Overlay
from .places import Place, load_hazard_sources, load_province_centres
from .routing import (
    MAX_MATRIX_SIDE,
    OFFSHORE_REACH_KM,
    Matrix,
    RoadRouter,
    Route,
    Site,
    Snap,
)
from .sea import Boat, FerryLink, Port, SeaLayer
from .sea_reach import SeaCourse, SeaSite

__all__ = [
    "COAST_TOLERANCE_KM",
    "MAX_MATRIX_SIDE",
    "NO_OVERLAY",
    "OFFSHORE_REACH_KM",
    "TERRITORIAL_SEA_KM",
    "Boat",
    "Closure",
    "Coverage",
    "Edge",
    "FerryLink",
    "GraphDataError",
    "HazardZone",
    "InvalidLocationError",
    "InvalidOverlayError",
    "Location",
    "Matrix",
    "MatrixTooLargeError",
    "NetworkError",
    "NoRoadLinkError",
    "Node",
    "Overlay",
    "Place",
    "Port",
    "RoadGraph",
    "RoadRouter",
    "Route",
    "SeaCourse",
    "SeaLayer",
    "SeaSite",
    "Site",
    "Snap",
    "Territory",
    "UnknownBoatError",
    "UnknownEdgeError",
    "UnknownNodeError",
    "compute_coverage",
    "load_hazard_sources",
    "load_province_centres",
    "load_road_graph",
]
