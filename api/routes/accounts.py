"""Users, their tokens and the audit log (admins only: see api/permissions.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from inventory.accounts import Account, AccountRecords, TokenInfo
from inventory.audit import AuditFilter, AuditRecords

from ..account_schemas import (
    AuditPage,
    AuditRead,
    MeRead,
    TokenIssued,
    TokenRead,
    UserCreate,
    UserName,
    UserRead,
)
from ..accounts_service import add_user, issue_token, revoke_token
from ..deps import CurrentPrincipal, PagingDep, ReadSession, Uow
from ..number_rules import IsoTime
from ..permissions import routes_for
from ..text_rules import DepotCode, code_rule

router = APIRouter(tags=["accounts"])


def _user_read(a: Account) -> UserRead:
    return UserRead(
        name=a.name, role=a.role, depots=list(a.depots), active=a.active, created_at=a.created_at
    )


def _token_read(t: TokenInfo) -> TokenRead:
    return TokenRead(id=t.id, user=t.user, created_at=t.created_at, revoked_at=t.revoked_at)


TokenId = Annotated[str, code_rule(16)]
NameQuery = Annotated[UserName | None, Query()]
TimeQuery = Annotated[IsoTime | None, Query(description="ISO 8601 with a zone")]


@router.get("/me")
def read_me(principal: CurrentPrincipal) -> MeRead:
    """Who this token acts as and the routes its role may call: the dashboard asks this
    after login to show only what the user may do."""
    return MeRead(
        name=principal.name,
        role=principal.role,
        depots=sorted(principal.depots or ()),
        may=routes_for(principal.role),
    )


@router.get("/users")
def list_users(session: ReadSession) -> list[UserRead]:
    """Every user with its role and, for a depot manager, its depots."""
    return [_user_read(a) for a in AccountRecords(session).users()]


@router.post("/users", status_code=201)
def create_user(body: UserCreate, uow: Uow) -> UserRead:
    """Add a user. A depot manager names its depots (existing codes); other roles none."""
    return _user_read(add_user(uow, body.name, body.role, list(body.depots)))


@router.get("/tokens")
def list_tokens(session: ReadSession) -> list[TokenRead]:
    """Every token by its id (never its secret), revoked ones included."""
    return [_token_read(t) for t in AccountRecords(session).tokens()]


@router.post("/users/{name}/tokens", status_code=201)
def create_token(name: Annotated[UserName, Path()], uow: Uow) -> TokenIssued:
    """Issue a token for a user. The token is in this answer only: keep it."""
    t = issue_token(uow, name)
    return TokenIssued(
        id=t.id, user=t.user, created_at=t.created_at, revoked_at=None, token=t.secret
    )


@router.delete("/tokens/{token_id}")
def delete_token(token_id: Annotated[TokenId, Path()], uow: Uow) -> TokenRead:
    """Revoke a token: every later request with it gets a 401."""
    return _token_read(revoke_token(uow, token_id))


@router.get("/audit")
def read_audit(
    session: ReadSession,
    paging: PagingDep,
    user: NameQuery = None,
    kind: NameQuery = None,
    depot: Annotated[DepotCode | None, Query()] = None,
    from_: Annotated[
        IsoTime | None, Query(alias="from", description="ISO 8601 with a zone")
    ] = None,
    to: TimeQuery = None,
) -> AuditPage:
    """Who did what, when, where and to what: every write, newest first; `from` inclusive,
    `to` exclusive."""
    rows, total = AuditRecords(session).page(
        AuditFilter(user=user, kind=kind, depot=depot, since=from_, until=to),
        limit=paging.limit,
        offset=paging.offset,
    )
    return AuditPage(
        items=[
            AuditRead(
                id=e.id,
                at=e.at,
                user=e.user_name,
                kind=e.kind,
                method=e.method,
                path=e.path,
                depot=e.depot,
                target=e.target,
                status=e.status,
            )
            for e in rows
        ],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )
