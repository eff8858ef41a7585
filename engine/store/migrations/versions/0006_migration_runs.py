"""migration_runs, migration_cases: moving running cases to another version, previewed per case

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.store.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "migration_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow", sa.String(length=64), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("state_map", _json(), nullable=False),
        sa.Column("states", _json(), nullable=False),
        sa.Column("case_ids", _json(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", engine.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("movable", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("previewed_at", engine.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("applied_at", engine.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("migration_runs", schema=None) as batch_op:
        batch_op.create_index("ix_migration_runs_workflow", ["workflow", "id"], unique=False)
    op.create_table(
        "migration_cases",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("to_state", sa.String(length=64), nullable=True),
        sa.Column("movable", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("case_version", sa.Integer(), nullable=False),
        sa.Column("entered_by", sa.String(length=64), nullable=True),
        sa.Column("refusals", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("moved_at", engine.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["migration_runs.id"]),
        sa.PrimaryKeyConstraint("run_id", "case_id"),
    )
    with op.batch_alter_table("migration_cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_migration_cases_state", ["run_id", "state", "case_id"], unique=False
        )
        batch_op.create_index(
            "ix_migration_cases_status", ["run_id", "status", "case_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("migration_cases")
    op.drop_table("migration_runs")
