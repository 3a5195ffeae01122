"""The stock of record: catalogue, depots, lots, the ledger, balances, reservations, policies."""

from .errors import (
    ConflictError,
    IdempotencyConflictError,
    InsufficientStockError,
    InventoryError,
    NotFoundError,
    UnusableStockError,
    ValidationError,
)

__all__ = [
    "ConflictError",
    "IdempotencyConflictError",
    "InsufficientStockError",
    "InventoryError",
    "NotFoundError",
    "UnusableStockError",
    "ValidationError",
]
