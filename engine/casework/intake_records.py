"""What the transaction that opens a case keeps besides the case: its point and text for the
duplicate suggestions, the public form's receipt number, and the resident's consent to the
processing of personal data (PIPL) in the audit log. Called by the opening use cases
(`cases.open_case`, `grid_reports.report`) inside their transaction."""

from __future__ import annotations

from engine.casework.duplicates import index_opened
from engine.casework.identity import User
from engine.model import Case
from engine.store import audit, receipts
from engine.store.repository import SqlTransaction

CONSENT = "consent_recorded"


def keep(
    tx: SqlTransaction,
    user: User,
    case: Case,
    *,
    place: tuple[float, float] | None,
    receipt: str | None = None,
    consent: str | None = None,
) -> None:
    index_opened(tx, case, place)
    if receipt is not None:
        receipts.keep(tx, case.id, receipt)
    if consent is not None:
        audit.record(
            tx,
            at=case.opened_at,
            username=user.username,
            action=CONSENT,
            reason=consent,
            case_id=case.id,
        )
