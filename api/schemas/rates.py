"""Rates and exclusions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.text import StorableText


class RateGroup(BaseModel):
    key: str = Field(description="Organisation, grid unit, category, period or workflow")
    label: str
    cases: int
    excluded: int
    response_rate: float | None = Field(description="响应率")
    resolution_rate: float | None = Field(description="解决率")
    satisfaction_rate: float | None = Field(description="满意率")
    on_time_rate: float | None
    mediation_success_rate: float | None = Field(description="调解成功率")
    avg_close_hours: float | None
    responded_in_time: int
    resolved: int
    rated: int
    satisfied: int
    closed: int
    closed_on_time: int
    mediated: int
    agreements: int


class RatesOut(BaseModel):
    group_by: str
    period: str
    start: datetime | None
    end: datetime | None
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
