"""RFC 9457 problem details for every error the API answers with.

Every error body is ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and, where they help, extension members: ``errors`` (a list of
``{pointer, detail}`` naming the offending field by JSON pointer), ``guard``, ``missing``,
``expected_version`` / ``current_version``, ``problems`` (definition errors with line and
column).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
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
from api.security_headers import headers_for
from api.unavailable import RETRY_AFTER_S, is_outage, is_unstorable
from engine.casework.errors import (
    AdminExistsError,
    AlreadyAssignedError,
    AlreadyCorrectedError,
    CaseClosedError,
    ConfirmationRequiredError,
    ConsentRequiredError,
    DuplicateUserError,
    ExternalTicketTakenError,
    ImportRefusedError,
    InsufficientPointsError,
    IntakeThrottledError,
    InvalidClientError,
    InvalidKeyError,
    InvalidPointsError,
    InvalidProbeError,
    InvalidReasonError,
    InvalidTaskError,
    InvalidUnitError,
    InvalidUrgeError,
    InvalidUserError,
    LastAdminError,
    LoginThrottledError,
    MergeRefusedError,
    MigrationPlanError,
    NoTasksHereError,
    NotPermittedError,
    NotPrintableError,
    OutOfScopeError,
    OwnerMissingError,
    PublishConflictError,
    RateRangeError,
    RoleNotGrantableError,
    StaleDraftError,
    TaskFinishedError,
    UnitExistsError,
    UnitInUseError,
    UnitPlacementError,
    UnitRetiredError,
    UnknownDeliveryError,
    UnknownMemberError,
    UnknownMigrationError,
    UnknownPointsEntryError,
    UnknownReceiptError,
    UnknownTaskError,
    UnknownUnitError,
    UnknownUserError,
    WrongMemberError,
)
from engine.errors import (
    ActionError,
    CaseNotFoundError,
    ConflictError,
    DeadlineError,
    DefinitionError,
    EffectError,
    FengqiaoError,
    GuardFailedError,
    IdempotencyKeyReusedError,
    InvalidDataError,
    MissingFieldsError,
    RoleNotAllowedError,
    UnknownActionError,
    UnknownTimerError,
    UnknownWorkflowError,
)
from engine.external import InvalidExternalRefError

log = logging.getLogger(__name__)
TYPE_BASE = "/problems/"
__all__ = [
    "PROBLEMS",
    "PROBLEM_JSON",
    "PROBLEM_REF",
    "Answer",
    "FieldError",
    "ProblemError",
    "ProblemOut",
    "Rule",
    "answer",
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
    return ProblemResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


class ProblemResponse(JSONResponse):
    """A problem document that can always be sent: a detail or pointer quoting the request
    may hold an unpaired surrogate, which UTF-8 cannot encode; such a document is sent with
    every non-ASCII character escaped (the same JSON value)."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()


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


@dataclass(frozen=True, slots=True)
class Answer:
    """What to answer for an error: the problem document's members and the headers."""

    status: int
    slug: str
    title: str
    detail: str = ""
    headers: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def response(self, instance: str | None = None) -> JSONResponse:
        return problem(
            self.status,
            self.slug,
            self.title,
            self.detail,
            instance=instance,
            headers=self.headers,
            **self.extra,
        )


Builder = Callable[[Any, Answer], Answer]


class Rule(NamedTuple):
    """One row of the table: the status, type and title answered for an exception class;
    `build` fills in the detail and extension members from the exception (given the
    default answer, whose detail is ``str(exc)``)."""

    status: int
    slug: str
    title: str
    build: Builder | None = None


def _own(exc: ProblemError, a: Answer) -> Answer:
    return Answer(exc.status, exc.slug, exc.title, exc.detail, exc.headers, exc.extra)


def _validation(exc: RequestValidationError, a: Answer) -> Answer:
    errors = [_validation_error(e) for e in exc.errors()]
    detail = "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors)
    return replace(a, detail=detail, extra={"errors": errors})


