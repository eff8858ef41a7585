"""Opening, reading, listing and moving cases, as the signed-in user may."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from engine.casework import intake_records
from engine.casework.access import owner_units, scoped_key, visible_case, visible_in
from engine.casework.context import Casework
from engine.casework.disclosures import disclosed, record_refused_disclosure
from engine.casework.duplicates import check_point
from engine.casework.employer_list import opening_facts
from engine.casework.errors import CaseClosedError, ExternalTicketTakenError, UnknownUnitError
from engine.casework.identity import User
from engine.casework.parties import NewParty, record_party
from engine.errors import ActionError, CaseNotFoundError
from engine.external import ExternalRef
from engine.idempotency import replay_after_race
from engine.model import Case, Event, FireResult, Timer
from engine.ports import DuplicateKeyError
from engine.reserved import MERGED_INTO
from engine.service import OPEN_ACTION, ActionOption
from engine.store import external_ids, queries, units
from engine.store.external_ids import Origin
from engine.store.parties import PartyRecord, parties_of
from engine.store.queries import CaseFilter, CaseListItem, CasePage
from engine.store.repository import SqlTransaction
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
    external: ExternalRef | None = None


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
    external: ExternalRef | None = None,
    origin: Origin | None = None,
    place: tuple[float, float] | None = None,
    receipt: str | None = None,
    consent: str | None = None,
) -> FireResult:
    """Open a case owned by the user's unit (or a unit within their scope), with its parties:
    one transaction, the opening in the case's history and each party in the audit log. A
    workflow declaring `employer_listed` has it filled from the wage-arrears blacklist in
    that transaction (engine.casework.employer_list), recorded in the opening event.

    With `external` (a source system's ticket number) the case carries it; a ticket that
    opened a case already answers that case (`replayed`), never a second one
    (ExternalTicketTakenError when the user may not see it). `origin`: where an outside
    request placed the case, kept with it. `place` (lat, lng; else the origin's point) is kept
    for the duplicate suggestions, with the description's text sketch; `receipt` is the
    public form's receipt number, stored on the case; `consent`, the notice a resident
    consented to (PIPL), is recorded in the audit log with the case."""
    place = check_point(*place) if place is not None else None
    # UnknownWorkflowError first; the version found is the one the case opens on (the
    # latest is asked of the database once, not again by the service).
    definition = cw.registry.get(workflow, version)
    version = definition.version
    org_unit, grid_unit = owner_units(user, org_unit, grid_unit)
    key = scoped_key(user, idempotency_key)
    try:
        with cw.store.transaction() as tx:
            return open_case_in(
                cw,
                tx,
                user,
                workflow,
                data,
                version=version,
                org_unit=org_unit,
                grid_unit=grid_unit,
                idempotency_key=key,
                parties=parties,
                external=external,
                origin=origin,
                place=place,
                receipt=receipt,
                consent=consent,
            )
    except DuplicateKeyError:
        if external is not None:
            with cw.store.transaction(write=False) as tx:
                if known := external_ids.case_of(tx, external):
                    return _opened_before(tx, user, known, external)
        assert key is not None
        return replay_after_race(cw.store, key, None, OPEN_ACTION)


def open_case_in(
    cw: Casework,
    tx: SqlTransaction,
    user: User,
    workflow: str,
    data: Mapping[str, Any],
    *,
    version: int,
    org_unit: str | None,
    grid_unit: str | None,
    idempotency_key: str | None = None,
    parties: Sequence[NewParty] = (),
    external: ExternalRef | None = None,
    origin: Origin | None = None,
    place: tuple[float, float] | None = None,
    receipt: str | None = None,
    consent: str | None = None,
) -> FireResult:
    """`open_case` inside the caller's transaction, the units already checked: for a use
    case that opens many cases a batch per transaction (the hotline import)."""
    if external is not None and (known := external_ids.case_of(tx, external)):
        return _opened_before(tx, user, known, external)
    opened = cw.service.open_in(
        tx,
        workflow,
        user.actor,
        data,
        org_unit=org_unit,
        grid_unit=grid_unit,
        version=version,
        idempotency_key=idempotency_key,
        facts=opening_facts(tx, cw.registry.get(workflow, version), data),
    )
    if not opened.replayed:
        for party in parties:
            record_party(cw, tx, user, opened.case.id, party)
        if external is not None:
            external_ids.attach(tx, opened.case.id, external)
        if origin is not None:
            external_ids.record_origin(tx, opened.case.id, origin)
            if place is None and origin.lat is not None and origin.long is not None:
                place = check_point(origin.lat, origin.long)
        intake_records.keep(tx, user, opened.case, place=place, receipt=receipt, consent=consent)
    return opened


def _opened_before(tx: SqlTransaction, user: User, case_id: int, ref: ExternalRef) -> FireResult:
    """The case a source's ticket opened before, with its opening event, as a replay."""
    case = tx.get_case(case_id)
    assert case is not None
    if not sees(user.scope, case, queries.handed_units(tx, case_id)):
        raise ExternalTicketTakenError(ref.source, ref.ticket)
    return FireResult(case=case, event=tx.events(case_id)[0], replayed=True)


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
            return fire_once(partial(_open_to, user))
        except CaseNotFoundError:
            visible_case(cw, user, case_id)  # 404 unless it was handed to one of the user's units
        return fire_once(_not_merged)
    except ActionError as exc:
        # The case is one the user sees (else: not found). A refused step that disclosed
        # domestic violence or a risk of crime keeps the disclosure on record.
        if facts := disclosed(data):
            record_refused_disclosure(cw, user, case_id, action, facts, str(exc))
        raise


def _merged(case: Case) -> bool:
    return case.closed_at is not None and case.data.get(MERGED_INTO) is not None


def _not_merged(case: Case) -> bool:
    """A case merged into another takes no step until it is split back (CaseClosedError)."""
    if _merged(case):
        raise CaseClosedError(case.id)
    return True


def _open_to(user: User, case: Case) -> bool:
    return sees(user.scope, case) and _not_merged(case)


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
            actions=[] if _merged(case) else cw.service.allowed_actions(case, user.actor),
            history=tx.events(case_id),
            parties=parties_of(tx, cw.sealer, case_id),
            handed_to=queries.handed_units(tx, case_id),
            external=external_ids.ref_of(tx, case_id),
        )


__all__ = [
    "CaseFilter",
    "CaseListItem",
    "CasePage",
    "CaseView",
    "ExternalRef",
    "Origin",
    "case_view",
    "fire",
    "list_cases",
    "open_case",
    "open_case_in",
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
