"""Domain errors of the inventory; `api` maps each class to one HTTP status."""

from __future__ import annotations


class InventoryError(Exception):
    """Base of every inventory error. `field` names the offending input, where one does."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(InventoryError):
    """An unknown depot, item, lot, serial, reservation or transfer."""


class ValidationError(InventoryError):
    """Input that breaks a ledger rule whatever the stock (quantity, tracking, same depot)."""


class InsufficientStockError(InventoryError):
    """Not enough usable stock for the request; nothing was posted."""


class UnusableStockError(InventoryError):
    """The lot exists but may not be issued (expired, quarantined, unserviceable, uncalibrated)."""


class ConflictError(InventoryError):
    """The request clashes with the current state (a closed reservation, a serial already held)."""


class IdempotencyConflictError(ConflictError):
    """An idempotency key was reused with a different payload."""


class IdempotencyRaceError(InventoryError):
    """Another request with the same key is still running: retry in `retry_after_s`."""

    def __init__(self, message: str, *, field: str | None = None, retry_after_s: int = 1) -> None:
        super().__init__(message, field=field)
        self.retry_after_s = retry_after_s


class ClaimLostError(IdempotencyRaceError):
    """This request ran past its key's lease and a retry took the key over: it must write
    nothing (the retry posts instead)."""


class ForbiddenError(InventoryError):
    """The acting user may not do this here (a depot outside a depot manager's scope)."""
