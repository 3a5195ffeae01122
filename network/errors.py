"""Errors of the road network; `api` maps them to HTTP statuses."""

from __future__ import annotations


class NetworkError(Exception):
    """Base class. `field` names the offending input where there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class GraphDataError(NetworkError):
    """The road data on disk is inconsistent (unreachable node, zero-length edge, ...)."""


class UnknownNodeError(NetworkError):
    """A node id that is not in the graph."""


class UnknownEdgeError(NetworkError):
    """An edge id that is not in the graph."""


class InvalidLocationError(NetworkError):
    """A coordinate outside Vietnam, not a number, or too far from any road."""


class InvalidOverlayError(NetworkError):
    """A closure or hazard zone that makes no sense (empty polygon, bad radius)."""


class MatrixTooLargeError(NetworkError):
    """A matrix request over the size limit."""
