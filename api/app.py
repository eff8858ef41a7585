"""The FastAPI application: JSON API under /api (OpenAPI at /api/docs), pages under /."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api import auth, problems
from api.limits import API_MAX_BODY, PAGE_MAX_BODY, BodySizeLimit
from api.open311_limits import ClientRates
from api.pages import router as pages_router
from api.problems import PROBLEM_JSON, PROBLEM_REF, problem_schemas
from api.routes import (
    assignment,
    board,
    cases,
    definitions,
    directory,
    duplicates,
    exports,
    grids,
    health,
    hotline,
    imports,
    migrations,
    open311,
    parties,
    points,
    rates,
    reports,
    tasks,
    units,
    users,
    webhooks,
)
from api.routes import auth as auth_routes
from api.security_headers import SecurityHeaders
from engine.casework.context import Casework

DESCRIPTION = """
Dispute mediation and grid escalation workflows.

Log in with `POST /api/auth/login` and send the token as `Authorization: Bearer <token>`.
Every error is an RFC 9457 problem document (`application/problem+json`).
Cases you may not see answer 404. Firing an action needs the case version you read
(`expected_version`; a stale one answers 409) and may carry an `Idempotency-Key` header:
a retry with the same key is applied once.
"""

TAGS = [
    {"name": "auth", "description": "Log in and out; who am I."},
    {"name": "cases", "description": "Open, list, read and move cases."},
    {"name": "grid reports", "description": "Compact intake for grid members."},
    {"name": "parties", "description": "Personal data of parties: masked, audited."},
    {"name": "definitions", "description": "Workflow definitions: read, validate, publish."},
    {"name": "rates", "description": "响应率, 解决率, 满意率 and more; reviewed exclusions."},
    {
        "name": "directory",
        "description": "Organisations, areas and users: import, export; the audit log.",
    },
    {
        "name": "points",
        "description": "公益积分 and 积分评定: the ledger, balances, redemptions, the ranking.",
    },
    {"name": "migrations", "description": "Move running cases to another workflow version."},
    {"name": "users", "description": "Manage users; change your own password."},
    {"name": "units", "description": "The unit tree's administration; grid members' grids."},
    {
        "name": "exports",
        "description": "Case lists, the overdue board and the rates as CSV or .xlsx.",
    },
    {
        "name": "webhooks",
        "description": "Client systems' webhooks: a case's changes of state sent back, signed.",
    },
]


def create_app(
    ctx: Casework,
    *,
    uploads_dir: Path,
    api_max_body: int = API_MAX_BODY,
    page_max_body: int = PAGE_MAX_BODY,
) -> FastAPI:
    """The app on an opened use-case layer; photos of grid reports go to `uploads_dir`."""
    app = FastAPI(
        title="fengqiao 枫桥",
        version="1.0",
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_tags=TAGS,
        # No OpenTelemetry here (the users' networks are closed); switched off, FastAPI stops
        # asking the OpenTelemetry providers whether to trace on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        responses={
            "default": {
                "description": "An error, as an RFC 9457 problem document",
                "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
            }
        },
    )
    app.state.ctx = ctx
    app.state.uploads_dir = uploads_dir
    problems.install(app)
    auth.install(app, ctx)
    for module in (
        auth_routes,
        exports,  # ahead of cases: /cases/{case_id} would take /cases/export.csv
        duplicates,
        cases,
        board,
        reports,
        parties,
        definitions,
        rates,
        points,
        directory,
        health,
    ):
        app.include_router(module.router, prefix="/api")
    for module in (units, grids, assignment, tasks):
        app.include_router(module.router, prefix="/api")
    app.include_router(migrations.router, prefix="/api")
    app.include_router(users.router, prefix="/api")
    app.include_router(imports.router, prefix="/api")
    app.include_router(hotline.router, prefix="/api")
    app.include_router(webhooks.router, prefix="/api")
    app.include_router(open311.router)
    app.state.open311_rates = ClientRates()
    app.include_router(pages_router)
    app.add_middleware(BodySizeLimit, api_max=api_max_body, page_max=page_max_body)
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, a 413 included
    _document_problems(app)
    return app


def _document_problems(app: FastAPI) -> None:
    """OpenAPI with the problem schema the error responses refer to, and the two ways to
    sign in declared on every /api operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            schema.setdefault("components", {}).setdefault("schemas", {}).update(problem_schemas())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
