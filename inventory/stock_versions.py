"""A version token per depot location, changed by the database itself whenever anything a
stock page shows changes there, so that a page can be served again from memory while its
depot's token is unchanged (`api.stock_pages`).

Triggers (migration 0013) set a fresh random token in the same transaction as the change:
a balance of the location inserted, deleted, or its on hand or reserved updated; a lot held
there changing condition, expiry or calibration date. A depot location gets its row when
it is made. Tokens are random rather than counted so that no value ever comes back, even
after a restore (the table is derived, not backed up: a restore's own inserts set it).
Virtual locations (suppliers, in transit...) have no row, so a posting locks only its
depot's row, never one shared by every posting."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, Integer, Table, bindparam, select

from .models import Base, Location, LocationKind

#: the name every one of those triggers starts with (a restore may clear their tables)
TRIGGER_PREFIX = "stock_version"

stock_versions = Table(
    "stock_versions",
    Base.metadata,
    # no foreign key: a restore with --replace clears locations while these rows stay
    Column("location_id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
    info={"derived": True},
)

_OF_DEPOT = (
    select(stock_versions.c.version)
    .join(Location, Location.id == stock_versions.c.location_id)
    .where(Location.depot_code == bindparam("depot"), Location.kind == LocationKind.DEPOT)
)


def depot_stock_version(conn: Connection, depot: str) -> int | None:
    """The depot's token now, or None (unknown depot, or a schema without the triggers)."""
    return conn.execute(_OF_DEPOT, {"depot": depot}).scalar()


def backed_up(tables: list[Table]) -> list[Table]:
    """The tables a backup holds: all but the derived ones, which rebuild themselves."""
    return [t for t in tables if not t.info.get("derived")]


def derived_table_names() -> set[str]:
    return {name for name, t in Base.metadata.tables.items() if t.info.get("derived")}
