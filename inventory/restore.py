"""Restoring a backup (format: `backup_format`), all or nothing.

The file is read through once and checked against its manifest before the target is
touched. The target must be at the backup's schema revision and empty; a brand-new
database (no tables at all) is migrated to that revision first. `replace=True` clears a
non-empty target inside the same transaction, unless one of its non-empty tables has
triggers or rules (the append-only audit log refuses deletes: restore into a new, empty
database instead). Rows are inserted with their own ids in one transaction, PostgreSQL
sequences are moved past them, and before commit every table is read back and its row
count and rows digest compared with the manifest."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    Table,
    delete,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError

from .backup import table_lines
from .backup_format import (
    BackupError,
    Manifest,
    TableEntry,
    Tally,
    column_codec,
    member_lines,
    open_archive,
    verify_archive,
)
from .db import reading
from .migrate import current_revision, head_revision, upgrade
from .models import Base
from .stock_versions import TRIGGER_PREFIX, backed_up, stock_versions

#: Rows inserted per statement.
_BATCH = 1000


def restore_backup(engine: Engine, path: Path, *, replace: bool = False) -> Manifest:
    """Load the backup at `path` into the database behind `engine`."""
    with open_archive(path) as archive:
        manifest = verify_archive(archive)
        tables = _tables_of(manifest)
        _prepare_target(engine, manifest.revision)
        try:
            with engine.begin() as conn:
                _lock(conn, tables)
                _make_room(conn, tables, replace=replace)
                held: list[_HeldRef] = []
                for entry in manifest.tables:
                    held += _load_table(conn, archive, entry, tables)
                for ref in held:
                    conn.execute(
                        update(ref.table).where(ref.pk == ref.pk_value).values({ref.key: ref.value})
                    )
                _reset_sequences(conn, tables)
                _verify_loaded(conn, manifest, tables)
        except DBAPIError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise BackupError(f"the target database refused the backup's rows: {reason}") from None
    return manifest


def _tables_of(manifest: Manifest) -> list[Table]:
    """The models' tables the backup fills, checked against what this code knows."""
    head = head_revision()
    if manifest.revision != head:
        raise BackupError(
            f"the backup is at schema revision {manifest.revision}, this chemdepot at {head}: "
            "restore it with the chemdepot version that made it, then migrate"
        )
    known = backed_up(list(Base.metadata.sorted_tables))
    if [e.name for e in manifest.tables] != [t.name for t in known]:
        raise BackupError("the backup's tables are not this schema's tables")
    for entry, table in zip(manifest.tables, known, strict=True):
        if entry.columns != [c.name for c in table.columns]:
            raise BackupError(f"the backup's columns of {entry.name} are not this schema's")
    return known


def _prepare_target(engine: Engine, revision: str) -> None:
    """Migrate a brand-new database; refuse one at another revision."""
    with reading(engine).connect() as conn:
        current = current_revision(conn)
        has_tables = bool(inspect(conn).get_table_names())
    if current is None and not has_tables:
        upgrade(engine, revision)
    elif current is None:
        raise BackupError("the target database has tables but no schema revision: not chemdepot's")
    elif current != revision:
        raise BackupError(
            f"the target database is at schema revision {current}, the backup at {revision}: "
            "restore into a database at the backup's revision"
        )


def _lock(conn: Connection, tables: list[Table]) -> None:
    """No other writer in between (SQLite's BEGIN IMMEDIATE already holds the write lock)."""
    if conn.dialect.name == "postgresql":
        names = ", ".join(conn.dialect.identifier_preparer.format_table(t) for t in tables)
        conn.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))


def _make_room(conn: Connection, tables: list[Table], *, replace: bool) -> None:
    counts = {t.name: n for t in tables if (n := conn.scalar(select(func.count()).select_from(t)))}
    if not counts:
        return
    held = ", ".join(f"{name}: {n} rows" for name, n in list(counts.items())[:3])
    if len(counts) > 3:
        held += f" and {len(counts) - 3} more tables"
    if not replace:
        raise BackupError(
            f"the target database is not empty ({held}): restore into an empty database, "
            "or pass --replace to clear it first"
        )
    guarded = _guarded_tables(conn)
    if blocked := sorted(set(guarded) & set(counts)):
        raise BackupError(
            f"--replace cannot clear {', '.join(blocked)}: guarded by "
            f"{', '.join(n for t in blocked for n in guarded[t])} (append-only); "
            "restore into a new, empty database instead"
        )
    emptied = [t for t in reversed(tables) if t.name in counts]
    for table in emptied:
        for column in _forward_columns(table, tables):
            conn.execute(update(table).values({column.key: None}))
    for table in emptied:
        conn.execute(delete(table))
    # Derived rows go too: a version row left under a location id the backup gives to a
    # virtual location would be bumped, and locked, by every posting there.
    conn.execute(delete(stock_versions))


