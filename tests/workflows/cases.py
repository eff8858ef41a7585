"""Cases driven to the states whose timers the tests watch, through the service only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from engine.model import Actor, Case
from engine.service import WorkflowService
from engine.store.repository import SqlStore

MEDIATOR = Actor("li.mediator", "mediator")
GRID = Actor("zhao.grid", "grid_member")
HANDLER = Actor("chen.community", "handler")

INTAKE = {
    "category": "neighbour",
    "source": "walk_in",
    "description": "邻里漏水纠纷",
    "notice_given": True,
}
ASSESS = {
    "risk_level": "low",
    "in_scope": True,
    "organisation": "women",
    "mediator": "li.mediator",
    "domestic_violence": False,
    "crime_risk": False,
}
AGREEMENT = {
    "agreement_form": "written",
    "agreement_terms": "赔偿维修费",
    "performance_deadline": "2026-12-31",
}
LABOUR = {
    "dispute_type": "wages",
    "applicant_side": "worker",
    "application_form": "written",
    "description": "拖欠工资",
    "mediation_org": "union_workroom",
    "mediator": "li.mediator",
}


def _fire(
    svc: WorkflowService, case: Case, action: str, data: dict[str, Any] | None = None
) -> Case:
    return svc.fire(case.id, action, MEDIATOR, data).case


def mediation_in_mediation(svc: WorkflowService) -> Case:
    case = svc.open_case("mediation", MEDIATOR, INTAKE, org_unit="women").case
    case = _fire(svc, case, "register")
    return _fire(svc, case, "start_mediation", ASSESS)


def mediation_with_agreement(svc: WorkflowService) -> Case:
    return _fire(svc, mediation_in_mediation(svc), "reach_agreement", AGREEMENT)


def mediation_in_follow_up(svc: WorkflowService) -> Case:
    return _fire(svc, mediation_with_agreement(svc), "decline_confirmation")


def labour_case(svc: WorkflowService) -> Case:
    return svc.open_case("labor_dispute", MEDIATOR, {}, org_unit="union").case


def labour_in_mediation(svc: WorkflowService) -> Case:
    return _fire(svc, labour_case(svc), "accept", LABOUR)


def grid_reported(svc: WorkflowService, severity: str = "yellow") -> Case:
    case = svc.open_case("grid_escalation", GRID, {}, grid_unit="g-1").case
    report = {
        "grid_unit": "g-1",
        "location": "和平里3号楼",
        "category": "sanitation",
        "severity": severity,
        "description": "垃圾堆放",
    }
    return svc.fire(case.id, "report", GRID, report).case


def grid_in_handling(svc: WorkflowService, severity: str = "red") -> Case:
    case = grid_reported(svc, severity)
    return svc.fire(case.id, "sign_for", HANDLER, {"handling_unit": "cm-1"}).case


# A 4,300-digit count: Python reads and writes it, but one more (the effect's `+ 1`) is past
# its limit for integer text, so the case the effect computes cannot be stored.


def poison(store: SqlStore, case_id: int) -> None:
    """Make the database refuse to store the case once its tier changes (a trigger): the way
    a row the store cannot write (a value it cannot hold, a constraint) makes an escalation
    fail at write time, after the engine accepted it. Other changes to the case still work."""
    if store.sqlite:
        statements = [
            f"CREATE TRIGGER fq_poison_{case_id} BEFORE UPDATE ON cases"
            f" WHEN NEW.id = {case_id}"
            " AND json_extract(NEW.data, '$.tier') IS NOT json_extract(OLD.data, '$.tier')"
            " BEGIN SELECT RAISE(ABORT, 'this row cannot be stored'); END"
        ]
    else:
        statements = [
            "CREATE OR REPLACE FUNCTION fq_poison() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'this row cannot be stored'; END $$",
            f"CREATE TRIGGER fq_poison_{case_id} BEFORE UPDATE ON cases FOR EACH ROW"
            f" WHEN (NEW.id = {case_id} AND NEW.data->'tier' IS DISTINCT FROM OLD.data->'tier')"
            " EXECUTE FUNCTION fq_poison()",
        ]
    with store.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
