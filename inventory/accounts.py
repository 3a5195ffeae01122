"""Accounts: users with one role (depot managers scoped to named depots) and the bearer
tokens they act with. A token is shown once when issued; only its SHA-256 hash is kept,
beside a short random id that names it for listing and revoking."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import cast

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Connection,
    ForeignKey,
    Integer,
    String,
    Table,
    bindparam,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .errors import ConflictError, NotFoundError, ValidationError
from .models import Base, Depot, UTCDateTime

#: Every role, most powerful first.
ROLES = ("admin", "planner", "logistics_officer", "depot_manager", "viewer")
#: The one role that is scoped to depots (and must name at least one).
DEPOT_MANAGER = "depot_manager"
_ROLE_CHECK = "role IN ({})".format(", ".join(f"'{r}'" for r in ROLES))


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_ROLE_CHECK, name="ck_user_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(24))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class UserDepot(Base):
    """A depot a depot manager may move stock at."""

    __tablename__ = "user_depots"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    depot_code: Mapped[str] = mapped_column(ForeignKey("depots.code"), primary_key=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    #: short, random and not secret: names the token in listings and revocations
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class Account:
    """A user as the rest of the system sees it."""

    name: str
    role: str
    depots: tuple[str, ...]
    active: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class IssuedToken:
    """A fresh token: `secret` is shown once and never stored."""

    id: str
    user: str
    secret: str
    created_at: dt.datetime


@dataclass(frozen=True)
class TokenInfo:
    id: str
    user: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AccountRecords:
    """Users and tokens. Nothing here commits: the unit of work owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def any_user(self) -> bool:
        return self.session.scalar(select(User.id).limit(1)) is not None

    def add_user(self, name: str, role: str, depots: list[str], *, now: dt.datetime) -> Account:
        """A new user; a depot manager needs depots, every other role must have none."""
        if role not in ROLES:
            raise ValidationError(f"unknown role {role!r}: one of {', '.join(ROLES)}", field="role")
        wanted = sorted(set(depots))
        if role == DEPOT_MANAGER and not wanted:
            raise ValidationError("a depot manager needs at least one depot", field="depots")
        if role != DEPOT_MANAGER and wanted:
            raise ValidationError(
                f"only a {DEPOT_MANAGER} is scoped to depots; a {role} acts on all",
                field="depots",
            )
        for code in wanted:
            if self.session.get(Depot, code) is None:
                raise ValidationError(f"unknown depot {code!r}", field="depots")
        user = User(name=name, role=role, active=True, created_at=now)
        self.session.add(user)
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError:
            raise ConflictError(f"user {name!r} already exists", field="name") from None
        self.session.add_all(UserDepot(user_id=user.id, depot_code=c) for c in wanted)
        self.session.flush()
        return Account(name, role, tuple(wanted), True, now)

    def users(self) -> list[Account]:
        scopes: dict[int, list[str]] = {}
        for link in self.session.scalars(select(UserDepot).order_by(UserDepot.depot_code)):
            scopes.setdefault(link.user_id, []).append(link.depot_code)
        return [
            Account(u.name, u.role, tuple(scopes.get(u.id, [])), u.active, u.created_at)
            for u in self.session.scalars(select(User).order_by(User.name))
        ]

    def _user(self, name: str) -> User:
        user = self.session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None:
            raise NotFoundError(f"unknown user {name!r}", field="name")
        return user

    def issue_token(self, user_name: str, *, now: dt.datetime) -> IssuedToken:
        user = self._user(user_name)
        if not user.active:
            raise ConflictError(f"user {user_name!r} is not active", field="name")
        secret = secrets.token_urlsafe(32)
        token = ApiToken(
            id=secrets.token_hex(4),
            user_id=user.id,
            token_hash=token_hash(secret),
            created_at=now,
        )
        self.session.add(token)
        self.session.flush()
        return IssuedToken(token.id, user.name, secret, now)

    def revoke_token(self, token_id: str, *, now: dt.datetime) -> TokenInfo:
        token = self.session.get(ApiToken, token_id, with_for_update=True)
        if token is None:
            raise NotFoundError(f"unknown token {token_id!r}", field="token_id")
        if token.revoked_at is None:
            token.revoked_at = now
            self.session.flush()
        user = self.session.get_one(User, token.user_id)
        return TokenInfo(token.id, user.name, token.created_at, token.revoked_at)

    def tokens(self) -> list[TokenInfo]:
        rows = self.session.execute(
            select(ApiToken, User.name)
            .join(User, User.id == ApiToken.user_id)
            .order_by(ApiToken.created_at, ApiToken.id)
        )
        return [TokenInfo(t.id, name, t.created_at, t.revoked_at) for t, name in rows]

    def account_for_token(self, secret: str) -> Account | None:
        """The active user a live token belongs to, or None (unknown, revoked, inactive)."""
        return account_for_token(self.session.connection(), secret)


_users = cast(Table, User.__table__)
_tokens = cast(Table, ApiToken.__table__)
_scopes = cast(Table, UserDepot.__table__)
#: the user of a live token with each of their depots (one row per depot, or one with
#: none): every request runs it, so it is one statement, built once
_ACCOUNT_FOR_TOKEN = (
    select(_users.c.name, _users.c.role, _users.c.created_at, _scopes.c.depot_code)
    .select_from(_tokens)
    .join(_users, _users.c.id == _tokens.c.user_id)
    .outerjoin(_scopes, _scopes.c.user_id == _users.c.id)
    .where(
        _tokens.c.token_hash == bindparam("token_hash"),
        _tokens.c.revoked_at.is_(None),
        _users.c.active.is_(True),
    )
)


def account_for_token(conn: Connection, secret: str) -> Account | None:
    """The active user a live token belongs to, or None (unknown, revoked, inactive): read
    on every request, never cached, so a revocation takes effect at once."""
    rows = conn.execute(_ACCOUNT_FOR_TOKEN, {"token_hash": token_hash(secret)}).all()
    if not rows:
        return None
    name, role, created_at, _depot = rows[0]
    depots = sorted(row[3] for row in rows if row[3] is not None)
    return Account(name, role, tuple(depots), True, created_at)
