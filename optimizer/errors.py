"""Errors of the optimiser: only malformed input raises; an infeasible or short
result is a value (status + reasons), never an exception."""

from __future__ import annotations


class InvalidProblemError(ValueError):
    """The problem data contradicts itself (sizes, unknown codes, bad parameters)."""
