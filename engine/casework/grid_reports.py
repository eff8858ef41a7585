"""A grid member's report: opens a grid case in their grid, records the reporter, and calls
the community (or closes the case at once when it was fixed on the spot): all in one
transaction, so a report is either wholly there or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.casework import intake_records
from engine.casework.access import owner_units, scoped_key
from engine.casework.context import Casework
from engine.casework.duplicates import check_point
from engine.casework.identity import User
from engine.casework.parties import NewParty, record_party
from engine.errors import RoleNotAllowedError
from engine.idempotency import replay_after_race
from engine.model import FireResult
from engine.ports import DuplicateKeyError

GRID_WORKFLOW = "grid_escalation"
REPORT = "report"
FIX_ON_SPOT = "fix_on_spot"


@dataclass(frozen=True)
class GridReport:
    grid_unit: str
    category: str
    severity: str
    location: str
    description: str
    photos: list[str] = field(default_factory=list)
    fixed_on_spot: bool = False
    reporter: NewParty | None = None
    place: tuple[float, float] | None = None  # (lat, lng), for the duplicate suggestions
    receipt: str | None = None  # the public form's receipt number (engine.receipts)
    consent: str | None = None  # the personal-data notice the resident consented to


def report(
    cw: Casework, user: User, r: GridReport, *, idempotency_key: str | None = None
) -> FireResult:
    """Open the grid case and take its first step. A retry with the same key answers the
    first result and changes nothing."""
    definition = cw.registry.latest(GRID_WORKFLOW)
    action = FIX_ON_SPOT if r.fixed_on_spot else REPORT
    step = definition.transition(definition.initial, action)
    if step is None or user.role not in step.roles:
        raise RoleNotAllowedError(action, user.role, list(step.roles) if step else [])
    org_unit, grid_unit = owner_units(user, None, r.grid_unit)
    place = check_point(*r.place) if r.place is not None else None
    data = {
        "grid_unit": r.grid_unit,
        "category": r.category,
        "severity": r.severity,
        "location": r.location,
        "description": r.description,
        "photos": list(r.photos),
    }
    key = scoped_key(user, idempotency_key)
    action_key = f"{key}:{action}" if key else None
    try:
        with cw.store.transaction() as tx:
            opened = cw.service.open_in(
                tx,
                GRID_WORKFLOW,
                user.actor,
                data,
                org_unit=org_unit,
                grid_unit=grid_unit,
                version=definition.version,
                idempotency_key=f"{key}:open" if key else None,
            )
            if not opened.replayed:
                if r.reporter is not None:
                    record_party(cw, tx, user, opened.case.id, r.reporter)
                intake_records.keep(
                    tx, user, opened.case, place=place, receipt=r.receipt, consent=r.consent
                )
            return cw.service.fire_in(
                tx,
                opened.case.id,
                action,
                user.actor,
                {},
                expected_version=opened.case.version,
                idempotency_key=action_key,
            )
    except DuplicateKeyError:
        assert action_key is not None
        return replay_after_race(cw.store, action_key, None, action)
