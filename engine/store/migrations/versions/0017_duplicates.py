"""Duplicate detection and the public intake: cases' location, map cell and receipt number,
the parties' phone index, and the cases' text sketches

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lng", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("cell", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("receipt", sa.String(length=16), nullable=True))
        batch_op.create_index(
            "ix_cases_open_cell",
            ["cell"],
            unique=False,
            sqlite_where=sa.text("closed_at IS NULL AND cell IS NOT NULL"),
            postgresql_where=sa.text("closed_at IS NULL AND cell IS NOT NULL"),
        )
        batch_op.create_index("uq_cases_receipt", ["receipt"], unique=True)
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_index", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_parties_phone_index", ["phone_index"], unique=False)
    op.create_table(
        "case_sketches",
        sa.Column("band", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("band", "case_id"),
    )
    op.create_index("ix_case_sketches_case", "case_sketches", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_sketches_case", table_name="case_sketches")
    op.drop_table("case_sketches")
    # Dropped in place (SQLite 3.35+ drops a column without copying the table, which other
    # tables' rows refer to).
    op.drop_index("ix_parties_phone_index", table_name="parties")
    op.drop_column("parties", "phone_index")
    op.drop_index("uq_cases_receipt", table_name="cases")
    op.drop_index("ix_cases_open_cell", table_name="cases")
    for column in ("receipt", "cell", "lng", "lat"):
        op.drop_column("cases", column)
