"""points_ledger: the append-only ledger of points (公益积分, 积分评定); the database refuses
any update or delete of its rows; a redemption's or counter-entry's Idempotency-Key is unique

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from engine.store.types import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFUSED = "points_ledger is append-only: write a counter-entry"


def upgrade() -> None:
    op.create_table(
        "points_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("account_kind", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason_zh", sa.String(), nullable=False),
        sa.Column("reason_en", sa.String(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=True),
        sa.Column("corrects", sa.Integer(), nullable=True),
        sa.Column("partner", sa.String(length=128), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("idem_key", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["corrects"], ["points_ledger.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("corrects", name="uq_points_ledger_corrects"),
        sa.UniqueConstraint("idem_key", name="uq_points_ledger_idem_key"),
    )
    op.create_index("ix_points_ledger_account", "points_ledger", ["account_kind", "account"])
    op.create_index("ix_points_ledger_category_at", "points_ledger", ["category", "at"])
    op.create_index("ix_points_ledger_case", "points_ledger", ["case_id"])
    if op.get_bind().dialect.name == "sqlite":
        for what in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER points_ledger_no_{what.lower()} BEFORE {what} ON points_ledger"
                f" BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION points_ledger_refuse() RETURNS trigger LANGUAGE plpgsql AS"
            f" $$ BEGIN RAISE EXCEPTION '{_REFUSED}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER points_ledger_append_only BEFORE UPDATE OR DELETE ON points_ledger"
            " FOR EACH ROW EXECUTE FUNCTION points_ledger_refuse()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS points_ledger_no_update")
        op.execute("DROP TRIGGER IF EXISTS points_ledger_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS points_ledger_append_only ON points_ledger")
        op.execute("DROP FUNCTION IF EXISTS points_ledger_refuse()")
    op.drop_index("ix_points_ledger_case", table_name="points_ledger")
    op.drop_index("ix_points_ledger_category_at", table_name="points_ledger")
    op.drop_index("ix_points_ledger_account", table_name="points_ledger")
    op.drop_table("points_ledger")
