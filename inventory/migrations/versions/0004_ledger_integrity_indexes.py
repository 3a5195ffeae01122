"""ledger integrity indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 14:21:20.141865
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("balances", schema=None) as batch_op:
        batch_op.create_index("ix_balance_lot", ["lot_id"], unique=False)

    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.create_index(
            "uq_lot_one_bulk_per_item",
            ["item_code"],
            unique=True,
            postgresql_where=sa.text("is_bulk"),
            sqlite_where=sa.text("is_bulk"),
        )

    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.create_index("uq_movement_reverses", ["reverses_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.drop_index("uq_movement_reverses")

    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_lot_one_bulk_per_item",
            postgresql_where=sa.text("is_bulk"),
            sqlite_where=sa.text("is_bulk"),
        )

    with op.batch_alter_table("balances", schema=None) as batch_op:
        batch_op.drop_index("ix_balance_lot")
