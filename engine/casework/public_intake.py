"""The public intake form: a resident or worker reports an issue without an account.

The request opens a case through the grid report's use case (`grid_reports.report`), in the
grid the installation names as its public desk (`Desk`), acting as the desk (`public`, in the
grid member's role of that grid): the same routing as a grid member's report (the community is
called and must sign for it). The resident is kept as the case's reporter (sealed), the
notice they consented to in the audit log (`consent_recorded`), and a receipt number
(engine.receipts) on the case, all in the report's one transaction.

`status` answers what the receipt's holder may know, without an account: a stage in plain
words, the category and the dates; never a name, a note or another field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.casework import grid_reports
from engine.casework.access import visible_in
from engine.casework.context import Casework
from engine.casework.duplicates import category_of
from engine.casework.errors import ConsentRequiredError, UnknownReceiptError
from engine.casework.grid_reports import GridReport
from engine.casework.identity import User
from engine.casework.merging import merged_into
from engine.casework.parties import NewParty
from engine.receipts import new_code
from engine.store import receipts
from engine.visibility import Visibility

DESK_ACTOR = "public"
SEVERITY = "blue"  # a resident does not grade the severity: the community does on sign-for
# The stages a receipt's holder sees.
RECEIVED, HANDLING, DONE, MERGED = "received", "handling", "done", "merged"


@dataclass(frozen=True)
class Desk:
    """Where public requests go: a grid unit (FENGQIAO_PUBLIC_GRID)."""

    grid_unit: str

    @property
    def user(self) -> User:
        """The desk as the actor of the case's first steps."""
        return User(
            id=0,
            username=DESK_ACTOR,
            display_name="",
            role="grid_member",
            unit=None,
            grid_units=[self.grid_unit],
            scope=Visibility(units=frozenset({self.grid_unit})),
        )


@dataclass(frozen=True)
class PublicRequest:
    category: str
    location: str
    description: str
    name: str
    phone: str
    consented: bool
    place: tuple[float, float] | None = None


@dataclass(frozen=True)
class Received:
    receipt: str
    case_id: int


@dataclass(frozen=True)
class PublicStatus:
    receipt: str
    stage: str
    category: str | None
    opened_at: datetime
    updated_at: datetime


def submit(cw: Casework, desk: Desk, request: PublicRequest, notice: str) -> Received:
    """Open the case; `notice` names the personal-data notice the resident consented to
    (ConsentRequiredError, nothing written, without their consent)."""
    if not request.consented:
        raise ConsentRequiredError()
    code = new_code()
    report = GridReport(
        grid_unit=desk.grid_unit,
        category=request.category,
        severity=SEVERITY,
        location=request.location,
        description=request.description,
        reporter=NewParty("reporter", request.name, phone=request.phone),
        place=request.place,
        receipt=code,
        consent=notice,
    )
    result = grid_reports.report(cw, desk.user, report)
    return Received(code, result.case.id)


def status(cw: Casework, code: str) -> PublicStatus:
    """What the holder of receipt `code` may know of its case (UnknownReceiptError if none)."""
    with cw.store.transaction(write=False) as tx:
        case_id = receipts.case_of(tx, code)
        case = tx.get_case(case_id) if case_id is not None else None
        if case is None:
            raise UnknownReceiptError()
        events = tx.events(case.id)
    if merged_into(case) is not None:
        stage = MERGED
    elif case.closed_at is not None:
        stage = DONE
    elif any(e.actor != DESK_ACTOR and e.role != "system" for e in events):
        stage = HANDLING
    else:
        stage = RECEIVED
    return PublicStatus(code, stage, category_of(case.data), case.opened_at, case.updated_at)


def case_receipt(cw: Casework, user: User, case_id: int) -> str | None:
    """The receipt number of a case the user sees (None for a case opened otherwise)."""
    with cw.store.transaction(write=False) as tx:
        visible_in(tx, user, case_id)
        return receipts.receipt_of(tx, case_id)
