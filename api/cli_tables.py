"""Tables that fit an 80-column terminal, one line per row, and titles that never claim
more rows than they show.

Codes (depot, item, lot) are never wrapped: a code cut in two is misread. Names are cut
with an ellipsis, since the code beside them already identifies the row; a terminal wider
than the table shows them whole. Numbers are right-aligned. Columns are set apart by one
space and the header by a rule, not boxes: a box costs three columns per column."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rich import box
from rich.table import Table
from rich.text import Text

ColumnKind = Literal["code", "name", "number", "wrap"]


@dataclass(frozen=True)
class Col:
    """One column: the row field it shows, its header and how it gives way when narrow:
    a `code` never does, a `name` is cut with an ellipsis, `wrap` text goes on more lines."""

    key: str
    kind: ColumnKind = "code"
    header: str | None = None


def fitted_table(title: str, columns: Sequence[Col]) -> Table:
    """An empty table whose columns shrink in the order above (fill it with `add_row`)."""
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        padding=(0, 0),
        pad_edge=False,
        show_edge=False,
        header_style="bold",
    )
    for col in columns:
        table.add_column(
            col.header or col.key,
            justify="right" if col.kind == "number" else "left",
            # a name column may shrink (rich shrinks wrappable columns first); its cells
            # are one-line Texts, so it is cut, not wrapped
            no_wrap=col.kind in ("code", "number"),
        )
    return table


def add_row(table: Table, columns: Sequence[Col], values: Mapping[str, object]) -> None:
    """One row; a missing or None value is an empty cell. Values are shown as they are
    (a "[" in a name is not markup); pass a styled Text to colour a cell."""
    cells: list[Text] = []
    for col in columns:
        value = values.get(col.key)
        cell = value if isinstance(value, Text) else Text("" if value is None else str(value))
        if col.kind == "name":
            cell.no_wrap, cell.overflow = True, "ellipsis"
        cells.append(cell)
    table.add_row(*cells)


def listing_title(what: str, shown: int, total: int, *, option: str = "--limit") -> str:
    """'stock (951 rows)' when all are shown, else '200 of 951 rows: use --limit'."""
    if shown >= total:
        return f"{what} ({total} rows)"
    return f"{what}: {shown} of {total} rows: use {option}"
