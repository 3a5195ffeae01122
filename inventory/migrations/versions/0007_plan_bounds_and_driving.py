"""plan bounds and driving time: each demand line keeps its earliest possible arrival,
first arrival, units within the bound rule and the reason it is slower; each plan its
share within the bound, vehicle time and far-vehicle count; each route its crew and rest

Plans made before this revision have no bound: their new columns stay empty (null, 0, "").

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 11:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("dispatch_plans") as batch:
        batch.add_column(sa.Column("within_bound_share", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column("vehicle_seconds", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("far_vehicles", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("plan_vehicles") as batch:
        batch.add_column(sa.Column("crew", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(
            sa.Column("rest_seconds", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("plan_fulfilment") as batch:
        batch.add_column(sa.Column("earliest_arrival", _TS, nullable=True))
        batch.add_column(sa.Column("first_arrival", _TS, nullable=True))
        batch.add_column(
            sa.Column("within_bound", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
    # The defaults only filled the rows already there; new rows get theirs from the code.
    for table, columns in (
        ("dispatch_plans", ("vehicle_seconds", "far_vehicles")),
        ("plan_vehicles", ("crew", "rest_seconds")),
        ("plan_fulfilment", ("within_bound", "reason")),
    ):
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("plan_fulfilment") as batch:
        for column in ("reason", "within_bound", "first_arrival", "earliest_arrival"):
            batch.drop_column(column)
    with op.batch_alter_table("plan_vehicles") as batch:
        batch.drop_column("rest_seconds")
        batch.drop_column("crew")
    with op.batch_alter_table("dispatch_plans") as batch:
        for column in ("far_vehicles", "vehicle_seconds", "within_bound_share"):
            batch.drop_column(column)
