"""A mixed set of mediation cases on the shipped version for the migration tests: some that
the breaking next version (tests.migration_versions) accepts, some it refuses, each for its
own reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from engine.casework.context import Casework
from engine.clock import ManualClock
from engine.model import Actor

MEDIATOR = Actor("mediator", "mediator")
INTAKE: dict[str, Any] = {
    "category": "family",
    "source": "walk_in",
    "description": "婆媳之间因老房拆迁款分配发生争执",
    "notice_given": True,
}
ASSESSED: dict[str, Any] = {
    "risk_level": "low",
    "in_scope": True,
    "organisation": "union",
    "mediator": "mediator",
    "domestic_violence": False,
    "crime_risk": False,
}
AGREED: dict[str, Any] = {
    "agreement_form": "written",
    "agreement_terms": "分期给付",
    "performance_deadline": "2026-12-20",
}


@dataclass(frozen=True)
class Mixed:
    """Case ids by what the preview onto the breaking next version says of them."""

    intake: int  # moves to `reception` by the state map
    assessment: int  # moves
    agreement: int  # moves; its 15-day window is overdue after the move
    mediation: int  # refused: missing_field consent_form
    police: int  # refused: no_state
    land: int  # refused: bad_data
    closed: int  # not selected (closed); refused "closed" when listed

    @property
    def movable(self) -> list[int]:
        return [self.intake, self.assessment, self.agreement]

    @property
    def refused(self) -> list[int]:
        return [self.mediation, self.police, self.land]


def open_case(cw: Casework, steps: list[tuple[str, dict[str, Any]]], **data: Any) -> int:
    case_id = cw.service.open_case("mediation", MEDIATOR, {**INTAKE, **data}, org_unit="union")
    for action, values in steps:
        cw.service.fire(case_id.case.id, action, MEDIATOR, values)
    return case_id.case.id


def mixed_cases(cw: Casework, clock: ManualClock) -> Mixed:
    """Opened on the shipped version now; the agreement reached 20 days before the clock's
    final moment."""
    agreement = open_case(
        cw, [("register", {}), ("start_mediation", ASSESSED), ("reach_agreement", AGREED)]
    )
    clock.advance(timedelta(days=20))
    return Mixed(
        intake=open_case(cw, []),
        assessment=open_case(cw, [("register", {})]),
        agreement=agreement,
        mediation=open_case(cw, [("register", {}), ("start_mediation", ASSESSED)]),
        police=open_case(
            cw,
            [
                ("register", {}),
                (
                    "report_police",
                    {"police_report_ref": "110-7", "domestic_violence": True},
                ),
            ],
        ),
        land=open_case(cw, [("register", {})], category="land"),
        closed=open_case(cw, [("party_refuses", {})]),
    )
