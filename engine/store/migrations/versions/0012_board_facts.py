"""rate_facts: the overdue board's facts of each open case, and an index of them; rate_months

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 22:40:00

Adds to `rate_facts` what the overdue board ranks and filters an open case by (whether it
climbed a tier, whether a deadline fired while it stayed in its state, the earliest deadline
that still counts, the earliest one missed in its stay; engine.store.rate_facts.BOARD_COLUMNS),
fills them for the open cases (a closed case keeps 0 and NULL), 50,000 case ids per
statement, then indexes the open cases' rows (`ix_rate_facts_board`, partial) and the shared
cases' (`ix_rate_facts_shared`, partial: the few a user's visibility asks case by case).

Creates `rate_months`, the facts summed per month of opening (China Standard Time) and per
what the rates filter and apply visibility by (engine.store.rate_months), and fills it from
the facts.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from engine.loader import parse_definition
from engine.store.rate_facts import book_of, rebuild
from engine.store.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# engine.store.tables.BOARD_INDEX_COLUMNS as of this revision
INDEXED = (
    "tier",
    "missed_due",
    "next_due",
    "missed_here",
    "escalated",
    "workflow",
    "org_unit",
    "grid_unit",
    "organisation",
    "handling_unit",
    "lead_unit",
    "shared",
    "case_id",  # PostgreSQL: read from the index alone
)


def _create_months() -> None:
    unit = sa.String(length=64)
    keys = ("workflow", "org_unit", "grid_unit", "area_unit", "organisation", "handling_unit")
    op.create_table(
        "rate_months",
        sa.Column("month", sa.Integer(), nullable=False),
        *(sa.Column(name, unit, nullable=False) for name in (*keys, "lead_unit")),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("shared", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "counted",
                "excluded",
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
        sa.Column("urged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", *keys, "lead_unit", "tier", "shared"),
    )


def upgrade() -> None:
    with op.batch_alter_table("rate_facts", schema=None) as batch_op:
        for name in ("is_open", "escalated", "missed_here"):
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
        for name in ("next_due", "missed_due"):
            batch_op.add_column(sa.Column(name, UTCDateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    if not sa.inspect(conn).has_table("rate_months"):
        _create_months()
    rows = conn.execute(sa.text("SELECT source FROM definitions")).all()
    book = book_of(parse_definition(r.source, check_types=False) for r in rows)

    def progress(last_id: int, top_id: int) -> None:
        log.info("rate_facts: the board's facts, open cases up to id %d of %d", last_id, top_id)

    rebuild(conn, book, progress=progress, open_only=True)
    with op.batch_alter_table("rate_facts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rate_facts_board",
            list(INDEXED),
            unique=False,
            sqlite_where=sa.text("is_open = 1"),
            postgresql_where=sa.text("is_open = 1"),
        )
        batch_op.create_index(
            "ix_rate_facts_shared",
            ["opened_at", "case_id"],
            unique=False,
            sqlite_where=sa.text("shared = 1"),
            postgresql_where=sa.text("shared = 1"),
        )


def downgrade() -> None:
    op.drop_table("rate_months")
    with op.batch_alter_table("rate_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_facts_shared")
        batch_op.drop_index("ix_rate_facts_board")
        for name in ("missed_due", "next_due", "missed_here", "escalated", "is_open"):
            batch_op.drop_column(name)
