"""Who may call which route: the one permission table, enforced by `auth.authorize` on
every route and printed into the README (`chemdepot users permissions`; a test checks the
README against it and that every route of the app is in it)."""

from __future__ import annotations

from inventory.accounts import ROLES

ADMIN = "admin"
PLANNER = "planner"
OFFICER = "logistics_officer"
MANAGER = "depot_manager"
VIEWER = "viewer"

EVERYONE = frozenset(ROLES)
#: routes anyone may call, without a token
PUBLIC: frozenset[str] = frozenset({"*"})

_STOCK_KEEPERS = frozenset({ADMIN, MANAGER})
_OFFICERS = frozenset({ADMIN, OFFICER})
_PLAN_MAKERS = frozenset({ADMIN, OFFICER, PLANNER})
_PLANNERS = frozenset({ADMIN, PLANNER})
_ADMINS = frozenset({ADMIN})

#: (method, path template) -> the roles that may call it. Reads are everyone's; a depot
#: manager's writes are further limited to its depots by the ledger (see README).
PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/health"): PUBLIC,
    # the stock of record
    ("GET", "/depots"): EVERYONE,
    ("GET", "/depots/{code}"): EVERYONE,
    ("GET", "/items"): EVERYONE,
    ("GET", "/stock"): EVERYONE,
    ("GET", "/stock/export"): EVERYONE,
    ("GET", "/stock/{depot}/{item}"): EVERYONE,
    ("GET", "/stock/{depot}/{item}/pick"): EVERYONE,
    ("GET", "/movements"): EVERYONE,
    ("GET", "/alerts"): EVERYONE,
    ("GET", "/transfers"): EVERYONE,
    ("POST", "/movements"): _STOCK_KEEPERS,
    ("POST", "/movements/import"): _STOCK_KEEPERS,
    ("POST", "/lots/condition"): _STOCK_KEEPERS,
    ("GET", "/serials/{item}/{serial}"): EVERYONE,
    ("POST", "/serials/calibration"): _STOCK_KEEPERS,
    # the road network
    ("GET", "/network/nodes"): EVERYONE,
    ("GET", "/network/route"): EVERYONE,
    ("POST", "/network/matrix"): EVERYONE,
    ("GET", "/network/closures"): EVERYONE,
    ("GET", "/network/coverage"): EVERYONE,
    ("GET", "/network/sea"): EVERYONE,
    ("GET", "/network/boats/{boat_id}/course"): EVERYONE,
    ("POST", "/network/closures"): _OFFICERS,
    ("DELETE", "/network/closures/{closure_id}"): _OFFICERS,
    # reference data of data/
    ("GET", "/hazard-sources"): EVERYONE,
    ("GET", "/hazard-sources/{code}"): EVERYONE,
    ("GET", "/provinces"): EVERYONE,
    ("GET", "/provinces/{code}"): EVERYONE,
    ("GET", "/scenario-templates"): EVERYONE,
    ("GET", "/scenario-templates/{template}"): EVERYONE,
    # incidents and dispatch
    ("GET", "/incidents"): EVERYONE,
    ("GET", "/incidents/{incident_id}"): EVERYONE,
    ("GET", "/incidents/{incident_id}/dispatch-plans"): EVERYONE,
    ("GET", "/dispatch-plans/{plan_id}"): EVERYONE,
    ("POST", "/incidents"): _OFFICERS,
    ("POST", "/incidents/{incident_id}/close"): _OFFICERS,
    ("POST", "/incidents/{incident_id}/cancel"): _OFFICERS,
    ("POST", "/incidents/{incident_id}/dispatch-plans"): _PLAN_MAKERS,
    ("POST", "/incidents/{incident_id}/replan"): _PLAN_MAKERS,
    ("POST", "/dispatch-plans/{plan_id}/confirm"): _OFFICERS,
    ("POST", "/dispatch-plans/{plan_id}/dispatch"): _OFFICERS,
    ("POST", "/dispatch-plans/{plan_id}/deliver"): _OFFICERS,
    ("POST", "/dispatch-plans/{plan_id}/cancel"): _OFFICERS,
    # jobs, stock levels and readiness
    ("GET", "/jobs"): EVERYONE,
    ("GET", "/jobs/{job_id}"): EVERYONE,
    ("GET", "/stock-levels/runs"): EVERYONE,
    ("GET", "/stock-levels/runs/{run_id}"): EVERYONE,
    ("GET", "/stock-levels/runs/{run_id}/charts/{name}.png"): EVERYONE,
    ("GET", "/readiness"): EVERYONE,
    ("GET", "/stock-policies"): EVERYONE,
    ("POST", "/stock-levels/runs"): _PLANNERS,
    ("POST", "/stock-levels/runs/{run_id}/accept"): _PLANNERS,
    # procurement and production to 2030
    ("GET", "/procurement/runs"): EVERYONE,
    ("GET", "/procurement/runs/{run_id}"): EVERYONE,
    ("GET", "/procurement/runs/{run_id}/workbook.xlsx"): EVERYONE,
    ("GET", "/procurement/runs/{run_id}/charts/{name}.png"): EVERYONE,
    ("GET", "/procurement/compare.png"): EVERYONE,
    ("POST", "/procurement/compare"): EVERYONE,
    ("POST", "/procurement/runs"): _PLANNERS,
    # accounts and the audit log
    ("GET", "/me"): EVERYONE,
    ("GET", "/users"): _ADMINS,
    ("POST", "/users"): _ADMINS,
    ("GET", "/tokens"): _ADMINS,
    ("POST", "/users/{name}/tokens"): _ADMINS,
    ("DELETE", "/tokens/{token_id}"): _ADMINS,
    ("GET", "/audit"): _ADMINS,
}


def allowed(method: str, path: str) -> frozenset[str] | None:
    """The roles that may call a route (PUBLIC for open ones); None for a route the table
    does not know, which nobody may call."""
    return PERMISSIONS.get((method, path))


def routes_for(role: str) -> list[str]:
    """`METHOD /path` of every route a role may call: what the dashboard offers it."""
    return [
        f"{method} {path}"
        for (method, path), roles in PERMISSIONS.items()
        if roles is PUBLIC or role in roles
    ]


def markdown_table() -> str:
    """The README's table: one row per route, one column per role."""
    head = "| route | " + " | ".join(ROLES) + " |"
    rule = "|---|" + "---|" * len(ROLES)
    lines = [head, rule]
    for (method, path), roles in PERMISSIONS.items():
        if roles is PUBLIC:
            marks = ["open"] * len(ROLES)
        else:
            marks = ["yes" if role in roles else "—" for role in ROLES]
        lines.append(f"| `{method} {path}` | " + " | ".join(marks) + " |")
    return "\n".join(lines)
