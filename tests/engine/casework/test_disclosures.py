"""A refused step that disclosed domestic violence or a risk of crime keeps the disclosure."""

from __future__ import annotations

import pytest

from engine.casework import audit_log, cases
from engine.casework.context import Casework
from engine.errors import GuardFailedError, MissingFieldsError
from engine.store import outbox
from tests.engine.casework.conftest import person

INTAKE = {
    "category": "family",
    "source": "walk_in",
    "description": "婆媳纠纷",
    "notice_given": True,
}
ASSESS = {
    "risk_level": "high",
    "in_scope": True,
    "organisation": "women",
    "mediator": "mediator",
    "domestic_violence": True,
    "crime_risk": False,
}


def _registered(cw: Casework) -> int:
    mediator = person("mediator")
    case = cases.open_case(cw, mediator, "mediation", INTAKE).case
    cases.fire(cw, mediator, case.id, "register", {}, expected_version=None)
    return case.id


def test_a_refused_step_that_disclosed_domestic_violence_keeps_it_on_record(
    cw: Casework,
) -> None:
    case_id = _registered(cw)
    with pytest.raises(GuardFailedError):  # violence is reported, never "mediated first"
        cases.fire(
            cw, person("mediator"), case_id, "start_mediation", ASSESS, expected_version=None
        )
    case = cw.service.get_case(case_id)
    assert case.state == "assessment"  # the step itself is refused
    entries = audit_log.case_audit(cw, person("org_admin"), case_id)
    [entry] = [e for e in entries if e.action == "safety_disclosure"]
    assert entry.username == "mediator"
    assert "domestic_violence" in entry.reason and "start_mediation" in entry.reason
    with cw.store.transaction(write=False) as tx:
        told = [(n.role, n.kind) for n in outbox.of_case(tx, case_id)]
    assert ("org_admin", "disclosure") in told


def test_a_refusal_without_a_disclosure_records_nothing(cw: Casework) -> None:
    case_id = _registered(cw)
    with pytest.raises(MissingFieldsError):
        cases.fire(
            cw,
            person("mediator"),
            case_id,
            "start_mediation",
            {"domestic_violence": False},
            expected_version=None,
        )
    entries = audit_log.case_audit(cw, person("org_admin"), case_id)
    assert [e for e in entries if e.action == "safety_disclosure"] == []
