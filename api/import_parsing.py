"""Reading a receipts file (CSV or XLSX) into rows the ledger can post, cell by cell.

Depot managers keep their books in Vietnamese spreadsheets: headers may be the English
column names or their Vietnamese aliases (`HEADER_ALIASES`), and dates may be ISO
(2028-11-30), Vietnamese dd/mm/yyyy (30/11/2028) or real Excel date cells. Anything else is
refused naming the row (header = row 1, as the spreadsheet counts) and the field."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from typing import Any

import pandas as pd
from pydantic import ValidationError as PydanticValidationError

from inventory.commands import Receipt

from .problems import ApiProblem
from .schemas import ReceiptCreate

#: a quantity cell: whole digits only, as a JSON integer would be (at most 4000 digits,
#: Python's own bound on reading an int from text; the schema's maximum then refuses it)
_DIGITS = re.compile(r"[0-9]{1,4000}")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_VN_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")

REQUIRED = ("depot", "item", "quantity")
OPTIONAL = (
    "lot_no",
    "expiry_date",
    "calibration_due",
    "condition",
    "source",
    "reference",
    "note",
    "over_capacity_reason",
)
DATE_COLUMNS = ("expiry_date", "calibration_due")

#: Vietnamese headers a depot's own sheets use, per column (matched ignoring case and
#: runs of spaces, never diacritics: "So luong" is not "Số lượng"). README lists them.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "depot": ("Kho",),
    "item": ("Mã vật tư",),
    "quantity": ("Số lượng",),
    "lot_no": ("Số lô",),
    "expiry_date": ("Hạn sử dụng",),
    "calibration_due": ("Hạn hiệu chuẩn",),
    "condition": ("Tình trạng",),
    "source": ("Nguồn",),
    "reference": ("Chứng từ",),
    "note": ("Ghi chú",),
    "over_capacity_reason": ("Lý do vượt sức chứa",),
}


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


def header_key(text: str) -> str:
    """How a header is compared: NFC, case-folded, spaces collapsed; diacritics kept."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _header_index() -> dict[str, str]:
    """Every accepted header (as `header_key` gives it) -> its column."""
    index = {header_key(column): column for column in REQUIRED + OPTIONAL}
    for column, aliases in HEADER_ALIASES.items():
        index |= {header_key(alias): column for alias in aliases}
    return index


def parse_date(text: str) -> dt.date:
    """YYYY-MM-DD or dd/mm/yyyy (day first, as Vietnam writes it; 1/2/2028 is 1 February).
    ValueError says why anything else is not a date."""
    iso, vn = _ISO_DATE.fullmatch(text), _VN_DATE.fullmatch(text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif vn:
        day, month, year = (int(part) for part in vn.groups())
    else:
        raise ValueError(f"{text!r} is not a date: write YYYY-MM-DD or dd/mm/yyyy")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a calendar date (day {day}, month {month})") from None


def _cell_text(value: object) -> str:
    """An XLSX cell as the text a CSV would hold; a real date cell as its ISO date (a date
    with a time of day is kept as such, and refused as not a date)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_grid(content: bytes, filename: str) -> pd.DataFrame:
    """Every cell of the upload as text, the header row included (no type guessing)."""
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            raw = pd.read_excel(io.BytesIO(content), header=None, dtype=object, engine="openpyxl")
            return raw.map(_cell_text)
        if name.endswith(".csv") or name.endswith(".txt") or not name:
            raw = pd.read_csv(
                io.BytesIO(content),
                header=None,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                skip_blank_lines=False,
            )
            return raw.fillna("")
    except Exception as exc:  # pandas raises many types for unreadable files
        raise ApiProblem(
            422, "Unreadable file", f"could not read {filename!r}: {exc}", field="file"
        ) from exc
    raise ApiProblem(415, "Unsupported file", "send a .csv or .xlsx file", field="file")


def _columns(headers: list[str], frame: pd.DataFrame) -> dict[int, str]:
    """Which column each header names (by position); refuses unknown, doubled, headless
    (but filled) and missing required columns, all in one refusal at row 1."""
    index = _header_index()
    found: dict[int, str] = {}
    seen: dict[str, str] = {}
    errors: list[dict[str, Any]] = []
    for position, header in enumerate(headers):
        label = header.strip()
        if not label:
            if any(str(cell).strip() for cell in frame.iloc[:, position]):
                errors.append(_row1(f"column {position + 1}", "a filled column has no header"))
            continue
        column = index.get(header_key(label))
        if column is None:
            errors.append(_row1(label, f"unknown column {label!r}"))
        elif column in seen:
            errors.append(
                _row1(column, f"columns {seen[column]!r} and {label!r} both mean {column!r}")
            )
        else:
            seen[column] = label
            found[position] = column
    errors += [_row1(c, f"missing column {c!r}") for c in REQUIRED if c not in seen]
    if errors:
        raise ImportRejected(errors)
    return found


def _row1(field: str, message: str) -> dict[str, Any]:
    return {"row": 1, "field": field, "message": message}


def read_table(content: bytes, filename: str, *, max_rows: int) -> pd.DataFrame:
    """A CSV or XLSX upload as text cells under the canonical column names."""
    grid = _read_grid(content, filename)
    if grid.empty:
        raise ApiProblem(422, "Empty import", "the file has no header row", field="file")
    headers = [str(h) for h in grid.iloc[0].tolist()]
    body = grid.iloc[1:].reset_index(drop=True)
    columns = _columns(headers, body)
    if len(body) == 0:
        raise ApiProblem(422, "Empty import", "the file has no data rows", field="file")
    if len(body) > max_rows:
        raise ApiProblem(413, "Import too large", f"at most {max_rows} rows per file", field="file")
    frame = body.iloc[:, list(columns)]
    frame.columns = list(columns.values())
    return frame


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
    absent field; the quantity must be whole digits ("1e3", " 5 ", "5.0" are refused) and a
    date ISO or dd/mm/yyyy."""
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
    for col in DATE_COLUMNS:
        if col in body:
            try:
                body[col] = parse_date(body[col])
            except ValueError as exc:
                del body[col]
                refuse(col, str(exc))
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
