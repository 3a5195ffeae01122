"""`chemdepot transfers` and `chemdepot card`: what is on its way to or from a depot, and a
depot x item's stock card, as `GET /transfers` and `GET /movements` show them, in tables
that fit an 80-column terminal (codes never wrap; a card's note wraps in its column)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from inventory.errors import InventoryError
from inventory.models import TransferStatus
from inventory.queries import Page
from inventory.stock_card import CardLine, stock_card
from inventory.transfers import TransferFilter, list_transfers

from .services import Database, init_database
from .settings import Settings
from .timefmt import LOCAL_LABEL, local_clock

T = TypeVar("T")

Limit = Annotated[int, typer.Option(min=1, max=1000, help="rows to show")]


def add_transfer_commands(app: typer.Typer) -> None:
    """Register `transfers` and `card` on the top-level CLI."""
    app.command("transfers")(transfers)
    app.command("card")(card)


def transfers(
    depot: Annotated[str | None, typer.Option(help="transfers from or to this depot")] = None,
    direction: Annotated[
        Literal["inbound", "outbound"] | None,
        typer.Option(help="relative to --depot: inbound = to it"),
    ] = None,
    status: Annotated[TransferStatus | None, typer.Option()] = None,
    item: Annotated[str | None, typer.Option()] = None,
    limit: Limit = 50,
) -> None:
    """Transfers newest first: what is on its way to a depot is
    `--depot D-HNI --direction inbound --status in_transit`."""
    flt = TransferFilter(depot=depot, item=item, direction=direction, status=status)
    page = _read(lambda s: list_transfers(s, flt, limit=limit))
    table = _table(f"transfers, times {LOCAL_LABEL}", page)
    for name in ("id", "from", "to"):
        table.add_column(name, no_wrap=True)
    table.add_column("item", no_wrap=True, overflow="ellipsis", min_width=6)
    table.add_column("lot", no_wrap=True, overflow="ellipsis", min_width=6)
    table.add_column("qty", justify="right", no_wrap=True)
    table.add_column("shipped", no_wrap=True, min_width=11)
    table.add_column("received", no_wrap=True, min_width=11)
    for t in page.items:
        table.add_row(
            str(t.id),
            t.from_depot.code,
            t.to_depot.code,
            t.item.code,
            t.lot_no or "",
            str(t.quantity),
            local_clock(t.shipped_at, with_date=True),
            "in transit" if t.received_at is None else local_clock(t.received_at, with_date=True),
        )
    _print(table)


def card(
    depot: Annotated[str, typer.Argument(help="depot code, e.g. D-HNI")],
    item: Annotated[str, typer.Argument(help="item code")],
    lot: Annotated[str | None, typer.Option(help="one lot or serial only")] = None,
    limit: Limit = 50,
) -> None:
    """The stock card of a depot x item, its last `--limit` lines: the other end of each
    line (for a transfer, the other depot), the quantity in (+) or out (-), the running
    balance and the note."""
    page = _read(lambda s: _last_lines(s, depot, item, lot, limit))
    table = _table(f"{depot} {item} stock card, times {LOCAL_LABEL}", page, newest=True)
    table.add_column("posted", no_wrap=True, min_width=11)
    table.add_column("kind", no_wrap=True, min_width=12)
    table.add_column("other end", no_wrap=True, min_width=21)
    table.add_column("qty", justify="right", no_wrap=True)
    table.add_column("balance", justify="right", no_wrap=True)
    table.add_column("note", overflow="fold")
    for line in page.items:
        table.add_row(
            local_clock(line.posted_at, with_date=True),
            line.kind,
            line.counterpart,
            f"+{line.quantity_in}" if line.quantity_in else f"-{line.quantity_out}",
            str(line.balance),
            line.note or "",
        )
    _print(table)


def _last_lines(
    session: Session, depot: str, item: str, lot: str | None, limit: int
) -> Page[CardLine]:
    """The card's last `limit` lines, with the running balance carried into them."""
    total = stock_card(session, depot, item, lot_no=lot, limit=1).total
    offset = max(total - limit, 0)
    return stock_card(session, depot, item, lot_no=lot, limit=limit, offset=offset)


def _read(query: Callable[[Session], Page[T]]) -> Page[T]:
    """Run a read on the configured database; a refusal exits 1 with its message."""
    settings = Settings()
    init_database(settings)
    db = Database(settings.database_url)
    try:
        with db.readers() as session:
            return query(session)
    except InventoryError as exc:
        Console().print(f"[bold red]error:[/] {exc.message}")
        raise typer.Exit(1) from None
    finally:
        db.dispose()


def _table(title: str, page: Page[T], *, newest: bool = False) -> Table:
    """A table titled with how many rows it shows of how many, saying when it is cut."""
    shown = len(page.items)
    if shown < page.total:
        which = "last" if newest else "first"
        count = f"{which} {shown} of {page.total} rows: use --limit"
    else:
        count = f"{page.total} rows"
    return Table(
        title=f"{title} ({count})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 0),
    )


def _print(table: Table) -> None:
    """Print at the terminal's width (COLUMNS), read when the command runs."""
    Console().print(table)
