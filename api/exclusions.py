"""Reviewed exclusions from the rates: a reviewer takes an unreasonable or out-of-scope request
out of every rate, with a reason that is kept, and may count it again. Both are audited. The
API and the pages share these two calls; each caller checks the role in its own way."""

from __future__ import annotations

from api.access import visible_case
from api.auth import User
from engine.store import audit
from engine.store import rates as rate_store
from fengqiao.context import Context

READERS: tuple[str, ...] = ("org_admin", "supervisor", "admin")
REVIEWERS: tuple[str, ...] = ("supervisor", "admin")
REASON_MAX = 1000  # as api.schemas.rates.ExclusionIn


def exclude_case(ctx: Context, user: User, case_id: int, reason: str) -> bool:
    """Exclude a case the user may see (404 otherwise); False if it was excluded already, in
    which case the first review and its reason stay."""
    visible_case(ctx, user, case_id)
    now = ctx.clock.now()
    created = rate_store.exclude(ctx.store, case_id, reason, user.username, now)
    if created:
        audit.record(
            ctx.store,
            at=now,
            username=user.username,
            action="rate_excluded",
            case_id=case_id,
            reason=reason,
        )
    return created


def include_case(ctx: Context, user: User, case_id: int) -> bool:
    """Count an excluded case again; False if it was not excluded."""
    visible_case(ctx, user, case_id)
    if not rate_store.include_again(ctx.store, case_id):
        return False
    audit.record(
        ctx.store,
        at=ctx.clock.now(),
        username=user.username,
        action="rate_included",
        case_id=case_id,
    )
    return True
