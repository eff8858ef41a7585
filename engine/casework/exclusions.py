"""Reviewed exclusions from the rates: a reviewer takes an unreasonable or out-of-scope
request out of every rate with a reason that is kept, and may count it again; each change
and its audit entry in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from engine.casework.access import visible_in
from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.store import audit
from engine.store import rates as rate_store

RATE_EXCLUDED = "rate_excluded"
RATE_INCLUDED = "rate_included"
REASON_MAX = 1000


@dataclass(frozen=True, slots=True)
class Excluded:
    created: bool  # False: it was excluded already, and the first review stays
    exclusion: rate_store.Exclusion


def exclude_case(cw: Casework, user: User, case_id: int, reason: str) -> Excluded:
    """Exclude a case the user sees (404 first, then 403 for the role) from every rate."""
    with cw.store.transaction() as tx:
        visible_in(tx, user, case_id)
        require(user, Permission.REVIEW_EXCLUSIONS)
        at = cw.clock.now()
        created = rate_store.exclude(tx, case_id, reason, user.username, at)
        if created:
            audit.record(
                tx,
                at=at,
                username=user.username,
                action=RATE_EXCLUDED,
                case_id=case_id,
                reason=reason,
            )
        exclusion = rate_store.exclusion_of(tx, case_id)
    assert exclusion is not None
    return Excluded(created, exclusion)


def include_case(cw: Casework, user: User, case_id: int) -> bool:
    """Count an excluded case again; False if it was not excluded."""
    with cw.store.transaction() as tx:
        visible_in(tx, user, case_id)
        require(user, Permission.REVIEW_EXCLUSIONS)
        if not rate_store.include_again(tx, case_id):
            return False
        audit.record(
            tx, at=cw.clock.now(), username=user.username, action=RATE_INCLUDED, case_id=case_id
        )
    return True


def exclusions(cw: Casework, user: User) -> list[rate_store.Exclusion]:
    """The exclusions of the cases the user sees, newest first."""
    require(user, Permission.READ_RATES)
    with cw.store.transaction(write=False) as tx:
        return rate_store.exclusions(tx, user.scope)
