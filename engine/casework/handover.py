"""Handing a case to another unit as well (joint meeting, referral), the reason kept."""

from __future__ import annotations

from dataclasses import dataclass

from engine.casework.access import visible_in
from engine.casework.context import Casework
from engine.casework.errors import UnknownUnitError
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.store import audit, queries
from engine.store.units import unit_exists

HAND_OVER = "hand_over"


@dataclass(frozen=True, slots=True)
class HandOver:
    case_id: int
    unit: str
    granted: bool  # False: the unit had the case already


def hand_over(cw: Casework, user: User, case_id: int, unit: str, reason: str) -> HandOver:
    """Give `unit` access to a case the user sees (404 first, then 403 for the role, then 422
    for an unknown unit); the hand-over and its audit entry in one transaction."""
    with cw.store.transaction() as tx:
        visible_in(tx, user, case_id)
        require(user, Permission.HAND_OVER)
        if not unit_exists(tx, unit):
            raise UnknownUnitError(unit)
        at = cw.clock.now()
        granted = queries.hand_over(tx, case_id, unit, reason, at)
        audit.record(
            tx,
            at=at,
            username=user.username,
            action=HAND_OVER,
            case_id=case_id,
            reason=f"{unit}: {reason}",
        )
    return HandOver(case_id, unit, granted)
