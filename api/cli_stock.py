"""`chemdepot stock`, `alerts` and `export`: what a depot holds, what needs attention,
and the stock as a spreadsheet, over the same queries as GET /stock, /alerts and
/stock/export."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from inventory.errors import InventoryError
from inventory.models import Condition
from inventory.queries import ALERT_KINDS, Alert, Page, StockFilter, StockRow, alerts, list_stock

from .cli_tables import Col, add_row, fitted_table, listing_title
from .export import ExportFormat, export_stock
from .services import Database, init_database, today
from .settings import Settings

console = Console()

DepotOption = Annotated[str | None, typer.Option(help="depot code, e.g. D-HNI")]
ItemOption = Annotated[str | None, typer.Option(help="item code, e.g. DEC-HTH")]
CategoryOption = Annotated[str | None, typer.Option()]
LotOption = Annotated[str | None, typer.Option(help="lot or serial number")]
ConditionOption = Annotated[Condition | None, typer.Option()]

BY_ITEM = (
    Col("depot"),
    Col("item"),
    Col("item_name", "name", "name"),
    Col("on_hand", "number", "on hand"),
    Col("reserved", "number"),
    Col("available", "number"),
    Col("unusable", "number"),
)
#: by lot there is no room for the name; `status` says why a lot is unusable
BY_LOT = (
    Col("depot"),
    Col("item"),
    Col("lot_no", "code", "lot"),
    Col("expiry_date", "code", "expiry"),
    Col("status", "name"),
    Col("on_hand", "number", "on hand"),
    Col("reserved", "number"),
    Col("available", "number", "avail."),
)
ALERT_COLUMNS = (Col("severity"), Col("kind"), Col("message", "wrap"))


def add_stock_commands(app: typer.Typer) -> None:
    """Register stock, alerts and export on the top-level app."""
    app.command()(stock)
    app.command("alerts")(alerts_cmd)
    app.command()(export)


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(1)


def stock(
    depot: DepotOption = None,
    item: ItemOption = None,
    category: CategoryOption = None,
    lot: LotOption = None,
    condition: ConditionOption = None,
    by_lot: Annotated[bool, typer.Option("--by-lot", help="one row per lot")] = False,
    limit: Annotated[int, typer.Option(min=1, max=100000, help="rows to show")] = 200,
) -> None:
    """Print stock on hand, reserved and available as a table."""
    settings = Settings()
    init_database(settings)
    db = Database(settings.database_url)
    flt = StockFilter(depot=depot, item=item, category=category, lot_no=lot, condition=condition)
    try:
        with db.readers() as session:
            page = list_stock(
                session, flt, today=today(), group_by="lot" if by_lot else "item", limit=limit
            )
    except InventoryError as exc:
        _fail(exc.message)
        return
    finally:
        db.dispose()
    console.print(stock_table(page, by_lot=by_lot))


def stock_table(page: Page[StockRow], *, by_lot: bool) -> Table:
    """The rows of a stock page, titled with how many of how many rows it shows."""
    columns = BY_LOT if by_lot else BY_ITEM
    what = "stock by lot" if by_lot else "stock"
    table = fitted_table(listing_title(what, len(page.items), page.total), columns)
    for row in page.items:
        add_row(table, columns, asdict(row))
    return table


def alerts_cmd(
    depot: DepotOption = None,
    kind: Annotated[list[str] | None, typer.Option(help=f"one of {', '.join(ALERT_KINDS)}")] = None,
    days: Annotated[int, typer.Option(min=0)] = 90,
) -> None:
    """Print what needs attention: below minimum, expiring, expired, calibration, quarantine."""
    settings = Settings()
    init_database(settings)
    db = Database(settings.database_url)
    try:
        with db.readers() as session:
            found = alerts(
                session,
                today=today(),
                depot=depot,
                kinds=set(kind) if kind else None,
                expiring_within_days=days,
            )
    except InventoryError as exc:
        _fail(exc.message)
        return
    finally:
        db.dispose()
    table = fitted_table(f"alerts ({len(found)})", ALERT_COLUMNS)
    for a in found:
        colour = "red" if a.severity == "critical" else "yellow"
        severity = Text(a.severity, style=colour)
        add_row(table, ALERT_COLUMNS, {"severity": severity, "kind": a.kind, "message": _where(a)})
    console.print(table)


def _where(alert: Alert) -> str:
    """The message, which names the depot and item (so they need no columns of their own:
    the message keeps the room); prefixed with them should one not."""
    if alert.message.startswith(f"{alert.depot}: "):
        return alert.message
    return f"{alert.depot}: {alert.item}: {alert.message}"


def export(
    output: Annotated[Path, typer.Argument(help="file to write (.csv or .xlsx)")],
    depot: DepotOption = None,
    item: ItemOption = None,
    category: CategoryOption = None,
    lot: LotOption = None,
    condition: ConditionOption = None,
) -> None:
    """Export every lot on hand to CSV (UTF-8 with a byte-order mark, for Excel) or XLSX,
    chosen by the file's extension, with each item's Vietnamese and English names."""
    fmt: ExportFormat = "xlsx" if output.suffix.lower() == ".xlsx" else "csv"
    flt = StockFilter(depot=depot, item=item, category=category, lot_no=lot, condition=condition)
    db = Database(Settings().database_url)
    try:
        with db.readers() as session:
            content = export_stock(session, flt, fmt, today=today())
    except InventoryError as exc:
        _fail(exc.message)
        return
    finally:
        db.dispose()
    output.write_bytes(content)
    console.print(f"wrote {output} ({len(content)} bytes)")
