"""The supervisor's migration pages: the runs, the plan form, and a run with its preview,
its confirmation and its report (engine.casework.migration does the work)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.definitions_pages import refresh
from api.pages.errors import PageRoute
from api.pages.forms import Option
from api.pages.migration_form import (
    LEAVE,
    Checked,
    PlanForm,
    check,
    defaults,
    mapping_rows,
    resolve,
    state_options,
    worded,
)
from api.pages.migration_views import Report, map_lines, preview_rows, run_line
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.routes.cases import MAX_CASE_ID
from engine.casework.errors import ConfirmationRequiredError, MigrationPlanError
from engine.casework.migration import (
    REASON_MAX,
    MigrationRun,
    apply,
    plan,
    preview,
    preview_cases,
    run,
    runs,
)
from engine.casework.permissions import Permission

router = APIRouter(route_class=PageRoute)

PATH = "/supervisor/migrations"
PAGE_SIZE = 50
RunIdPath = Annotated[int, Path(ge=1, le=MAX_CASE_ID)]
Count = Annotated[int | None, Query(ge=0, le=MAX_CASE_ID)]


@router.get(PATH, name="migrations")
def migrations_list(page: PageDep, workflow: Annotated[str, Query(max_length=64)] = "") -> Response:
    page.require(Permission.MIGRATE_CASE)
    registry = page.ctx.registry
    lines = [
        run_line(registry, r, page.lang, page.tz)
        for r in runs(page.ctx, page.user, workflow or None)
    ]
    return page.render(
        "supervisor/migrations.html",
        {"runs": lines, "workflow": workflow},
        active_nav=PATH,
    )


# -- the plan form -------------------------------------------------------------------------


@router.get(PATH + "/new", name="migration_new")
def plan_form(
    page: PageDep,
    workflow: str = "",
    from_version: Annotated[str, Query(alias="from", max_length=12)] = "",
    to: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    page.require(Permission.MIGRATE_CASE)
    refresh(page)
    form = defaults(
        page.ctx.registry, PlanForm(workflow=workflow, from_text=from_version, to_text=to)
    )
    return render_plan(page, form, resolve(page.ctx.registry, form, page.lang).errors)


@router.post(PATH + "/new")
async def plan_submit(page: PageDep) -> Response:
    page.require(Permission.MIGRATE_CASE)
    return await off_loop(_plan_submit, page, await page.form())


def _plan_submit(page: Page, posted: FormData) -> Response:
    form = PlanForm.read(posted)
    registry = page.ctx.registry
    if posted.get("button") == "refresh":
        # Another workflow chosen: its own versions, unless the ones named are its too.
        named = resolve(registry, form, page.lang).errors
        form.from_text = "" if "from" in named else form.from_text
        form.to_text = "" if "to" in named else form.to_text
        form = defaults(registry, form)
        return render_plan(page, form, resolve(registry, form, page.lang).errors)
    checked = check(registry, form, page.lang)
    if checked.request is None:
        return render_plan(page, form, checked.errors, checked=checked, status_code=422)
    try:
        created = plan(page.ctx, page.user, checked.request)
    except MigrationPlanError as exc:
        problems = worded(exc.problems, page.lang)
        return render_plan(page, form, {}, problems=problems, status_code=422)
    return RedirectResponse(f"{PATH}/{created.id}?planned=1", status_code=303)


def render_plan(
    page: Page,
    form: PlanForm,
    errors: dict[str, str],
    *,
    checked: Checked | None = None,
    problems: list[str] | tuple[str, ...] = (),
    status_code: int = 200,
) -> Response:
    registry = page.ctx.registry
    versions = resolve(registry, form, page.lang)
    source, target = versions.source, versions.target
    rows = checked.rows if checked is not None else []
    if not rows and source is not None and target is not None:
        rows = mapping_rows(source, target, form, page.lang)
    workflows = [Option(d.name, d.title.get(page.lang)) for d in registry.all_latest()]
    published = (
        [
            Option(str(d.version), page.t("mig.version_n", n=d.version))
            for d in registry.versions(form.workflow)
        ]
        if form.workflow in registry.names()
        else []
    )
    return page.render(
        "supervisor/migration_new.html",
        {
            "form": form,
            "errors": errors,
            "problems": list(problems),
            "workflows": workflows,
            "versions": published,
            "source": source,
            "target": target,
            "rows": rows,
            "targets": state_options(target, page.lang) if target is not None else [],
            "source_states": state_options(source, page.lang) if source is not None else [],
            "leave": LEAVE,
            "reason_max": REASON_MAX,
        },
        status_code=status_code,
        active_nav=PATH,
    )


# -- a run: preview, confirmation, report --------------------------------------------------


@router.get(PATH + "/{run_id}", name="migration")
def run_page(
    page: PageDep,
    run_id: RunIdPath,
    state: Annotated[str, Query(max_length=100)] = "",
    movable: Annotated[str, Query(max_length=3)] = "",
    after: Annotated[int, Query(ge=0, le=MAX_CASE_ID)] = 0,
    moved: Count = None,
    already: Count = None,
    refused: Count = None,
    failed: Count = None,
    seconds: Annotated[float | None, Query(ge=0, le=1e7)] = None,
) -> Response:
    page.require(Permission.MIGRATE_CASE)
    report = None
    if moved is not None and already is not None and refused is not None and failed is not None:
        report = Report(moved, already, refused, failed, f"{seconds or 0.0:.1f}")
    return render_run(page, run(page.ctx, page.user, run_id), state, movable, after, report)


def render_run(
    page: Page,
    current: MigrationRun,
    state: str = "",
    movable: str = "",
    after: int = 0,
    report: Report | None = None,
    *,
    confirm_error: str = "",
    status_code: int = 200,
) -> Response:
    registry = page.ctx.registry
    source = registry.get(current.workflow, current.from_version)
    target = registry.get(current.workflow, current.to_version)
    state = state if state in source.states else ""
    movable = movable if movable in ("yes", "no") else ""
    previewed = current.status != "planned"
    cases = (
        preview_cases(
            page.ctx,
            page.user,
            current.id,
            state=state or None,
            movable={"yes": True, "no": False}.get(movable),
            after_case_id=after,
            limit=PAGE_SIZE + 1,
        )
        if previewed
        else []
    )
    more = len(cases) > PAGE_SIZE
    cases = cases[:PAGE_SIZE]
    filters: dict[str, Any] = {k: v for k, v in (("state", state), ("movable", movable)) if v}
    here = f"{PATH}/{current.id}"
    return page.render(
        "supervisor/migration.html",
        {
            "run": run_line(registry, current, page.lang, page.tz),
            "state_map": map_lines(source, target, current, page.lang),
            "scope_states": [source.states[s].label.get(page.lang) for s in current.states],
            "case_ids": list(current.case_ids),
            "previewed": previewed,
            "rows": preview_rows(source, target, cases, page.now(), page.lang, page.tz),
            "state_options": state_options(source, page.lang),
            "state": state,
            "movable": movable,
            "after": after,
            "first_href": f"{here}?{urlencode(filters)}" if after else "",
            "next_href": (
                f"{here}?{urlencode({**filters, 'after': cases[-1].case_id})}" if more else ""
            ),
            "may_apply": previewed and current.status != "applied" and current.movable > 0,
            "report": report,
            "confirm_error": confirm_error,
        },
        status_code=status_code,
        active_nav=PATH,
    )


@router.post(PATH + "/{run_id}/preview")
async def preview_submit(page: PageDep, run_id: RunIdPath) -> Response:
    page.require(Permission.MIGRATE_CASE)
    await page.form()
    return await off_loop(_preview, page, run_id)


def _preview(page: Page, run_id: int) -> Response:
    preview(page.ctx, page.user, run_id)
    return RedirectResponse(f"{PATH}/{run_id}", status_code=303)


@router.post(PATH + "/{run_id}/apply")
async def apply_submit(page: PageDep, run_id: RunIdPath) -> Response:
    page.require(Permission.MIGRATE_CASE)
    form = await page.form()
    return await off_loop(_apply, page, run_id, form.get("confirm") == "yes")


def _apply(page: Page, run_id: int, confirmed: bool) -> Response:
    try:
        done = apply(page.ctx, page.user, run_id, confirm=confirmed)
    except ConfirmationRequiredError:
        current = run(page.ctx, page.user, run_id)
        error = page.t("mig.apply.need_confirm")
        return render_run(page, current, confirm_error=error, status_code=422)
    query = urlencode(
        {
            "moved": done.moved,
            "already": done.already_moved,
            "refused": done.refused,
            "failed": done.failed,
            "seconds": f"{done.seconds:.3f}",
        }
    )
    return RedirectResponse(f"{PATH}/{run_id}?{query}#report", status_code=303)
