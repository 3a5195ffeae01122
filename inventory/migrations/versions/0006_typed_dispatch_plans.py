"""typed dispatch plans: plan x incident links with one live plan per incident, routes,
stops, cargo, fulfilment and unmet demand as rows instead of the stored HTTP body

Existing plans are carried over from their JSON body. Where an incident had more than one
live plan (the double-allocation bug this revision closes), the confirmed one is kept,
else the newest; the others are superseded (drafts) or cancelled with their reservations
voided (confirmed).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 08:20:00
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_LIVE = ("draft", "confirmed")


def upgrade() -> None:
    _create_tables()
    with op.batch_alter_table("dispatch_plans") as batch:
        batch.alter_column("objective", existing_type=sa.Float(), nullable=True)
        batch.add_column(sa.Column("solve_seconds", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("engine", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("notes", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("metres", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("unmet_units", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("lateness_unit_hours", sa.Float(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_dispatch_plans_superseded_by", "dispatch_plans", ["superseded_by_id"], ["id"]
        )
    with op.batch_alter_table("plan_vehicles") as batch:
        batch.add_column(
            sa.Column("vehicle_type", sa.String(40), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("metres", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("geometry", sa.JSON(), nullable=False, server_default="[]"))
    _carry_over(op.get_bind())
    with op.batch_alter_table("dispatch_plans") as batch:
        batch.drop_column("body")
        batch.drop_column("incident_ids")
    for table, columns in (
        ("dispatch_plans", ("solve_seconds", "engine", "notes", "metres", "unmet_units")),
        ("dispatch_plans", ("lateness_unit_hours",)),
        ("plan_vehicles", ("vehicle_type", "metres", "geometry")),
    ):
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, server_default=None)


def _create_tables() -> None:
    op.create_table(
        "plan_incidents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("dispatch_plans.id"), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("plan_id", "incident_id", name="uq_plan_incident"),
    )
    op.create_index("ix_plan_incidents_plan_id", "plan_incidents", ["plan_id"])
    op.create_index("ix_plan_incidents_incident_id", "plan_incidents", ["incident_id"])
    op.create_index(
        "uq_plan_incident_live",
        "plan_incidents",
        ["incident_id"],
        unique=True,
        sqlite_where=sa.text("live"),
        postgresql_where=sa.text("live"),
    )
    op.create_table(
        "plan_stops",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("vehicle_id", sa.Integer(), sa.ForeignKey("plan_vehicles.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("place", sa.String(120), nullable=False),
        sa.Column("node_id", sa.String(40), nullable=False),
        sa.Column("arrival_at", _TS, nullable=False),
        sa.Column("departure_at", _TS, nullable=False),
        sa.Column("load_kg", sa.Float(), nullable=False),
        sa.Column("load_m3", sa.Float(), nullable=False),
        sa.Column("depot_code", sa.String(20), nullable=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=True),
    )
    op.create_index("ix_plan_stops_vehicle_id", "plan_stops", ["vehicle_id"])
    op.create_table(
        "plan_stop_cargo",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("stop_id", sa.Integer(), sa.ForeignKey("plan_stops.id"), nullable=False),
        sa.Column("item_code", sa.String(24), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
    )
    op.create_index("ix_plan_stop_cargo_stop_id", "plan_stop_cargo", ["stop_id"])
    op.create_table(
        "plan_fulfilment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("dispatch_plans.id"), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("item_code", sa.String(24), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("met_on_time", sa.Integer(), nullable=False),
        sa.Column("required_by", _TS, nullable=False),
        sa.Column("last_arrival", _TS, nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
    )
    op.create_index("ix_plan_fulfilment_plan_id", "plan_fulfilment", ["plan_id"])
    op.create_table(
        "plan_substitutions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "fulfilment_id", sa.Integer(), sa.ForeignKey("plan_fulfilment.id"), nullable=False
        ),
        sa.Column("item_code", sa.String(24), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
    )
    op.create_index("ix_plan_substitutions_fulfilment_id", "plan_substitutions", ["fulfilment_id"])
    op.create_table(
        "plan_unmet",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("dispatch_plans.id"), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("item_code", sa.String(24), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_plan_unmet_plan_id", "plan_unmet", ["plan_id"])


# ------------------------------------------------------------------ data carried over
_meta = sa.MetaData()
_plans = sa.Table(
    "dispatch_plans",
    _meta,
    sa.Column("id", sa.Integer),
    sa.Column("status", sa.String),
    sa.Column("objective", sa.Float),
    sa.Column("solve_status", sa.String),
    sa.Column("solve_seconds", sa.Float),
    sa.Column("engine", sa.String),
    sa.Column("notes", sa.Text),
    sa.Column("metres", sa.BigInteger),
    sa.Column("unmet_units", sa.Integer),
    sa.Column("lateness_unit_hours", sa.Float),
    sa.Column("superseded_by_id", sa.Integer),
    sa.Column("cancelled_at", _TS),
    sa.Column("body", sa.JSON),
    sa.Column("incident_ids", sa.JSON),
)
_links = sa.Table(
    "plan_incidents",
    _meta,
    sa.Column("id", sa.Integer),
    sa.Column("plan_id", sa.Integer),
    sa.Column("incident_id", sa.Integer),
    sa.Column("live", sa.Boolean),
)
_vehicles = sa.Table(
    "plan_vehicles",
    _meta,
    sa.Column("id", sa.Integer),
    sa.Column("plan_id", sa.Integer),
    sa.Column("vehicle_key", sa.String),
    sa.Column("vehicle_type", sa.String),
    sa.Column("metres", sa.BigInteger),
    sa.Column("geometry", sa.JSON),
)
_stops = sa.Table(
    "plan_stops",
    _meta,
    *(
        sa.Column(name, kind)
        for name, kind in (
            ("id", sa.Integer),
            ("vehicle_id", sa.Integer),
            ("seq", sa.Integer),
            ("kind", sa.String),
            ("place", sa.String),
            ("node_id", sa.String),
            ("arrival_at", _TS),
            ("departure_at", _TS),
            ("load_kg", sa.Float),
            ("load_m3", sa.Float),
            ("depot_code", sa.String),
            ("incident_id", sa.Integer),
        )
    ),
)
_cargo = sa.Table(
    "plan_stop_cargo",
    _meta,
    sa.Column("id", sa.Integer),
    sa.Column("stop_id", sa.Integer),
    sa.Column("item_code", sa.String),
    sa.Column("quantity", sa.Integer),
)
_fulfilment = sa.Table(
    "plan_fulfilment",
    _meta,
    *(
        sa.Column(name, kind)
        for name, kind in (
            ("id", sa.Integer),
            ("plan_id", sa.Integer),
            ("incident_id", sa.Integer),
            ("item_code", sa.String),
            ("quantity", sa.Integer),
            ("met", sa.Integer),
            ("met_on_time", sa.Integer),
            ("required_by", _TS),
            ("last_arrival", _TS),
            ("priority", sa.Integer),
        )
    ),
)
_subs = sa.Table(
    "plan_substitutions",
    _meta,
    sa.Column("id", sa.Integer),
    sa.Column("fulfilment_id", sa.Integer),
    sa.Column("item_code", sa.String),
    sa.Column("quantity", sa.Integer),
)
_unmet = sa.Table(
    "plan_unmet",
    _meta,
    sa.Column("plan_id", sa.Integer),
    sa.Column("incident_id", sa.Integer),
    sa.Column("item_code", sa.String),
    sa.Column("quantity", sa.Integer),
    sa.Column("reason", sa.Text),
)
_picks = sa.Table(
    "plan_picks",
    _meta,
    sa.Column("plan_id", sa.Integer),
    sa.Column("reservation_id", sa.Integer),
)
_reservations = sa.Table(
    "reservations",
    _meta,
    sa.Column("id", sa.Integer),
    sa.Column("location_id", sa.Integer),
    sa.Column("lot_id", sa.Integer),
    sa.Column("quantity", sa.Integer),
    sa.Column("status", sa.String),
    sa.Column("closed_at", _TS),
)
_balances = sa.Table(
    "balances",
    _meta,
    sa.Column("location_id", sa.Integer),
    sa.Column("lot_id", sa.Integer),
    sa.Column("reserved", sa.Integer),
)


def _when(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _carry_over(conn: sa.Connection) -> None:
    rows = conn.execute(sa.select(_plans).order_by(_plans.c.id)).mappings().all()
    keep = _live_winners(rows)
    now = dt.datetime.now(dt.UTC)
    for row in rows:
        body: dict[str, Any] = dict(row["body"] or {})
        solve = body.get("solve", {})
        status = row["status"]
        objective = row["objective"]
        if objective is not None and objective < 0:  # the old sentinel for "no plan"
            objective = None
        update: dict[str, Any] = {
            "objective": objective,
            "solve_seconds": float(solve.get("solve_seconds") or 0.0),
            "engine": str(solve.get("engine") or ""),
            "notes": "\n".join(solve.get("notes") or []),
            "metres": round(float(body.get("summary", {}).get("km") or 0) * 1000),
            "unmet_units": int(body.get("summary", {}).get("unmet_units") or 0),
            "lateness_unit_hours": float(body.get("summary", {}).get("lateness_unit_hours") or 0),
        }
        ids = [int(i) for i in row["incident_ids"] or []]
        if status in _LIVE and any(keep.get(i) != row["id"] for i in ids):
            status = _retire(conn, row["id"], status, ids, keep)
            update.update(status=status, cancelled_at=now)
            if status == "superseded":
                update["superseded_by_id"] = next(
                    (keep[i] for i in ids if keep.get(i) not in (None, row["id"])), None
                )
        conn.execute(sa.update(_plans).where(_plans.c.id == row["id"]).values(**update))
        for incident_id in ids:
            conn.execute(
                sa.insert(_links).values(
                    plan_id=row["id"], incident_id=incident_id, live=status in _LIVE
                )
            )
        _carry_routes(conn, row["id"], body)
        _carry_fulfilment(conn, row["id"], body)


def _live_winners(rows: Sequence[sa.RowMapping]) -> dict[int, int]:
    """Per incident, the plan that stays live: a confirmed one before a draft, else newest."""
    best: dict[int, tuple[int, int]] = {}
    for row in rows:
        if row["status"] not in _LIVE:
            continue
        rank = (1 if row["status"] == "confirmed" else 0, row["id"])
        for incident_id in row["incident_ids"] or []:
            if int(incident_id) not in best or rank > best[int(incident_id)]:
                best[int(incident_id)] = rank
    return {incident: rank[1] for incident, rank in best.items()}


def _retire(
    conn: sa.Connection, plan_id: int, status: str, ids: list[int], keep: dict[int, int]
) -> str:
    """A draft is superseded; a confirmed plan is cancelled and its holds released."""
    del ids, keep
    if status == "draft":
        return "superseded"
    held = conn.execute(
        sa.select(_reservations)
        .join(_picks, _picks.c.reservation_id == _reservations.c.id)
        .where(_picks.c.plan_id == plan_id, _reservations.c.status == "pending")
    ).mappings()
    for res in list(held):
        conn.execute(
            sa.update(_balances)
            .where(
                _balances.c.location_id == res["location_id"], _balances.c.lot_id == res["lot_id"]
            )
            .values(reserved=_balances.c.reserved - res["quantity"])
        )
        conn.execute(
            sa.update(_reservations)
            .where(_reservations.c.id == res["id"])
            .values(status="voided", closed_at=dt.datetime.now(dt.UTC))
        )
    return "cancelled"


def _carry_routes(conn: sa.Connection, plan_id: int, body: dict[str, Any]) -> None:
    vehicles = {
        r["vehicle_key"]: r["id"]
        for r in conn.execute(
            sa.select(_vehicles.c.id, _vehicles.c.vehicle_key).where(_vehicles.c.plan_id == plan_id)
        ).mappings()
    }
    for route in body.get("routes", []):
        vehicle_id = vehicles.get(route["vehicle"])
        if vehicle_id is None:
            continue
        coords = route.get("geometry", {}).get("geometry", {}).get("coordinates", [])
        conn.execute(
            sa.update(_vehicles)
            .where(_vehicles.c.id == vehicle_id)
            .values(
                vehicle_type=route.get("vehicle_type", ""),
                metres=round(float(route.get("km") or 0) * 1000),
                geometry=coords,
            )
        )
        for seq, stop in enumerate(route.get("stops", [])):
            stop_id = conn.execute(
                sa.insert(_stops)
                .values(
                    vehicle_id=vehicle_id,
                    seq=seq,
                    kind=stop["kind"],
                    place=stop["place"],
                    node_id=stop["node"],
                    arrival_at=_when(stop["arrival"]),
                    departure_at=_when(stop["departure"]),
                    load_kg=stop["load_kg"],
                    load_m3=stop["load_m3"],
                    depot_code=stop.get("depot"),
                    incident_id=stop.get("incident"),
                )
                .returning(_stops.c.id)
            ).scalar_one()
            for cargo in stop.get("cargo", []):
                conn.execute(
                    sa.insert(_cargo).values(
                        stop_id=stop_id, item_code=cargo["item"], quantity=cargo["quantity"]
                    )
                )


def _carry_fulfilment(conn: sa.Connection, plan_id: int, body: dict[str, Any]) -> None:
    for line in body.get("fulfilment", []):
        fid = conn.execute(
            sa.insert(_fulfilment)
            .values(
                plan_id=plan_id,
                incident_id=line["incident"],
                item_code=line["item"],
                quantity=line["quantity"],
                met=line["met"],
                met_on_time=line["met_on_time"],
                required_by=_when(line["required_by"]),
                last_arrival=_when(line.get("last_arrival")),
                priority=line["priority"],
            )
            .returning(_fulfilment.c.id)
        ).scalar_one()
        for sub in line.get("substituted", []):
            conn.execute(
                sa.insert(_subs).values(
                    fulfilment_id=fid, item_code=sub["item"], quantity=sub["quantity"]
                )
            )
    for line in body.get("unmet", []):
        conn.execute(
            sa.insert(_unmet).values(
                plan_id=plan_id,
                incident_id=line["incident"],
                item_code=line["item"],
                quantity=line["quantity"],
                reason=line["reason"],
            )
        )


def downgrade() -> None:
    """Plans made after this revision cannot be turned back into bodies: they are kept
    as rows with an empty body, and the typed tables are dropped."""
    with op.batch_alter_table("dispatch_plans") as batch:
        batch.add_column(sa.Column("body", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("incident_ids", sa.JSON(), nullable=False, server_default="[]"))
    conn = op.get_bind()
    by_plan: dict[int, list[int]] = defaultdict(list)
    for plan_id, incident_id in conn.execute(sa.select(_links.c.plan_id, _links.c.incident_id)):
        by_plan[plan_id].append(incident_id)
    for plan_id, ids in by_plan.items():
        conn.execute(sa.update(_plans).where(_plans.c.id == plan_id).values(incident_ids=ids))
    conn.execute(sa.update(_plans).where(_plans.c.objective.is_(None)).values(objective=-1.0))
    for table in (
        "plan_unmet",
        "plan_substitutions",
        "plan_fulfilment",
        "plan_stop_cargo",
        "plan_stops",
        "plan_incidents",
    ):
        op.drop_table(table)
    with op.batch_alter_table("plan_vehicles") as batch:
        for column in ("vehicle_type", "metres", "geometry"):
            batch.drop_column(column)
    with op.batch_alter_table("dispatch_plans") as batch:
        batch.drop_constraint("fk_dispatch_plans_superseded_by", type_="foreignkey")
        for column in (
            "solve_seconds",
            "engine",
            "notes",
            "metres",
            "unmet_units",
            "lateness_unit_hours",
            "superseded_by_id",
        ):
            batch.drop_column(column)
        batch.alter_column("objective", existing_type=sa.Float(), nullable=False)
