"""stock_versions: a random token per depot location, set by triggers whenever a balance
there or a lot held there changes, so a stock page can be answered from memory while its
depot's token stands (inventory.stock_versions)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 20:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_TOKEN = "(random() * 9.0e18)::bigint"
_SQLITE_TOKEN = "random()"

_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER stock_version_balance_insert AFTER INSERT ON balances BEGIN
    UPDATE stock_versions SET version = {_SQLITE_TOKEN} WHERE location_id = NEW.location_id;
    END""",
    f"""CREATE TRIGGER stock_version_balance_update AFTER UPDATE OF on_hand, reserved
    ON balances BEGIN
    UPDATE stock_versions SET version = {_SQLITE_TOKEN} WHERE location_id = NEW.location_id;
    END""",
    f"""CREATE TRIGGER stock_version_balance_delete AFTER DELETE ON balances BEGIN
    UPDATE stock_versions SET version = {_SQLITE_TOKEN} WHERE location_id = OLD.location_id;
    END""",
    f"""CREATE TRIGGER stock_version_lot_update
    AFTER UPDATE OF condition, expiry_date, calibration_due ON lots BEGIN
    UPDATE stock_versions SET version = {_SQLITE_TOKEN}
    WHERE location_id IN (SELECT location_id FROM balances WHERE lot_id = NEW.id);
    END""",
    f"""CREATE TRIGGER stock_version_depot_location AFTER INSERT ON locations
    WHEN NEW.kind = 'depot' BEGIN
    INSERT INTO stock_versions (location_id, version) VALUES (NEW.id, {_SQLITE_TOKEN})
    ON CONFLICT (location_id) DO UPDATE SET version = excluded.version;
    END""",
]

_PG_TRIGGERS = [
    f"""CREATE FUNCTION stock_version_balance() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE stock_versions SET version = {_PG_TOKEN}
      WHERE location_id = CASE WHEN TG_OP = 'DELETE' THEN OLD.location_id
                               ELSE NEW.location_id END;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER stock_version_balance
    AFTER INSERT OR DELETE OR UPDATE OF on_hand, reserved ON balances
    FOR EACH ROW EXECUTE FUNCTION stock_version_balance()""",
    f"""CREATE FUNCTION stock_version_lot() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE stock_versions SET version = {_PG_TOKEN}
      WHERE location_id IN (SELECT location_id FROM balances WHERE lot_id = NEW.id);
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER stock_version_lot
    AFTER UPDATE OF condition, expiry_date, calibration_due ON lots
    FOR EACH ROW EXECUTE FUNCTION stock_version_lot()""",
    f"""CREATE FUNCTION stock_version_location() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO stock_versions (location_id, version) VALUES (NEW.id, {_PG_TOKEN})
      ON CONFLICT (location_id) DO UPDATE SET version = EXCLUDED.version;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER stock_version_location AFTER INSERT ON locations
    FOR EACH ROW WHEN (NEW.kind = 'depot') EXECUTE FUNCTION stock_version_location()""",
]


def upgrade() -> None:
    op.create_table(
        "stock_versions",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("location_id"),
    )
    is_pg = op.get_bind().dialect.name == "postgresql"
    op.execute(
        "INSERT INTO stock_versions (location_id, version) "
        f"SELECT id, {_PG_TOKEN if is_pg else _SQLITE_TOKEN} FROM locations WHERE kind = 'depot'"
    )
    for statement in _PG_TRIGGERS if is_pg else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, name in (("balances", "balance"), ("lots", "lot"), ("locations", "location")):
            op.execute(f"DROP TRIGGER stock_version_{name} ON {table}")
            op.execute(f"DROP FUNCTION stock_version_{name}()")
    else:
        for name in ("balance_insert", "balance_update", "balance_delete", "lot_update"):
            op.execute(f"DROP TRIGGER stock_version_{name}")
        op.execute("DROP TRIGGER stock_version_depot_location")
    op.drop_table("stock_versions")
