"""plan_stops.legs (issue 15): how a vehicle or boat reaches each stop, leg by leg and
mode by mode (road, off-road, a truck aboard a ferry, a boat at sea)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan_stops") as batch:
        batch.add_column(sa.Column("legs", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_stops") as batch:
        batch.drop_column("legs")
