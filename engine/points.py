"""Points (积分): what a transition's `points:` effects award or deduct, and the ledger's entries.

Two books share one append-only ledger (engine.store.points): the public-benefit points
(公益积分) residents and community social organisations earn for public-benefit work and
redeem with community partners (社区伙伴), seed 003 ("公益活动换积分"); and the quarterly
assessment of the mass organisations (积分评定) on the items seed 002 lists (宣传报道, 活动开展,
困难帮扶, 资金争取, 矛盾化解), with additions and deductions. Which book an entry belongs to
follows from its category (`CATEGORIES`). An entry is never changed nor removed: a mistake
is undone by a counter-entry that names the entry it corrects, with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from types import MappingProxyType
from zoneinfo import ZoneInfo

from engine.definition import PointsEffect
from engine.errors import ActionError

BENEFIT = "benefit"  # 公益积分: a balance its holder redeems, never below zero
ASSESSMENT = "assessment"  # 积分评定: a mass organisation's score per quarter

#: Every category an entry may carry, with its book.
CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        # seed 003: "根据社区社会组织或个体居民不同贡献值转化成相应“积分”"
        "volunteering": BENEFIT,  # 志愿服务
        "public_benefit": BENEFIT,  # 公益活动
        "care": BENEFIT,  # 关爱帮扶 (seed 003: "关爱小组", 上门帮扶)
        # seed 003: "“积分”可以兑换由“社区伙伴”……提供的相关实物以及服务"
        "redemption": BENEFIT,
        # seed 002: "详细罗列宣传报道、活动开展、困难帮扶、资金争取、矛盾化解,确定加减分权限"
        "publicity": ASSESSMENT,  # 宣传报道
        "activities": ASSESSMENT,  # 活动开展
        "hardship_aid": ASSESSMENT,  # 困难帮扶
        "funding": ASSESSMENT,  # 资金争取
        "dispute_resolution": ASSESSMENT,  # 矛盾化解
    }
)
#: The items of the quarterly assessment, in the order seed 002 lists them.
ASSESSMENT_ITEMS: tuple[str, ...] = tuple(c for c, b in CATEGORIES.items() if b == ASSESSMENT)

REDEMPTION = "redemption"  # written by engine.casework.points.redeem only
PERSON = "person"  # a resident or a community social organisation, by name
UNIT = "unit"  # a unit of the tree (a mass organisation), by code
ACCOUNT_KINDS: tuple[str, ...] = (PERSON, UNIT)
ACTOR = "actor"  # `person: actor`: the person who took the action
CASE_UNIT = "case"  # `unit: case`: the unit holding the case (its organisation, else its grid)
MAX_AMOUNT = 1_000_000  # points in one entry


def book_of(category: str) -> str:
    return CATEGORIES[category]


@dataclass(frozen=True, slots=True)
class PointEntry:
    """One line of the ledger. `case_id` and `seq` name the firing that made it; an entry
    made by a use case outside a workflow (a redemption, a counter-entry) has its audit
    entry instead. `corrects`: the entry a counter-entry undoes."""

    account_kind: str
    account: str
    amount: int
    category: str
    at: datetime
    actor: str
    reason_zh: str = ""
    reason_en: str = ""
    case_id: int | None = None
    seq: int | None = None
    action: str | None = None
    corrects: int | None = None
    partner: str | None = None
    note: str = ""
    id: int = 0

    @property
    def book(self) -> str:
        return CATEGORIES.get(self.category, BENEFIT)

    def reason(self, lang: str) -> str:
        return self.reason_en if lang == "en" else self.reason_zh


class PointsEffectError(ActionError):
    """Raised when a `points:` effect cannot be worked out from the case's data (an empty
    account, an amount that is no positive whole number): the firing is refused."""

    def __init__(self, action: str, message: str) -> None:
        self.action = action
        self.message = message
        super().__init__(f"{action}: cannot record points: {message}")


def entries_for(
    effects: tuple[PointsEffect, ...],
    *,
    action: str,
    data: Mapping[str, object],
    actor: str,
    case_unit: str | None,
    case_id: int,
    seq: int,
    at: datetime,
) -> list[PointEntry]:
    """The ledger entries a firing writes, from the case's data after the firing's effects;
    PointsEffectError before anything is written when one cannot be made."""
    out: list[PointEntry] = []
    for e in effects:
        if e.account_from == ACTOR and e.account_kind == PERSON:
            account: object = actor
        elif e.account_from == CASE_UNIT and e.account_kind == UNIT:
            account = case_unit
        else:
            account = data.get(e.account_from)
        if not isinstance(account, str) or not account.strip():
            raise PointsEffectError(action, f"no {e.account_kind} in {e.account_from!r}")
        amount = e.amount if e.amount is not None else data.get(str(e.amount_field))
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise PointsEffectError(action, f"{e.amount_field!r} holds no whole number")
        if not 1 <= amount <= MAX_AMOUNT:
            msg = f"{amount} points: an amount lies between 1 and {MAX_AMOUNT}"
            raise PointsEffectError(action, msg)
        category = e.category if e.category is not None else data.get(str(e.category_field))
        if not isinstance(category, str) or category not in CATEGORIES:
            raise PointsEffectError(action, f"{e.category_field!r} holds no points category")
        out.append(
            PointEntry(
                account_kind=e.account_kind,
                account=account.strip(),
                amount=-amount if e.deduct else amount,
                category=category,
                at=at,
                actor=actor,
                reason_zh=e.reason.zh,
                reason_en=e.reason.en,
                case_id=case_id,
                seq=seq,
                action=action,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Quarter:
    """A calendar quarter in the local time zone, e.g. 2026Q4."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2026Q4``; ValueError for anything else."""
        t = text.strip().upper()
        if len(t) != 6 or t[4] != "Q" or not t[:4].isdigit() or t[5] not in "1234":
            raise ValueError(f"not a quarter: {text!r} (write it like 2026Q4)")
        return cls(int(t[:4]), int(t[5]))

    @classmethod
    def of(cls, moment: datetime, tz: str) -> Quarter:
        local = moment.astimezone(ZoneInfo(tz))
        return cls(local.year, (local.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """The quarter's first moment and the next quarter's, in the local time zone."""
        zone = ZoneInfo(tz)
        start = datetime.combine(date(self.year, 3 * self.number - 2, 1), time(), zone)
        nxt = self.next()
        end = datetime.combine(date(nxt.year, 3 * nxt.number - 2, 1), time(), zone)
        return start, end

    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)