def _validation_error(e: dict[str, Any]) -> dict[str, str]:
    """One error of a request: where and what. A body refused while parsing
    (api.json_body) says where in its message: ``#/data/x: …``."""
    if e.get("type") == "json_invalid":
        reason = str((e.get("ctx") or {}).get("error", ""))
        where, sep, what = reason.partition(": ")
        if sep and where.startswith("#/"):
            return {"pointer": where, "detail": what}
        if reason:
            return {"pointer": "#/", "detail": reason}
    return {"pointer": _pointer(e.get("loc", ())), "detail": str(e.get("msg", "invalid"))}


HTTP_SLUGS = {401: "unauthenticated", 404: "not-found", 405: "method-not-allowed"}


def _http(exc: StarletteHTTPException, a: Answer) -> Answer:
    status = exc.status_code
    return Answer(
        status,
        HTTP_SLUGS.get(status, "about:blank"),
        HTTP_TITLES.get(status, "Error"),
        str(exc.detail) if exc.detail else "",
        dict(exc.headers) if exc.headers else None,
    )


def _definition(exc: DefinitionError, a: Answer) -> Answer:
    problems = [
        {"line": p.line, "col": p.col, "key": p.key, "message": p.message, "hint": p.hint}
        for p in exc.problems
    ]
    return replace(a, detail=f"{len(exc.problems)} problem(s)", extra={"problems": problems})


def _internal(exc: BaseException, a: Answer) -> Answer:
    """Nothing of the exception is shown: its text may carry data or internals; the
    server's log has it."""
    return Answer(500, "internal", "Internal server error", "the error was logged")


def _database(exc: BaseException, a: Answer) -> Answer:
    if is_unstorable(exc):
        return Answer(422, "unstorable-value", "A value cannot be stored", UNSTORABLE_DETAIL)
    if not is_outage(exc):
        return _internal(exc, a)
    detail = "the database cannot be written or reached for the moment; try again shortly"
    return replace(a, detail=detail, headers={"Retry-After": str(RETRY_AFTER_S)})


UNAVAILABLE = "The service is unavailable"
UNSTORABLE_DETAIL = "a value is out of the range or character set the database accepts"

