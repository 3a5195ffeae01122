"""lot condition changes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 14:52:26.797838
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lot_condition_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column(
            "old_condition",
            sa.Enum(
                "serviceable",
                "unserviceable",
                "in_repair",
                "quarantined",
                name="condition",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "new_condition",
            sa.Enum(
                "serviceable",
                "unserviceable",
                "in_repair",
                "quarantined",
                name="condition",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lots.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lot_condition_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lot_condition_changes_lot_id"), ["lot_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("lot_condition_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lot_condition_changes_lot_id"))

    op.drop_table("lot_condition_changes")
