"""timers: failed firings are counted, their error kept, and retried later

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FAILING = sa.text("attempts > 0")


def upgrade() -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("last_error", sa.String(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "next_attempt_at", engine.store.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_index(
            "ix_timers_failing",
            ["status", "case_id"],
            unique=False,
            sqlite_where=FAILING,
            postgresql_where=FAILING,
        )


def downgrade() -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_failing", sqlite_where=FAILING, postgresql_where=FAILING)
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("attempts")
