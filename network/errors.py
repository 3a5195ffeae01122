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


class UnknownBoatError(NetworkError):
    """A boat id that is not in data/boats.csv."""


class InvalidLocationError(NetworkError):
    """A coordinate outside Vietnam, not a number, too far from any road, or (as
    NoRoadLinkError) on an island no road reaches."""


class NoRoadLinkError(InvalidLocationError):
    """A coordinate inside Vietnam that no road reaches (an island): it needs sea transport.
    `province_code` names where it is."""

    def __init__(
        self, message: str, *, field: str | None = None, province_code: str | None
    ) -> None:
        super().__init__(message, field=field)
        self.province_code = province_code


class InvalidOverlayError(NetworkError):
    """A closure or hazard zone that makes no sense (empty polygon, bad radius)."""


class MatrixTooLargeError(NetworkError):
    """A matrix request over the size limit."""
