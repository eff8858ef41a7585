"""Rates and exclusions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.text import StorableText


class RateGroup(BaseModel):
    key: str = Field(
        description="Organisation, community, street or grid unit code, category, period "
        "(2026-11, 2026-W48, …) or workflow; `-` when the case has none; `all` for the total"
    )
    label: str
    rank: int | None = Field(
        default=None, description="Place by `rank_by`, best first; equal rates share a place"
    )
    cases: int = Field(description="Cases counted: opened in the range, not excluded or merged")
    excluded: int = Field(description="Cases left out: excluded by a reviewer or merged")
    response_rate: float | None = Field(
        description="响应率: responded_in_time / awaiting_response (docs/RATES.md)"
    )
    resolution_rate: float | None = Field(description="解决率: resolved / cases")
    satisfaction_rate: float | None = Field(description="满意率: satisfied / rated")
    on_time_rate: float | None = Field(description="On-time rate: closed_on_time / closed")
    mediation_success_rate: float | None = Field(description="调解成功率: agreements / mediated")
    avg_close_hours: float | None = Field(description="Mean hours from opening to closing")
    awaiting_response: int = Field(description="Cases that called for a response")
    responded_in_time: int = Field(
        description="First action by the responsible unit before its response deadline"
    )
    resolved: int = Field(description="Closed with an agreement, or with no outcome recorded")
    rated: int
    satisfied: int = Field(description="Rated 4 or 5")
    closed: int
    closed_on_time: int = Field(description="Closed without any deadline missed")
    mediated: int
    agreements: int
    urged: int = Field(description="Cases counted that were urged (催办) at least once")


class RatesOut(BaseModel):
    group_by: str
    period: str
    start: datetime | None
    end: datetime | None
    rank_by: str | None = None
    own_area: str | None = Field(
        default=None, description="The community whose own figures these are (a community user)"
    )
    groups: list[RateGroup]
    total: RateGroup


class ExclusionIn(StorableText):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"case_id": 42, "reason": "重复诉求，已在 41 号案件处理"}]},
    )

    case_id: int = Field(ge=1, le=2**62)
    reason: str = Field(min_length=2, max_length=1000)


class ExclusionOut(BaseModel):
    case_id: int
    reason: str
    reviewer: str
    at: datetime
