"""Transfers between depots: what is on its way in or out of a depot, and what arrived."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from inventory.models import TransferStatus
from inventory.transfers import Direction, TransferFilter, list_transfers

from ..deps import PagingDep, ReadSession
from ..schemas import PageOf
from ..text_rules import DepotCode, ItemCode
from ..transfer_schemas import DepotTransferRead

router = APIRouter(tags=["transfers"])


@router.get("/transfers")
def read_transfers(
    session: ReadSession,
    paging: PagingDep,
    depot: Annotated[DepotCode | None, Query(description="transfers from or to this depot")] = None,
    direction: Annotated[
        Direction | None, Query(description="relative to `depot`: inbound = to it")
    ] = None,
    status: TransferStatus | None = None,
    item: Annotated[ItemCode | None, Query()] = None,
) -> PageOf[DepotTransferRead]:
    """Transfers newest first, with both depots, the item, lot, quantity, when shipped
    and received, and the sender's reference and note. `direction=inbound` with
    `status=in_transit` is what a depot should expect; `transfer_receive` takes the `id`."""
    page = list_transfers(
        session,
        TransferFilter(depot=depot, item=item, direction=direction, status=status),
        limit=paging.limit,
        offset=paging.offset,
    )
    return PageOf[DepotTransferRead](
        items=[DepotTransferRead.model_validate(asdict(row)) for row in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )
