"""incidents and dispatch plans

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 13:47:53.632970
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispatch_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "confirmed",
                "dispatched",
                "delivered",
                "cancelled",
                "superseded",
                name="plan_status",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("incident_ids", sa.JSON(), nullable=False),
        sa.Column("t0", sa.DateTime(timezone=True), nullable=False),
        sa.Column("solve_status", sa.String(length=20), nullable=False),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("overlay_key", sa.String(length=40), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["dispatch_plans.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dispatch_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_plans_status"), ["status"], unique=False)

    op.create_table(
        "plan_vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_key", sa.String(length=80), nullable=False),
        sa.Column("depot_code", sa.String(length=16), nullable=False),
        sa.Column("departs_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("returns_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["depot_code"],
            ["depots.code"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["dispatch_plans.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_vehicles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_vehicles_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_vehicles_vehicle_key"), ["vehicle_key"], unique=False
        )

    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_type", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open", "closed", "cancelled", name="incident_status", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("node_id", sa.String(length=40), nullable=False),
        sa.Column("snap_km", sa.Float(), nullable=False),
        sa.Column("province_code", sa.String(length=4), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=80), nullable=True),
        sa.Column("size", sa.Float(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("hazard_source_id", sa.String(length=20), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "incident_demands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=24), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("required_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.CheckConstraint("priority BETWEEN 1 AND 5", name="ck_demand_priority"),
        sa.CheckConstraint("quantity > 0", name="ck_demand_quantity_positive"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["item_code"],
            ["items.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "item_code", name="uq_demand_item"),
    )
    with op.batch_alter_table("incident_demands", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_demands_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "plan_picks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("depot_code", sa.String(length=16), nullable=False),
        sa.Column("item_code", sa.String(length=24), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("for_item", sa.String(length=24), nullable=False),
        sa.Column("vehicle_key", sa.String(length=80), nullable=False),
        sa.Column("reservation_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("quantity > 0", name="ck_pick_quantity_positive"),
        sa.ForeignKeyConstraint(
            ["depot_code"],
            ["depots.code"],
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["item_code"],
            ["items.code"],
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lots.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["dispatch_plans.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_picks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_picks_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_picks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_picks_plan_id"))

    op.drop_table("plan_picks")
    with op.batch_alter_table("incident_demands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_demands_incident_id"))

    op.drop_table("incident_demands")
    op.drop_table("incidents")
    with op.batch_alter_table("plan_vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_vehicles_vehicle_key"))
        batch_op.drop_index(batch_op.f("ix_plan_vehicles_plan_id"))

    op.drop_table("plan_vehicles")
    with op.batch_alter_table("dispatch_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_plans_status"))

    op.drop_table("dispatch_plans")
