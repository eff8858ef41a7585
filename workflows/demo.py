"""Demo cases whose deadlines passed while nothing ran.

``fengqiao serve --demo`` opens them so that the worker's first sweep, a few seconds after
start, fires on its own what a real deployment fires after downtime: a follow-up visit
reminder to the mediator, the missed visit escalated to the organisation admin, and a grid
report nobody signed for escalated one tier, every 10 minutes after that, up to the city.
The history records how late each fired. Idempotency keys make a second run a no-op.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from engine.clock import ManualClock
from engine.model import Actor
from engine.ports import Store
from engine.registry import Registry
from engine.service import WorkflowService
from engine.workcalendar import WorkCalendar

MEDIATOR = Actor("mediator", "mediator")
GRID = Actor("grid_member", "grid_member")
KEY = "demo-overdue"

VISIT_STEPS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("register", {}),
    (
        "start_mediation",
        {
            "risk_level": "low",
            "in_scope": True,
            "organisation": "union",
            "mediator": "mediator",
            "domestic_violence": False,
            "crime_risk": False,
        },
    ),
    (
        "reach_agreement",
        {
            "agreement_form": "written",
            "agreement_terms": "分两期结清拖欠工资",
            "performance_deadline": "2026-12-31",
        },
    ),
    ("decline_confirmation", {}),
)
GRID_REPORT = {
    "grid_unit": "g-hp-1-1",
    "location": "和平里一社区5号楼北侧",
    "category": "fire_hazard",
    "severity": "red",
    "description": "楼道堆放电动车电池",
}


def open_overdue_cases(
    store: Store, registry: Registry, calendar: WorkCalendar, now: datetime
) -> dict[str, int]:
    """A mediation case whose follow-up visit fell due a day ago, and a red grid report
    left unsigned for an hour. Returns their ids."""
    clock = ManualClock(now - timedelta(days=8))
    service = WorkflowService(store, registry, clock, calendar)
    intake = {
        "category": "labour",
        "source": "walk_in",
        "description": "欠薪协商",
        "notice_given": True,
    }
    visit = service.open_case(
        "mediation", MEDIATOR, intake, org_unit="union", idempotency_key=f"{KEY}-visit"
    ).case
    for action, data in VISIT_STEPS:
        service.fire(visit.id, action, MEDIATOR, data, idempotency_key=f"{KEY}-visit-{action}")
    clock.set(now - timedelta(hours=1))
    grid = service.open_case(
        "grid_escalation", GRID, {}, grid_unit="g-hp-1-1", idempotency_key=f"{KEY}-grid"
    ).case
    service.fire(grid.id, "report", GRID, GRID_REPORT, idempotency_key=f"{KEY}-grid-report")
    return {"visit": visit.id, "grid": grid.id}
