"""Accounts, tokens and the audit log against real databases, and their CLI."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from api.accounts_service import add_user, create_first_admin, issue_token, revoke_token
from api.cli import app
from api.services import Database
from inventory.accounts import AccountRecords, ApiToken, User, token_hash
from inventory.audit import Acting, AuditEntry
from inventory.errors import ConflictError
from inventory.ledger import utcnow

runner = CliRunner()
ACTING = Acting(user="tester", kind="test", method="TEST", path="/test")


def _one_entry(db: Database) -> int:
    add_user(db.uow(ACTING), "someone", "viewer", [])
    with db.readers() as session:
        entry_id = session.scalar(select(AuditEntry.id).where(AuditEntry.target == "user someone"))
    assert entry_id is not None
    return entry_id


def test_the_database_refuses_to_update_or_delete_an_audit_entry(seeded_db: Database) -> None:
    entry_id = _one_entry(seeded_db)

    for statement in (
        update(AuditEntry).where(AuditEntry.id == entry_id).values(user_name="someone-else"),
        delete(AuditEntry).where(AuditEntry.id == entry_id),
    ):
        with pytest.raises(DBAPIError, match="append-only"), seeded_db.sessions.begin() as s:
            s.execute(statement)

    with seeded_db.readers() as session:
        entry = session.get_one(AuditEntry, entry_id)
        assert entry.user_name == "tester"


@pytest.mark.postgres
def test_postgresql_refuses_to_truncate_the_audit_log(seeded_pg: Database) -> None:
    _one_entry(seeded_pg)

    with pytest.raises(DBAPIError, match="append-only"), seeded_pg.sessions.begin() as s:
        s.execute(text("TRUNCATE audit_log"))


def test_a_write_left_uncommitted_leaves_neither_the_write_nor_its_audit_entry(
    seeded_sqlite: Database,
) -> None:
    uow = seeded_sqlite.uow(ACTING)
    with uow:
        AccountRecords(uow.session).add_user("half", "viewer", [], now=utcnow())
        uow.note("user half")

    with seeded_sqlite.readers() as session:
        assert session.scalar(select(User.id).where(User.name == "half")) is None
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_refused_write_leaves_no_audit_entry(seeded_sqlite: Database) -> None:
    add_user(seeded_sqlite.uow(ACTING), "twice", "viewer", [])

    with pytest.raises(ConflictError):
        add_user(seeded_sqlite.uow(ACTING), "twice", "viewer", [])

    with seeded_sqlite.readers() as session:
        assert session.scalars(select(AuditEntry.target)).all() == ["user twice"]


def test_a_token_is_stored_only_as_its_hash(seeded_sqlite: Database) -> None:
    add_user(seeded_sqlite.uow(), "keeper", "viewer", [])

    token = issue_token(seeded_sqlite.uow(), "keeper")

    with seeded_sqlite.readers() as session:
        row = session.get_one(ApiToken, token.id)
        assert row.token_hash == token_hash(token.secret) != token.secret
        assert AccountRecords(session).account_for_token(token.secret) is not None
    revoke_token(seeded_sqlite.uow(), token.id)
    with seeded_sqlite.readers() as session:
        assert AccountRecords(session).account_for_token(token.secret) is None


def test_the_first_admin_is_created_once_with_a_private_token_file(
    seeded_sqlite: Database, tmp_path: Path
) -> None:
    token_file = tmp_path / "var" / "chemdepot.admin-token"

    first = create_first_admin(seeded_sqlite.uow(), token_file)
    second = create_first_admin(seeded_sqlite.uow(), token_file)

    assert first is not None and second is None
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text().strip() == first.token.secret
    with seeded_sqlite.readers() as session:
        assert session.scalar(select(func.count()).select_from(ApiToken)) == 1
        account = AccountRecords(session).account_for_token(first.token.secret)
    assert account is not None and account.role == "admin"


@pytest.fixture
def cli_db(seeded_sqlite: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CHEMDEPOT_DATABASE_URL", seeded_sqlite.url)
    return seeded_sqlite


def _users(db: Database) -> list[str]:
    with db.readers() as session:
        return list(session.scalars(select(User.name).order_by(User.name)))


def test_the_cli_adds_a_depot_manager_and_issues_a_token_printed_alone_on_stdout(
    cli_db: Database,
) -> None:
    with cli_db.readers() as session:
        depot = session.scalar(text("SELECT code FROM depots ORDER BY code LIMIT 1"))

    added = runner.invoke(
        app, ["users", "add", "thu-kho", "--role", "depot_manager", "--depot", depot]
    )
    issued = runner.invoke(app, ["tokens", "issue", "thu-kho"])
    listed = runner.invoke(app, ["users", "list"])

    assert added.exit_code == 0, added.output
    assert issued.exit_code == 0, issued.output
    secret = issued.stdout.strip()
    with cli_db.readers() as session:
        account = AccountRecords(session).account_for_token(secret)
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert account is not None and account.depots == (depot,)
    assert [e.kind for e in entries] == ["cli.users add", "cli.tokens issue"]
    assert "thu-kho" in listed.stdout and depot in listed.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--role", "general"],
        ["--role", "depot_manager", "--depot", "D-NOWHERE"],
        ["--role", "depot_manager"],
        ["--role", "viewer", "--depot", "D-NOWHERE"],
    ],
    ids=["unknown-role", "unknown-depot", "manager-without-depot", "viewer-with-depot"],
)
def test_the_cli_refuses_a_bad_role_or_depot_and_writes_nothing(
    cli_db: Database, args: list[str]
) -> None:
    before = _users(cli_db)

    result = runner.invoke(app, ["users", "add", "someone", *args])

    assert result.exit_code == 1
    assert "error" in result.output
    assert _users(cli_db) == before


def test_the_cli_revokes_a_token(cli_db: Database) -> None:
    add_user(cli_db.uow(), "short-lived", "viewer", [])
    token = issue_token(cli_db.uow(), "short-lived")

    result = runner.invoke(app, ["tokens", "revoke", token.id])

    assert result.exit_code == 0, result.output
    with cli_db.readers() as session:
        assert AccountRecords(session).account_for_token(token.secret) is None
