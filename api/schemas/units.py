"""Models of the unit administration, grid members and assignment endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.text import StorableText


class UnitIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64, examples=["cm-hp-3"])
    name_zh: str = Field(min_length=1, max_length=128, examples=["和平里三社区"])
    name_en: str = Field(default="", max_length=128, examples=["Hepingli Community 3"])
    kind: str = Field(
        max_length=32,
        examples=["community"],
        description="organisation, workroom, city, district, street, community or grid",
    )
    parent: str | None = Field(default=None, max_length=64, examples=["s-heping"])


class RenameIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    name_zh: str = Field(min_length=1, max_length=128)
    name_en: str = Field(default="", max_length=128)


class MoveIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    parent: str | None = Field(max_length=64, description="The new parent; null: the top")


class MergeIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    into: str = Field(min_length=1, max_length=64, description="The unit that takes it all over")


class UnitAdminOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    kind: str
    parent: str | None
    retired_at: datetime | None
    depth: int = Field(default=0, description="Depth in the tree listing")


class MemberOut(BaseModel):
    username: str
    display_name: str
    role: str
    unit: str | None
    grid_units: list[str]


class HeldCaseOut(BaseModel):
    id: int
    workflow: str
    state: str
    org_unit: str | None
    grid_unit: str | None
    assignee: str | None


class UnitDetailOut(BaseModel):
    unit: UnitAdminOut
    children: list[UnitAdminOut]
    members: list[MemberOut]
    open_cases: list[HeldCaseOut]


class MergedOut(BaseModel):
    source: str
    target: str
    cases: list[int]
    children: list[str]
    users: list[str]


class GridsIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    grids: list[str] = Field(min_length=1, max_length=100, examples=[["g-hp-1-1"]])


class GridsOut(BaseModel):
    username: str
    grid_units: list[str]


class GridHandoverIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, max_length=64, description="The grid member taking over")


class GridHandoverOut(BaseModel):
    grids: list[str]
    cases: list[int]


class RedrawIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    target: str = Field(min_length=1, max_length=64, description="The grid the cases go to")
    case_ids: list[int] | None = Field(
        default=None, max_length=10_000, description="Only these open cases; all when absent"
    )


class RedrawOut(BaseModel):
    cases: list[int]


class ClaimIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(
        default=None, ge=0, description="The case version you saw; a later one is a conflict"
    )


class AssignIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    mediator: str = Field(min_length=1, max_length=64)
    expected_version: int | None = Field(default=None, ge=0)


class AssignedOut(BaseModel):
    case_id: int
    assignee: str | None
    version: int
    changed: bool
