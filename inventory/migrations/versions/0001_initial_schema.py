"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 13:35:46.483764
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_records",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "items",
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("unit_weight_kg", sa.Float(), nullable=False),
        sa.Column("unit_volume_m3", sa.Float(), nullable=False),
        sa.Column("unit_cost_vnd", sa.BigInteger(), nullable=False),
        sa.Column("shelf_life_days", sa.Integer(), nullable=True),
        sa.Column(
            "tracking",
            sa.Enum("none", "lot", "serial", name="tracking", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("storage_class", sa.String(length=20), nullable=False),
        sa.Column("calibration_interval_days", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_items_category"), ["category"], unique=False)

    op.create_table(
        "provinces",
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("name_vi", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("unit_type", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=120), nullable=False),
        sa.Column("centre_name", sa.String(length=80), nullable=False),
        sa.Column("centre_lat", sa.Float(), nullable=False),
        sa.Column("centre_lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "depots",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_vi", sa.String(length=160), nullable=False),
        sa.Column("name_en", sa.String(length=160), nullable=False),
        sa.Column("town", sa.String(length=80), nullable=False),
        sa.Column("node_id", sa.String(length=40), nullable=True),
        sa.Column("province_code", sa.String(length=4), nullable=False),
        sa.Column("zone", sa.String(length=20), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("capacity_m3", sa.Float(), nullable=False),
        sa.Column("capacity_kg", sa.Float(), nullable=False),
        sa.Column("storage_classes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["provinces.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "item_substitutes",
        sa.Column("item_code", sa.String(length=24), nullable=False),
        sa.Column("substitute_code", sa.String(length=24), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_code"],
            ["items.code"],
        ),
        sa.ForeignKeyConstraint(
            ["substitute_code"],
            ["items.code"],
        ),
        sa.PrimaryKeyConstraint("item_code", "substitute_code"),
    )
    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=24), nullable=False),
        sa.Column("lot_no", sa.String(length=60), nullable=True),
        sa.Column("is_bulk", sa.Boolean(), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("calibration_due", sa.Date(), nullable=True),
        sa.Column(
            "condition",
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
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_code"],
            ["items.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_code", "lot_no", name="uq_lot_item_lot_no"),
    )
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.create_index("ix_lot_bulk", ["item_code", "is_bulk"], unique=False)

    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "depot",
                "supplier",
                "production",
                "in_transit",
                "incident",
                "issued",
                "scrap",
                "adjustment",
                name="location_kind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("depot_code", sa.String(length=16), nullable=True),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.ForeignKeyConstraint(
            ["depot_code"],
            ["depots.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("depot_code"),
    )
    op.create_table(
        "stock_policies",
        sa.Column("depot_code", sa.String(length=16), nullable=False),
        sa.Column("item_code", sa.String(length=24), nullable=False),
        sa.Column("min_qty", sa.Integer(), nullable=False),
        sa.Column("target_qty", sa.Integer(), nullable=False),
        sa.Column("max_qty", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "min_qty >= 0 AND min_qty <= target_qty AND target_qty <= max_qty",
            name="ck_policy_order",
        ),
        sa.ForeignKeyConstraint(
            ["depot_code"],
            ["depots.code"],
        ),
        sa.ForeignKeyConstraint(
            ["item_code"],
            ["items.code"],
        ),
        sa.PrimaryKeyConstraint("depot_code", "item_code"),
    )
    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_depot", sa.String(length=16), nullable=False),
        sa.Column("to_depot", sa.String(length=16), nullable=False),
        sa.Column("item_code", sa.String(length=24), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("in_transit", "received", name="transfer_status", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("quantity > 0", name="ck_transfer_quantity_positive"),
        sa.ForeignKeyConstraint(
            ["from_depot"],
            ["depots.code"],
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
            ["to_depot"],
            ["depots.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("depot_code", sa.String(length=16), nullable=False),
        sa.Column("vehicle_type", sa.String(length=40), nullable=False),
        sa.Column("payload_kg", sa.Float(), nullable=False),
        sa.Column("cargo_volume_m3", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("avg_speed_factor", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["depot_code"],
            ["depots.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vehicles_depot_code"), ["depot_code"], unique=False)

    op.create_table(
        "balances",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=24), nullable=False),
        sa.Column("on_hand", sa.BigInteger(), nullable=False),
        sa.Column("reserved", sa.BigInteger(), nullable=False),
        sa.Column("allow_negative", sa.Boolean(), nullable=False),
        sa.CheckConstraint("on_hand >= 0 OR allow_negative", name="ck_balance_on_hand"),
        sa.CheckConstraint("reserved <= on_hand OR allow_negative", name="ck_balance_reserved_le"),
        sa.CheckConstraint("reserved >= 0", name="ck_balance_reserved_nonneg"),
        sa.ForeignKeyConstraint(
            ["item_code"],
            ["items.code"],
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lots.id"],
        ),
        sa.PrimaryKeyConstraint("location_id", "lot_id"),
    )
    with op.batch_alter_table("balances", schema=None) as batch_op:
        batch_op.create_index("ix_balance_item", ["item_code", "location_id"], unique=False)

    op.create_table(
        "movements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "receipt",
                "issue",
                "transfer_out",
                "transfer_in",
                "count",
                "write_off",
                "dispatch",
                "delivery",
                "reversal",
                name="movement_kind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("from_location_id", sa.Integer(), nullable=False),
        sa.Column("to_location_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=24), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column(
            "reverses_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.CheckConstraint("from_location_id <> to_location_id", name="ck_movement_distinct"),
        sa.CheckConstraint("quantity > 0", name="ck_movement_quantity_positive"),
        sa.ForeignKeyConstraint(
            ["from_location_id"],
            ["locations.id"],
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
            ["reverses_id"],
            ["movements.id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_location_id"],
            ["locations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_movement_from", ["from_location_id", "item_code", "id"], unique=False
        )
        batch_op.create_index("ix_movement_to", ["to_location_id", "item_code", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_movements_idempotency_key"), ["idempotency_key"], unique=False
        )

    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=24), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "posted",
                "voided",
                name="reservation_status",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("quantity > 0", name="ck_reservation_quantity_positive"),
        sa.ForeignKeyConstraint(
            ["item_code"],
            ["items.code"],
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lots.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reservations_reference"), ["reference"], unique=False)
        batch_op.create_index(batch_op.f("ix_reservations_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reservations_status"))
        batch_op.drop_index(batch_op.f("ix_reservations_reference"))

    op.drop_table("reservations")
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_movements_idempotency_key"))
        batch_op.drop_index("ix_movement_to")
        batch_op.drop_index("ix_movement_from")

    op.drop_table("movements")
    with op.batch_alter_table("balances", schema=None) as batch_op:
        batch_op.drop_index("ix_balance_item")

    op.drop_table("balances")
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicles_depot_code"))

    op.drop_table("vehicles")
    op.drop_table("transfers")
    op.drop_table("stock_policies")
    op.drop_table("locations")
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_index("ix_lot_bulk")

    op.drop_table("lots")
    op.drop_table("item_substitutes")
    op.drop_table("depots")
    op.drop_table("provinces")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_items_category"))

    op.drop_table("items")
    op.drop_table("idempotency_records")
