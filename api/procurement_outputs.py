"""The planner's outputs of a procurement run: its tables (as rows for the HTTP JSON and
as an XLSX workbook, from the same row builders so the two never disagree), its charts
(`api.procurement_charts`) and the comparison of several runs year by year.

Rows are keyed by snake_case names (what a JSON client wants); `SHEET_COLUMNS` gives each
key its bilingual header ("Năm / Year") and Excel number format. Cells hold numbers, not
text, so a planner can sum a column; shares are fractions shown as percent; a figure that
does not exist (no budget that year, no bound) is None in the rows and an empty cell."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .procurement_charts import CHART_NAMES, ChartName, chart, compare_chart, served_by_year
from .procurement_views import RunOutputs

__all__ = [
    "CHART_NAMES",
    "SHEET_COLUMNS",
    "ChartName",
    "Column",
    "chart",
    "compare_chart",
    "compare_rows",
    "workbook",
    "workbook_tables",
]

Row = dict[str, Any]

# Excel number formats. A year must not get a thousands separator ("2,027").
_YEAR, _INT, _SHARE, _M3, _REAL = "0", "#,##0", "0.0%", "#,##0.0", "#,##0.00"


@dataclass(frozen=True)
class Column:
    key: str
    #: "Vietnamese / English", as the sheet's header cell says it
    header: str
    #: Excel number format; None: text
    number_format: str | None = None
    #: long free text (a message, a constraint in words): wrapped in a wider column
    prose: bool = False


def _c(key: str, vi: str, en: str, number_format: str | None = None, prose: bool = False) -> Column:
    return Column(key, f"{vi} / {en}", number_format, prose)


SUMMARY, BY_YEAR, ORDERS = "Tóm tắt - Summary", "Theo năm - By year", "Đặt mua - Orders"
UPGRADES, STOCK, BINDING = "Nâng cấp kho - Upgrades", "Tồn kho - Stock", "Ràng buộc - Binding"
_ITEM = (
    _c("item", "Mã mặt hàng", "Item code"),
    _c("item_name_vi", "Tên tiếng Việt", "Name (vi)"),
    _c("item_name_en", "Tên tiếng Anh", "Name (en)"),
)
SHEET_COLUMNS: dict[str, tuple[Column, ...]] = {
    SUMMARY: (
        _c("run_id", "Mã phương án", "Run id", _YEAR),
        _c("label", "Tên phương án", "Label"),
        _c("status", "Trạng thái", "Status"),
        _c("solver", "Bộ giải", "Solver"),
        _c("shortfall", "Thiếu hụt (có trọng số)", "Weighted shortfall", _REAL),
        _c("shortfall_bound", "Cận thiếu hụt", "Shortfall bound", _REAL),
        _c("cost_vnd", "Chi phí (VND)", "Cost (VND)", _INT),
        _c("cost_bound_vnd", "Cận chi phí (VND)", "Cost bound (VND)", _INT),
        _c("gap", "Khoảng cách tối ưu", "Gap", "0.00%"),
        _c("wall_s", "Thời gian giải (s)", "Wall time (s)", "0.0"),
        _c("message", "Ghi chú", "Message", prose=True),
    ),
    BY_YEAR: (
        _c("year", "Năm", "Year", _YEAR),
        _c("budget_vnd", "Ngân sách (VND)", "Budget (VND)", _INT),
        _c("spend_vnd", "Chi tiêu (VND)", "Spend (VND)", _INT),
        _c("spend_share", "Tỷ lệ chi / ngân sách", "Spend share of budget", _SHARE),
        _c("target_units", "Mục tiêu (đơn vị)", "Target units", _INT),
        _c("shortfall_units", "Thiếu hụt (đơn vị)", "Shortfall units", _INT),
        _c("met_share", "Tỷ lệ đạt mục tiêu", "Target met share", _SHARE),
        _c("served_share", "Tỷ lệ kịch bản được phục vụ", "Readiness served share", _SHARE),
        _c("expected_unmet", "Thiếu hụt kỳ vọng", "Expected unmet", _REAL),
        _c("storage_used_m3", "Kho đã dùng (m3)", "Storage used (m3)", _M3),
        _c("storage_capacity_m3", "Sức chứa kho (m3)", "Storage capacity (m3)", _M3),
    ),
    ORDERS: (
        _c("year", "Năm đặt", "Order year", _YEAR),
        _c("source", "Nguồn", "Source"),
        _c("depot", "Kho", "Depot"),
        *_ITEM,
        _c("quantity", "Số lượng", "Quantity", _INT),
        _c("unit", "Đơn vị tính", "Unit"),
        _c("cost_vnd", "Chi phí (VND)", "Cost (VND)", _INT),
        _c("arrives_year", "Năm về kho", "Arrives", _YEAR),
        _c("usable_through", "Dùng được đến hết năm", "Usable through", _YEAR),
    ),
    UPGRADES: (
        _c("year", "Năm khởi công", "Start year", _YEAR),
        _c("upgrade", "Mã nâng cấp", "Upgrade"),
        _c("depot", "Kho", "Depot"),
        _c("ready_year", "Năm sẵn sàng", "Ready year", _YEAR),
        _c("cost_vnd", "Chi phí (VND)", "Cost (VND)", _INT),
    ),
    STOCK: (
        _c("year", "Năm", "Year", _YEAR),
        _c("depot", "Kho", "Depot"),
        *_ITEM[:2],
        _c("category", "Nhóm", "Category"),
        _c("target", "Mục tiêu", "Target", _INT),
        _c("held", "Tồn kho", "Held", _INT),
        _c("shortfall", "Thiếu hụt", "Shortfall", _INT),
        _c("expiring", "Hết hạn trong năm", "Expiring", _INT),
        _c("arriving", "Nhập về trong năm", "Arriving", _INT),
    ),
    BINDING: (
        _c("kind", "Loại", "Kind"),
        _c("subject", "Đối tượng", "Subject"),
        _c("year", "Năm", "Year", _YEAR),
        _c("text", "Diễn giải", "Text", prose=True),
        _c("shadow_price", "Giá bóng", "Shadow price", "#,##0.0000"),
    ),
}


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _item_cells(run: RunOutputs, code: str) -> Row:
    facts = run.items.get(code)
    return {
        "item": code,
        "item_name_vi": facts.name_vi if facts else "",
        "item_name_en": facts.name_en if facts else "",
    }


def _summary_rows(run: RunOutputs) -> list[Row]:
    r = run.result
    return [
        {
            "run_id": run.run_id,
            "label": run.label,
            "status": r.status,
            "solver": r.solver,
            "shortfall": r.shortfall,
            "shortfall_bound": r.shortfall_bound,
            "cost_vnd": r.cost_vnd,
            "cost_bound_vnd": r.cost_bound,
            "gap": r.gap,
            "wall_s": r.wall_s,
            "message": r.message,
        }
    ]


def _year_rows(run: RunOutputs) -> list[Row]:
    served = served_by_year(run)
    rows = []
    for s in sorted(run.result.years, key=lambda s: s.year):
        readiness = served.get(s.year)
        rows.append(
            {
                "year": s.year,
                "budget_vnd": s.budget_vnd,
                "spend_vnd": s.spend_vnd,
                "spend_share": _share(s.spend_vnd, s.budget_vnd),
                "target_units": s.target_units,
                "shortfall_units": s.shortfall_units,
                "met_share": _share(s.target_units - s.shortfall_units, s.target_units),
                "served_share": readiness.served_share if readiness else None,
                "expected_unmet": readiness.expected_unmet if readiness else None,
                "storage_used_m3": s.storage_used_m3,
                "storage_capacity_m3": s.storage_capacity_m3,
            }
        )
    return rows


def _order_rows(run: RunOutputs) -> list[Row]:
    orders = sorted(run.result.orders, key=lambda o: (o.year, o.depot, o.item, o.source))
    return [
        {"year": o.year, "source": o.source, "depot": o.depot}
        | _item_cells(run, o.item)
        | {
            "quantity": o.quantity,
            "unit": facts.unit if (facts := run.items.get(o.item)) else "",
            "cost_vnd": o.cost_vnd,
            "arrives_year": o.arrives_year,
            "usable_through": o.usable_through,
        }
        for o in orders
    ]


def _upgrade_rows(run: RunOutputs) -> list[Row]:
    starts = sorted(run.result.upgrades, key=lambda u: (u.year, u.depot, u.upgrade))
    return [
        {
            "year": u.year,
            "upgrade": u.upgrade,
            "depot": u.depot,
            "ready_year": u.ready_year,
            "cost_vnd": u.cost_vnd,
        }
        for u in starts
    ]


def _stock_rows(run: RunOutputs) -> list[Row]:
    rows = []
    for s in sorted(run.result.stock, key=lambda s: (s.year, s.depot, s.item)):
        facts = run.items.get(s.item)
        cells = _item_cells(run, s.item)
        del cells["item_name_en"]
        rows.append(
            {"year": s.year, "depot": s.depot}
            | cells
            | {
                "category": facts.category if facts else "",
                "target": s.target,
                "held": s.held,
                "shortfall": s.shortfall,
                "expiring": s.expiring,
                "arriving": s.arriving,
            }
        )
    return rows


def _binding_rows(run: RunOutputs) -> list[Row]:
    return [
        {
            "kind": b.kind,
            "subject": b.subject,
            "year": b.year,
            "text": b.text,
            "shadow_price": b.shadow_price,
        }
        for b in run.result.binding
    ]


_BUILDERS: dict[str, Callable[[RunOutputs], list[Row]]] = {
    SUMMARY: _summary_rows,
    BY_YEAR: _year_rows,
    ORDERS: _order_rows,
    UPGRADES: _upgrade_rows,
    STOCK: _stock_rows,
    BINDING: _binding_rows,
}


def workbook_tables(run: RunOutputs) -> dict[str, list[dict[str, Any]]]:
    """Sheet name -> rows keyed by `SHEET_COLUMNS[sheet]`'s keys, in sheet order."""
    return {sheet: build(run) for sheet, build in _BUILDERS.items()}


