"""The overdue board and urging (催办) in the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import LabelOut
from api.schemas.text import StorableText
from engine.casework.urging import MAX_CASES, NOTE_MAX

MAX_CASE_ID = 2**62  # as the case paths accept (api/routes/cases.py)


class MissedDeadlineOut(BaseModel):
    name: str
    label: LabelOut | None
    due_at: datetime


class BoardItemOut(BaseModel):
    case_id: int
    workflow: str
    state: str
    overdue: bool
    overdue_s: float | None = Field(description="How long overdue, in seconds (None: not overdue)")
    working_time: bool = Field(
        description="overdue_s counts working time (the missed deadline does)"
    )
    missed_deadline: MissedDeadlineOut | None
    next_deadline: datetime | None
    unit: str | None = Field(description="The responsible unit")
    person: str | None = Field(description="The person the case is assigned to")
    tier: int
    urges: int = Field(description="How many times the case was urged (催办)")
    last_urged_at: datetime | None


class BoardOut(BaseModel):
    items: list[BoardItemOut]
    total: int
    limit: int
    offset: int


class UrgeIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    case_ids: list[Annotated[int, Field(ge=1, le=MAX_CASE_ID)]] = Field(
        min_length=1, max_length=MAX_CASES, examples=[[12, 15]]
    )
    note: str = Field(default="", max_length=NOTE_MAX, examples=["请于今日内签收处置"])


class UrgeOut(BaseModel):
    case_ids: list[int]
    at: datetime
    replayed: bool = Field(description="A retry with the same Idempotency-Key: nothing changed")
