"""`db backup` / `db restore`: a round trip keeps every row of every table, on SQLite,
PostgreSQL and from one to the other; a damaged file, another schema revision or a
non-empty target is refused and writes nothing."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, func, inspect, null, select, text, update
from typer.testing import CliRunner

from api.cli import app
from api.services import Database, post_movement
from inventory import backup as backup_module
from inventory.backup import write_backup
from inventory.backup_format import MANIFEST, BackupError
from inventory.checks import check_ledger
from inventory.commands import Issue, Receipt
from inventory.migrate import head_revision, upgrade
from inventory.models import (
    Base,
    ClosureKind,
    Depot,
    DispatchPlanRecord,
    Item,
    Location,
    Movement,
    PlanStatus,
    RoadClosure,
)
from inventory.restore import restore_backup
from inventory.stock_versions import backed_up, stock_versions

_MOMENT = dt.datetime(2026, 11, 30, 6, 7, 8, 123456, tzinfo=dt.UTC)

Contents = dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]


def _enrich(db: Database) -> None:
    """Beyond the seed: idempotency answers (JSON), a reversal (a backward self-reference),
    a plan superseded by a later one (a forward self-reference), JSON null beside SQL
    NULL, a cost near 2**62, a float that is not a short decimal, microseconds."""
    received, _ = post_movement(
        db.uow(),
        Receipt(
            depot="D-HNI",
            item="DEC-HTH",
            quantity=7,
            lot_no="HTH-SAOLUU-01",
            expiry_date=dt.date(2031, 1, 31),
            note="Nhập kho từ Nhà máy Hoá chất Việt Trì",
        ),
        key="backup-receipt",
        actor="thủ kho",
    )
    issued, _ = post_movement(
        db.uow(),
        Issue(depot="D-HNI", item="DEC-HTH", quantity=2, lot_no="HTH-SAOLUU-01"),
        key="backup-issue",
        actor="cli",
    )
    post_movement(
        db.uow(), ("reversal", issued["movement_ids"][0], "nhầm lô"), key="backup-rev", actor="cli"
    )
    assert received["movement_ids"]
    with db.sessions.begin() as session:
        common = {
            "t0": _MOMENT,
            "created_at": _MOMENT,
            "solve_status": "ok",
            "created_by": "sĩ quan",
        }
        first = DispatchPlanRecord(status=PlanStatus.SUPERSEDED, overlay_key="a", **common)
        second = DispatchPlanRecord(status=PlanStatus.DRAFT, overlay_key="b", **common)
        session.add_all([first, second])
        session.flush()
        first.superseded_by_id = second.id
        second.replaces_id = first.id
        second.objective = 1 / 3
        for polygon in ([[105.8, 21.0], [105.9, 21.1], [105.85, 21.2]], None, null()):
            session.add(
                RoadClosure(
                    kind=ClosureKind.ZONE_POLYGON,
                    polygon=polygon,
                    reason="Lũ quét ở Lào Cai",
                    created_by="sĩ quan",
                    created_at=_MOMENT,
                )
            )
        session.execute(update(Item).where(Item.code == "DEC-HTH").values(unit_cost_vnd=2**62 + 1))
        session.execute(update(Depot).where(Depot.code == "D-HNI").values(lat=21.0 + 1e-13))


def _contents(db: Database) -> Contents:
    """Every row of every table by primary key, every column as the database returns it,
    plus whether each JSON column is SQL NULL (which Python reads as None either way)."""
    out: Contents = {}
    with db.engine.connect() as conn:
        for table in backed_up(list(Base.metadata.sorted_tables)):
            columns = list(table.columns)
            flags = [c.is_(None) for c in columns if isinstance(c.type, JSON)]
            keys = [columns.index(c) for c in table.primary_key.columns]
            rows = conn.execute(select(*columns, *flags))
            out[table.name] = {tuple(r[i] for i in keys): tuple(r) for r in rows}
    return out


def _count(db: Database, model: type[Base]) -> int:
    with db.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def fresh_sqlite(tmp_path: Path) -> Iterator[Database]:
    """A database file that does not exist yet."""
    db = Database(f"sqlite:///{tmp_path / 'restored.db'}")
    yield db
    db.dispose()


@pytest.fixture
def fresh_pg(pg_url: str) -> Iterator[Database]:
    db = Database(pg_url)
    yield db
    db.dispose()


_PAIRS = [
    pytest.param("seeded_sqlite", "fresh_sqlite", id="sqlite-to-sqlite"),
    pytest.param("seeded_pg", "fresh_pg", id="postgres-to-postgres", marks=pytest.mark.postgres),
    pytest.param("seeded_sqlite", "fresh_pg", id="sqlite-to-postgres", marks=pytest.mark.postgres),
    pytest.param("seeded_pg", "fresh_sqlite", id="postgres-to-sqlite", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize(("source_name", "target_name"), _PAIRS)
def test_a_restored_database_holds_every_row_of_every_table_and_its_books_hold(
    source_name: str, target_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    source: Database = request.getfixturevalue(source_name)
    target: Database = request.getfixturevalue(target_name)
    _enrich(source)
    file = tmp_path / "chemdepot.zip"
    manifest = write_backup(source.engine, file)
    assert manifest.revision == head_revision() and manifest.source == source.engine.dialect.name

    restore_backup(target.engine, file)

    before, after = _contents(source), _contents(target)
    assert set(after) == {t.name for t in Base.metadata.sorted_tables} - {"stock_versions"}
    for name, rows in before.items():
        assert after[name] == rows, name
    # the derived stock versions are rebuilt by the restore's own inserts: one per depot
    with target.engine.connect() as conn:
        depots = conn.scalar(
            select(func.count()).select_from(Location).where(Location.depot_code.is_not(None))
        )
        assert conn.scalar(select(func.count()).select_from(stock_versions)) == depots
    assert len(after["movements"]) > 4000 and len(after["road_closures"]) == 3
    with target.readers() as session:
        assert check_ledger(session) == []


@pytest.mark.parametrize(
    "target_name", ["fresh_sqlite", pytest.param("fresh_pg", marks=pytest.mark.postgres)]
)
def test_after_a_restore_new_movements_get_fresh_ids_and_post(
    seeded_sqlite: Database, target_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    target: Database = request.getfixturevalue(target_name)
    file = tmp_path / "chemdepot.zip"
    write_backup(seeded_sqlite.engine, file)
    restore_backup(target.engine, file)
    highest = max(_contents(target)["movements"])[0]

    posted, _ = post_movement(
        target.uow(), Receipt(depot="D-HPG", item="PPE-BOOT", quantity=3), key="after", actor="cli"
    )

    assert posted["movement_ids"][0] > highest
    with target.readers() as session:
        assert check_ledger(session) == []


def test_the_backup_is_one_snapshot_while_writers_carry_on(
    seeded_db: Database, tmp_path: Path, fresh_sqlite: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A movement committed after the balances were written and before the ledger was
    must be in neither, or the restored books would not balance."""
    write_table = backup_module._write_table
    movements_before = _count(seeded_db, Movement)

    def write_then_post(conn: Any, archive: Any, member: Any, table: Any) -> Any:
        entry = write_table(conn, archive, member, table)
        if table.name == "balances":
            post_movement(
                seeded_db.uow(),
                Issue(depot="D-HNI", item="PPE-BOOT", quantity=1),
                key="during-backup",
                actor="cli",
            )
        return entry

    monkeypatch.setattr(backup_module, "_write_table", write_then_post)
    file = tmp_path / "chemdepot.zip"
    write_backup(seeded_db.engine, file)
    restore_backup(fresh_sqlite.engine, file)

    assert _count(seeded_db, Movement) == movements_before + 1
    assert _count(fresh_sqlite, Movement) == movements_before
    with fresh_sqlite.readers() as session:
        assert check_ledger(session) == []


