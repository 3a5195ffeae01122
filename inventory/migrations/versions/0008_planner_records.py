"""planner records: jobs and their log, scenario sets, stock-levels runs (levels, readiness
before and after, rebalancing transfers), the daily readiness figure, and the run that set
each stock policy

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                "interrupted",
                name="job_status",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("result_ref", sa.String(length=80), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("started_at", _TS, nullable=True),
        sa.Column("finished_at", _TS, nullable=True),
        sa.CheckConstraint("progress >= 0 AND progress <= 1", name="ck_job_progress"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_status"), ["status"], unique=False)

    op.create_table(
        "scenario_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "job_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("job_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_log_job_id"), ["job_id"], unique=False)

    op.create_table(
        "levels_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "succeeded",
                "failed",
                "accepted",
                name="levels_run_status",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("scenario_set_id", sa.Integer(), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=True),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("solve_status", sa.String(length=20), nullable=True),
        sa.Column("method", sa.String(length=40), nullable=True),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("wall_s", sa.Float(), nullable=True),
        sa.Column("spent", sa.BigInteger(), nullable=True),
        sa.Column("moved_units", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("accepted_by", sa.String(length=80), nullable=True),
        sa.Column("accepted_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
        ),
        sa.ForeignKeyConstraint(
            ["scenario_set_id"],
            ["scenario_sets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("levels_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_levels_runs_status"), ["status"], unique=False)

    op.create_table(
        "readiness_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scenario_set_id", sa.Integer(), nullable=False),
        sa.Column("ledger_version", sa.String(length=40), nullable=False),
        sa.Column("served_share", sa.Float(), nullable=False),
        sa.Column("expected_unmet", sa.Float(), nullable=False),
        sa.Column("computed_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["scenario_set_id"],
            ["scenario_sets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "scenario_set_id", name="uq_readiness_day"),
    )
    op.create_table(
        "levels_run_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("depot_code", sa.String(length=16), nullable=False),
        sa.Column("item_code", sa.String(length=24), nullable=False),
        sa.Column("current_qty", sa.Integer(), nullable=False),
        sa.Column("min_qty", sa.Integer(), nullable=False),
        sa.Column("target_qty", sa.Integer(), nullable=False),
        sa.Column("max_qty", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["depot_code"],
            ["depots.code"],
        ),
        sa.ForeignKeyConstraint(
            ["item_code"],
            ["items.code"],
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["levels_runs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "depot_code", "item_code", name="uq_run_level"),
    )
    with op.batch_alter_table("levels_run_levels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_levels_run_levels_run_id"), ["run_id"], unique=False)

    op.create_table(
        "levels_run_readiness",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("stock", sa.String(length=10), nullable=False),
        sa.Column("tag", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=60), nullable=False),
        sa.Column("scenarios", sa.Integer(), nullable=False),
        sa.Column("served_share", sa.Float(), nullable=False),
        sa.Column("expected_unmet", sa.Float(), nullable=False),
        sa.Column("expected_late", sa.Float(), nullable=False),
        sa.Column("expected_time_to_full_h", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["levels_runs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "stock", "tag", "value", name="uq_run_readiness"),
    )
    with op.batch_alter_table("levels_run_readiness", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_levels_run_readiness_run_id"), ["run_id"], unique=False
        )

    op.create_table(
        "levels_run_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("from_depot", sa.String(length=16), nullable=True),
        sa.Column("to_depot", sa.String(length=16), nullable=False),
        sa.Column("item_code", sa.String(length=24), nullable=False),
        sa.Column("lot_no", sa.String(length=60), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("road_seconds", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["from_depot"],
            ["depots.code"],
        ),
        sa.ForeignKeyConstraint(
            ["item_code"],
            ["items.code"],
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["levels_runs.id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_depot"],
            ["depots.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("levels_run_transfers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_levels_run_transfers_run_id"), ["run_id"], unique=False
        )

    with op.batch_alter_table("stock_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_stock_policies_run_id", "levels_runs", ["run_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("stock_policies", schema=None) as batch_op:
        batch_op.drop_constraint("fk_stock_policies_run_id", type_="foreignkey")
        batch_op.drop_column("run_id")

    with op.batch_alter_table("levels_run_transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_levels_run_transfers_run_id"))

    op.drop_table("levels_run_transfers")
    with op.batch_alter_table("levels_run_readiness", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_levels_run_readiness_run_id"))

    op.drop_table("levels_run_readiness")
    with op.batch_alter_table("levels_run_levels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_levels_run_levels_run_id"))

    op.drop_table("levels_run_levels")
    op.drop_table("readiness_daily")
    with op.batch_alter_table("levels_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_levels_runs_status"))

    op.drop_table("levels_runs")
    with op.batch_alter_table("job_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_log_job_id"))

    op.drop_table("job_log")
    op.drop_table("scenario_sets")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_status"))

    op.drop_table("jobs")
