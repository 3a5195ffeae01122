"""`chemdepot db backup FILE` and `chemdepot db restore FILE` (format: inventory.backup_format)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError

from inventory.backup import write_backup
from inventory.backup_format import BackupError, Manifest
from inventory.checks import check_ledger
from inventory.restore import restore_backup

from .services import Database
from .settings import Settings

console = Console()

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="default CHEMDEPOT_DATABASE_URL"),
]


def add_backup_commands(db_app: typer.Typer) -> None:
    """Register backup and restore on the `db` group."""
    db_app.command("backup")(backup)
    db_app.command("restore")(restore)


def backup(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="the backup to write (.zip)")],
    force: Annotated[bool, typer.Option("--force", help="overwrite FILE if it exists")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Write every table to FILE, a portable zip (any engine can restore it), as one
    consistent snapshot taken while the service keeps running."""
    if file.exists() and not force:
        _fail(f"{file} exists; pass --force to overwrite it")
    db = Database(database_url or Settings().database_url)
    try:
        manifest = write_backup(db.engine, file)
    except BackupError as exc:
        _fail(exc.message)
    except OperationalError as exc:
        _fail(_unreachable(exc))
    finally:
        db.dispose()
    _print_tables(f"backed up to {file} (schema {manifest.revision})", manifest)


def restore(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="a file made by `db backup`")],
    replace: Annotated[
        bool, typer.Option("--replace", help="clear a non-empty database first (same transaction)")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Load FILE into an empty database (a brand-new one is migrated first), all or
    nothing, and check the books afterwards."""
    db = Database(database_url or Settings().database_url)
    try:
        manifest = restore_backup(db.engine, file, replace=replace)
        with db.readers() as session:
            problems = check_ledger(session)
    except BackupError as exc:
        _fail(exc.message)
    except OperationalError as exc:
        _fail(_unreachable(exc))
    finally:
        db.dispose()
    _print_tables(f"restored {file} (made {manifest.created_at} on {manifest.source})", manifest)
    if problems:
        console.print(f"[yellow]the restored books have {len(problems)} problems:[/]")
        for problem in problems[:20]:
            console.print(f"  {problem}")
    else:
        console.print("books checked: balances equal the ledger")


def _print_tables(title: str, manifest: Manifest) -> None:
    table = Table(title=title)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for entry in manifest.tables:
        table.add_row(entry.name, str(entry.rows))
    console.print(table)


def _unreachable(exc: OperationalError) -> str:
    return "cannot use the database: " + str(exc.orig or exc).strip().splitlines()[0]


def _fail(message: str) -> NoReturn:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(1)
