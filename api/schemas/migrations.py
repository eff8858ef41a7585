"""Migration runs: moving running cases to another version of their workflow."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.text import StorableText

Name = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
StateName = Annotated[str, Field(min_length=1, max_length=64)]
CaseId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class PlanIn(StorableText):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "workflow": "mediation",
                    "from_version": 1,
                    "to_version": 2,
                    "state_map": {"intake": "reception"},
                    "reason": "v2 renames intake; open cases follow the new rules",
                }
            ]
        },
    )

    workflow: str = Name
    from_version: int = Field(ge=1, le=1_000_000)
    to_version: int = Field(ge=1, le=1_000_000)
    reason: str = Field(min_length=1, max_length=500, description="Why the cases move")
    state_map: dict[StateName, StateName] = Field(
        default_factory=dict,
        max_length=200,
        description="Old state -> new state, for states the target renamed or removed",
    )
    states: list[StateName] = Field(
        default_factory=list, max_length=200, description="Only the open cases in these states"
    )
    case_ids: list[CaseId] = Field(
        default_factory=list, max_length=100_000, description="Only these cases"
    )


class ApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm: Literal[True] = Field(
        description="Must be true: the cases move for good (moving back is another run)"
    )


class RunOut(BaseModel):
    id: int
    workflow: str
    from_version: int
    to_version: int
    reason: str
    state_map: dict[str, str]
    states: list[str]
    case_ids: list[int]
    created_by: str
    created_at: datetime
    status: str = Field(description="planned, previewed, applying or applied")
    total: int
    movable: int
    refused: int
    moved: int
    failed: int
    previewed_at: datetime | None
    applied_at: datetime | None


class RefusalOut(BaseModel):
    code: str = Field(
        description="no_state, bad_data, missing_field, closed, not_on_version, changed, failed"
    )
    zh: str
    en: str


class DeadlineOut(BaseModel):
    timer: str
    due_at: datetime
    overdue: bool


class CasePreviewOut(BaseModel):
    case_id: int
    state: str
    to_state: str | None
    movable: bool
    refusals: list[RefusalOut]
    before: list[DeadlineOut] = Field(description="Pending deadlines at the preview")
    after: list[DeadlineOut] = Field(description="Deadlines by the target version")
    status: str = Field(description="previewed, moved, refused or failed")


class CasePreviewPage(BaseModel):
    items: list[CasePreviewOut]
    next_after: int | None = Field(description="`after` for the next page; null at the end")


class ApplyOut(BaseModel):
    run: RunOut
    moved: int
    already_moved: int
    refused: int
    failed: int
    seconds: float
