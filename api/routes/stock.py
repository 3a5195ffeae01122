"""Depots, items, stock, movements, alerts, import and export."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, Response, UploadFile
from sqlalchemy import func, select

from inventory import commands as c
from inventory.errors import NotFoundError
from inventory.ledger import Ledger
from inventory.models import (
    Balance,
    Condition,
    Depot,
    Item,
    ItemSubstitute,
    Location,
    VehicleType,
)
from inventory.queries import AlertKind, StockFilter, alerts, stock_detail
from inventory.stock_card import stock_card

from ..deps import (
    Actor,
    DatabaseDep,
    IdempotencyKey,
    PagingDep,
    ReadSession,
    SettingsDep,
    Uow,
)
from ..export import MEDIA_TYPES, ExportFormat, export_stock
from ..responses import json_bytes_response
from ..schemas import (
    MAX_QUANTITY,
    AlertRead,
    CardLineRead,
    ConditionChangeRead,
    ConditionUpdate,
    CountCreate,
    DepotDetail,
    DepotRead,
    Health,
    ImportResult,
    IssueCreate,
    ItemRead,
    MovementCreate,
    MovementResult,
    PageOf,
    PickRead,
    ReceiptCreate,
    ReversalCreate,
    StockCard,
    StockDetailRead,
    StockRowRead,
    TransferCreate,
    TransferReceiveCreate,
    VehicleRead,
    WriteOffCreate,
)
from ..services import change_condition, post_movement, today
from ..stock_pages import stock_page_json
from ..tabular import import_receipts
from ..text_rules import DepotCode, ItemCode, LotNo, ShortCode

router = APIRouter()

DepotQuery = Annotated[DepotCode | None, Query()]
ItemQuery = Annotated[ItemCode | None, Query()]
CategoryQuery = Annotated[ShortCode | None, Query()]
LotQuery = Annotated[LotNo | None, Query()]
DepotPath = Annotated[DepotCode, Path()]
ItemPath = Annotated[ItemCode, Path()]


@router.get("/health", tags=["meta"])
def health(session: ReadSession) -> Health:
    """Liveness and database reachability."""
    depots = int(session.scalar(select(func.count()).select_from(Depot)) or 0)
    return Health(status="ok", database=session.get_bind().dialect.name, depots=depots)


@router.get("/depots", tags=["depots"])
def list_depots(session: ReadSession) -> list[DepotRead]:
    """Every depot with its town, zone, storage capacity and storage classes."""
    return [
        DepotRead.model_validate(d) for d in session.scalars(select(Depot).order_by(Depot.code))
    ]


@router.get("/depots/{code}", tags=["depots"])
def read_depot(code: DepotPath, session: ReadSession) -> DepotDetail:
    """One depot with its vehicles and the storage its current stock takes up."""
    depot = session.get(Depot, code)
    if depot is None:
        raise NotFoundError(f"unknown depot {code!r}", field="code")
    vehicles = session.scalars(select(VehicleType).where(VehicleType.depot_code == code)).all()
    used = session.execute(
        select(
            func.coalesce(func.sum(Balance.on_hand * Item.unit_volume_m3), 0.0),
            func.coalesce(func.sum(Balance.on_hand * Item.unit_weight_kg), 0.0),
        )
        .join(Item, Item.code == Balance.item_code)
        .join(Location, Location.id == Balance.location_id)
        .where(Location.depot_code == code)
    ).one()
    return DepotDetail(
        **DepotRead.model_validate(depot).model_dump(),
        province_name=depot.province.name_vi,
        vehicles=[VehicleRead.model_validate(v) for v in vehicles],
        used_m3=round(float(used[0]), 3),
        used_kg=round(float(used[1]), 1),
    )


@router.get("/items", tags=["items"])
def list_items(
    session: ReadSession,
    category: CategoryQuery = None,
) -> list[ItemRead]:
    """The catalogue: unit of issue, weight, volume, cost, shelf life, tracking, substitutes."""
    stmt = select(Item).order_by(Item.code)
    if category:
        stmt = stmt.where(Item.category == category)
    subs: dict[str, list[str]] = {}
    for s in session.scalars(select(ItemSubstitute).order_by(ItemSubstitute.rank)):
        subs.setdefault(s.item_code, []).append(s.substitute_code)
    return [
        ItemRead(
            code=i.code,
            name_vi=i.name_vi,
            name_en=i.name_en,
            category=i.category,
            unit=i.unit,
            unit_weight_kg=i.unit_weight_kg,
            unit_volume_m3=i.unit_volume_m3,
            unit_cost_vnd=i.unit_cost_vnd,
            shelf_life_days=i.shelf_life_days,
            tracking=i.tracking.value,
            storage_class=i.storage_class,
            calibration_interval_days=i.calibration_interval_days,
            substitutes=subs.get(i.code, []),
        )
        for i in session.scalars(stmt)
    ]


@router.get("/stock", tags=["stock"], response_model=PageOf[StockRowRead])
def read_stock(
    db: DatabaseDep,
    paging: PagingDep,
    depot: DepotQuery = None,
    item: ItemQuery = None,
    category: CategoryQuery = None,
    lot: LotQuery = None,
    condition: Condition | None = None,
    group_by: Literal["item", "lot"] = "item",
) -> Response:
    """On hand, reserved and available per depot x item, or per lot with `group_by=lot`.
    Available counts only serviceable, unexpired, calibrated stock not reserved."""
    # The read session is opened in the handler's thread, not by a dependency (a generator
    # dependency costs two more thread-pool hops per request). The rows go out as the query
    # made them (the document still says PageOf[StockRowRead]): no model per row on a route
    # every screen polls; a depot's page is kept while its stock version stands.
    body = stock_page_json(
        db,
        StockFilter(depot=depot, item=item, category=category, lot_no=lot, condition=condition),
        today=today(),
        group_by=group_by,
        limit=paging.limit,
        offset=paging.offset,
    )
    return json_bytes_response(body)


@router.get("/stock/export", tags=["stock"], response_class=Response)
def export(
    session: ReadSession,
    format: ExportFormat = "csv",
    depot: DepotQuery = None,
    item: ItemQuery = None,
    category: CategoryQuery = None,
    lot: LotQuery = None,
    condition: Condition | None = None,
) -> Response:
    """Every lot on hand as CSV (UTF-8 with a byte-order mark, for Excel) or XLSX, with the
    item's Vietnamese and English names; the same filters as GET /stock."""
    flt = StockFilter(depot=depot, item=item, category=category, lot_no=lot, condition=condition)
    content = export_stock(session, flt, format, today=today())
    name = f"stock-{depot or 'all'}.{format}"
    return Response(
        content,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/stock/{depot}/{item}", tags=["stock"])
def read_stock_detail(depot: DepotPath, item: ItemPath, session: ReadSession) -> StockDetailRead:
    """One depot x item with its lots or serials, their expiry, calibration and condition."""
    detail = stock_detail(session, depot, item, today=today())
    return StockDetailRead.model_validate(asdict(detail))


@router.get("/stock/{depot}/{item}/pick", tags=["stock"])
def suggest_pick(
    depot: DepotPath,
    item: ItemPath,
    session: ReadSession,
    quantity: Annotated[int, Query(gt=0, le=MAX_QUANTITY)],
) -> list[PickRead]:
    """Which lots to take `quantity` from: first expiry first out, usable stock only."""
    picks = Ledger(session).pick_fefo(depot, item, quantity)
    return [
        PickRead(lot_no=p.lot_no, expiry_date=p.expiry_date, quantity=p.quantity) for p in picks
    ]


def _command(body: MovementCreate) -> c.Command | tuple[str, int, str]:
    if isinstance(body, ReceiptCreate):
        return c.Receipt(
            depot=body.depot,
            item=body.item,
            quantity=body.quantity,
            lot_no=body.lot_no,
            expiry_date=body.expiry_date,
            calibration_due=body.calibration_due,
            condition=body.condition,
            source=body.source,
            reference=body.reference,
            note=body.note,
            over_capacity_reason=body.over_capacity_reason,
        )
    if isinstance(body, IssueCreate):
        return c.Issue(
            depot=body.depot,
            item=body.item,
            quantity=body.quantity,
            lot_no=body.lot_no,
            reason=body.reason,
            reference=body.reference,
            destination=body.destination,
            note=body.note,
        )
    if isinstance(body, TransferCreate):
        return c.TransferOut(
            from_depot=body.from_depot,
            to_depot=body.to_depot,
            item=body.item,
            quantity=body.quantity,
            lot_no=body.lot_no,
            reference=body.reference,
            note=body.note,
        )
    if isinstance(body, TransferReceiveCreate):
        return c.TransferReceive(
            transfer_id=body.transfer_id, over_capacity_reason=body.over_capacity_reason
        )
    if isinstance(body, CountCreate):
        return c.Count(
            depot=body.depot,
            item=body.item,
            counted_quantity=body.counted_quantity,
            lot_no=body.lot_no,
            reason=body.reason,
            reference=body.reference,
            note=body.note,
        )
    if isinstance(body, WriteOffCreate):
        return c.WriteOff(
            depot=body.depot,
            item=body.item,
            quantity=body.quantity,
            reason=body.reason,
            lot_no=body.lot_no,
            reference=body.reference,
            note=body.note,
        )
    assert isinstance(body, ReversalCreate)
    return ("reversal", body.movement_id, body.reason)


@router.post("/movements", tags=["movements"], status_code=201)
def create_movement(
    body: MovementCreate,
    uow: Uow,
    actor: Actor,
    key: IdempotencyKey,
    response: Response,
) -> MovementResult:
    """Post a receipt, issue, transfer (out, then `transfer_receive`), count, write-off or
    reversal. All or nothing; a retry with the same Idempotency-Key posts nothing."""
    result, replayed = post_movement(uow, _command(body), key=key, actor=actor)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return MovementResult(**result, replayed=replayed)


@router.post("/lots/condition", tags=["stock"])
def update_condition(
    body: ConditionUpdate, uow: Uow, actor: Actor, key: IdempotencyKey, response: Response
) -> ConditionChangeRead:
    """Quarantine a lot (or release it after inspection), or mark a serial unserviceable or
    in repair. Recorded with who, when and why; refused (409) while the lot is reserved
    for a confirmed plan."""
    result, replayed = change_condition(
        uow, body.item, body.lot_no, body.condition, reason=body.reason, key=key, actor=actor
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ConditionChangeRead(**result, replayed=replayed)


@router.get("/movements", tags=["movements"])
def read_stock_card(
    session: ReadSession,
    paging: PagingDep,
    depot: Annotated[DepotCode, Query()],
    item: Annotated[ItemCode, Query()],
    lot: LotQuery = None,
) -> StockCard:
    """The stock card of a depot x item (optionally one lot): movements oldest first with
    the running balance after each, the note each was posted with, and for a transfer the
    depot at its other end."""
    page = stock_card(session, depot, item, lot_no=lot, limit=paging.limit, offset=paging.offset)
    return StockCard(
        depot=depot,
        item=item,
        lot_no=lot,
        items=[CardLineRead(**asdict(line)) for line in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/alerts", tags=["alerts"])
def read_alerts(
    session: ReadSession,
    depot: DepotQuery = None,
    kind: Annotated[
        list[AlertKind] | None, Query(max_length=20, description="repeat to select several")
    ] = None,
    days: Annotated[int, Query(ge=0, le=3650, description="expiry look-ahead")] = 90,
    calibration_days: Annotated[int, Query(ge=0, le=3650)] = 30,
) -> list[AlertRead]:
    """Below minimum, expiring within `days`, expired, calibration due within
    `calibration_days` or overdue, quarantined, unserviceable or in repair."""
    found = alerts(
        session,
        today=today(),
        depot=depot,
        kinds=set(kind) if kind else None,
        expiring_within_days=days,
        calibration_within_days=calibration_days,
    )
    return [AlertRead(**asdict(a)) for a in found]


@router.post("/movements/import", tags=["movements"], status_code=201)
def import_movements(
    uow: Uow,
    settings: SettingsDep,
    actor: Actor,
    key: IdempotencyKey,
    response: Response,
    file: Annotated[UploadFile, File(description="CSV or XLSX of receipts")],
) -> ImportResult:
    """Import receipts from CSV or XLSX (columns depot, item, quantity, and optionally
    lot_no, expiry_date, calibration_due, condition, source, reference, note; or their
    Vietnamese headers: Kho, Mã vật tư, Số lượng, Số lô, Hạn sử dụng, Hạn hiệu chuẩn,
    Tình trạng, Nguồn, Chứng từ, Ghi chú). Dates are YYYY-MM-DD or dd/mm/yyyy. Every row
    posts or none does; a refusal lists each bad row (header = row 1) and field."""
    content = file.file.read()
    result, replayed = import_receipts(
        uow, content, file.filename or "", key=key, actor=actor, max_rows=settings.max_import_rows
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ImportResult(**result, replayed=replayed)
