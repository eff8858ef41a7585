"""RFC 9457 problem details for every error the API answers with.

Every error body is ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and, where they help, extension members: ``errors`` (a list of
``{pointer, detail}`` naming the offending field by JSON pointer), ``guard``, ``missing``,
``expected_version`` / ``current_version``, ``problems`` (definition errors with line and
column).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.schemas.problem import (
    HTTP_TITLES,
    PROBLEM_JSON,
    PROBLEM_REF,
    FieldError,
    ProblemOut,
    problem_responses,
    problem_schemas,
)
from engine.casework.errors import (
    InvalidKeyError,
    LoginThrottledError,
    NotPermittedError,
    OutOfScopeError,
    OwnerMissingError,
    PublishConflictError,
    UnknownUnitError,
)
from engine.errors import (
    ActionError,
    CaseNotFoundError,
    ConflictError,
    DefinitionError,
    EffectError,
    FengqiaoError,
    GuardFailedError,
    IdempotencyKeyReusedError,
    InvalidDataError,
    MissingFieldsError,
    RoleNotAllowedError,
    UnknownActionError,
    UnknownWorkflowError,
)

TYPE_BASE = "/problems/"
__all__ = [
    "PROBLEM_JSON",
    "PROBLEM_REF",
    "FieldError",
    "ProblemError",
    "ProblemOut",
    "engine_problem",
    "field_errors",
    "forbidden",
    "install",
    "not_found",
    "problem",
    "problem_responses",
    "problem_schemas",
]


class ProblemError(Exception):
    """Raised by API code to answer with a problem (status, slug, title, extensions)."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str = "",
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str = "",
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug if slug != "about:blank" else slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def not_found(what: str = "case") -> ProblemError:
    return ProblemError(404, "not-found", "Not found", f"no such {what}")


def forbidden(detail: str) -> ProblemError:
    return ProblemError(403, "forbidden", "Not allowed", detail)


def field_errors(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"pointer": pointer, "detail": detail} for pointer, detail in pairs]


def _pointer(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        where, parts = parts[0], parts[1:]
        if where != "body":
            return f"{where}:" + ".".join(parts)
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def engine_problem(exc: FengqiaoError, instance: str | None = None) -> JSONResponse:
    """The problem for an engine error (404 for a case only when the caller may see it)."""
    if isinstance(exc, ConflictError):
        return problem(
            409,
            "conflict",
            "The case changed since you read it",
            str(exc),
            instance=instance,
            case_id=exc.case_id,
            expected_version=exc.expected,
            current_version=exc.actual,
        )
    if isinstance(exc, CaseNotFoundError):
        return problem(404, "not-found", "Not found", "no such case", instance=instance)
    if isinstance(exc, RoleNotAllowedError):
        return problem(
            403,
            "role-not-allowed",
            "Your role may not take this action",
            str(exc),
            instance=instance,
            action=exc.action,
            role=exc.role,
            allowed_roles=exc.roles,
        )
    if isinstance(exc, MissingFieldsError):
        return problem(
            422,
            "missing-fields",
            "Required fields are missing",
            str(exc),
            instance=instance,
            action=exc.action,
            missing=exc.fields,
            errors=field_errors([(f"#/data/{f}", "required") for f in exc.fields]),
        )
    if isinstance(exc, InvalidDataError):
        return problem(
            422,
            "invalid-data",
            "Some values do not fit the workflow's fields",
            str(exc),
            instance=instance,
            errors=field_errors([(f"#/data/{k}", v) for k, v in exc.errors.items()]),
        )
    if isinstance(exc, GuardFailedError):
        return problem(
            422,
            "guard-failed",
            "A condition of the action does not hold",
            exc.message or str(exc),
            instance=instance,
            action=exc.action,
            guard=exc.guard,
        )
    if isinstance(exc, UnknownActionError):
        return problem(
            422,
            "action-not-possible",
            "This action is not possible in the case's state",
            str(exc),
            instance=instance,
            action=exc.action,
            state=exc.state,
            possible=exc.allowed,
        )
    if isinstance(exc, EffectError):
        return problem(
            422,
            "effect-failed",
            "The action's effect cannot be applied",
            str(exc),
            instance=instance,
        )
    if isinstance(exc, ActionError):
        return problem(422, "action-refused", "The action was refused", str(exc), instance=instance)
    if isinstance(exc, IdempotencyKeyReusedError):
        return problem(
            422,
            "idempotency-key-reused",
            "This Idempotency-Key was used for another request",
            str(exc),
            instance=instance,
        )
    if isinstance(exc, UnknownWorkflowError):
        return problem(404, "unknown-workflow", "No such workflow", str(exc), instance=instance)
    if isinstance(exc, LoginThrottledError):
        return problem(
            429,
            "too-many-logins",
            "Too many failed logins",
            str(exc),
            instance=instance,
            headers={"Retry-After": str(exc.seconds)},
            retry_after=exc.seconds,
        )
    if isinstance(exc, NotPermittedError | OutOfScopeError):
        return problem(403, "forbidden", "Not allowed", str(exc), instance=instance)
    if isinstance(exc, UnknownUnitError):
        return problem(
            422,
            "unknown-unit",
            "No such unit",
            str(exc),
            instance=instance,
            errors=field_errors([(f"#/{exc.field}", "unknown unit")]),
        )
    if isinstance(exc, OwnerMissingError):
        return problem(
            422,
            "validation",
            "Invalid request",
            str(exc),
            instance=instance,
            errors=field_errors([("#/org_unit", "required")]),
        )
    if isinstance(exc, InvalidKeyError):
        return problem(
            422,
            "validation",
            "Invalid request",
            str(exc),
            instance=instance,
            errors=field_errors([("header:Idempotency-Key", f"1 to {exc.max_length} characters")]),
        )
    if isinstance(exc, PublishConflictError):
        return problem(
            409,
            "conflict",
            "Someone published this workflow at the same moment",
            str(exc),
            instance=instance,
        )
    if isinstance(exc, DefinitionError):
        return problem(
            422,
            "invalid-definition",
            "The definition has errors",
            f"{len(exc.problems)} problem(s)",
            instance=instance,
            problems=[
                {
                    "line": p.line,
                    "col": p.col,
                    "key": p.key,
                    "message": p.message,
                    "hint": p.hint,
                }
                for p in exc.problems
            ],
        )
    return problem(400, "bad-request", "The request was refused", str(exc), instance=instance)


def install(app: FastAPI) -> None:
    """Answer every error with a problem document."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem(
            exc.status,
            exc.slug,
            exc.title,
            exc.detail,
            instance=request.url.path,
            headers=exc.headers,
            **exc.extra,
        )

    async def on_engine(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, FengqiaoError)
        return engine_problem(exc, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"pointer": _pointer(e.get("loc", ())), "detail": str(e.get("msg", "invalid"))}
            for e in exc.errors()
        ]
        return problem(
            422,
            "validation",
            "Invalid request",
            "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors),
            instance=request.url.path,
            errors=errors,
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        slug = {401: "unauthenticated", 404: "not-found", 405: "method-not-allowed"}.get(
            status, "about:blank"
        )
        return problem(
            status,
            slug,
            HTTP_TITLES.get(status, "Error"),
            str(exc.detail) if exc.detail else "",
            instance=request.url.path,
            headers=dict(exc.headers) if exc.headers else None,
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(FengqiaoError, on_engine)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
