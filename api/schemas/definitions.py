"""Workflow definitions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.cases import FieldOut
from api.schemas.common import LabelOut
from api.schemas.text import StorableText


class DefinitionSummary(BaseModel):
    name: str
    version: int = Field(description="The latest version")
    versions: list[int]
    title: LabelOut
    description: LabelOut | None
    content_hash: str


class TimerOut(BaseModel):
    name: str
    after: str
    at_field: str | None
    action: str | None
    remind_at: float | None
    notify: list[str]
    working_days_only: bool
    # A recurring timer: its period ("half month", "1 month", "5 working days") and its end.
    every: str | None = None
    from_field: str | None = None
    until: str | None = None
    count: int | None = None
    until_state: list[str] = []


class StateOut(BaseModel):
    name: str
    label: LabelOut
    roles: list[str]
    final: bool
    timers: list[TimerOut]


class TransitionOut(BaseModel):
    action: str
    label: LabelOut
    sources: list[str]
    dest: str
    roles: list[str]
    requires: list[str]
    guard: str | None
    guard_message: LabelOut | None
    internal: bool


class TierOut(BaseModel):
    level: int
    name: str
    label: LabelOut


class DefinitionOut(DefinitionSummary):
    initial: str
    owner_roles: list[str]
    states: list[StateOut]
    # The timers of the whole case, whatever its state.
    timers: list[TimerOut] = []
    transitions: list[TransitionOut]
    fields: list[FieldOut]
    tiers: list[TierOut]
    source: str


class SourceIn(StorableText):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"source": "name: mediation\nversion: 1\ntitle: {zh: 人民调解, en: Mediation}\n…"}
            ]
        },
    )

    source: str = Field(min_length=1, max_length=500_000, description="Workflow YAML")


class ProblemLine(BaseModel):
    line: int
    col: int
    key: str
    message: str
    hint: str


class ValidationOut(BaseModel):
    ok: bool
    name: str | None
    version: int | None
    problems: list[ProblemLine]


class PublishOut(BaseModel):
    name: str
    version: int
    created: bool = Field(description="False when the content equals the latest version")
    content_hash: str


class DiagramOut(BaseModel):
    name: str
    version: int
    lang: str
    compare_to: int | None = Field(
        default=None, description="The version the marks compare with; null: no marks"
    )
    mermaid: str


class PublishIn(SourceIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": "name: mediation\nversion: 1\ntitle: {zh: 人民调解, en: Mediation}\n…",  # noqa: E501
                    "reason": "回访期限按新规定改为 10 个工作日",
                    "based_on": 1,
                }
            ]
        },
    )

    reason: str = Field(
        min_length=1, max_length=500, description="Why this version is published (kept with it)"
    )
    based_on: int = Field(
        ge=0,
        le=1_000_000,
        description="The latest version the draft was reviewed against (0 for a new workflow);"
        " another version published since answers 409",
    )


class ChangeOut(BaseModel):
    kind: Literal["workflow", "state", "transition", "field", "timer"]
    op: Literal["added", "removed", "changed"]
    name: str = Field(description="The state, action, field, timer or workflow changed")
    state: str = Field(
        description="For a transition its source state, for a timer the state it belongs to"
    )
    zh: str
    en: str


class DiffOut(BaseModel):
    name: str
    from_version: int = Field(description="0: compared with nothing (a new workflow)")
    to_version: int
    changes: list[ChangeOut]


class ReviewOut(BaseModel):
    ok: bool = Field(description="False when the draft has problems (then nothing else is set)")
    name: str | None
    base_version: int | None = Field(
        description="The latest published version the draft is compared with; null for a new"
        " workflow. Publish with based_on = this (0 when null)"
    )
    based_on: int = Field(description="The value to send as based_on when publishing")
    next_version: int | None = Field(description="The version publishing would make")
    unchanged: bool = Field(description="The content equals the latest version: nothing new")
    changes: list[ChangeOut]
    open_cases: dict[str, int] = Field(
        description="Open cases of the workflow per version today (version → count)"
    )
    problems: list[ProblemLine]
    source: str = Field(description="The draft reviewed (for a timer change: the edited YAML)")


class VersionOut(BaseModel):
    version: int
    published_at: datetime
    published_by: str
    reason: str
    changes: list[ChangeOut] = Field(description="What changed from the version before")


class TimerDraftIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"after": "10 working days", "remind_at": 0.8}]},
    )

    after: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="A duration such as '10 working days' (replaces a duration table); null:"
        " unchanged",
    )
    remind_at: float | None = Field(
        default=None, ge=0.01, le=0.99, description="Share of the period, e.g. 0.8; null: unchanged"
    )
    notify: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]] | None = Field(
        default=None, max_length=20, description="Roles notified; null: unchanged"
    )
