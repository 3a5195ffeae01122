"""The backup file: a zip archive that any engine can write and read.

    manifest.json            format, version, Alembic revision, created_at (UTC),
                             source engine, and per table: member, columns, rows,
                             sha256 of the member, and a digest of its rows
    tables/000-provinces.jsonl
    tables/001-depots.jsonl  one JSON array per row, columns in the manifest's order
    ...

Tables come in foreign-key order. Values are written so that they read back exactly on
SQLite and PostgreSQL alike: integers of any size and floats as JSON numbers (Python
writes the shortest repr that round-trips), text with its diacritics (UTF-8), booleans,
Decimal as a string, date/time as ISO 8601 (aware datetimes in UTC), bytes as base64, a
JSON column as its JSON text (so SQL NULL, written `null`, differs from a JSON `null`,
written `"null"`). The manifest is the last member; a truncated file has no central
directory and is refused before anything is read.

`sha256` guards the file; `rows_digest` (the sum of the rows' SHA-256 modulo 2**256)
does not depend on row order, so it can be recomputed from the restored database,
whatever order its collation returns rows in, and compared."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import hashlib
import json
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, null, types

from .errors import InventoryError

FORMAT = "chemdepot-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_DIGEST_MOD = 2**256


class BackupError(InventoryError):
    """A backup that cannot be made, read or restored; nothing was written."""


class SqlNull:
    """Marks SQL NULL in a JSON column, where Python's None is JSON `null`."""


SQL_NULL = SqlNull()


@dataclass(frozen=True)
class ColumnCodec:
    """How one column's values become JSON and come back."""

    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]
    #: a JSON column: the reader must tell SQL NULL (`SQL_NULL`) from JSON null (None)
    is_json: bool = False


def _plain(value: Any) -> Any:
    return value


def _encode_scalar(value: Any) -> Any:
    """Any non-JSON column's Python value as a JSON value; refuses what it cannot keep."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    raise BackupError(f"cannot back up a value of type {type(value).__name__}")


def _decoder(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else parse(value)


def _encode_json(value: Any) -> str | None:
    return None if isinstance(value, SqlNull) else json.dumps(value, ensure_ascii=False)


def _decode_json(value: Any) -> Any:
    return null() if value is None else json.loads(value)


def column_codec(column: Column[Any]) -> ColumnCodec:
    """The codec for a column, chosen by its type (a TypeDecorator by what it stores)."""
    kind = column.type
    if isinstance(kind, types.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, JSON):
        return ColumnCodec(_encode_json, _decode_json, is_json=True)
    parse: Callable[[Any], Any] = _plain
    if isinstance(kind, types.DateTime):
        parse = dt.datetime.fromisoformat
    elif isinstance(kind, types.Date):
        parse = dt.date.fromisoformat
    elif isinstance(kind, types.Time):
        parse = dt.time.fromisoformat
    elif isinstance(kind, types.Numeric) and not isinstance(kind, types.Float):
        parse = decimal.Decimal
    elif isinstance(kind, types.LargeBinary | types.BINARY | types.VARBINARY):
        parse = base64.b64decode
    elif isinstance(kind, types.Uuid):
        parse = uuid.UUID if kind.as_uuid else str
    return ColumnCodec(_encode_scalar, _decoder(parse))


def encode_row(codecs: list[ColumnCodec], values: list[Any]) -> bytes:
    """One row as one line of the table's member."""
    encoded = [codec.encode(value) for codec, value in zip(codecs, values, strict=True)]
    return json.dumps(encoded, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class RowsDigest:
    """An order-independent digest of a table's encoded rows."""

    def __init__(self) -> None:
        self._sum = 0

    def add(self, line: bytes) -> None:
        self._sum = (self._sum + int.from_bytes(hashlib.sha256(line).digest())) % _DIGEST_MOD

    def hexdigest(self) -> str:
        return f"{self._sum:064x}"


class Tally:
    """Row count, SHA-256 and rows digest of a stream of lines, as the manifest holds them."""

    def __init__(self) -> None:
        self.rows = 0
        self._sha = hashlib.sha256()
        self._digest = RowsDigest()

    @classmethod
    def of(cls, lines: Iterable[bytes]) -> Tally:
        tally = cls()
        for line in lines:
            tally.add(line)
        return tally

    def add(self, line: bytes) -> None:
        self.rows += 1
        self._sha.update(line)
        self._digest.add(line)

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    @property
    def rows_digest(self) -> str:
        return self._digest.hexdigest()


@dataclass(frozen=True)
class TableEntry:
    """One table's member in the archive and what it must contain."""

    name: str
    member: str
    columns: list[str]
    rows: int
    sha256: str
    rows_digest: str


@dataclass(frozen=True)
class Manifest:
    """What a backup holds: read first, checked before any row is restored."""

    revision: str
    created_at: str
    source: str
    tables: list[TableEntry]
    format: str = FORMAT
    version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise BackupError(f"this is not a {FORMAT} file")
            if data.get("version") != FORMAT_VERSION:
                raise BackupError(
                    f"backup format version {data.get('version')} is not supported "
                    f"(this chemdepot reads version {FORMAT_VERSION})"
                )
            tables = [TableEntry(**entry) for entry in data["tables"]]
            return cls(
                revision=str(data["revision"]),
                created_at=str(data["created_at"]),
                source=str(data["source"]),
                tables=tables,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(f"the backup's manifest is damaged ({exc})") from None


def open_archive(path: Path) -> zipfile.ZipFile:
    """Open a backup for reading, or say plainly why it is not one."""
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(
            f"{path} is not a complete chemdepot backup (truncated or not a zip archive: {exc})"
        ) from None


def read_manifest(archive: zipfile.ZipFile) -> Manifest:
    try:
        text = archive.read(MANIFEST).decode("utf-8")
    except KeyError:
        raise BackupError(f"the backup has no {MANIFEST}: not a chemdepot backup") from None
    except (zipfile.BadZipFile, zlib.error, OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"the backup's manifest is damaged ({exc})") from None
    return Manifest.from_json(text)


def member_lines(archive: zipfile.ZipFile, entry: TableEntry) -> Iterator[bytes]:
    """A table's lines, streamed; damage (bad CRC, cut deflate stream) is a BackupError."""
    try:
        with archive.open(entry.member) as fh:
            yield from fh
    except KeyError:
        raise BackupError(f"the backup has no member {entry.member} for {entry.name}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise BackupError(f"the backup's {entry.name} data is damaged ({exc})") from None


def verify_archive(archive: zipfile.ZipFile) -> Manifest:
    """Read every member once: its SHA-256 and row count must match the manifest."""
    manifest = read_manifest(archive)
    for entry in manifest.tables:
        tally = Tally.of(member_lines(archive, entry))
        if tally.rows != entry.rows or tally.sha256 != entry.sha256:
            raise BackupError(
                f"the backup's {entry.name} data does not match its manifest "
                f"({tally.rows} rows read, {entry.rows} expected; checksum "
                f"{'ok' if tally.sha256 == entry.sha256 else 'differs'})"
            )
    return manifest
