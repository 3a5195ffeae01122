"""The backup file's value encoding: every kind of column value comes back exactly."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Time,
    Uuid,
)
from sqlalchemy.sql.elements import Null

from inventory.backup_format import (
    SQL_NULL,
    BackupError,
    Manifest,
    RowsDigest,
    TableEntry,
    column_codec,
    encode_row,
)
from inventory.models import Condition, Lot, Movement

_SAIGON = dt.timezone(dt.timedelta(hours=7))
_TABLE = Table(
    "every_kind",
    MetaData(),
    Column("big", BigInteger),
    Column("flag", Boolean),
    Column("ratio", Float),
    Column("money", Numeric(30, 10)),
    Column("name", String(80)),
    Column("stamp", DateTime(timezone=True)),
    Column("naive", DateTime()),
    Column("day", Date),
    Column("clock", Time),
    Column("blob", LargeBinary),
    Column("uid", Uuid),
    Column("doc", JSON),
    Column("small", Integer),
)
_VALUES: list[Any] = [
    2**63 - 1,
    True,
    0.1 + 0.2,
    decimal.Decimal("12345678901234567890.0123456789"),
    "Kho vật tư hoá chất Hà Nội",
    dt.datetime(2026, 11, 30, 20, 1, 2, 345678, tzinfo=_SAIGON),
    dt.datetime(2026, 1, 2, 3, 4, 5, 6),
    dt.date(2030, 12, 31),
    dt.time(23, 59, 58, 999999),
    bytes(range(256)),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    {"polygon": [[105.8, 21.0], [1e-300, -0.0]], "tên": "Trường Sa", "n": None},
    -(2**31),
]


def _round_trip(columns: list[Column[Any]], values: list[Any]) -> list[Any]:
    codecs = [column_codec(c) for c in columns]
    line = encode_row(codecs, values)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    return [codec.decode(v) for codec, v in zip(codecs, json.loads(line), strict=True)]


def test_every_kind_of_value_reads_back_equal_to_what_was_written() -> None:
    back = _round_trip(list(_TABLE.columns), _VALUES)
    assert back == _VALUES
    assert back[5].utcoffset() == dt.timedelta(0)  # the same instant, written in UTC
    assert back[6].tzinfo is None


def test_sql_null_and_json_null_stay_apart_in_a_json_column() -> None:
    doc = _TABLE.c.doc
    sql_null, json_null = _round_trip([doc, doc], [SQL_NULL, None])
    assert isinstance(sql_null, Null)
    assert json_null is None


def test_a_null_in_any_other_column_reads_back_as_none() -> None:
    columns = [c for c in _TABLE.columns if c.name != "doc"]
    assert _round_trip(columns, [None] * len(columns)) == [None] * len(columns)


def test_the_models_enums_and_utc_datetimes_are_written_as_their_stored_values() -> None:
    codec = column_codec(Lot.__table__.c.condition)  # type: ignore[attr-defined]

    assert codec.encode(Condition.QUARANTINED) == "quarantined"
    posted = column_codec(Movement.__table__.c.posted_at)  # type: ignore[attr-defined]
    moment = dt.datetime(2026, 5, 1, 7, 0, tzinfo=_SAIGON)
    assert posted.decode(posted.encode(moment)) == moment


def test_a_value_the_format_cannot_keep_is_refused_by_name() -> None:
    with pytest.raises(BackupError, match="timedelta"):
        encode_row([column_codec(_TABLE.c.name)], [dt.timedelta(days=1)])


def test_the_rows_digest_ignores_row_order_but_not_a_changed_or_repeated_row() -> None:
    lines = [b"[1]\n", b"[2]\n", b"[3]\n"]

    def digest(rows: list[bytes]) -> str:
        d = RowsDigest()
        for row in rows:
            d.add(row)
        return d.hexdigest()

    assert digest(lines) == digest(list(reversed(lines)))
    assert digest(lines) != digest([b"[1]\n", b"[2]\n", b"[4]\n"])
    assert digest(lines) != digest([*lines, b"[3]\n"])


def test_a_manifest_reads_back_and_a_foreign_one_is_refused() -> None:
    entry = TableEntry("lots", "tables/000-lots.jsonl", ["id"], 3, "ab" * 32, "cd" * 32)
    manifest = Manifest("0008", "2026-11-30T00:00:00+00:00", "sqlite", [entry])
    assert Manifest.from_json(manifest.to_json()) == manifest
    with pytest.raises(BackupError, match="not a chemdepot-backup"):
        Manifest.from_json(json.dumps({"format": "other"}))
    newer = json.loads(manifest.to_json()) | {"version": 99}
    with pytest.raises(BackupError, match="version 99 is not supported"):
        Manifest.from_json(json.dumps(newer))
    with pytest.raises(BackupError, match="damaged"):
        Manifest.from_json('{"format": "chemdepot-backup", "version": 1}')
