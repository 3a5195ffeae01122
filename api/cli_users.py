"""`chemdepot users ...` and `chemdepot tokens ...`: accounts from the server's own
machine, with database access and no token (the same use cases as the admin routes)."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from inventory.accounts import ROLES, AccountRecords
from inventory.audit import Acting
from inventory.errors import InventoryError

from .accounts_service import (
    add_user,
    create_first_admin,
    first_token_file,
    issue_token,
    revoke_token,
)
from .permissions import markdown_table
from .services import Database, init_database
from .settings import Settings
from .timefmt import LOCAL_LABEL, local_clock

users_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens: issue (shown once) and revoke.", no_args_is_help=True)
#: messages go to stderr, so that `tokens issue` prints nothing but the token on stdout
console = Console(stderr=True)


def default_actor() -> str:
    """Who runs the CLI: the operating-system user (the CLI needs no token; it runs on
    the server's own machine, with the database's credentials)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "cli"


#: who the CLI records as acting unless `--actor` says otherwise
CLI_ACTOR = default_actor()
ActorOption = Annotated[str, typer.Option("--actor", help="who is acting (default: the OS user)")]


def cli_acting(actor: str, command: str) -> Acting:
    """The audit identity of a CLI write: the actor, and the command as its kind."""
    return Acting(user=actor, kind=f"cli.{command}", method="CLI", path=f"chemdepot {command}")


def _database() -> Database:
    settings = Settings()
    init_database(settings)
    return Database(settings.database_url)


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(1)


@users_app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help=f"one of {', '.join(ROLES)}")],
    depot: Annotated[
        list[str] | None, typer.Option(help="a depot code a depot manager acts at; repeat")
    ] = None,
    actor: ActorOption = CLI_ACTOR,
) -> None:
    """Add a user with one role (a depot manager with its depots)."""
    db = _database()
    try:
        account = add_user(db.uow(cli_acting(actor, "users add")), name, role, depot or [])
    except InventoryError as exc:
        _fail(f"{exc.field}: {exc.message}" if exc.field else exc.message)
        return
    finally:
        db.dispose()
    where = f" at {', '.join(account.depots)}" if account.depots else ""
    console.print(f"added {account.name} ({account.role}{where})")


@users_app.command("list")
def users_list() -> None:
    """Every user with its role, depots and tokens."""
    db = _database()
    try:
        with db.readers() as session:
            records = AccountRecords(session)
            accounts, tokens = records.users(), records.tokens()
    finally:
        db.dispose()
    table = Table(title=f"users (created, {LOCAL_LABEL})")
    for col in ("name", "role", "depots", "active", "created", "live tokens"):
        table.add_column(col)
    for a in accounts:
        live = [t.id for t in tokens if t.user == a.name and t.revoked_at is None]
        table.add_row(
            a.name,
            a.role,
            ", ".join(a.depots),
            "yes" if a.active else "no",
            local_clock(a.created_at, with_date=True),
            ", ".join(live),
        )
    Console().print(table)


@users_app.command("permissions")
def users_permissions() -> None:
    """Print the role x route table (Markdown, as in the README)."""
    typer.echo(markdown_table())


@tokens_app.command("issue")
def tokens_issue(name: str, actor: ActorOption = CLI_ACTOR) -> None:
    """Issue a token for user NAME and print it once, alone on stdout: keep it."""
    db = _database()
    try:
        token = issue_token(db.uow(cli_acting(actor, "tokens issue")), name)
    except InventoryError as exc:
        _fail(exc.message)
        return
    finally:
        db.dispose()
    console.print(f"token {token.id} for {token.user} (shown once):")
    typer.echo(token.secret)


@tokens_app.command("revoke")
def tokens_revoke(token_id: str, actor: ActorOption = CLI_ACTOR) -> None:
    """Revoke token TOKEN_ID (as listed by `users list`): later requests with it get 401."""
    db = _database()
    try:
        info = revoke_token(db.uow(cli_acting(actor, "tokens revoke")), token_id)
    except InventoryError as exc:
        _fail(exc.message)
        return
    finally:
        db.dispose()
    console.print(f"revoked token {info.id} of {info.user}")


def first_admin(settings: Settings) -> None:
    """A fresh local installation gets an admin token in a 0600 file, once (`serve`)."""
    token_file = first_token_file(settings.database_url)
    if token_file is None:
        return
    db = Database(settings.database_url)
    try:
        made = create_first_admin(db.uow(cli_acting(CLI_ACTOR, "serve")), token_file)
    finally:
        db.dispose()
    if made is not None:
        console.print(
            f"created user {made.token.user!r} (admin); its token is in {made.token_file} "
            "(send it as `Authorization: Bearer <token>`)"
        )