PROBLEMS: dict[type[BaseException], Rule] = {
    # Status, type and title come with the exception for these two.
    ProblemError: Rule(500, "about:blank", "Error", _own),
    RequestValidationError: Rule(422, "validation", "Invalid request", _validation),
    StarletteHTTPException: Rule(500, "about:blank", "Error", _http),
    ConflictError: Rule(
        409,
        "conflict",
        "The case changed since you read it",
        lambda e, a: replace(
            a, extra=dict(case_id=e.case_id, expected_version=e.expected, current_version=e.actual)
        ),
    ),
    CaseNotFoundError: Rule(
        404, "not-found", "Not found", lambda e, a: replace(a, detail="no such case")
    ),
    RoleNotAllowedError: Rule(
        403,
        "role-not-allowed",
        "Your role may not take this action",
        lambda e, a: replace(a, extra=dict(action=e.action, role=e.role, allowed_roles=e.roles)),
    ),
    MissingFieldsError: Rule(
        422,
        "missing-fields",
        "Required fields are missing",
        lambda e, a: replace(
            a,
            extra=dict(
                action=e.action,
                missing=e.fields,
                errors=field_errors([(f"#/data/{f}", "required") for f in e.fields]),
            ),
        ),
    ),
    InvalidDataError: Rule(
        422,
        "invalid-data",
        "Some values do not fit the workflow's fields",
        lambda e, a: replace(
            a, extra=dict(errors=field_errors([(f"#/data/{k}", v) for k, v in e.errors.items()]))
        ),
    ),
    GuardFailedError: Rule(
        422,
        "guard-failed",
        "A condition of the action does not hold",
        lambda e, a: replace(
            a, detail=e.message or a.detail, extra={"action": e.action, "guard": e.guard}
        ),
    ),
    UnknownActionError: Rule(
        422,
        "action-not-possible",
        "This action is not possible in the case's state",
        lambda e, a: replace(a, extra=dict(action=e.action, state=e.state, possible=e.allowed)),
    ),
    EffectError: Rule(422, "effect-failed", "The action's effect cannot be applied"),
    DeadlineError: Rule(
        422,
        "deadline-rule",
        "The action does not fit the running deadline",
        lambda e, a: replace(
            a, detail=e.message, extra={"action": e.action, "deadline": e.deadline}
        ),
    ),
    ActionError: Rule(422, "action-refused", "The action was refused"),
    IdempotencyKeyReusedError: Rule(
        422, "idempotency-key-reused", "This Idempotency-Key was used for another request"
    ),
    UnknownWorkflowError: Rule(404, "unknown-workflow", "No such workflow"),
    DefinitionError: Rule(422, "invalid-definition", "The definition has errors", _definition),
    # The use cases' refusals (engine.casework.errors).
    NotPermittedError: Rule(403, "forbidden", "Not allowed"),
    NotPrintableError: Rule(
        404,
        "not-found",
        "Not found",
        lambda e, a: replace(a, detail=f"the case has no {e.document} to print yet"),
    ),
    OutOfScopeError: Rule(403, "forbidden", "Not allowed"),
    UnknownUnitError: Rule(
        422,
        "unknown-unit",
        "No such unit",
        lambda e, a: replace(
            a, extra=dict(errors=field_errors([(f"#/{e.field}", "unknown unit")]))
        ),
    ),
    OwnerMissingError: Rule(
        422,
        "validation",
        "Invalid request",
        lambda e, a: replace(a, extra=dict(errors=field_errors([("#/org_unit", "required")]))),
    ),
    InvalidKeyError: Rule(
        422,
        "validation",
        "Invalid request",
        lambda e, a: replace(
            a,
            extra=dict(
                errors=field_errors([("header:Idempotency-Key", f"1 to {e.max_length} characters")])
            ),
        ),
    ),
    PublishConflictError: Rule(
        409, "conflict", "Someone published this workflow at the same moment"
    ),
    StaleDraftError: Rule(
        409,
        "conflict",
        "Another version was published since the draft was reviewed",
        lambda e, a: replace(
            a, extra=dict(workflow=e.name, based_on=e.based_on, current_version=e.latest)
        ),
    ),
    InvalidReasonError: Rule(
        422,
        "validation",
        "Invalid request",
        lambda e, a: replace(
            a, extra=dict(errors=field_errors([("#/reason", f"1 to {e.max_length} characters")]))
        ),
    ),
    InvalidTaskError: Rule(
        422,
        "validation",
        "Invalid request",
        lambda e, a: replace(a, extra=dict(errors=field_errors([(f"#/{e.field}", e.problem)]))),
    ),
    UnknownTaskError: Rule(404, "not-found", "Not found"),
    TaskFinishedError: Rule(409, "task-finished", "The task can no longer change"),
    NoTasksHereError: Rule(409, "no-tasks-here", "The case's state takes no tasks"),
    InvalidPointsError: Rule(
        422,
        "validation",
        "Invalid request",
        lambda e, a: replace(a, extra=dict(errors=field_errors([(f"#/{e.field}", e.problem)]))),
    ),
    InsufficientPointsError: Rule(
        422,
        "insufficient-points",
        "Not enough points",
        lambda e, a: replace(a, extra=dict(account=e.account, balance=e.balance, asked=e.asked)),
    ),
    UnknownPointsEntryError: Rule(
        404, "not-found", "Not found", lambda e, a: replace(a, extra=dict(entry_id=e.entry_id))
    ),
    AlreadyCorrectedError: Rule(
        409,
        "already-corrected",
        "The entry is corrected already or is a counter-entry",
        lambda e, a: replace(a, extra=dict(entry_id=e.entry_id, corrected_by=e.by)),
    ),
    InvalidProbeError: Rule(
        422,
        "validation",
        "Invalid request",
        lambda e, a: replace(a, extra=dict(errors=field_errors([(f"#/{e.field}", e.problem)]))),
    ),
    MergeRefusedError: Rule(409, "merge-refused", "The cases cannot be merged or split so"),
    ConsentRequiredError: Rule(422, "consent-required", "Consent is required"),
    UnknownReceiptError: Rule(404, "not-found", "Not found"),
    IntakeThrottledError: Rule(
        429,
        "too-many-requests",
        "Too many requests from this address",
        lambda e, a: replace(
            a,
            headers={"Retry-After": str(e.retry_after_s)},
            extra=dict(retry_after=e.retry_after_s),
        ),
    ),
    InvalidUrgeError: Rule(
        422,
        "validation",
        "Invalid request",
        lambda e, a: replace(a, extra=dict(errors=field_errors([(f"#/{e.field}", e.problem)]))),
    ),
    UnknownTimerError: Rule(
        404,
        "not-found",
        "Not found",
        lambda e, a: replace(a, extra=dict(state=e.state, timer=e.timer)),
    ),
    RateRangeError: Rule(
        422,
        "validation",
        "Invalid request",
        lambda e, a: replace(
            a,
            extra=dict(
                errors=field_errors([("query:from", f"at most {e.max_buckets} {e.period}s")])
            ),
        ),
    ),
    LoginThrottledError: Rule(
        429,
        "too-many-logins",
        "Too many failed logins",
        lambda e, a: replace(
            a, headers={"Retry-After": str(e.seconds)}, extra=dict(retry_after=e.seconds)
        ),
    ),
    MigrationPlanError: Rule(
        422,
        "migration-refused",
        "The migration cannot be done as asked",
        lambda e, a: replace(a, extra=dict(problems=e.problems)),
    ),
    UnknownMigrationError: Rule(
        404, "not-found", "Not found", lambda e, a: replace(a, detail="no such migration run")
    ),
    ConfirmationRequiredError: Rule(
        422,
        "confirmation-required",
        "This needs an explicit confirmation",
        lambda e, a: replace(a, extra=dict(errors=field_errors([("#/confirm", "must be true")]))),
    ),
    UnknownUserError: Rule(
        404, "not-found", "Not found", lambda e, a: replace(a, detail="no such user")
    ),
    InvalidUserError: Rule(
        422,
        "invalid-user",
        "A value given for the user does not fit",
        lambda e, a: replace(a, extra=dict(errors=field_errors([(f"#/{e.field}", e.detail)]))),
    ),
    DuplicateUserError: Rule(
        409,
        "user-exists",
        "The user name is taken",
        lambda e, a: replace(a, extra=dict(errors=field_errors([("#/username", "taken")]))),
    ),
    LastAdminError: Rule(409, "last-admin", "The last active administrator stays"),
    RoleNotGrantableError: Rule(
        403,
        "role-not-grantable",
        "Your role may not give or manage this role",
        lambda e, a: replace(a, extra=dict(role=e.role, grantable_roles=e.roles)),
    ),
    AdminExistsError: Rule(409, "admin-exists", "An administrator exists already"),
    # The unit tree, grid members and assignments (engine.casework.units_admin, grids,
    # assignment).
    InvalidUnitError: Rule(
        422,
        "invalid-unit",
        "The unit or grid named does not fit",
        lambda e, a: replace(a, extra=dict(errors=field_errors([(f"#/{e.field}", str(e))]))),
    ),
    UnitExistsError: Rule(409, "unit-exists", "A unit with this code exists already"),
    UnitPlacementError: Rule(
        422,
        "unit-placement",
        "The unit cannot sit there",
        lambda e, a: replace(a, extra=dict(unit=e.code, parent=e.parent)),
    ),
    UnitRetiredError: Rule(
        422, "unit-retired", "The unit is retired", lambda e, a: replace(a, extra=dict(unit=e.code))
    ),
    UnitInUseError: Rule(
        409,
        "unit-in-use",
        "The unit still has open cases, units or users",
        lambda e, a: replace(
            a, extra=dict(unit=e.code, cases=e.cases, children=e.children, users=e.users)
        ),
    ),
    UnknownMemberError: Rule(
        422,
        "unknown-member",
        "No such user",
        lambda e, a: replace(
            a, extra=dict(errors=field_errors([(f"#/{e.field}", "unknown user")]))
        ),
    ),
    WrongMemberError: Rule(
        422,
        "wrong-member",
        "This person cannot take this on",
        lambda e, a: replace(a, extra=dict(errors=field_errors([(f"#/{e.field}", str(e))]))),
    ),
    AlreadyAssignedError: Rule(
        409,
        "already-assigned",
        "Someone holds this case already",
        lambda e, a: replace(a, extra=dict(case_id=e.case_id, assignee=e.assignee)),
    ),
    CaseClosedError: Rule(409, "case-closed", "The case is closed"),
    ExternalTicketTakenError: Rule(
        409,
        "ticket-taken",
        "This ticket opened a case already",
        lambda e, a: replace(a, extra=dict(source=e.source, ticket=e.ticket)),
    ),
    InvalidClientError: Rule(
        422,
        "validation",
        "Invalid request",
        lambda e, a: replace(a, extra=dict(errors=field_errors([(f"#/{e.field}", e.problem)]))),
    ),
    UnknownDeliveryError: Rule(
        404, "not-found", "Not found", lambda e, a: replace(a, detail="no such delivery")
    ),
    InvalidExternalRefError: Rule(
        422,
        "validation",
        "Invalid request",
        lambda e, a: replace(a, extra=dict(errors=field_errors([(f"#/{e.field}", e.detail)]))),
    ),
    ImportRefusedError: Rule(
        422,
        "import-refused",
        "The file has problems; nothing was imported",
        lambda e, a: replace(
            a,
            extra=dict(
                problems=[
                    {
                        "row": p.row,
                        "column": p.column,
                        "code": p.code,
                        "detail": p.detail,
                        "value": p.value,
                    }
                    for p in e.problems
                ]
            ),
        ),
    ),
    FengqiaoError: Rule(400, "bad-request", "The request was refused"),
    # The database, through SQLAlchemy or its driver directly: unavailable for a while
    # (503, retry) or a fault (500); see api/unavailable.py.
    sa_exc.DBAPIError: Rule(503, "unavailable", UNAVAILABLE, _database),
    sa_exc.DisconnectionError: Rule(503, "unavailable", UNAVAILABLE, _database),
    sa_exc.TimeoutError: Rule(503, "unavailable", UNAVAILABLE, _database),
    sqlite3.Error: Rule(503, "unavailable", UNAVAILABLE, _database),
    psycopg.Error: Rule(503, "unavailable", UNAVAILABLE, _database),
    # Anything else is a fault of the server, answered without its text.
    Exception: Rule(500, "internal", "Internal server error", _internal),
}


