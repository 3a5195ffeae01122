"""idempotent refusals: an idempotency key is claimed while its request runs (state, holder
token, lease) and keeps its first refusal (status code) as well as its first answer

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_STATE = sa.Enum(
    "in_progress", "answered", "refused", name="key_state", native_enum=False, length=24
)


def upgrade() -> None:
    # Every key stored before this revision holds a committed answer.
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", _STATE, nullable=False, server_default="answered"))
        batch_op.add_column(sa.Column("status_code", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("lease_until", _TS, nullable=True))
        batch_op.add_column(sa.Column("updated_at", _TS, nullable=True))
    op.execute("UPDATE idempotency_records SET updated_at = created_at")
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.alter_column("state", server_default=None)
        batch_op.alter_column("updated_at", existing_type=_TS, nullable=False)


def downgrade() -> None:
    # A claim still in progress or a refusal has no answer to keep: both go.
    op.execute("DELETE FROM idempotency_records WHERE state <> 'answered'")
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("token")
        batch_op.drop_column("status_code")
        batch_op.drop_column("state")
