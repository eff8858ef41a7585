"""Grid reports and parties."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from api.schemas.text import PointIn, StorableText


class PartyIn(StorableText):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "party_role": "applicant",
                    "name": "王秀英",
                    "phone": "13812345678",
                    "id_number": "110101196505121234",
                    "address": "东城区和平里街道一号楼",
                    "sensitive": False,
                    "anonymous": False,
                }
            ]
        },
    )

    party_role: Literal["applicant", "respondent", "reporter", "other"]
    name: str = Field(min_length=1, max_length=128)
    phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\- ]*$")
    id_number: str | None = Field(default=None, max_length=32, pattern=r"^[0-9A-Za-z]*$")
    address: str | None = Field(default=None, max_length=256)
    sensitive: bool = Field(
        default=False, description="Health, disability, whereabouts, minors, domestic violence"
    )
    anonymous: bool = Field(default=False, description="Hidden from the unit complained about")


class GridReportIn(StorableText):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "grid_unit": "g-hp-1-1",
                    "category": "sanitation",
                    "severity": "yellow",
                    "location": "和平里七区 3 号楼北侧",
                    "description": "垃圾清运点满溢两天未清运",
                    "photos": ["upload/2026/11/23/abc123.jpg"],
                }
            ]
        },
    )

    grid_unit: str = Field(min_length=1, max_length=64)
    category: str = Field(min_length=1, max_length=64, description="A grid_escalation category")
    severity: Literal["red", "yellow", "blue"]
    location: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=2000)
    photos: list[str] = Field(default_factory=list, max_length=10, description="File references")
    fixed_on_spot: bool = Field(default=False, description="Fixed already: close at once")
    reporter: PartyIn | None = Field(default=None, description="A resident who reported it")
    point: PointIn | None = Field(
        default=None, description="Where (WGS-84): for the duplicate suggestions"
    )
