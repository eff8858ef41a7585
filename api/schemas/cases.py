"""Cases: opening, lists, detail, firing actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import FieldValue, LabelOut
from api.schemas.text import PointIn, StorableText
from engine.external import MAX_SOURCE, MAX_TICKET, SOURCE_PATTERN, TICKET_PATTERN

CASE_EXAMPLE: dict[str, Any] = {
    "id": 17,
    "workflow": "mediation",
    "workflow_version": 2,
    "state": "assessment",
    "state_label": {"zh": "专业评估", "en": "Assessment"},
    "final": False,
    "data": {"category": "family", "source": "walk_in", "notice_given": True},
    "version": 2,
    "opened_at": "2026-11-23T01:00:00Z",
    "updated_at": "2026-11-23T01:05:00Z",
    "state_entered_at": "2026-11-23T01:05:00Z",
    "org_unit": "women",
    "grid_unit": None,
    "assignee": None,
    "opened_by": "mediator",
    "closed_at": None,
}


class ExternalIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        min_length=1, max_length=MAX_SOURCE, pattern=SOURCE_PATTERN, examples=["12345"]
    )
    ticket: str = Field(
        min_length=1, max_length=MAX_TICKET, pattern=TICKET_PATTERN, examples=["GD20261201000017"]
    )


class OpenCaseIn(StorableText):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "workflow": "mediation",
                    "data": {
                        "category": "family",
                        "source": "walk_in",
                        "description": "婆媳之间因房产分配发生争执",
                        "notice_given": True,
                    },
                }
            ]
        },
    )

    workflow: str = Field(min_length=1, max_length=64, description="Workflow name")
    version: int | None = Field(default=None, ge=1, description="Default: the latest version")
    data: dict[str, FieldValue] = Field(default_factory=dict, description="Initial field values")
    org_unit: str | None = Field(
        default=None, max_length=64, description="Owning organisation (default: yours)"
    )
    grid_unit: str | None = Field(default=None, max_length=64)
    external: ExternalIn | None = Field(
        default=None,
        description="The system the case came from and its ticket number: opening the same"
        " ticket again answers the same case",
    )
    point: PointIn | None = Field(
        default=None, description="Where (WGS-84): for the duplicate suggestions"
    )


class FireIn(StorableText):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "expected_version": 1,
                    "data": {
                        "category": "family",
                        "source": "walk_in",
                        "description": "婆媳之间因房产分配发生争执",
                        "notice_given": True,
                    },
                }
            ]
        },
    )

    expected_version: int = Field(
        ge=1, description="The case version you read; another version answers 409"
    )
    data: dict[str, FieldValue] = Field(default_factory=dict, description="Field values to record")


class CaseOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CASE_EXAMPLE]})

    id: int
    workflow: str
    workflow_version: int
    state: str
    state_label: LabelOut
    final: bool
    data: dict[str, Any] = Field(description="Workflow data; personal fields masked")
    version: int
    opened_at: datetime
    updated_at: datetime
    state_entered_at: datetime
    org_unit: str | None
    grid_unit: str | None
    assignee: str | None
    opened_by: str
    closed_at: datetime | None
    external_source: str | None = Field(default=None, description="The system it came from")
    external_id: str | None = Field(default=None, description="That system's ticket number")


class CaseSummary(CaseOut):
    next_deadline: datetime | None = Field(description="Earliest pending deadline")
    overdue: bool = Field(description="A deadline passed in the current state")


class CasePageOut(BaseModel):
    items: list[CaseSummary]
    total: int
    limit: int
    offset: int


class EventOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    from_state: str | None
    to_state: str
    data: dict[str, Any]
    changes: dict[str, Any]
    case_version: int
    lateness_s: float | None
    note: str | None


class DeadlineOut(BaseModel):
    name: str
    kind: str = Field(description="deadline or reminder")
    fire_at: datetime
    action: str | None = Field(description="The action fired when it falls due")


class FieldOut(BaseModel):
    name: str
    type: str
    label: LabelOut
    values: list[str]
    value_labels: dict[str, LabelOut]
    min: float | None
    max: float | None
    required: bool
    help: LabelOut | None


class ActionOut(BaseModel):
    action: str
    label: LabelOut
    to: str
    requires: list[str]
    missing: list[str] = Field(description="Required fields not yet in the case data")
    guard: str | None
    guard_ok: bool = Field(description="Whether the guard holds on the current data")
    guard_message: LabelOut | None
    fields: list[FieldOut] = Field(description="The fields this action's form asks for")


class PartyOut(BaseModel):
    id: int
    party_role: str
    name: str
    phone: str | None
    id_number: str | None
    address: str | None
    sensitive: bool
    anonymous: bool
    masked: bool


class CaseDetail(BaseModel):
    case: CaseOut
    workflow_title: LabelOut
    overdue: bool
    deadlines: list[DeadlineOut]
    actions: list[ActionOut] = Field(description="What you may do now, in your role")
    history: list[EventOut]
    parties: list[PartyOut] = Field(description="Masked; read them unmasked on /personal-data")
    handed_to: list[str]


class FireOut(BaseModel):
    case: CaseOut
    event: EventOut
    replayed: bool = Field(description="True when an Idempotency-Key retry replayed the result")


class HandOverIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    unit: str = Field(min_length=1, max_length=64, examples=["women"])
    reason: str = Field(min_length=1, max_length=500, examples=["联席会议决定由妇联协办"])


class HandOverOut(BaseModel):
    case_id: int
    unit: str
    granted: bool = Field(description="False when the unit had access already")
