"""rate_facts: what the rates count of each case, kept where it changes; filled from the cases

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-03 19:30:00

The back-fill works out every case's facts in SQL from the case, its history, its timers and
its exclusion (engine.store.rate_facts.rebuild), by the rules of the published version the
case runs on (parsed from the `definitions` table), 50,000 cases per statement.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.store.types
from engine.loader import parse_definition
from engine.store.rate_facts import RATE_COLUMNS, book_of, rebuild

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def _create() -> None:
    unit = sa.String(length=64)
    op.create_table(
        "rate_facts",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("workflow", sa.String(length=64), nullable=False),
        sa.Column("opened_at", engine.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_unit", unit, nullable=True),
        sa.Column("grid_unit", unit, nullable=True),
        sa.Column("area_unit", unit, nullable=True),
        sa.Column("category", unit, nullable=True),
        sa.Column("organisation", unit, nullable=True),
        sa.Column("handling_unit", unit, nullable=True),
        sa.Column("lead_unit", unit, nullable=True),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "tier",
                "shared",
                "excluded",
                "counted",
                "awaiting",
                "in_time",
                "resolved",
                "rated",
                "satisfied",
                "closed",
                "on_time",
                "mediated",
                "agreement",
            )
        ),
        sa.Column("close_s", sa.Float(), nullable=False),
        sa.Column("urges", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )


def upgrade() -> None:
    _create()
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT source FROM definitions")).all()
    book = book_of(parse_definition(r.source, check_types=False) for r in rows)

    def progress(last_id: int, top_id: int) -> None:
        log.info("rate_facts: cases up to id %d of %d", last_id, top_id)

    # 0012 adds the board's columns and the months
    rebuild(conn, book, progress=progress, columns=RATE_COLUMNS, months=False)
    # Indexed once filled: one sort instead of an index kept up through the back-fill.
    with op.batch_alter_table("rate_facts", schema=None) as batch_op:
        batch_op.create_index("ix_rate_facts_opened_at", ["opened_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rate_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_facts_opened_at")
    op.drop_table("rate_facts")
