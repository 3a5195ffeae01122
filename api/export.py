"""The stock export: every lot on hand that matches GET /stock's filters, as CSV or XLSX.

Items carry both names (`name_vi` with its diacritics, `name_en`). The CSV is UTF-8 with a
byte-order mark: Excel opens a CSV without one in the machine's ANSI code page
(Windows-1258 on a Vietnamese Windows) and shows "Bá»™ quáº§n Ã¡o" for "Bộ quần áo"; with
it, Excel reads UTF-8, and pandas, LibreOffice and our own import skip the mark."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import asdict
from typing import Literal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.models import Item
from inventory.queries import StockFilter, list_stock

ExportFormat = Literal["csv", "xlsx"]

EXPORT_COLUMNS = [
    "depot",
    "item",
    "name_vi",
    "name_en",
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
MEDIA_TYPES: dict[ExportFormat, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_WIDEST_XLSX_COLUMN = 60


def export_frame(session: Session, flt: StockFilter, *, today: dt.date) -> pd.DataFrame:
    """The lots as rows under EXPORT_COLUMNS (an unknown depot or item is a NotFoundError
    naming the filter, as on GET /stock)."""
    rows = list_stock(session, flt, today=today, group_by="lot", limit=10**9, offset=0).items
    names_vi: dict[str, str] = dict(session.execute(select(Item.code, Item.name_vi)).all())
    records = [
        asdict(r) | {"name_en": r.item_name, "name_vi": names_vi.get(r.item, "")} for r in rows
    ]
    return pd.DataFrame(records, columns=EXPORT_COLUMNS)


def export_stock(session: Session, flt: StockFilter, fmt: ExportFormat, *, today: dt.date) -> bytes:
    """Every lot on hand that matches the filter, as a file a depot manager can open."""
    frame = export_frame(session, flt, today=today)
    buf = io.BytesIO()
    if fmt == "csv":
        frame.to_csv(buf, index=False, encoding="utf-8-sig")
        return buf.getvalue()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="stock")
        sheet = writer.sheets["stock"]
        sheet.freeze_panes = "A2"  # the header stays in view while scrolling
        for letter, column in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", EXPORT_COLUMNS, strict=False):
            longest = max([len(column), *(len(str(v)) for v in frame[column])])
            sheet.column_dimensions[letter].width = min(longest + 2, _WIDEST_XLSX_COLUMN)
    return buf.getvalue()
