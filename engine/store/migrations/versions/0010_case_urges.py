"""cases.urges and cases.last_urged_at (催办), and an index of the open cases

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-03 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from engine.store.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("urges", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_urged_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_cases_open",
            ["id"],
            unique=False,
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_open")
        batch_op.drop_column("last_urged_at")
        batch_op.drop_column("urges")
