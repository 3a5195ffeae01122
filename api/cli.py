"""The `chemdepot` command line: the same use cases as the HTTP API."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from inventory.errors import InventoryError

from .cli_bench import bench_app
from .cli_db import add_backup_commands
from .cli_levels import levels_app
from .cli_procure import procure_app
from .cli_stock import add_stock_commands
from .cli_transfers import add_transfer_commands
from .cli_users import CLI_ACTOR, cli_acting, first_admin, tokens_app, users_app
from .network_service import RoadContext, depot_coverage, find_route
from .problems import ApiProblem
from .services import Database, init_database
from .settings import Settings
from .tabular import import_receipts
from .timefmt import LOCAL_LABEL, local_clock

app = typer.Typer(
    help="chemdepot: chemical-equipment depots, stock, dispatch and planning.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema, seed, backup and restore.", no_args_is_help=True)
app.add_typer(db_app, name="db")
add_backup_commands(db_app)
add_stock_commands(app)
add_transfer_commands(app)
app.add_typer(bench_app, name="bench")
app.add_typer(levels_app, name="levels")
app.add_typer(procure_app, name="procure")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
console = Console()


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


@db_app.command("init")
def db_init() -> None:
    """Migrate the database to the latest schema and seed it from data/ if empty."""
    settings = Settings()
    counts = init_database(settings)
    if counts:
        console.print(
            f"seeded {settings.database_url}: " + ", ".join(f"{v} {k}" for k, v in counts.items())
        )
    else:
        console.print(f"{settings.database_url} is up to date (already seeded)")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default CHEMDEPOT_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default CHEMDEPOT_PORT")] = None,
) -> None:
    """Start the HTTP API (migrating and seeding first if needed)."""
    import uvicorn

    from .app import create_app

    settings = Settings()
    init_database(settings)
    first_admin(settings)
    host = host or settings.host
    port = port or settings.port
    console.print(
        f"chemdepot on http://{host}:{port}  (dashboard: http://{host}:{port}/ , "
        f"API docs: http://{host}:{port}/docs)"
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    actor: Annotated[str, typer.Option(help="who is importing")] = CLI_ACTOR,
) -> None:
    """Import receipts from a CSV or XLSX file: every row or none. Re-running the same
    file posts nothing (its content hash is the idempotency key); a refused file may be
    run again once the books are put right (its refusal is not kept)."""
    content = file.read_bytes()
    key = "import-file-" + hashlib.sha256(content).hexdigest()[:40]
    settings = Settings()
    db = Database(settings.database_url)
    try:
        result, replayed = import_receipts(
            db.uow(cli_acting(actor, "import")),
            content,
            file.name,
            key=key,
            actor=actor,
            max_rows=settings.max_import_rows,
            keep_refusals=False,
        )
    except ApiProblem as exc:
        console.print(f"[bold red]{exc.title}:[/] {exc.detail}")
        for err in exc.errors or []:
            console.print(f"  row {err['row']}, {err['field']}: {err['message']}")
        raise typer.Exit(1) from None
    except InventoryError as exc:
        _fail(exc.message)
        return
    finally:
        db.dispose()
    word = "already imported, nothing posted" if replayed else "posted"
    console.print(f"{result['rows']} rows {word} ({len(result['movement_ids'])} movements)")


def _road(settings: Settings) -> tuple[RoadContext, Database]:
    """The road context and a migrated, seeded database (closures live there)."""
    road = RoadContext.load(settings.data_dir)
    init_database(settings)
    return road, Database(settings.database_url)


@app.command()
def route(
    origin: Annotated[str, typer.Argument(help="node id, depot code, hazard id or 'lat,lon'")],
    destination: Annotated[str, typer.Argument(help="node id, depot code, hazard id or 'lat,lon'")],
    ignore_closures: Annotated[bool, typer.Option("--ignore-closures")] = False,
) -> None:
    """Print the fastest road route between two places, leg by leg."""
    from network import NetworkError

    road, db = _road(Settings())
    try:
        with db.readers() as session:
            found, _ = find_route(
                session, road, origin, destination, apply_closures=not ignore_closures
            )
    except NetworkError as exc:
        _fail(exc.message)
        return
    finally:
        db.dispose()
    if found is None:
        _fail(f"no open road from {origin} to {destination} with the active closures")
        return
    table = Table(
        title=f"{origin} -> {destination}: {found.metres / 1000:.0f} km, "
        f"{found.seconds / 3600:.1f} h"
    )
    for col in ("from", "to", "road", "class", "km", "min"):
        table.add_column(col, justify="right" if col in ("km", "min") else "left")
    for leg in found.legs:
        table.add_row(
            leg.from_node,
            leg.to_node,
            leg.road_ref,
            leg.road_class,
            f"{leg.km:.1f}",
            f"{leg.seconds / 60:.0f}",
        )
    console.print(table)


@app.command()
def coverage(
    hours: Annotated[float, typer.Option(min=0.1, max=72)] = 6.0,
    ignore_closures: Annotated[bool, typer.Option("--ignore-closures")] = False,
) -> None:
    """Print, for each province, the fastest depot; and what each depot reaches in time."""
    road, db = _road(Settings())
    try:
        with db.readers() as session:
            cov, _ = depot_coverage(session, road, hours, apply_closures=not ignore_closures)
    finally:
        db.dispose()
    table = Table(title=f"fastest depot per province (budget {hours:g} h)")
    for col in ("province", "name", "depot", "hours"):
        table.add_column(col)
    for f in cov.provinces:
        late = f.hours is None or f.hours > hours
        hrs = "unreachable" if f.hours is None else f"{f.hours:.1f}"
        table.add_row(f.province_code, f.name, f.depot or "-", f"[red]{hrs}[/]" if late else hrs)
    console.print(table)
    depots_table = Table(title=f"what each depot reaches within {hours:g} h")
    for col in ("depot", "provinces", "hazard sources"):
        depots_table.add_column(col, justify="right" if col != "depot" else "left")
    for d in cov.depots:
        depots_table.add_row(d.depot, str(len(d.provinces)), str(len(d.hazard_sources)))
    console.print(depots_table)
    console.print(
        f"provinces not reached by any depot: {', '.join(cov.uncovered_provinces) or 'none'}"
    )
    console.print(
        f"hazard sources not reached: {', '.join(cov.uncovered_hazard_sources) or 'none'}"
    )


@app.command()
def dispatch(
    incident: Annotated[int, typer.Option(help="incident id")],
    with_incident: Annotated[list[int] | None, typer.Option(help="plan together with")] = None,
    time_limit: Annotated[float | None, typer.Option(min=0.1, max=120)] = None,
    confirm: Annotated[bool, typer.Option("--confirm", help="reserve the stock at once")] = False,
    actor: Annotated[str, typer.Option()] = CLI_ACTOR,
) -> None:
    """Plan the dispatch for an incident and print pick lists, routes and unmet demand.
    With --confirm the plan is stored and its stock reserved in one transaction."""
    from network import NetworkError

    from .planning import PlanCommand, plan_dispatch

    settings = Settings()
    ctx, db = _road(settings)
    cmd = PlanCommand(
        incident, tuple(with_incident or ()), time_limit_s=time_limit, confirm=confirm
    )
    try:
        uow = db.uow(cli_acting(actor, "dispatch"))
        plan, _ = plan_dispatch(uow, ctx.router, settings, cmd, actor=actor)
    except (InventoryError, NetworkError) as exc:
        _fail(exc.message)
        return
    finally:
        db.dispose()
    print_plan(plan)


def print_plan(plan: dict[str, Any]) -> None:
    summary, solve = plan["summary"], plan["solve"]
    console.print(
        f"[bold]plan {plan['id']}[/] ({plan['status']}) for incidents {plan['incidents']}: "
        f"{summary['met_units']}/{summary['demand_units']} units, "
        f"{summary['met_on_time_units']} on time, {summary['unmet_units']} unmet, "
        f"{summary['vehicles']} vehicles, {summary['km']} km; solver {solve['status']} "
        f"in {solve['solve_seconds']} s (objective {solve['objective']}, bound {solve['bound']})"
    )
    share = solve["within_bound_share"]
    console.print(
        f"within the bound rule: {'-' if share is None else f'{share:.0%}'} of weighted units; "
        f"far vehicles: {solve['far_vehicles']}; {solve['vehicle_hours']} vehicle-hours"
    )
    for pick_list in plan["pick_lists"]:
        table = Table(title=f"pick list {pick_list['depot']}")
        for col in ("item", "lot / serial", "qty", "for", "incident", "vehicle"):
            table.add_column(col, justify="right" if col == "qty" else "left")
        for line in pick_list["lines"]:
            table.add_row(
                line["item"],
                line["lot_no"] or "-",
                str(line["quantity"]),
                line["for_item"] if line["substitute"] else "",
                str(line["incident"]),
                line["vehicle"] or "-",
            )
        console.print(table)
    for route in plan["routes"]:
        table = Table(
            title=f"vehicle {route['vehicle']} ({route['km']} km, crew {route['crew']}, "
            + (f"{route['rest_hours']} h rest, " if route["rest_hours"] else "")
            + f"back {local_clock(route['returns_at'], with_date=True)}, {LOCAL_LABEL})"
        )
        for col in ("stop", "place", "arrives (UTC+7)", "leaves", "load kg", "cargo"):
            table.add_column(col)
        for stop in route["stops"]:
            cargo = ", ".join(f"{c['quantity']} {c['item']}" for c in stop["cargo"])
            table.add_row(
                stop["kind"],
                stop["place"],
                local_clock(stop["arrival"], with_date=True),
                local_clock(stop["departure"]),
                str(stop["load_kg"]),
                cargo if len(cargo) <= 60 else cargo[:59] + "…",  # cut, and says so
            )
        console.print(table)
    _print_lines(plan)


def _print_lines(plan: dict[str, Any]) -> None:
    """Late lines, lines slower than their bound with the reason, unmet demand."""
    late = [f for f in plan["fulfilment"] if f["late_hours"]]
    for f in late:
        console.print(
            f"[yellow]late[/] {f['item']}: {f['met'] - f['met_on_time']} units "
            f"{f['late_hours']} h after {local_clock(f['required_by'], with_date=True)} "
            f"({LOCAL_LABEL})"
        )
    for f in plan["fulfilment"]:
        if f["reason"] and f["earliest_arrival"] and f["met"]:
            console.print(
                f"[cyan]slower[/] {f['item']}: {f['within_bound']}/{f['met']} units within "
                f"the bound ({local_clock(f['earliest_arrival'], with_date=True)}): "
                f"{f['reason']}"
            )
    for u in plan["unmet"]:
        console.print(
            f"[red]unmet[/] {u['quantity']} {u['item']} for incident {u['incident']}: {u['reason']}"
        )


if __name__ == "__main__":
    app()