@pytest.fixture
def backup_file(seeded_sqlite: Database, tmp_path: Path) -> Path:
    file = tmp_path / "chemdepot.zip"
    write_backup(seeded_sqlite.engine, file)
    return file


def _rewrite(file: Path, change: dict[str, bytes]) -> None:
    """Copy the archive member by member, replacing the content of some members."""
    with zipfile.ZipFile(file) as old:
        members = {info.filename: old.read(info) for info in old.infolist()}
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as new:
        for name, content in members.items():
            new.writestr(name, change.get(name, content))


def _movements_member(file: Path) -> tuple[str, bytes]:
    with zipfile.ZipFile(file) as archive:
        name = next(n for n in archive.namelist() if n.endswith("-movements.jsonl"))
        return name, archive.read(name)


def _truncate(file: Path) -> None:
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])


def _flip_a_byte(file: Path) -> None:
    content = bytearray(file.read_bytes())
    content[len(content) // 3] ^= 0xFF
    file.write_bytes(bytes(content))


def _change_a_quantity(file: Path) -> None:
    name, lines = _movements_member(file)
    first, rest = lines.split(b"\n", 1)
    row = json.loads(first)
    row[[i for i, v in enumerate(row) if isinstance(v, int)][-1]] += 1
    _rewrite(file, {name: json.dumps(row).encode() + b"\n" + rest})


def _drop_the_last_row(file: Path) -> None:
    name, lines = _movements_member(file)
    _rewrite(file, {name: b"".join(lines.splitlines(keepends=True)[:-1])})


def _claim_another_revision(file: Path) -> None:
    with zipfile.ZipFile(file) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    _rewrite(file, {MANIFEST: json.dumps(manifest | {"revision": "0007"}).encode()})


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_truncate, "not a complete chemdepot backup"),
        (_flip_a_byte, "damaged|does not match"),
        (_change_a_quantity, "movements data does not match its manifest"),
        (_drop_the_last_row, "movements data does not match its manifest"),
        (_claim_another_revision, "backup is at schema revision 0007"),
    ],
)
def test_a_damaged_or_foreign_backup_is_refused_and_the_target_stays_untouched(
    backup_file: Path, fresh_sqlite: Database, damage: Any, message: str
) -> None:
    damage(backup_file)
    with pytest.raises(BackupError, match=message):
        restore_backup(fresh_sqlite.engine, backup_file)
    with fresh_sqlite.engine.connect() as conn:
        assert inspect(conn).get_table_names() == []


