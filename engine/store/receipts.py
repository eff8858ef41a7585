"""The receipt number a case opened by the public intake form is followed by (engine.receipts)."""

from __future__ import annotations

from sqlalchemy import select, update

from engine.store.repository import SqlTransaction
from engine.store.tables import CaseRow

cases = CaseRow.__table__  # type: ignore[attr-defined]


def keep(tx: SqlTransaction, case_id: int, code: str) -> None:
    tx.conn.execute(update(cases).where(cases.c.id == case_id).values(receipt=code))


def case_of(tx: SqlTransaction, code: str) -> int | None:
    """The case with this receipt (unique index `uq_cases_receipt`)."""
    return tx.conn.execute(select(cases.c.id).where(cases.c.receipt == code)).scalar_one_or_none()


def receipt_of(tx: SqlTransaction, case_id: int) -> str | None:
    row = tx.conn.execute(select(cases.c.receipt).where(cases.c.id == case_id)).scalar_one_or_none()
    return str(row) if row is not None else None
