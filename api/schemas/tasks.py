"""Models of the tasks within a case (协同处置, a meeting's decisions)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.text import StorableText


class TaskIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    unit: str = Field(min_length=1, max_length=64, examples=["union"])
    title: str = Field(min_length=1, max_length=500, examples=["协调企业开放停车位"])
    due: str | None = Field(
        default=None,
        max_length=64,
        examples=["10 working days", "2026-12-20"],
        description="A date or moment (ISO 8601), or a duration; none: the state's period",
    )
    assignee: str | None = Field(default=None, max_length=64)


class TaskAssignIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    assignee: str = Field(min_length=1, max_length=64)


class TaskNoteIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000, description="What was done")


class TaskCloseIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="Why the lead closes it")


class TaskOut(BaseModel):
    id: int
    case_id: int
    unit: str
    title: str
    assignee: str | None
    due_at: datetime
    overdue: bool
    status: str = Field(description="open, done or closed")
    current: bool = Field(description="Of the case's present stay in its state")
    note: str | None
    reason: str | None
    created_at: datetime
    created_by: str
    finished_at: datetime | None
    finished_by: str | None


class CaseTasksOut(BaseModel):
    case_id: int
    may_add: bool
    may_close: bool
    tasks: list[TaskOut]
