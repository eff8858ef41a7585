"""Points (积分) pages: the public-benefit ledger with the balances, a redemption with a
community partner and a counter-entry (/points); the mass organisations' quarterly ranking
(/points/ranking). Each calls one use case of engine.casework.points, as the API does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.errors import PageRoute
from api.pages.formatting import local
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from engine.casework import points
from engine.casework.cases import open_case
from engine.casework.errors import (
    AlreadyCorrectedError,
    InsufficientPointsError,
    InvalidPointsError,
    OutOfScopeError,
    UnknownPointsEntryError,
    UnknownUnitError,
)
from engine.casework.permissions import Permission
from engine.casework.points import NAME_MAX, TEXT_MAX
from engine.points import ASSESSMENT, BENEFIT, MAX_AMOUNT, PERSON, PointEntry, Quarter

router = APIRouter(route_class=PageRoute)

PATH = "/points"
RANKING = "/points/ranking"
RECORD_WORKFLOW = "public_points"  # public-benefit work is recorded as a case of it
SCORING_WORKFLOW = "quarterly_scoring"  # one case per organisation and quarter
IDEM_FIELD = "idem"  # each form carries a key made when it is shown: a double submit counts once


@dataclass(frozen=True, slots=True)
class EntryLine:
    id: int
    at: str
    account: str
    amount: int
    category: str
    reason: str
    actor: str
    case_id: int | None
    corrects: int | None
    partner: str | None
    note: str


def _line(page: Page, e: PointEntry) -> EntryLine:
    return EntryLine(
        e.id,
        local(e.at, page.tz, lang=page.lang),
        e.account,
        e.amount,
        page.t(f"points.category.{e.category}"),
        e.reason(page.lang),
        e.actor,
        e.case_id,
        e.corrects,
        e.partner,
        e.note,
    )


def _render(
    page: Page,
    *,
    book: str = BENEFIT,
    account: str = "",
    status: int = 200,
    error: str = "",
    form: dict[str, str] | None = None,
) -> Response:
    ledger = points.ledger(
        page.ctx,
        page.user,
        book=book,
        account_kind=PERSON if account and book == BENEFIT else None,
        account=account or None,
    )
    balances = points.balances(page.ctx, page.user) if book == BENEFIT else []
    return page.render(
        "points/ledger.html",
        {
            "book": book,
            "account": account,
            "entries": [_line(page, e) for e in ledger.entries],
            "balance": ledger.balance,
            "balances": balances,
            "may_redeem": page.may(Permission.REDEEM_POINTS) and book == BENEFIT,
            "may_correct": page.may(Permission.CORRECT_POINTS),
            "may_record": any(
                d.name == RECORD_WORKFLOW and page.user.role in d.owner_roles
                for d in page.ctx.registry.all_latest()
            ),
            "error": error,
            "form": form or {},
            "name_max": NAME_MAX,
            "text_max": TEXT_MAX,
            "max_amount": MAX_AMOUNT,
            "idem_redeem": uuid.uuid4().hex,
            "idem_correct": uuid.uuid4().hex,
        },
        status_code=status,
        active_nav=PATH,
    )


@router.get(PATH, name="points")
def ledger_page(page: PageDep, account: str = "", book: str = BENEFIT) -> Response:
    page.require(Permission.READ_POINTS)
    book = book if book in (BENEFIT, ASSESSMENT) else BENEFIT
    return _render(page, book=book, account=account.strip()[:NAME_MAX])


@router.post(PATH + "/redeem")
async def redeem_form(page: PageDep) -> Response:
    return await off_loop(_redeem, page, await page.form())


def _redeem(page: Page, form: FormData) -> Response:
    page.require(Permission.REDEEM_POINTS)
    values = {k: str(form.get(k, "")).strip() for k in ("account", "amount", "partner", "note")}
    amount_text = values["amount"]
    amount = int(amount_text) if amount_text.isdigit() and len(amount_text) < 10 else 0
    try:
        entry = points.redeem(
            page.ctx,
            page.user,
            account_kind=PERSON,
            account=values["account"][:NAME_MAX],
            amount=amount,
            partner=values["partner"][:NAME_MAX],
            note=values["note"][:TEXT_MAX],
            idempotency_key=_key(form),
        )
    except InsufficientPointsError as exc:
        msg = page.t("points.insufficient", balance=exc.balance, asked=exc.asked)
        return _render(page, status=422, error=msg, form=values)
    except InvalidPointsError as exc:
        msg = page.t(f"points.invalid.{exc.field}")
        return _render(page, status=422, error=msg, form=values)
    return RedirectResponse(f"{PATH}?redeemed={entry.id}", 303)


@router.post(PATH + "/correct")
async def correct_form(page: PageDep) -> Response:
    return await off_loop(_correct, page, await page.form())


def _correct(page: Page, form: FormData) -> Response:
    page.require(Permission.CORRECT_POINTS)
    id_text = str(form.get("entry_id", "")).strip()
    reason = str(form.get("reason", "")).strip()[:TEXT_MAX]
    values = {"entry_id": id_text, "reason": reason}
    entry_id = int(id_text) if id_text.isdigit() and len(id_text) < 19 else 0
    try:
        counter = points.correct(page.ctx, page.user, entry_id, reason, _key(form))
    except UnknownPointsEntryError:
        msg = page.t("points.no_entry", id=id_text)
        return _render(page, status=404, error=msg, form=values)
    except AlreadyCorrectedError:
        msg = page.t("points.already_corrected", id=id_text)
        return _render(page, status=409, error=msg, form=values)
    except InsufficientPointsError as exc:
        msg = page.t("points.insufficient", balance=exc.balance, asked=exc.asked)
        return _render(page, status=422, error=msg, form=values)
    except InvalidPointsError:
        return _render(page, status=422, error=page.t("points.invalid.reason"), form=values)
    return RedirectResponse(f"{PATH}?corrected={counter.corrects}", 303)


def _key(form: FormData) -> str:
    """The form's key, namespaced apart from the API's; a form without one gets its own."""
    idem = str(form.get(IDEM_FIELD, "")) or uuid.uuid4().hex
    return f"page:{idem[:64]}"


@router.get(RANKING, name="points_ranking")
def ranking_page(page: PageDep, quarter: str = "") -> Response:
    page.require(Permission.READ_POINTS)
    error = ""
    try:
        asked = Quarter.parse(quarter) if quarter else None
    except ValueError:
        asked, error = None, page.t("points.invalid.quarter")
    return _ranking(page, asked, error)


@router.post(RANKING + "/open")
async def open_assessment_form(page: PageDep) -> Response:
    return await off_loop(_open_assessment, page, await page.form())


def _open_assessment(page: Page, form: FormData) -> Response:
    """Open an organisation's assessment case for a quarter (the supervisor names both)."""
    unit = str(form.get("unit", "")).strip()[:64]
    try:
        quarter = Quarter.parse(str(form.get("quarter", "")))
    except ValueError:
        return _ranking(page, None, page.t("points.invalid.quarter"))
    try:
        opened = open_case(
            page.ctx, page.user, SCORING_WORKFLOW, {"quarter": str(quarter)}, org_unit=unit
        )
    except (UnknownUnitError, OutOfScopeError):
        return _ranking(page, quarter, page.t("points.ranking.bad_unit"))
    return RedirectResponse(f"/cases/{opened.case.id}?done=open", 303)


def _ranking(page: Page, asked: Quarter | None, error: str) -> Response:
    found = points.ranking(page.ctx, page.user, asked)
    return page.render(
        "points/ranking.html",
        {
            "ranking": found,
            "quarter": str(found.quarter),
            "previous": str(found.quarter.previous()),
            "next": str(found.quarter.next()),
            "items": [(c, page.t(f"points.category.{c}")) for c in found.items],
            "error": error,
            "may_open": any(
                d.name == SCORING_WORKFLOW and page.user.role in d.owner_roles
                for d in page.ctx.registry.all_latest()
            ),
        },
        status_code=422 if error else 200,
        active_nav=RANKING,
    )
