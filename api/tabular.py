"""CSV / XLSX export of stock and import of receipts, validated row by row with pandas.

An import posts every row or none: rows are checked for shape first, then each is
posted inside a savepoint so that ledger rules (tracking, storage class, lot expiry)
are reported per row too; any bad row rolls the whole file back."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import asdict
from typing import Any, Literal

import pandas as pd
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from inventory.commands import Receipt
from inventory.errors import ForbiddenError, InventoryError
from inventory.idempotency import Claim
from inventory.ledger import Ledger, fingerprint
from inventory.queries import StockFilter, list_stock
from inventory.uow import UnitOfWork

from .idempotency import run_once
from .problems import ApiProblem
from .schemas import ReceiptCreate

#: a quantity cell: whole digits only, as a JSON integer would be (at most 4000 digits,
#: Python's own bound on reading an int from text; the schema's maximum then refuses it)
_DIGITS = re.compile(r"[0-9]{1,4000}")

REQUIRED = ("depot", "item", "quantity")
OPTIONAL = ("lot_no", "expiry_date", "calibration_due", "condition", "source", "reference", "note")
EXPORT_COLUMNS = [
    "depot",
    "item",
    "item_name",
    "category",
    "unit",
    "lot_no",
    "expiry_date",
    "calibration_due",
    "condition",
    "status",
    "on_hand",
    "reserved",
    "available",
]


class ImportRejected(ApiProblem):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        rows = sorted({e["row"] for e in errors})
        super().__init__(
            422,
            "Import rejected",
            f"{len(errors)} error(s) in {len(rows)} row(s) (first: row {rows[0]}); "
            "nothing was posted",
            field=errors[0]["field"],
            errors=errors,
        )


def read_table(content: bytes, filename: str, *, max_rows: int) -> pd.DataFrame:
    """Read a CSV or XLSX upload as text cells (no type guessing)."""
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            frame = pd.read_excel(io.BytesIO(content), dtype=str, engine="openpyxl")
        elif name.endswith(".csv") or name.endswith(".txt") or not name:
            frame = pd.read_csv(
                io.BytesIO(content),
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                skip_blank_lines=False,
            )
        else:
            raise ApiProblem(415, "Unsupported file", "send a .csv or .xlsx file", field="file")
    except ApiProblem:
        raise
    except Exception as exc:  # pandas raises many types for unreadable files
        raise ApiProblem(
            422, "Unreadable file", f"could not read {filename!r}: {exc}", field="file"
        ) from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ImportRejected(
            [{"row": 1, "field": m, "message": f"missing column {m!r}"} for m in missing]
        )
    unknown = [c for c in frame.columns if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise ImportRejected(
            [{"row": 1, "field": u, "message": f"unknown column {u!r}"} for u in unknown]
        )
    if len(frame) == 0:
        raise ApiProblem(422, "Empty import", "the file has no data rows", field="file")
    if len(frame) > max_rows:
        raise ApiProblem(413, "Import too large", f"at most {max_rows} rows per file", field="file")
    return frame.fillna("")


def parse_receipts(frame: pd.DataFrame) -> tuple[list[tuple[int, Receipt]], list[dict[str, Any]]]:
    """Each row checked by the JSON API's own receipt schema. Row numbers match the
    spreadsheet (the header is row 1)."""
    receipts: list[tuple[int, Receipt]] = []
    errors: list[dict[str, Any]] = []
    for index, raw in enumerate(frame.to_dict(orient="records")):
        row = index + 2
        rec = {str(k): str(v) for k, v in raw.items()}
        if not any(v.strip() for v in rec.values()):
            continue  # a blank line: skipped, but it still counts for row numbers
        receipt = _parse_row(rec, row, errors)
        if receipt is not None:
            receipts.append((row, receipt))
    return receipts, errors


def _parse_row(rec: dict[str, str], row: int, errors: list[dict[str, Any]]) -> Receipt | None:
    """One non-blank row, validated as the JSON body of a receipt would be (ReceiptCreate):
    the same lengths, characters and bounds. Every problem is appended to `errors`, so one
    refusal names them all; the receipt only when the row has none. A blank cell is an
    absent field; the quantity must be whole digits ("1e3", " 5 ", "5.0" are refused)."""
    said: set[str] = set()

    def refuse(field: str, message: str) -> None:
        said.add(field)
        errors.append({"row": row, "field": field, "message": message})

    for col in REQUIRED:
        if not rec.get(col, "").strip():
            refuse(col, "required")
    body: dict[str, Any] = {"type": "receipt"}
    body |= {col: value for col, value in rec.items() if value.strip() and col != "quantity"}
    quantity = rec.get("quantity", "")
    if quantity.strip() and not _DIGITS.fullmatch(quantity):
        refuse("quantity", f"{quantity!r} is not a whole number of units (digits 0-9 only)")
    elif quantity:
        body["quantity"] = int(quantity)
    try:
        valid = ReceiptCreate.model_validate(body)
    except PydanticValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "row"
            if field not in said:
                refuse(field, error["msg"])
        return None
    if said:
        return None
    return Receipt(**valid.model_dump(exclude={"type"}))


def import_receipts(
    uow: UnitOfWork,
    content: bytes,
    filename: str,
    *,
    key: str | None,
    actor: str,
    max_rows: int,
    keep_refusals: bool = True,
) -> tuple[dict[str, Any], bool]:
    """Post every row of a receipts file or none, once per key; returns (result, replayed).
    A refusal names every bad row, the ledger's refusals included. A file of the wrong
    shape is refused before the key is claimed (request validation: the same bytes always
    fail the same way); the ledger's refusal of a well-formed file is kept against the key
    and replayed, unless `keep_refusals` is off (the CLI, whose key is the file's hash)."""
    frame = read_table(content, filename, max_rows=max_rows)
    receipts, errors = parse_receipts(frame)
    if not receipts and not errors:
        raise ApiProblem(422, "Empty import", "the file has no data rows", field="file")
    if errors:
        # Still check the well-formed rows against the ledger, so that one refusal names
        # every bad row; never committed.
        with uow:
            try:
                _post_all(uow.ledger(actor), receipts, None)
            except ImportRejected as more:
                errors.extend(more.errors or [])
        raise ImportRejected(sorted(errors, key=lambda e: (e["row"], e["field"])))
    payload = {"sha256": fingerprint("file", {"rows": [asdict(r) for _, r in receipts]})}

    def post(claim: Claim) -> dict[str, Any]:
        with uow:
            result = _post_all(uow.ledger(actor), receipts, key)
            uow.answer(claim, result)
            uow.commit()
        return result

    return run_once(uow, key, "import", payload, post, keep_refusals=keep_refusals)


def _post_all(
    ledger: Ledger, receipts: list[tuple[int, Receipt]], key: str | None
) -> dict[str, Any]:
    """Post every row in one transaction, in batches: the lots the file names are read in
    a few queries, each row goes through the ledger's own receipt rules (so a refusal
    names its row and field, and the next row is still checked), and the balance changes
    and ledger lines are written by `Ledger.batch()` with executemany, not one flush per
    row. Any refused row refuses the file: the caller rolls the whole transaction back."""
    ids: list[int] = []
    errors: list[dict[str, Any]] = []
    ledger.prefetch_lots((r.item, r.lot_no) for _, r in receipts if r.lot_no)
    with ledger.batch():
        for row, receipt in receipts:
            try:
                with ledger.savepoint():
                    ids.extend(ledger.receive(receipt, key=key).movement_ids)
            except ForbiddenError:
                raise  # a row at a depot outside the actor's scope refuses the file: 403
            except InventoryError as exc:
                errors.append({"row": row, "field": exc.field or "row", "message": exc.message})
        if errors:
            raise ImportRejected(errors)
    return {"rows": len(receipts), "movement_ids": ids}


def export_stock(
    session: Session, flt: StockFilter, fmt: Literal["csv", "xlsx"], *, today: dt.date
) -> bytes:
    """Every lot on hand that matches the filter, as a file a depot manager can open."""
    rows = list_stock(session, flt, today=today, group_by="lot", limit=10**9, offset=0).items
    frame = pd.DataFrame([asdict(r) for r in rows], columns=EXPORT_COLUMNS)
    frame = frame[EXPORT_COLUMNS]
    buf = io.BytesIO()
    if fmt == "csv":
        frame.to_csv(buf, index=False, encoding="utf-8")
    else:
        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name="stock")
    return buf.getvalue()