def workbook(run: RunOutputs) -> bytes:
    """The run as an XLSX, one sheet per table of `workbook_tables`."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]  # the default empty sheet
    for sheet, rows in workbook_tables(run).items():
        _write_sheet(book.create_sheet(sheet), SHEET_COLUMNS[sheet], rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6EE")


def _write_sheet(ws: Worksheet, columns: tuple[Column, ...], rows: list[Row]) -> None:
    """Header row frozen and filterable; numbers as numbers with their formats."""
    ws.append([c.header for c in columns])
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = 32  # two lines: Vietnamese / English
    for row in rows:
        ws.append([row[c.key] for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = _width(column, [r[column.key] for r in rows])
        for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
            if column.number_format:
                cell.number_format = column.number_format
            if column.prose:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 1)}"


def _width(column: Column, values: list[Any]) -> float:
    """Wide enough for the longest value as shown and for each half of the header (which
    wraps at its "/"), capped so that prose wraps instead of running off the screen."""
    shown = [_shown(v, column.number_format) for v in values]
    halves = [len(part) for part in column.header.split(" / ")]
    longest = max([*halves, *(len(s) for s in shown)])
    return float(min(longest + 3, 70 if column.prose else 40))


def _shown(value: Any, number_format: str | None) -> str:
    """Roughly the text Excel shows for `value` under `number_format`."""
    if value is None:
        return ""
    if not isinstance(value, (int, float)) or number_format is None:
        return str(value)
    if number_format.endswith("%"):
        return f"{value:.2%}"
    decimals = len(number_format.partition(".")[2])
    return f"{value:,.{decimals}f}" if "," in number_format else f"{value:.{decimals}f}"


def compare_rows(runs: Sequence[RunOutputs]) -> list[dict[str, Any]]:
    """One row per year x run (years in order, runs in the given order within a year):
    the figures a planner weighs one what-if against another with."""
    rows: list[Row] = []
    per_run = [({s.year: s for s in run.result.years}, served_by_year(run), run) for run in runs]
    years = sorted({y for summaries, served, _ in per_run for y in (*summaries, *served)})
    for year in years:
        for summaries, served, run in per_run:
            if year not in summaries and year not in served:
                continue
            s, r = summaries.get(year), served.get(year)
            rows.append(
                {
                    "year": year,
                    "run_id": run.run_id,
                    "label": run.label,
                    "served_share": r.served_share if r else None,
                    "expected_unmet": r.expected_unmet if r else None,
                    "spend_vnd": s.spend_vnd if s else None,
                    "budget_vnd": s.budget_vnd if s else None,
                    "shortfall_units": s.shortfall_units if s else None,
                }
            )
    return rows
