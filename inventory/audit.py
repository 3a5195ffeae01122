"""The audit log: who did what, when, where and to what. Append-only: this repository can
only add and read, and the database itself refuses UPDATE and DELETE on the table (the
triggers of migration 0009)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, Integer, String, Table, func, insert, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, UTCDateTime

#: room for a few depot codes (an import may touch several) and a target description
_DEPOTS_LEN = 200
_TARGET_LEN = 200


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    user_name: Mapped[str] = mapped_column(String(80), index=True)
    #: what was done: the route's name (`create_movement`) or the CLI command (`cli.import`)
    kind: Mapped[str] = mapped_column(String(80))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    #: the depot acted at, or several comma-separated (an import), or none
    depot: Mapped[str | None] = mapped_column(String(_DEPOTS_LEN))
    #: what it acted on, e.g. `movement 42`, `plan_id=7`
    target: Mapped[str | None] = mapped_column(String(_TARGET_LEN))
    status: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True)
class Acting:
    """Who acts, where they may act and through which request. A unit of work that carries
    one checks the depot scope on every posting and appends one audit entry in the same
    transaction as the write it records."""

    user: str
    kind: str
    method: str
    path: str
    #: the depots this user may move stock at; None: every depot
    depots: frozenset[str] | None = None
    #: the status the request answers when its write commits
    status: int = 200
    #: what the request names in its path (`plan_id=7`), when it names something
    target: str | None = None
    #: False for reads that happen to write (a cached figure): they leave no entry
    audited: bool = True


@dataclass(frozen=True)
class AuditFilter:
    user: str | None = None
    kind: str | None = None
    depot: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _fit(text: str | None, length: int) -> str | None:
    if text is None or len(text) <= length:
        return text
    return text[: length - 1] + "…"


def describe_movements(ids: list[int]) -> str | None:
    """`movement 42`, or `movements 42-3041 (3000)` for a batch."""
    if not ids:
        return None
    if len(ids) == 1:
        return f"movement {ids[0]}"
    return f"movements {min(ids)}-{max(ids)} ({len(ids)})"


_APPEND = insert(cast(Table, AuditEntry.__table__)).returning(AuditEntry.__table__.c.id)


class AuditRecords:
    """Append and read; there is deliberately no update or delete."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(
        self,
        acting: Acting,
        *,
        at: dt.datetime,
        depots: list[str] | None = None,
        target: str | None = None,
    ) -> AuditEntry:
        values = {
            "at": at,
            "user_name": acting.user,
            "kind": acting.kind,
            "method": acting.method,
            "path": _fit(acting.path, 500) or "",
            "depot": _fit(",".join(sorted(set(depots))) if depots else None, _DEPOTS_LEN),
            "target": _fit(target or acting.target, _TARGET_LEN),
            "status": acting.status,
        }
        # One Core INSERT ... RETURNING in the write's transaction: every write pays for
        # it, so no ORM flush.
        entry_id = self.session.connection().execute(_APPEND, values).scalar_one()
        return AuditEntry(id=entry_id, **values)

    def page(self, where: AuditFilter, *, limit: int, offset: int) -> tuple[list[AuditEntry], int]:
        """Entries matching `where`, newest first, and how many match in all."""
        conditions = _conditions(where)
        total = self.session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
        rows = self.session.scalars(
            select(AuditEntry)
            .where(*conditions)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return list(rows), int(total or 0)


def _conditions(where: AuditFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if where.user is not None:
        found.append(AuditEntry.user_name == where.user)
    if where.kind is not None:
        found.append(AuditEntry.kind == where.kind)
    if where.depot is not None:
        code = where.depot.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found.append(
            or_(
                AuditEntry.depot == where.depot,
                AuditEntry.depot.like(f"{code},%", escape="\\"),
                AuditEntry.depot.like(f"%,{code}", escape="\\"),
                AuditEntry.depot.like(f"%,{code},%", escape="\\"),
            )
        )
    if where.since is not None:
        found.append(AuditEntry.at >= where.since)
    if where.until is not None:
        found.append(AuditEntry.at < where.until)
    return found
