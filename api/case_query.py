"""The filters of a case list, as query parameters: the list (`GET /api/cases`) and its
export (`GET /api/cases/export.csv`) read the same ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import Query

from engine.casework.cases import CaseFilter
from engine.casework.identity import User

MAX_DUE_HOURS = 24 * 366


@dataclass
class CaseQuery:
    workflow: Annotated[str | None, Query(max_length=64)] = None
    state: Annotated[str | None, Query(max_length=64)] = None
    org: Annotated[str | None, Query(max_length=64, description="Owning organisation")] = None
    grid: Annotated[str | None, Query(max_length=64, description="Grid unit")] = None
    overdue: Annotated[bool | None, Query(description="Only overdue (or not overdue)")] = None
    mine: Annotated[bool, Query(description="Only cases assigned to me")] = False
    q: Annotated[str | None, Query(max_length=100, description="Text in description")] = None
    status: Annotated[Literal["open", "closed", "all"], Query(description="Open or closed")] = "all"
    source: Annotated[
        str | None, Query(max_length=32, description="The system the case came from")
    ] = None
    ticket: Annotated[
        str | None, Query(max_length=64, description="That system's ticket number")
    ] = None
    due_within: Annotated[
        int | None,
        Query(ge=1, le=MAX_DUE_HOURS, description="Only cases with a deadline within hours"),
    ] = None

    def case_filter(self, user: User, now: datetime) -> CaseFilter:
        return CaseFilter(
            workflow=self.workflow,
            state=self.state,
            org_unit=self.org,
            grid_unit=self.grid,
            overdue=self.overdue,
            assigned_to=user.username if self.mine else None,
            text=self.q or None,
            open_only={"open": True, "closed": False, "all": None}[self.status],
            due_before=now + timedelta(hours=self.due_within) if self.due_within else None,
            external_source=self.source or None,
            external_id=self.ticket or None,
        )
