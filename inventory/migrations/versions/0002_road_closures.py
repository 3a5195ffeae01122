"""road closures

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:41:44.189236
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "road_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "edge",
                "node",
                "slow",
                "zone_circle",
                "zone_polygon",
                name="closure_kind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("edge_id", sa.String(length=40), nullable=True),
        sa.Column("node_id", sa.String(length=40), nullable=True),
        sa.Column("speed_factor", sa.Float(), nullable=True),
        sa.Column("centre_lat", sa.Float(), nullable=True),
        sa.Column("centre_lon", sa.Float(), nullable=True),
        sa.Column("radius_km", sa.Float(), nullable=True),
        sa.Column("polygon", sa.JSON(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", sa.String(length=80), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("road_closures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_road_closures_lifted_at"), ["lifted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("road_closures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_road_closures_lifted_at"))

    op.drop_table("road_closures")
