"""Workflow definitions."""

from __future__ import annotations

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
    mermaid: str
