"""Duplicate suggestions' place lookup: the open cases of a map cell by workflow and time of
opening (ix_cases_open_place on cell, workflow, opened_at, replacing ix_cases_open_cell)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 09:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_PLACED = "closed_at IS NULL AND cell IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_cases_open_place",
        "cases",
        ["cell", "workflow", "opened_at"],
        unique=False,
        sqlite_where=sa.text(OPEN_PLACED),
        postgresql_where=sa.text(OPEN_PLACED),
    )
    op.drop_index("ix_cases_open_cell", table_name="cases")


def downgrade() -> None:
    op.create_index(
        "ix_cases_open_cell",
        "cases",
        ["cell"],
        unique=False,
        sqlite_where=sa.text(OPEN_PLACED),
        postgresql_where=sa.text(OPEN_PLACED),
    )
    op.drop_index("ix_cases_open_place", table_name="cases")
