"""Reviewing a draft before it is published: the change in words, the diagram with the
changed parts marked, the open cases per version; then publishing it with a reason.

The editor's "review" button and a timer's form (api.pages.timer_form) land here; the
review page posts the draft, the version it was compared with (`based_on`), a reason and a
confirmation to the publish route. A draft someone else's publication made stale is shown
again, compared with the new latest version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.changes import change_groups, marked_diagram
from api.pages.definitions_pages import refresh, render_definition
from api.pages.errors import PageError, PageRoute
from api.pages.messages import engine_text
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.timer_form import read_timer_form, timer_form
from engine.casework.errors import InvalidReasonError, PublishConflictError, StaleDraftError
from engine.casework.permissions import Permission
from engine.casework.publishing import MAX_REASON, Review, draft_timer_change, publish, review
from engine.errors import DefinitionError

router = APIRouter(route_class=PageRoute)

MAX_SOURCE = 512 * 1024


def posted_source(form: FormData) -> str:
    """The draft a form sent: bounded, with a browser's line ends made plain."""
    return str(form.get("source", ""))[:MAX_SOURCE].replace("\r\n", "\n")


def render_review(
    page: Page,
    name: str,
    rv: Review,
    *,
    reason: str = "",
    errors: dict[str, str] | None = None,
    stale: bool = False,
    status_code: int = 200,
) -> Response:
    """The review page of a valid draft (`rv.definition` set)."""
    assert rv.definition is not None and rv.diff is not None
    changes = rv.diff
    unchanged = rv.unchanged or changes.empty
    context: dict[str, Any] = {
        "name": name,
        "source": rv.source,
        "base_version": rv.based_on,
        "next_version": rv.next_version,
        "unchanged": unchanged,
        "change_count": 0 if unchanged else len(changes.changes),
        "groups": change_groups(changes, page.lang),
        "diagram": "" if unchanged else marked_diagram(rv.definition, changes, page.lang),
        "open_cases": sorted(rv.open_cases.items()),
        "reason": reason,
        "reason_max": MAX_REASON,
        "errors": errors or {},
        "stale": stale,
    }
    return page.render(
        "supervisor/review.html",
        context,
        status_code=status_code,
        active_nav="/supervisor/definitions",
    )


def valid_review(page: Page, source: str) -> Review:
    """The review of a draft the pages showed as valid; DefinitionError (an error page) if
    it is not, which only a hand-made request sends."""
    rv = review(page.ctx, page.user, source)
    if rv.definition is None:
        raise DefinitionError(rv.problems)
    return rv


@router.post("/supervisor/definitions/{name}/publish", name="publish_draft")
async def publish_draft(page: PageDep, name: str) -> Response:
    page.require(Permission.PUBLISH_DEFINITION)
    return await off_loop(_publish_draft, page, name, await page.form())


def _publish_draft(page: Page, name: str, form: FormData) -> Response:
    source = posted_source(form)
    reason = str(form.get("reason", "")).strip()[: MAX_REASON * 2]
    based_on = _whole(str(form.get("based_on", "")))
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = page.t("review.need_reason")
    elif len(reason) > MAX_REASON:
        errors["reason"] = page.t("review.long_reason", n=MAX_REASON)
    if form.get("confirm") != "1":
        errors["confirm"] = page.t("review.need_confirm")
    if errors:
        rv = valid_review(page, source)
        return render_review(page, name, rv, reason=reason, errors=errors, status_code=422)
    try:
        published = publish(page.ctx, page.user, source, reason=reason, based_on=based_on)
    except (StaleDraftError, PublishConflictError):
        again = valid_review(page, source)
        return render_review(page, name, again, reason=reason, stale=True, status_code=409)
    except InvalidReasonError:
        rv = valid_review(page, source)
        errors = {"reason": page.t("review.long_reason", n=MAX_REASON)}
        return render_review(page, name, rv, reason=reason, errors=errors, status_code=422)
    d = published.definition
    flag = "published" if published.created else "unchanged"
    url = f"/supervisor/definitions/{d.name}?version={d.version}&{flag}=1"
    if published.created and based_on > 0:
        url += f"&from={based_on}"
    return RedirectResponse(url, status_code=303)


def _whole(text: str) -> int:
    """A version a form sent; -1 (never a version, so a stale draft) when it is not one."""
    return int(text) if text.isdigit() and len(text) <= 9 else -1


@router.post("/supervisor/definitions/{name}/timers/{state}/{timer}", name="change_timer")
async def change_timer(page: PageDep, name: str, state: str, timer: str) -> Response:
    page.require(Permission.PUBLISH_DEFINITION)
    return await off_loop(_change_timer, page, name, state, timer, await page.form())


def _change_timer(page: Page, name: str, state: str, timer: str, form: FormData) -> Response:
    refresh(page)
    latest = page.ctx.registry.latest(name)
    found = next((t for t in latest.all_timers() if t.state == state and t.name == timer), None)
    if found is None:
        raise PageError(404, "error.not_found")
    change, errors = read_timer_form(found, form, page.lang)
    if change is not None:
        try:
            rv = draft_timer_change(
                page.ctx,
                page.user,
                name,
                state,
                timer,
                after=change.after,
                remind_at=change.remind_at,
                notify=change.notify,
            )
        except DefinitionError as exc:
            errors = {
                _input_of(p.key): page.t("timer.failed") + engine_text(page.lang, p.message)
                for p in exc.problems
            }
        else:
            if rv.definition is None:
                raise DefinitionError(rv.problems)
            return render_review(page, name, rv)
    typed = timer_form(found, page.lang, form, errors)
    return render_definition(page, latest, timer_forms={(state, timer): typed}, status_code=422)


def _input_of(key: str) -> str:
    """The input of the timer form a problem of the edited YAML is about."""
    if key.endswith(".remind_at"):
        return "remind"
    if key.endswith(".notify"):
        return "notify"
    return "amount"