def test_a_target_at_another_schema_revision_is_refused_and_keeps_its_revision(
    backup_file: Path, fresh_sqlite: Database
) -> None:
    upgrade(fresh_sqlite.engine, "0007")
    with pytest.raises(BackupError, match="target database is at schema revision 0007"):
        restore_backup(fresh_sqlite.engine, backup_file)
    with fresh_sqlite.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0007"
        assert conn.scalar(text("SELECT count(*) FROM depots")) == 0


def test_a_non_empty_target_is_refused_unless_replace_is_asked_for(
    backup_file: Path, seeded_db: Database
) -> None:
    post_movement(
        seeded_db.uow(), Issue(depot="D-HNI", item="PPE-BOOT", quantity=1), key="x", actor="cli"
    )
    changed = _contents(seeded_db)
    with pytest.raises(BackupError, match="target database is not empty"):
        restore_backup(seeded_db.engine, backup_file)
    assert _contents(seeded_db) == changed

    restore_backup(seeded_db.engine, backup_file, replace=True)

    assert len(_contents(seeded_db)["movements"]) == len(changed["movements"]) - 1
    with seeded_db.readers() as session:
        assert check_ledger(session) == []


def test_replace_leaves_a_stock_version_only_on_each_depot_location(
    backup_file: Path, seeded_db: Database
) -> None:
    with seeded_db.engine.begin() as conn:  # a row a former database left on a location id
        supplier = conn.scalar(select(Location.id).where(Location.code == "SUPPLIER"))
        conn.execute(stock_versions.insert().values(location_id=supplier, version=7))

    restore_backup(seeded_db.engine, backup_file, replace=True)

    with seeded_db.engine.connect() as conn:
        kept = set(conn.scalars(select(stock_versions.c.location_id)))
        depots = set(conn.scalars(select(Location.id).where(Location.depot_code.is_not(None))))
    assert kept == depots


def test_replace_refuses_to_clear_an_append_only_table_and_changes_nothing(
    backup_file: Path, seeded_sqlite: Database
) -> None:
    with seeded_sqlite.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TRIGGER movements_append_only BEFORE DELETE ON movements "
                "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END"
            )
        )
    before = _contents(seeded_sqlite)
    with pytest.raises(BackupError, match="cannot clear movements: guarded by movements_append"):
        restore_backup(seeded_sqlite.engine, backup_file, replace=True)
    assert _contents(seeded_sqlite) == before


def test_a_table_the_models_do_not_know_stops_the_backup(
    seeded_sqlite: Database, tmp_path: Path
) -> None:
    with seeded_sqlite.engine.begin() as conn:
        conn.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
    out = tmp_path / "backups"
    out.mkdir()
    with pytest.raises(BackupError, match=r"models do not know: \['stray'\]"):
        write_backup(seeded_sqlite.engine, out / "chemdepot.zip")
    assert list(out.iterdir()) == []


runner = CliRunner()


def test_the_cli_backs_up_and_restores_and_says_why_it_refuses(
    seeded_sqlite: Database, fresh_sqlite: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHEMDEPOT_DATABASE_URL", seeded_sqlite.url)
    monkeypatch.setenv("COLUMNS", "200")
    file = tmp_path / "chemdepot.zip"

    made = runner.invoke(app, ["db", "backup", str(file)])
    assert made.exit_code == 0, made.output
    assert "movements" in made.output and file.exists()
    again = runner.invoke(app, ["db", "backup", str(file)])
    assert again.exit_code == 1 and "--force" in again.output

    refused = runner.invoke(app, ["db", "restore", str(file)])
    assert refused.exit_code == 1 and "not empty" in refused.output

    restored = runner.invoke(app, ["db", "restore", str(file), "--database-url", fresh_sqlite.url])
    assert restored.exit_code == 0, restored.output
    assert "balances equal the ledger" in restored.output
    assert _contents(fresh_sqlite) == _contents(seeded_sqlite)

    _truncate(file)
    broken = runner.invoke(app, ["db", "restore", str(file), "--replace"])
    assert broken.exit_code == 1 and "truncated" in broken.output
