"""The planner's outputs of a procurement run (`api.procurement_outputs`): the workbook
holds exactly the rows the JSON gets, in numbers a planner can sum, under bilingual
headers; every chart is a PNG, drawn with Vietnamese names, for a full and an empty run;
the comparison has one row per year and run."""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import replace
from typing import Any

import openpyxl
import pandas as pd
import pytest
from matplotlib.image import imread

from api.procurement_outputs import (
    CHART_NAMES,
    SHEET_COLUMNS,
    chart,
    compare_chart,
    compare_rows,
    workbook,
    workbook_tables,
)
from api.procurement_views import ItemFacts, RunOutputs, YearReadiness
from optimizer.procurement_model import (
    Binding,
    Order,
    ProcurementResult,
    UpgradeStart,
    YearStock,
    YearSummary,
)

ITEMS = {
    "PPE-SUIT-B": ItemFacts("PPE-SUIT-B", "Bộ quần áo chống hóa chất cấp B", "Suit B", "ppe", "bộ"),
    "PPE-MASK": ItemFacts("PPE-MASK", "Mặt nạ phòng độc", "Gas mask", "ppe", "cái"),
    "DEC-DS2": ItemFacts("DEC-DS2", "Dung dịch tẩy độc DS2", "DS2 solution", "khử độc", "lít"),
}
ORDERS = (
    Order(2027, "SUP-VN", "D-HNI", "PPE-SUIT-B", 200, 700_000_000, 2027, 2036),
    Order(2028, "IMP-DE", "D-VTU", "DEC-DS2", 1_000, 150_000_000, 2028, 2032),
    Order(2028, "NM-Z121", "D-VTU", "PPE-MASK", 300, 270_000_000, 2029, None),
)
UPGRADE = UpgradeStart("UPG-VTU-1", "D-VTU", 2027, 2028, 1_200_000_000)
#: (depot, item) -> (target, held) per year
HOLDINGS = {
    2027: {
        ("D-HNI", "PPE-SUIT-B"): (500, 450),
        ("D-HNI", "PPE-MASK"): (800, 800),
        ("D-HNI", "DEC-DS2"): (2_000, 1_400),
        ("D-VTU", "PPE-SUIT-B"): (300, 300),
        ("D-VTU", "PPE-MASK"): (600, 520),
        ("D-VTU", "DEC-DS2"): (1_500, 900),
    },
    2028: {
        ("D-HNI", "PPE-SUIT-B"): (500, 500),
        ("D-HNI", "PPE-MASK"): (800, 790),
        ("D-HNI", "DEC-DS2"): (2_000, 1_800),
        ("D-VTU", "PPE-SUIT-B"): (300, 300),
        ("D-VTU", "PPE-MASK"): (600, 600),
        ("D-VTU", "DEC-DS2"): (1_500, 1_500),
    },
}
BUDGETS = {2027: 2_000_000_000, 2028: 1_000_000_000}


