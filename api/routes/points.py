"""Points (积分): the ledger and balances, redemptions with community partners, counter-entries
and the mass organisations' quarterly ranking; each route calls one use case of
engine.casework.points."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query

from api.auth import CurrentUser
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.problems import problem_responses
from api.schemas.common import LabelOut
from api.schemas.points import (
    MAX_ENTRY_ID,
    BalanceOut,
    CorrectionIn,
    LedgerOut,
    PointEntryOut,
    RankedUnitOut,
    RankingOut,
    RedemptionIn,
)
from engine.casework import points
from engine.casework.access import MAX_KEY_LENGTH
from engine.casework.points import NAME_MAX, PAGE_MAX
from engine.points import PointEntry

ERRORS = problem_responses(401, 403, 404, 409, 422)

router = APIRouter(tags=["points"], route_class=BoundedJsonRoute)

IdemKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="A retry with the same key is applied once and answers the first entry",
    ),
]


@router.get("/points/ledger", responses=ERRORS)
def ledger(
    user: CurrentUser,
    ctx: ContextDep,
    book: Annotated[Literal["benefit", "assessment"], Query()] = "benefit",
    account_kind: Annotated[Literal["person", "unit"] | None, Query()] = None,
    account: Annotated[str | None, Query(min_length=1, max_length=NAME_MAX)] = None,
    case_id: Annotated[int | None, Query(ge=1, le=MAX_ENTRY_ID)] = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ENTRY_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 100,
) -> LedgerOut:
    """The book's entries, newest first, for one account, one case or all; with the
    account's balance when one account is named."""
    page = points.ledger(
        ctx,
        user,
        book=book,
        account_kind=account_kind,
        account=account,
        case_id=case_id,
        before_id=before_id,
        limit=limit,
    )
    return LedgerOut(
        entries=[entry_out(e) for e in page.entries],
        balance=page.balance,
        next_before=page.next_before,
    )


@router.get("/points/balances", responses=ERRORS)
def balances(
    user: CurrentUser,
    ctx: ContextDep,
    account_kind: Annotated[Literal["person", "unit"] | None, Query()] = None,
) -> list[BalanceOut]:
    """Every account's public-benefit balance (公益积分), the highest first."""
    return [
        BalanceOut(
            account_kind=b.account_kind,
            account=b.account,
            balance=b.balance,
            entries=b.entries,
        )
        for b in points.balances(ctx, user, account_kind=account_kind)
    ]


@router.post("/points/redemptions", status_code=201, responses=ERRORS)
def redeem(
    body: RedemptionIn, user: CurrentUser, ctx: ContextDep, key: IdemKey = None
) -> PointEntryOut:
    """Redeem points with a community partner (社区伙伴); refused (422 insufficient-points),
    and nothing written, when the balance is short. With an Idempotency-Key a retry is
    applied once and answers the first entry."""
    return entry_out(
        points.redeem(
            ctx,
            user,
            account_kind=body.account_kind,
            account=body.account,
            amount=body.amount,
            partner=body.partner,
            note=body.note,
            idempotency_key=key,
        )
    )


@router.post("/points/corrections", status_code=201, responses=ERRORS)
def correct(
    body: CorrectionIn, user: CurrentUser, ctx: ContextDep, key: IdemKey = None
) -> PointEntryOut:
    """Undo an entry with a counter-entry and its reason (the entry stays); 409 when it is
    corrected already or is itself a counter-entry. With an Idempotency-Key a retry is
    applied once and answers the first counter-entry."""
    return entry_out(points.correct(ctx, user, body.entry_id, body.reason, key))


@router.get("/points/ranking", responses=ERRORS)
def ranking(
    user: CurrentUser,
    ctx: ContextDep,
    quarter: Annotated[
        str | None, Query(max_length=6, pattern=r"^[1-9][0-9]{3}Q[1-4]$", examples=["2026Q4"])
    ] = None,
) -> RankingOut:
    """The mass organisations' quarterly assessment (积分评定): every organisation with its
    items' sums and total, ranked; the current quarter by default."""
    found = points.ranking(ctx, user, quarter)
    return RankingOut(
        quarter=str(found.quarter),
        items=list(found.items),
        units=[
            RankedUnitOut(
                unit=u.code,
                name=LabelOut(zh=u.name_zh, en=u.name_en),
                items=u.items,
                total=u.total,
                rank=u.rank,
            )
            for u in found.units
        ],
    )


def entry_out(e: PointEntry) -> PointEntryOut:
    return PointEntryOut(
        id=e.id,
        at=e.at,
        account_kind=e.account_kind,
        account=e.account,
        amount=e.amount,
        category=e.category,
        reason=LabelOut(zh=e.reason_zh, en=e.reason_en),
        actor=e.actor,
        case_id=e.case_id,
        seq=e.seq,
        action=e.action,
        corrects=e.corrects,
        partner=e.partner,
        note=e.note,
    )
