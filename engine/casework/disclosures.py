"""A safety disclosure made in a step that was refused stays on record.

A mediator who ticks "domestic violence" while starting mediation is refused (violence is
reported to the police, never "mediated first": 反家庭暴力法 art. 13–14, 人民调解法
art. 25), and the refused step writes nothing to the case. The disclosure must not be lost
with it: it is written to the audit log (who, when, in which step, which facts), and the
organisation admins are told (a notification without details, like every one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.casework.context import Casework
from engine.casework.identity import User
from engine.model import Notification
from engine.reserved import DISCLOSURE_FIELDS
from engine.store import audit

SAFETY_DISCLOSURE = "safety_disclosure"
NOTIFY_ROLE = "org_admin"


def disclosed(data: Mapping[str, Any]) -> list[str]:
    """The safety facts `data` asserts (a disclosure field set to true)."""
    return [f for f in DISCLOSURE_FIELDS if data.get(f) is True]


def record_refused_disclosure(
    cw: Casework, user: User, case_id: int, action: str, facts: list[str], refusal: str
) -> None:
    """Keep `facts`, disclosed in `action` on a case the user sees, after the action was
    refused for `refusal`: an audit entry and a notice to the organisation admins, in one
    transaction of their own."""
    with cw.store.transaction() as tx:
        case = tx.get_case(case_id)
        if case is None:
            return
        at = cw.clock.now()
        reason = f"{', '.join(facts)} disclosed in refused step {action!r}: {refusal}"
        audit.record(
            tx,
            at=at,
            username=user.username,
            action=SAFETY_DISCLOSURE,
            case_id=case_id,
            reason=reason[:1000],
        )
        tx.add_notifications(
            [Notification(case_id, NOTIFY_ROLE, "disclosure", at, SAFETY_DISCLOSURE, case.org_unit)]
        )
