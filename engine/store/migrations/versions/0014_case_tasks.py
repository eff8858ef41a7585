"""case_tasks: the tasks within a case (协同处置, a meeting's decisions)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from engine.store.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("armed_seq", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_tasks_case", "case_tasks", ["case_id", "id"], unique=False)
    op.create_index("ix_case_tasks_unit_open", "case_tasks", ["unit", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_tasks_unit_open", table_name="case_tasks")
    op.drop_index("ix_case_tasks_case", table_name="case_tasks")
    op.drop_table("case_tasks")
