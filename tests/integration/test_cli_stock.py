"""`chemdepot stock`, `alerts` and `export` on the seeded data as an 80-column terminal
shows them: one line per row, a cut list that says so, exports with both item names."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from api import cli_stock
from api.cli import app
from api.services import Database, today
from inventory.models import Condition
from inventory.queries import StockFilter, list_stock

runner = CliRunner()


@pytest.fixture
def screen(seeded_sqlite: Database, monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """What the commands print, on an 80-column terminal."""
    monkeypatch.setenv("CHEMDEPOT_DATABASE_URL", seeded_sqlite.url)
    out = io.StringIO()
    monkeypatch.setattr(cli_stock, "console", Console(file=out, width=80, color_system=None))
    return out


def _run(*args: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output


def _total(db: Database, *, by_lot: bool = False, **filters: str) -> int:
    with db.readers() as session:
        flt = StockFilter(**filters)  # type: ignore[arg-type]
        return list_stock(session, flt, today=today(), group_by="lot" if by_lot else "item").total


def test_stock_at_80_columns_prints_one_line_per_row_and_says_the_list_was_cut(
    screen: io.StringIO, seeded_sqlite: Database
) -> None:
    total = _total(seeded_sqlite)

    _run("stock")

    lines = screen.getvalue().splitlines()
    assert total > 200
    assert lines[0].strip() == f"stock: 200 of {total} rows: use --limit"
    assert max(len(line) for line in lines) <= 80
    assert len(lines) == 3 + 200
    assert all(line.startswith("D-") for line in lines[3:])


def test_stock_by_lot_at_80_columns_keeps_each_lot_on_one_line(
    screen: io.StringIO, seeded_sqlite: Database
) -> None:
    total = _total(seeded_sqlite, by_lot=True, depot="D-HNI")

    _run("stock", "--depot", "D-HNI", "--by-lot", "--limit", "100000")

    lines = screen.getvalue().splitlines()
    assert lines[0].strip() == f"stock by lot ({total} rows)"
    assert max(len(line) for line in lines) <= 80
    assert len(lines) == 3 + total
    assert all(line.startswith("D-HNI ") for line in lines[3:])


def test_stock_takes_a_condition_filter(screen: io.StringIO, seeded_sqlite: Database) -> None:
    total = _total(seeded_sqlite, by_lot=True, condition="quarantined")

    _run("stock", "--by-lot", "--condition", "quarantined", "--limit", "100000")

    lines = screen.getvalue().splitlines()
    assert 0 < total == len(lines) - 3
    assert all(" quarantined " in line for line in lines[3:])


def test_alerts_at_80_columns_fit_and_name_their_depot(screen: io.StringIO) -> None:
    _run("alerts", "--depot", "D-HNI")

    lines = screen.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any("D-HNI: " in line for line in lines[3:])


def test_export_takes_the_stock_filters_and_names_items_in_vietnamese(
    screen: io.StringIO, seeded_sqlite: Database, tmp_path: Path
) -> None:
    with seeded_sqlite.readers() as session:
        flt = StockFilter(condition=Condition.QUARANTINED)
        depot = list_stock(session, flt, today=today(), group_by="lot").items[0].depot
    out = tmp_path / "quarantined.csv"

    _run("export", str(out), "--condition", "quarantined", "--depot", depot)

    content = out.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(frame) == _total(seeded_sqlite, by_lot=True, condition="quarantined", depot=depot)
    assert set(frame["condition"]) == {"quarantined"} and set(frame["depot"]) == {depot}
    assert all(frame["name_vi"]) and any(not name.isascii() for name in frame["name_vi"])
