"""HTTP shapes of users, tokens and the audit log."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from .schemas import Strict
from .text_rules import DepotCode, code_rule
from .timefmt import LocalTime

#: users.name: a code (no control or invisible character, no NUL), up to its column
UserName = Annotated[str, code_rule(80)]
Role = Literal["admin", "planner", "logistics_officer", "depot_manager", "viewer"]


class UserCreate(Strict):
    name: UserName
    role: Role
    #: the depots a depot manager may move stock at (only for that role)
    depots: Annotated[list[DepotCode], Field(default_factory=list, max_length=100)]


class UserRead(BaseModel):
    name: str
    role: str
    depots: list[str]
    active: bool
    created_at: LocalTime


class MeRead(BaseModel):
    """The caller: who the token belongs to and what it may do (the dashboard shows only
    that)."""

    name: str
    role: str
    #: a depot manager's depots; empty for other roles (they are not limited to depots)
    depots: list[str]
    #: `METHOD /path` of every route this role may call
    may: list[str]


class TokenRead(BaseModel):
    id: str
    user: str
    created_at: LocalTime
    revoked_at: LocalTime | None


class TokenIssued(TokenRead):
    #: the bearer token itself: shown in this answer only, never again
    token: str


class AuditRead(BaseModel):
    id: int
    at: LocalTime
    user: str
    kind: str
    method: str
    path: str
    depot: str | None
    target: str | None
    status: int


class AuditPage(BaseModel):
    items: list[AuditRead]
    total: int
    limit: int
    offset: int