def _stock() -> tuple[YearStock, ...]:
    return tuple(
        YearStock(year, depot, item, target, held, target - held, held // 10, held // 5)
        for year, cells in HOLDINGS.items()
        for (depot, item), (target, held) in cells.items()
    )


def _summaries(stock: tuple[YearStock, ...]) -> tuple[YearSummary, ...]:
    """Each year's figures from the orders, upgrades and stock above (as the model would)."""
    spend = {y: sum(o.cost_vnd for o in ORDERS if o.year == y) for y in BUDGETS}
    spend[UPGRADE.year] += UPGRADE.cost_vnd
    return tuple(
        YearSummary(
            year=year,
            budget_vnd=BUDGETS[year],
            spend_vnd=spend[year],
            target_units=sum(s.target for s in stock if s.year == year),
            shortfall_units=sum(s.shortfall for s in stock if s.year == year),
            weighted_shortfall=float(sum(s.shortfall for s in stock if s.year == year)),
            storage_used_m3=812.5 + year - 2027,
            storage_capacity_m3=1_000.0 if year == 2027 else 1_400.0,
        )
        for year in BUDGETS
    )


def _run(run_id: int = 7, label: str = "Cơ sở / base") -> RunOutputs:
    stock = _stock()
    result = ProcurementResult(
        status="optimal",
        solver="highs",
        shortfall=1_330.0,
        shortfall_bound=1_329.5,
        cost_vnd=2_320_000_000,
        cost_bound=2_319_000_000.0,
        gap=0.0004,
        wall_s=1.75,
        orders=ORDERS,
        upgrades=(UPGRADE,),
        stock=stock,
        years=_summaries(stock),
        binding=(
            Binding("budget", "2027", 2027, "Ngân sách năm 2027 đã dùng hết", 0.82),
            Binding("supplier_capacity", "IMP-DE", None, "IMP-DE giao tối đa 1 000 lít/năm"),
        ),
        message="Đạt tối ưu / optimal",
    )
    return RunOutputs(
        run_id=run_id,
        label=label,
        result=result,
        readiness=(YearReadiness(2027, 0.71, 14.5), YearReadiness(2028, 0.86, 6.25)),
        readiness_today=YearReadiness(2026, 0.55, 31.0),
        items=ITEMS,
    )


def _empty_run() -> RunOutputs:
    result = ProcurementResult("no_solution", "cbc", 0.0, None, 0, None, None, 30.0)
    return RunOutputs(run_id=9, label="Không có lời giải", result=result, readiness=())


def _same(expected: Any, actual: Any) -> bool:
    """An empty cell reads back as NaN; everything else must be the very value."""
    if expected is None or expected == "":
        return bool(pd.isna(actual))
    return bool(actual == expected)


def _assert_workbook_holds_tables(run: RunOutputs) -> None:
    sheets = pd.read_excel(io.BytesIO(workbook(run)), sheet_name=None)
    tables = workbook_tables(run)
    assert list(sheets) == list(tables) == list(SHEET_COLUMNS)
    for name, rows in tables.items():
        frame, columns = sheets[name], SHEET_COLUMNS[name]
        assert list(frame.columns) == [c.header for c in columns], name
        assert len(frame) == len(rows), name
        for i, row in enumerate(rows):
            assert set(row) == {c.key for c in columns}, name
            for c in columns:
                assert _same(row[c.key], frame.iloc[i][c.header]), (name, i, c.key)


def test_the_workbook_holds_every_cell_of_the_tables() -> None:
    _assert_workbook_holds_tables(_run())


def test_the_tables_give_the_runs_own_figures() -> None:
    tables = workbook_tables(_run())
    by_year = {r["year"]: r for r in tables["Theo năm - By year"]}
    for year, row in by_year.items():
        costs = [o.cost_vnd for o in ORDERS if o.year == year]
        costs += [UPGRADE.cost_vnd] if UPGRADE.year == year else []
        assert row["spend_vnd"] == sum(costs)
        assert row["spend_share"] == pytest.approx(sum(costs) / BUDGETS[year])
        targets = [t for t, _ in HOLDINGS[year].values()]
        short = [t - h for t, h in HOLDINGS[year].values()]
        assert row["target_units"] == sum(targets)
        assert row["shortfall_units"] == sum(short)
        assert row["met_share"] == pytest.approx(1 - sum(short) / sum(targets))
    assert by_year[2027]["served_share"] == 0.71
    assert by_year[2028]["expected_unmet"] == 6.25
    assert [r["year"] for r in tables["Đặt mua - Orders"]] == [2027, 2028, 2028]
    first = tables["Đặt mua - Orders"][0]
    assert (first["item_name_vi"], first["unit"], first["quantity"]) == (
        "Bộ quần áo chống hóa chất cấp B",
        "bộ",
        200,
    )
    assert len(tables["Tồn kho - Stock"]) == 12
    assert {r["category"] for r in tables["Tồn kho - Stock"]} == {"ppe", "khử độc"}
    (summary,) = tables["Tóm tắt - Summary"]
    assert summary["cost_vnd"] == sum(o.cost_vnd for o in ORDERS) + UPGRADE.cost_vnd


def test_headers_are_vietnamese_and_english_and_numbers_are_numbers() -> None:
    book = openpyxl.load_workbook(io.BytesIO(workbook(_run())))
    year_sheet = book["Theo năm - By year"]
    headers = [c.value for c in year_sheet[1]]
    assert headers[:3] == [
        "Năm / Year",
        "Ngân sách (VND) / Budget (VND)",
        "Chi tiêu (VND) / Spend (VND)",
    ]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(" / " in str(c.value) for c in sheet[1])
    for row in year_sheet.iter_rows(min_row=2):
        assert all(c.data_type == "n" for c in row)
    assert year_sheet["A2"].number_format == "0"  # 2027, not 2,027
    assert year_sheet["B2"].number_format == "#,##0"
    orders = book["Đặt mua - Orders"]
    assert orders.column_dimensions["E"].width >= len("Bộ quần áo chống hóa chất cấp B")


def _assert_png(content: bytes) -> None:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = imread(io.BytesIO(content)).shape[:2]
    assert 300 <= height <= 2000
    assert 500 <= width <= 2000


@pytest.mark.parametrize("name", CHART_NAMES)
def test_every_chart_is_a_png_with_its_vietnamese_glyphs(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph (a lost diacritic) is a warning
        _assert_png(chart(_run(label="Ngân sách 2027 giảm 20 %"), name))  # type: ignore[arg-type]


def test_an_unknown_chart_name_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown chart"):
        chart(_run(), "pie")  # type: ignore[arg-type]


def test_an_empty_run_still_gives_a_workbook_and_charts() -> None:
    run = _empty_run()
    _assert_workbook_holds_tables(run)
    tables = workbook_tables(run)
    assert tables["Tóm tắt - Summary"][0]["status"] == "no_solution"
    assert all(not rows for name, rows in tables.items() if name != "Tóm tắt - Summary")
    for name in CHART_NAMES:
        _assert_png(chart(run, name))
    _assert_png(compare_chart([run]))
    assert compare_rows([run]) == []


def _cut_run() -> RunOutputs:
    """A what-if: 2027's budget cut by 20 %, less spent, readiness lower."""
    base = _run()
    years = tuple(
        replace(s, budget_vnd=1_600_000_000, spend_vnd=1_500_000_000) if s.year == 2027 else s
        for s in base.result.years
    )
    return replace(
        base,
        run_id=8,
        label="Ngân sách 2027 giảm 20 %",
        result=replace(base.result, years=years),
        readiness=(YearReadiness(2027, 0.64, 19.0), YearReadiness(2028, 0.83, 8.0)),
    )


def test_compare_rows_has_one_row_per_year_and_run_with_its_figures() -> None:
    rows = compare_rows([_run(), _cut_run()])
    assert [(r["year"], r["run_id"]) for r in rows] == [(2027, 7), (2027, 8), (2028, 7), (2028, 8)]
    cut_2027 = rows[1]
    assert cut_2027 == {
        "year": 2027,
        "run_id": 8,
        "label": "Ngân sách 2027 giảm 20 %",
        "served_share": 0.64,
        "expected_unmet": 19.0,
        "spend_vnd": 1_500_000_000,
        "budget_vnd": 1_600_000_000,
        "shortfall_units": sum(t - h for t, h in HOLDINGS[2027].values()),
    }
    assert rows[2]["spend_vnd"] == 420_000_000
    assert math.isclose(rows[2]["served_share"], 0.86)


def test_the_comparison_chart_is_a_png() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _assert_png(compare_chart([_run(), _cut_run()]))