def answer(exc: BaseException) -> Answer:
    """The answer for `exc`: the table's row of the nearest class in its MRO."""
    for cls in type(exc).__mro__:
        rule = PROBLEMS.get(cls)
        if rule is not None:
            default = Answer(rule.status, rule.slug, rule.title, str(exc))
            return rule.build(exc, default) if rule.build else default
    return _internal(exc, Answer(500, "internal", ""))  # a BaseException outside Exception


def log_failure(exc: BaseException, status: int, where: str) -> None:
    """Server-side failures handled here go to the log (nothing else logs them): a 500
    with its traceback, a 503 in one line."""
    if status == 503:
        log.warning("%s: database unavailable (%s)", where, type(exc).__name__)
    elif status >= 500:
        log.error("%s: unexpected error", where, exc_info=exc)


def install(app: FastAPI) -> None:
    """Answer every error with a problem document, through the table."""

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        a = answer(exc)
        log_failure(exc, a.status, request.url.path)
        return a.response(request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Starlette's outermost middleware calls this, then re-raises `exc`, so the server
        # logs the traceback; the client gets a problem document instead of plain text. That
        # middleware runs outside SecurityHeaders, so the headers are added here.
        response = answer(exc).response(request.url.path)
        response.headers.update(headers_for(request.url.path))
        return response

    for cls in PROBLEMS:
        if cls is not Exception and issubclass(cls, Exception):
            app.add_exception_handler(cls, on_error)
    app.add_exception_handler(Exception, on_unexpected)
