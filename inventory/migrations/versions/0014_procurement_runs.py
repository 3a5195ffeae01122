"""procurement runs (issue 13): the run as asked and as it ended, and its typed result
rows: orders, upgrade starts, year-end stock, year summaries with readiness, binding
constraints (inventory.procurement_models)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_CHILDREN = (
    "procurement_orders",
    "procurement_upgrade_starts",
    "procurement_stock",
    "procurement_years",
    "procurement_binding",
)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _run_id() -> sa.Column[int]:
    return sa.Column("run_id", sa.Integer(), sa.ForeignKey("procurement_runs.id"), nullable=False)


def _depot() -> sa.Column[str]:
    return sa.Column("depot_code", sa.String(16), sa.ForeignKey("depots.code"), nullable=False)


def _item() -> sa.Column[str]:
    return sa.Column("item_code", sa.String(24), sa.ForeignKey("items.code"), nullable=False)


def _big(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _float(name: str, nullable: bool = False) -> sa.Column[float]:
    return sa.Column(name, sa.Float(), nullable=nullable)


def upgrade() -> None:
    status = sa.Enum(
        "running",
        "succeeded",
        "failed",
        name="procurement_run_status",
        native_enum=False,
        length=24,
    )
    op.create_table(
        "procurement_runs",
        _id(),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("jobs.id"), nullable=True),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("status", status, nullable=False),
        _int("first_year"),
        _int("last_year"),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("what_ifs", sa.Text(), nullable=False),
        sa.Column("solve_status", sa.String(20), nullable=True),
        sa.Column("solver", sa.String(40), nullable=True),
        _float("shortfall", True),
        _float("shortfall_bound", True),
        _big("cost_vnd", True),
        _float("cost_bound", True),
        _float("gap", True),
        _float("wall_s", True),
        sa.Column("message", sa.Text(), nullable=True),
        _float("today_served_share", True),
        _float("today_expected_unmet", True),
        _int("readiness_scenarios"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
    )
    op.create_index("ix_procurement_runs_status", "procurement_runs", ["status"])
    _children()
    for table in _CHILDREN:
        op.create_index(f"ix_{table}_run_id", table, ["run_id"])


def _children() -> None:
    op.create_table(
        "procurement_orders",
        _id(),
        _run_id(),
        _int("seq"),
        _int("year"),
        sa.Column("source", sa.String(40), nullable=False),
        _depot(),
        _item(),
        _big("quantity"),
        _big("cost_vnd"),
        _int("arrives_year"),
        _int("usable_through", True),
    )
    op.create_table(
        "procurement_upgrade_starts",
        _id(),
        _run_id(),
        _int("seq"),
        sa.Column("upgrade", sa.String(40), nullable=False),
        _depot(),
        _int("year"),
        _int("ready_year"),
        _big("cost_vnd"),
    )
    op.create_table(
        "procurement_stock",
        _id(),
        _run_id(),
        _int("year"),
        _depot(),
        _item(),
        *(_big(name) for name in ("target", "held", "shortfall", "expiring", "arriving")),
        sa.UniqueConstraint("run_id", "year", "depot_code", "item_code", name="uq_proc_stock"),
    )
    op.create_table(
        "procurement_years",
        _id(),
        _run_id(),
        _int("year"),
        *(_big(n) for n in ("budget_vnd", "spend_vnd", "target_units", "shortfall_units")),
        *(_float(n) for n in ("weighted_shortfall", "storage_used_m3", "storage_capacity_m3")),
        _float("served_share", True),
        _float("expected_unmet", True),
        sa.UniqueConstraint("run_id", "year", name="uq_proc_year"),
    )
    op.create_table(
        "procurement_binding",
        _id(),
        _run_id(),
        _int("seq"),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(120), nullable=False),
        _int("year", True),
        sa.Column("text", sa.Text(), nullable=False),
        _float("shadow_price", True),
    )


def downgrade() -> None:
    for table in _CHILDREN:
        op.drop_index(f"ix_{table}_run_id", table_name=table)
        op.drop_table(table)
    op.drop_index("ix_procurement_runs_status", table_name="procurement_runs")
    op.drop_table("procurement_runs")
