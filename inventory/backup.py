"""Backing up every table of the models into one portable file (format: `backup_format`).

The whole dump is one read transaction, so it is a single consistent snapshot while
writers carry on: REPEATABLE READ, read only, on PostgreSQL; on SQLite (WAL) a read
transaction sees the database as it was at its first read. Rows are streamed table by
table straight into the archive; nothing holds more than a batch."""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, inspect, select

from .backup_format import (
    MANIFEST,
    SQL_NULL,
    BackupError,
    Manifest,
    TableEntry,
    Tally,
    column_codec,
    encode_row,
)
from .db import reading
from .migrate import current_revision, head_revision
from .models import Base
from .stock_versions import backed_up, derived_table_names

#: Rows fetched per round trip while streaming a table.
_BATCH = 1000
_ALEMBIC_TABLE = "alembic_version"


def backup_tables(conn: Connection) -> list[Table]:
    """Every table of the models in foreign-key order. A database holding a table the
    models do not know is refused: a backup that silently misses a table is worse than
    none."""
    derived = derived_table_names()  # rebuilt by the database itself: never backed up
    present = set(inspect(conn).get_table_names()) - {_ALEMBIC_TABLE} - derived
    known = set(Base.metadata.tables) - derived
    if unknown := sorted(present - known):
        raise BackupError(f"the database has tables chemdepot's models do not know: {unknown}")
    if missing := sorted(known - present):
        raise BackupError(f"the database lacks tables of chemdepot's models: {missing}")
    return backed_up(list(Base.metadata.sorted_tables))


def table_lines(conn: Connection, table: Table) -> Iterator[bytes]:
    """A table's rows as encoded lines, in primary-key order, streamed."""
    columns = list(table.columns)
    codecs = [column_codec(c) for c in columns]
    json_at = [i for i, codec in enumerate(codecs) if codec.is_json]
    stmt = select(*columns, *(columns[i].is_(None) for i in json_at)).order_by(
        *table.primary_key.columns
    )
    width = len(columns)
    for row in conn.execute(stmt.execution_options(yield_per=_BATCH)):
        values: list[Any] = list(row[:width])
        for i, is_sql_null in zip(json_at, row[width:], strict=True):
            if is_sql_null:
                values[i] = SQL_NULL
        try:
            yield encode_row(codecs, values)
        except BackupError as exc:
            raise BackupError(f"{table.name}: {exc.message}") from None


def write_backup(engine: Engine, path: Path, *, now: dt.datetime | None = None) -> Manifest:
    """Write the whole database to `path`, which appears only once complete."""
    partial = path.with_name(path.name + ".partial")
    try:
        with _snapshot(engine) as conn:
            revision = current_revision(conn)
            head = head_revision()
            if revision != head:
                raise BackupError(
                    f"the database is at schema revision {revision}, this chemdepot at {head}: "
                    "run `chemdepot db init` to migrate it, then back it up"
                )
            tables = backup_tables(conn)
            moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                entries = [
                    _write_table(
                        conn, archive, _member(f"tables/{i:03d}-{t.name}.jsonl", moment), t
                    )
                    for i, t in enumerate(tables)
                ]
                manifest = Manifest(
                    revision=head,
                    created_at=moment.isoformat(),
                    source=engine.dialect.name,
                    tables=entries,
                )
                archive.writestr(_member(MANIFEST, moment), manifest.to_json())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _member(name: str, moment: dt.datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_table(
    conn: Connection, archive: zipfile.ZipFile, member: zipfile.ZipInfo, table: Table
) -> TableEntry:
    tally = Tally()
    with archive.open(member, "w", force_zip64=True) as fh:
        for line in table_lines(conn, table):
            fh.write(line)
            tally.add(line)
    return TableEntry(
        name=table.name,
        member=member.filename,
        columns=[c.name for c in table.columns],
        rows=tally.rows,
        sha256=tally.sha256,
        rows_digest=tally.rows_digest,
    )


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction that sees a single moment of the database."""
    with reading(engine).connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            yield conn
