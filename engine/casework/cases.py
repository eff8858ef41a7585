"""Opening, reading, listing and moving cases, as the signed-in user may."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from engine.casework.access import owner_units, scoped_key, visible_case, visible_in
from engine.casework.context import Casework
from engine.casework.disclosures import disclosed, record_refused_disclosure
from engine.casework.employer_list import opening_facts
from engine.casework.errors import UnknownUnitError
from engine.casework.identity import User
from engine.casework.parties import NewParty, record_party
from engine.errors import ActionError, CaseNotFoundError
from engine.idempotency import replay_after_race
from engine.model import Case, Event, FireResult, Timer
from engine.ports import DuplicateKeyError
from engine.service import OPEN_ACTION, ActionOption
from engine.store import queries, units
from engine.store.parties import PartyRecord, parties_of
from engine.store.queries import CaseFilter, CaseListItem, CasePage
from engine.visibility import sees


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


def open_case(
    cw: Casework,
    user: User,
    workflow: str,
    data: Mapping[str, Any],
    *,
    version: int | None = None,
    org_unit: str | None = None,
    grid_unit: str | None = None,
    idempotency_key: str | None = None,
    parties: Sequence[NewParty] = (),
) -> FireResult:
    """Open a case owned by the user's unit (or a unit within their scope), with its parties:
    one transaction, the opening in the case's history and each party in the audit log. A
    workflow declaring `employer_listed` has it filled from the wage-arrears blacklist in
    that transaction (engine.casework.employer_list), recorded in the opening event."""
    # UnknownWorkflowError first; the version found is the one the case opens on (the
    # latest is asked of the database once, not again by the service).
    definition = cw.registry.get(workflow, version)
    version = definition.version
    org_unit, grid_unit = owner_units(user, org_unit, grid_unit)
    key = scoped_key(user, idempotency_key)
    try:
        with cw.store.transaction() as tx:
            opened = cw.service.open_in(
                tx,
                workflow,
                user.actor,
                data,
                org_unit=org_unit,
                grid_unit=grid_unit,
                version=version,
                idempotency_key=key,
                facts=opening_facts(tx, definition, data),
            )
            if not opened.replayed:
                for party in parties:
                    record_party(cw, tx, user, opened.case.id, party)
            return opened
    except DuplicateKeyError:
        assert key is not None
        return replay_after_race(cw.store, key, None, OPEN_ACTION)


def fire(
    cw: Casework,
    user: User,
    case_id: int,
    action: str,
    data: Mapping[str, Any],
    *,
    expected_version: int | None,
    idempotency_key: str | None = None,
) -> FireResult:
    """Take an action on a case the user sees (404 otherwise); the workflow checks the role.

    Whether the user sees the case by its organisation and areas is asked inside the firing's
    transaction, of the case it reads anyway. Only a case refused that way is looked up again
    for units it was handed to (a rare case), and fired if one of them is the user's.
    """
    key = scoped_key(user, idempotency_key)

    def fire_once(visible: Callable[[Case], bool] | None) -> FireResult:
        return cw.service.fire(
            case_id,
            action,
            user.actor,
            data,
            expected_version=expected_version,
            idempotency_key=key,
            visible=visible,
        )

    try:
        try:
            return fire_once(partial(sees, user.scope))
        except CaseNotFoundError:
            visible_case(cw, user, case_id)  # 404 unless it was handed to one of the user's units
        return fire_once(None)
    except ActionError as exc:
        # The case is one the user sees (else: not found). A refused step that disclosed
        # domestic violence or a risk of crime keeps the disclosure on record.
        if facts := disclosed(data):
            record_refused_disclosure(cw, user, case_id, action, facts, str(exc))
        raise


def require_units(cw: Casework, **named: str | None) -> None:
    """Refuse a unit that does not exist (UnknownUnitError, naming its argument), before a
    case is opened for it by a caller who is not a signed-in user (the command line)."""
    wanted = {arg: code for arg, code in named.items() if code is not None}
    if not wanted:
        return
    with cw.store.transaction(write=False) as tx:
        for arg, code in wanted.items():
            if not units.unit_exists(tx, code):
                raise UnknownUnitError(code, arg)


def case_view(cw: Casework, user: User, case_id: int) -> CaseView:
    """The case with what the user may do now, in one read transaction."""
    now = cw.clock.now()
    with cw.store.transaction(write=False) as tx:
        case = visible_in(tx, user, case_id)
        return CaseView(
            case=case,
            overdue=queries.is_overdue(tx, case_id, now),
            deadlines=tx.timers(case_id, pending_only=True),
            actions=cw.service.allowed_actions(case, user.actor),
            history=tx.events(case_id),
            parties=parties_of(tx, cw.sealer, case_id),
            handed_to=queries.handed_units(tx, case_id),
        )


__all__ = [
    "CaseFilter",
    "CaseListItem",
    "CasePage",
    "CaseView",
    "case_view",
    "fire",
    "list_cases",
    "open_case",
    "require_units",
    "visible_case",
]


def list_cases(
    cw: Casework,
    user: User,
    f: CaseFilter,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str = "newest",
) -> CasePage:
    """One page of the cases the user may see."""
    with cw.store.transaction(write=False) as tx:
        return queries.list_cases(
            tx, user.scope, f, cw.clock.now(), limit=limit, offset=offset, sort=sort
        )
