"""HTTP shapes of users, tokens and the audit log."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from .schemas import Code, Strict
from .timefmt import LocalTime

UserName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=r"^\S+$")
]
Role = Literal["admin", "planner", "logistics_officer", "depot_manager", "viewer"]


class UserCreate(Strict):
    name: UserName
    role: Role
    #: the depots a depot manager may move stock at (only for that role)
    depots: Annotated[list[Code], Field(default_factory=list, max_length=100)]


class UserRead(BaseModel):
    name: str
    role: str
    depots: list[str]
    active: bool
    created_at: LocalTime


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
