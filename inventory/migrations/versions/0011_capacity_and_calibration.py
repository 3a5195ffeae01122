"""over-capacity receipts (who took stock in over a depot's capacity, and why) and
recalibrations of serials

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 17:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "over_capacity_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("depot_code", sa.String(length=16), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=24), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("load_m3", sa.Float(), nullable=False),
        sa.Column("load_kg", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["depot_code"], ["depots.code"]),
        sa.ForeignKeyConstraint(["movement_id"], ["movements.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("over_capacity_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_over_capacity_receipts_depot_code"), ["depot_code"], unique=False
        )
    op.create_table(
        "calibration_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("calibrated_on", sa.Date(), nullable=False),
        sa.Column("next_due", sa.Date(), nullable=False),
        sa.Column("previous_due", sa.Date(), nullable=True),
        sa.Column("certificate_no", sa.String(length=80), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("calibration_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calibration_records_lot_id"), ["lot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calibration_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calibration_records_lot_id"))
    op.drop_table("calibration_records")
    with op.batch_alter_table("over_capacity_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_over_capacity_receipts_depot_code"))
    op.drop_table("over_capacity_receipts")
