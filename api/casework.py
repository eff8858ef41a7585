"""Case use cases as the signed-in user sees them: scope checks around the engine service.

Route handlers (and pages) call these; they hold no SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from api.access import can_see, visible_case
from api.auth import User
from api.problems import ProblemError, field_errors, forbidden
from api.writelock import write_lock
from engine.errors import CaseNotFoundError, UnknownWorkflowError
from engine.model import Case, Event, FireResult, Timer
from engine.service import ActionOption
from engine.store import queries
from engine.store.parties import PartyRecord, parties_of
from fengqiao.context import Context

MAX_KEY_LENGTH = 100


@dataclass(frozen=True)
class CaseView:
    """Everything a case page shows, for one user."""

    case: Case
    overdue: bool
    deadlines: list[Timer]
    actions: list[ActionOption]
    history: list[Event]
    parties: list[PartyRecord]
    handed_to: list[str]


def scoped_key(user: User, key: str | None, suffix: str = "") -> str | None:
    """An Idempotency-Key namespaced by user, so two users' keys never meet."""
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ProblemError(
            422,
            "validation",
            "Invalid request",
            f"Idempotency-Key must have 1 to {MAX_KEY_LENGTH} characters",
            errors=field_errors([("header:Idempotency-Key", "1 to 100 characters")]),
        )
    return f"u{user.id}:{key}{suffix}"


def check_unit_in_scope(user: User, unit: str | None, what: str) -> None:
    if unit is None or user.scope.everything or unit in user.scope.units:
        return
    raise forbidden(f"{what} {unit!r} is outside your organisation and grid units")


def open_case(
    ctx: Context,
    user: User,
    workflow: str,
    data: Mapping[str, Any],
    *,
    version: int | None = None,
    org_unit: str | None = None,
    grid_unit: str | None = None,
    idempotency_key: str | None = None,
) -> FireResult:
    """Open a case owned by the user's unit (or a unit within their scope)."""
    try:
        ctx.registry.get(workflow, version)
    except UnknownWorkflowError as exc:
        raise ProblemError(
            422,
            "unknown-workflow",
            "No such workflow",
            str(exc),
            errors=field_errors([("#/workflow", str(exc))]),
        ) from exc
    if org_unit is None and grid_unit is None:
        org_unit = user.unit
    check_unit_in_scope(user, org_unit, "organisation")
    check_unit_in_scope(user, grid_unit, "grid unit")
    if org_unit is None and grid_unit is None and not user.scope.everything:
        raise ProblemError(
            422,
            "validation",
            "Invalid request",
            "a case needs an owning organisation or a grid unit",
            errors=field_errors([("#/org_unit", "required")]),
        )
    with write_lock(ctx.store):
        return ctx.service.open_case(
            workflow,
            user.actor,
            data,
            org_unit=org_unit,
            grid_unit=grid_unit,
            version=version,
            idempotency_key=scoped_key(user, idempotency_key),
        )


def fire(
    ctx: Context,
    user: User,
    case_id: int,
    action: str,
    data: Mapping[str, Any],
    *,
    expected_version: int | None,
    idempotency_key: str | None = None,
) -> FireResult:
    """Take an action on a case the user sees (404 otherwise); the engine checks the role.

    Whether the user sees the case by its organisation and areas is asked inside the firing's
    transaction, of the case it reads anyway. Only a case refused that way is looked up again
    for units it was handed to (a rare case), and fired if one of them is the user's.
    """
    key = scoped_key(user, idempotency_key)

    def fire_once(visible: Callable[[Case], bool] | None) -> FireResult:
        with write_lock(ctx.store):
            return ctx.service.fire(
                case_id,
                action,
                user.actor,
                data,
                expected_version=expected_version,
                idempotency_key=key,
                visible=visible,
            )

    try:
        return fire_once(partial(can_see, user))
    except CaseNotFoundError:
        visible_case(ctx, user, case_id)  # 404 unless it was handed to one of the user's units
    return fire_once(None)


def case_view(ctx: Context, user: User, case_id: int) -> CaseView:
    case = visible_case(ctx, user, case_id)
    now = ctx.clock.now()
    return CaseView(
        case=case,
        overdue=queries.is_overdue(ctx.store, case_id, now),
        deadlines=ctx.service.pending_timers(case_id),
        actions=ctx.service.allowed_actions(case, user.actor),
        history=ctx.service.history(case_id),
        parties=parties_of(ctx.store, ctx.sealer, case_id),
        handed_to=queries.handed_units(ctx.store, case_id),
    )


def list_cases(
    ctx: Context,
    user: User,
    f: queries.CaseFilter,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str = "newest",
) -> queries.CasePage:
    return queries.list_cases(
        ctx.store, user.scope, f, ctx.clock.now(), limit=limit, offset=offset, sort=sort
    )
