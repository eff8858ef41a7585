"""Points (积分) in the JSON API: the ledger, balances, redemptions, counter-entries and the
quarterly ranking (engine.casework.points)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import LabelOut
from api.schemas.text import StorableText
from engine.casework.points import NAME_MAX, TEXT_MAX
from engine.points import MAX_AMOUNT

MAX_ENTRY_ID = 2**53 - 1  # every id up to it survives a JSON number read as a double


class PointEntryOut(BaseModel):
    id: int
    at: datetime
    account_kind: Literal["person", "unit"]
    account: str
    amount: int = Field(description="Points added (positive) or taken away (negative)")
    category: str
    reason: LabelOut
    actor: str
    case_id: int | None = Field(description="The case whose step made the entry")
    seq: int | None = Field(description="That step's number in the case's history")
    action: str | None
    corrects: int | None = Field(description="The entry a counter-entry undoes")
    partner: str | None = Field(description="The community partner (社区伙伴) of a redemption")
    note: str


class LedgerOut(BaseModel):
    entries: list[PointEntryOut]
    balance: int | None = Field(description="The account's balance, when one account is asked")
    next_before: int | None = Field(description="before_id of the next page; None on the last")


class BalanceOut(BaseModel):
    account_kind: Literal["person", "unit"]
    account: str
    balance: int
    entries: int


class RedemptionIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    account_kind: Literal["person", "unit"] = "person"
    account: str = Field(min_length=1, max_length=NAME_MAX, examples=["王大妈"])
    amount: int = Field(ge=1, le=MAX_AMOUNT, examples=[20])
    partner: str = Field(min_length=1, max_length=NAME_MAX, pattern=r"\S", examples=["惠民超市"])
    note: str = Field(default="", max_length=TEXT_MAX, examples=["大米一袋"])


class CorrectionIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    entry_id: int = Field(ge=1, le=MAX_ENTRY_ID)
    reason: str = Field(min_length=1, max_length=TEXT_MAX, pattern=r"\S", examples=["重复登记"])


class RankedUnitOut(BaseModel):
    unit: str
    name: LabelOut
    items: dict[str, int] = Field(description="Item → the quarter's additions less deductions")
    total: int
    rank: int


class RankingOut(BaseModel):
    quarter: str
    items: list[str]
    units: list[RankedUnitOut]
