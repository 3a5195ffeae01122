"""transfers name their two ledger lines (out_movement_id, in_movement_id), so a stock
card's transfer line is tied to its transfer by a key rather than by matching depot, lot,
quantity and instant

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 18:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the movement of a transfer's end that has its kind, lot, quantity, depot and instant
#: (the ledger wrote the transfer and that movement in one call, at one instant); the
#: lowest id when two ever match, as the earlier queries paired them
_LEG = """
(SELECT min(m.id) FROM movements m JOIN locations l ON l.id = m.{end}_location_id
 WHERE m.kind = '{kind}' AND m.lot_id = transfers.lot_id
   AND m.quantity = transfers.quantity AND l.depot_code = transfers.{depot}
   AND m.posted_at = transfers.{moment})
"""


def upgrade() -> None:
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("out_movement_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("in_movement_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_transfers_out_movement_id_movements"),
            "movements",
            ["out_movement_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_transfers_in_movement_id_movements"),
            "movements",
            ["in_movement_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_transfers_out_movement_id"), ["out_movement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_transfers_in_movement_id"), ["in_movement_id"], unique=False
        )
    out_leg = _LEG.format(end="from", kind="transfer_out", depot="from_depot", moment="shipped_at")
    in_leg = _LEG.format(end="to", kind="transfer_in", depot="to_depot", moment="received_at")
    op.execute(f"UPDATE transfers SET out_movement_id = {out_leg}")
    op.execute(f"UPDATE transfers SET in_movement_id = {in_leg} WHERE received_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfers_in_movement_id"))
        batch_op.drop_index(batch_op.f("ix_transfers_out_movement_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_transfers_in_movement_id_movements"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_transfers_out_movement_id_movements"), type_="foreignkey"
        )
        batch_op.drop_column("in_movement_id")
        batch_op.drop_column("out_movement_id")
