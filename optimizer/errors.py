"""Errors of the optimiser: only malformed input raises; an infeasible or short
result is a value (status + reasons), never an exception."""

from __future__ import annotations


class InvalidProblemError(ValueError):
    """The problem data contradicts itself (sizes, unknown codes, bad parameters).
    `field`, where given, names the input at fault, for a 4xx that names it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