def _guarded_tables(conn: Connection) -> dict[str, list[str]]:
    """Tables with triggers or rules of their own, which may refuse or redo a delete."""
    if conn.dialect.name == "sqlite":
        query = "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'"
    elif conn.dialect.name == "postgresql":
        query = (
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND n.nspname = current_schema() "
            "UNION ALL SELECT tablename, rulename FROM pg_rules "
            "WHERE schemaname = current_schema()"
        )
    else:
        return {}
    guarded: dict[str, list[str]] = {}
    for table, name in conn.execute(text(query)):
        if not str(name).startswith(TRIGGER_PREFIX):  # they only mark a depot's stock changed
            guarded.setdefault(str(table), []).append(str(name))
    return guarded


def _forward_columns(table: Table, order: list[Table]) -> list[Column[Any]]:
    """Nullable foreign-key columns into a table loaded later (a cycle SQLAlchemy had to
    break); values there are held back until every table is in."""
    at = order.index(table)
    return [
        fk.parent
        for fk in table.foreign_keys
        if fk.parent.nullable and fk.column.table is not table and order.index(fk.column.table) > at
    ]


@dataclass(frozen=True)
class _HeldRef:
    """A foreign-key value set after the row it points at exists."""

    table: Table
    pk: Column[Any]
    pk_value: Any
    key: str
    value: Any


@dataclass
class _RefGate:
    """Decides, row by row, which foreign-key values must wait. Self-references to an
    integer primary key wait when they point past the current row (rows come in
    primary-key order); other self-references wait until their target was seen."""

    table: Table
    later: list[Column[Any]]
    own: list[tuple[Column[Any], Column[Any]]]
    seen: set[tuple[str, Any]] = field(default_factory=set)
    held: list[_HeldRef] = field(default_factory=list)

    @classmethod
    def of(cls, table: Table, order: list[Table]) -> _RefGate:
        own = [(fk.parent, fk.column) for fk in table.foreign_keys if fk.column.table is table]
        return cls(table, _forward_columns(table, order), own)

    def hold_back(self, row: dict[str, Any]) -> None:
        if not (self.later or self.own):
            return
        pk = self._pk()
        for column in self.later:
            self._hold(row, pk, column)
        for column, target in self.own:
            ordered = isinstance(pk.type, Integer) and target is pk
            if not ordered:
                self.seen.add((target.key, row[target.key]))
            value = row.get(column.key)
            if value is None:
                continue
            if value > row[pk.key] if ordered else (target.key, value) not in self.seen:
                self._hold(row, pk, column)

    def _pk(self) -> Column[Any]:
        keys = list(self.table.primary_key.columns)
        if len(keys) != 1:
            raise BackupError(f"{self.table.name} refers to other rows but has no single key")
        return keys[0]

    def _hold(self, row: dict[str, Any], pk: Column[Any], column: Column[Any]) -> None:
        if row.get(column.key) is not None:
            self.held.append(_HeldRef(self.table, pk, row[pk.key], column.key, row[column.key]))
            row[column.key] = None


def _load_table(
    conn: Connection, archive: zipfile.ZipFile, entry: TableEntry, order: list[Table]
) -> list[_HeldRef]:
    table = Base.metadata.tables[entry.name]
    columns = [table.c[name] for name in entry.columns]
    codecs = [column_codec(c) for c in columns]
    gate = _RefGate.of(table, order)
    batch: list[dict[str, Any]] = []
    for number, line in enumerate(member_lines(archive, entry), start=1):
        try:
            values = json.loads(line)
            row = {
                c.key: codec.decode(v) for c, codec, v in zip(columns, codecs, values, strict=True)
            }
        except (ValueError, TypeError) as exc:
            raise BackupError(f"{entry.name} row {number} cannot be read ({exc})") from None
        gate.hold_back(row)
        batch.append(row)
        if len(batch) >= _BATCH:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
    return gate.held


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Move PostgreSQL's id sequences past the ids just inserted, so new rows get new ids.
    (SQLite picks max(rowid) + 1 by itself.)"""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer
    for table in tables:
        for column in table.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = conn.scalar(
                text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": quote.format_table(table), "c": column.name},
            )
            if sequence is not None:
                conn.execute(
                    text(
                        f"SELECT setval(:s, COALESCE((SELECT max({quote.quote(column.name)}) "
                        f"FROM {quote.format_table(table)}), 0) + 1, false)"
                    ),
                    {"s": sequence},
                )


def _verify_loaded(conn: Connection, manifest: Manifest, tables: list[Table]) -> None:
    """Read every table back: its rows must be the backup's, value for value."""
    for entry, table in zip(manifest.tables, tables, strict=True):
        tally = Tally.of(table_lines(conn, table))
        if tally.rows != entry.rows or tally.rows_digest != entry.rows_digest:
            raise BackupError(
                f"{entry.name} read back {tally.rows} rows of {entry.rows}"
                + ("" if tally.rows != entry.rows else " with different values")
                + "; nothing was restored"
            )
