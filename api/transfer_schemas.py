"""Response shapes of `GET /transfers`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from .timefmt import LocalTime


class NamedRead(BaseModel):
    """A depot or item by code, with its Vietnamese and English names."""

    code: str
    name_vi: str
    name_en: str


class DepotTransferRead(BaseModel):
    """A transfer booked between two depots (a stock-levels run's suggested moves are
    `TransferRead`)."""

    id: int
    from_depot: NamedRead
    to_depot: NamedRead
    item: NamedRead
    unit: str
    lot_no: str | None
    quantity: int
    status: Literal["in_transit", "received"]
    shipped_at: LocalTime
    received_at: LocalTime | None
    reference: str | None
    note: str | None
    shipped_by: str | None
    received_by: str | None
