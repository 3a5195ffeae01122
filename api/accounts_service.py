"""Account use cases shared by the HTTP routes and the CLI: add users, issue and revoke
tokens, create the first admin of a fresh installation."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from inventory.accounts import Account, AccountRecords, IssuedToken, TokenInfo, User
from inventory.ledger import utcnow
from inventory.uow import UnitOfWork

from .services import Database

#: the first admin's name on a fresh installation
FIRST_ADMIN = "admin"


def add_user(uow: UnitOfWork, name: str, role: str, depots: list[str]) -> Account:
    """A new user; an unknown role or depot is refused and nothing is written."""
    with uow:
        account = AccountRecords(uow.session).add_user(name, role, depots, now=utcnow())
        uow.note(f"user {name}")
        uow.commit()
    return account


def issue_token(uow: UnitOfWork, user: str) -> IssuedToken:
    """A new token for `user`; its secret is in the answer and nowhere else."""
    with uow:
        token = AccountRecords(uow.session).issue_token(user, now=utcnow())
        uow.note(f"token {token.id} of {user}")
        uow.commit()
    return token


def revoke_token(uow: UnitOfWork, token_id: str) -> TokenInfo:
    """Revoke a token: every later request with it gets a 401. Revoking twice is harmless."""
    with uow:
        info = AccountRecords(uow.session).revoke_token(token_id, now=utcnow())
        uow.note(f"token {info.id} of {info.user}")
        uow.commit()
    return info


def token_for(db: Database, name: str, role: str = "admin", depots: Sequence[str] = ()) -> str:
    """A fresh token of user `name`, added with `role` (and `depots`) if new: for tools
    that drive the API of a database they own (benchmarks, tests)."""
    with db.readers() as session:
        exists = session.scalar(select(User.id).where(User.name == name)) is not None
    if not exists:
        add_user(db.uow(), name, role, list(depots))
    return issue_token(db.uow(), name).secret


@dataclass(frozen=True)
class FirstAdmin:
    token_file: Path
    token: IssuedToken


def first_token_file(database_url: str) -> Path | None:
    """Where a local SQLite installation keeps its first admin token: beside the database
    file (`var/chemdepot.admin-token`). Other databases get their admin from the CLI."""
    if not database_url.startswith("sqlite:///"):
        return None
    path = database_url.removeprefix("sqlite:///")
    if not path or path == ":memory:":
        return None
    return Path(path).with_suffix(".admin-token")


def create_first_admin(uow: UnitOfWork, token_file: Path) -> FirstAdmin | None:
    """On an installation with no users yet, an admin and one token, written to
    `token_file` (mode 0600) so that `make run` alone gives a working token. Once any
    user exists this does nothing, so the token is never created or shown again."""
    with uow:
        records = AccountRecords(uow.session)
        if records.any_user():
            return None
        now = utcnow()
        records.add_user(FIRST_ADMIN, "admin", [], now=now)
        token = records.issue_token(FIRST_ADMIN, now=now)
        uow.note(f"user {FIRST_ADMIN}, token {token.id}")
        _write_secret(token_file, token.secret)
        uow.commit()
    return FirstAdmin(token_file, token)


def _write_secret(path: Path, secret: str) -> None:
    """Created with 0600 from the start, so the token is never readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secret + "\n")
