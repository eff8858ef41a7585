"""cases.external_source / external_id (unique per source), client_systems, case_origins,
grid_areas, service_routes: cases opened from outside systems (Open311, a 12345 hotline's files)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from engine.store.types import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_source", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ux_cases_external", ["external_source", "external_id"], unique=True
        )
    op.create_table(
        "client_systems",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("webhook_secret", sa.String(length=128), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_table(
        "case_origins",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("long", sa.Float(), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("media_url", sa.String(length=2000), nullable=True),
        sa.Column("reported_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_table(
        "grid_areas",
        sa.Column("grid_unit", sa.String(length=64), nullable=False),
        sa.Column("south", sa.Float(), nullable=False),
        sa.Column("west", sa.Float(), nullable=False),
        sa.Column("north", sa.Float(), nullable=False),
        sa.Column("east", sa.Float(), nullable=False),
        sa.Column("words", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("grid_unit"),
    )
    op.create_table(
        "service_routes",
        sa.Column("service_code", sa.String(length=130), nullable=False),
        sa.Column("area_unit", sa.String(length=64), nullable=False),
        sa.Column("org_unit", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("service_code", "area_unit"),
    )


def downgrade() -> None:
    op.drop_table("service_routes")
    op.drop_table("grid_areas")
    op.drop_table("case_origins")
    op.drop_table("client_systems")
    # Dropped in place (SQLite 3.35+ drops a column without copying the table, which other
    # tables' rows refer to).
    op.drop_index("ux_cases_external", table_name="cases")
    op.drop_column("cases", "external_id")
    op.drop_column("cases", "external_source")
