"""parties: name, phone, ID number and address hold sealed values (text of any length)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("name", 128, False), ("phone", 32, True), ("id_number", 32, True), ("address", 256, True))


def upgrade() -> None:
    with op.batch_alter_table("parties", schema=None) as batch_op:
        for name, length, nullable in COLUMNS:
            batch_op.alter_column(
                name,
                existing_type=sa.String(length=length),
                type_=sa.Text(),
                existing_nullable=nullable,
            )


def downgrade() -> None:
    with op.batch_alter_table("parties", schema=None) as batch_op:
        for name, length, nullable in COLUMNS:
            batch_op.alter_column(
                name,
                existing_type=sa.Text(),
                type_=sa.String(length=length),
                existing_nullable=nullable,
            )
