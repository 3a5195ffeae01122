"""CLI tables at 80 columns (`api.cli_tables`, `api.cli_stock.stock_table`): one line per
row, codes whole, names cut, and a title that says when the list was cut."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from rich.console import Console

from api.cli_stock import stock_table
from api.cli_tables import Col, add_row, fitted_table, listing_title
from inventory.queries import Page, StockRow

LONG_NAME = "Bộ quần áo chống hóa chất cấp độ B loại dày (Type 3), cỡ XXL, kèm găng và ủng"


def _rows(count: int) -> list[StockRow]:
    return [
        StockRow(
            depot="D-VTU",
            item=f"RSP-SCBA-{i:02d}",
            item_name=LONG_NAME,
            category="ppe",
            unit="bộ",
            on_hand=1_234_567,
            reserved=12_345,
            available=1_222_222,
            unusable=0,
            lot_no=f"SCBA-2026-{i:06d}",
            expiry_date=dt.date(2031, 3, 29),
            condition="serviceable",
            status="calibration overdue",
        )
        for i in range(count)
    ]


def _render(table: object, width: int = 80) -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text().rstrip("\n").splitlines()


@pytest.mark.parametrize("by_lot", [False, True], ids=["by-item", "by-lot"])
def test_a_stock_table_fits_80_columns_with_one_line_per_row_and_whole_codes(
    by_lot: bool,
) -> None:
    rows = _rows(5)

    lines = _render(stock_table(Page(rows, 5, 5, 0), by_lot=by_lot))

    assert max(len(line) for line in lines) <= 80
    body = lines[3:]  # title, header, rule
    assert len(body) == len(rows)
    for row, line in zip(rows, body, strict=True):
        assert line.startswith(f"{row.depot} {row.item} ")
        numbers = [row.on_hand, row.reserved, row.available] + ([] if by_lot else [row.unusable])
        assert line.split()[-len(numbers) :] == [str(n) for n in numbers]
        if by_lot:
            assert f" {row.lot_no} 2031-03-29 " in line
        else:
            assert "…" in line and LONG_NAME not in line


def test_a_wide_terminal_shows_the_name_whole() -> None:
    lines = _render(stock_table(Page(_rows(1), 1, 1, 0), by_lot=False), width=200)

    assert LONG_NAME in lines[3]


def test_a_cut_list_says_how_many_rows_it_shows_of_how_many() -> None:
    lines = _render(stock_table(Page(_rows(3), 951, 3, 0), by_lot=False))

    assert lines[0].strip() == "stock: 3 of 951 rows: use --limit"


def test_a_whole_list_says_only_its_count() -> None:
    assert listing_title("stock", 951, 951) == "stock (951 rows)"
    assert listing_title("stock", 0, 0) == "stock (0 rows)"


def test_a_cell_is_shown_as_written_not_read_as_markup() -> None:
    columns = (Col("code"), Col("name", "name"))
    table = fitted_table("t", columns)
    add_row(table, columns, {"code": "[bold]X[/]", "name": None})

    assert "[bold]X[/]" in _render(table)[3]


def test_a_plan_stop_with_more_cargo_than_fits_is_cut_with_an_ellipsis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from api import cli

    cargo = [{"quantity": 10 + i, "item": f"PPE-B-{i:02d}"} for i in range(12)]
    stop = {
        "kind": "delivery",
        "place": "incident 1",
        "arrival": "2026-11-30T03:00:00+00:00",
        "departure": "2026-11-30T03:15:00+00:00",
        "load_kg": 1200,
        "cargo": cargo,
    }
    route = {
        "vehicle": "V-1",
        "km": 80,
        "crew": 2,
        "rest_hours": 0,
        "returns_at": "2026-11-30T06:00:00+00:00",
        "stops": [stop],
    }
    summary = dict.fromkeys(
        ("met_units", "demand_units", "met_on_time_units", "unmet_units", "vehicles", "km"), 1
    )
    solve = {"status": "optimal", "solve_seconds": 0.1, "objective": 1.0, "bound": 1.0}
    solve |= {"within_bound_share": 1.0, "far_vehicles": 0, "vehicle_hours": 3.0}
    plan = {"id": 1, "status": "draft", "incidents": [1], "summary": summary, "solve": solve}
    plan |= {"pick_lists": [], "routes": [route], "fulfilment": [], "unmet": []}
    out = io.StringIO()
    monkeypatch.setattr(cli, "console", Console(file=out, width=200, color_system=None))

    cli.print_plan(plan)

    whole = ", ".join(f"{c['quantity']} {c['item']}" for c in cargo)
    assert whole not in out.getvalue()
    assert whole[:59] + "…" in out.getvalue()
