"""Errors raised by the engine; one class per failure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.messages import identify


class FengqiaoError(Exception):
    """Base class of every error the engine raises on purpose."""

    @property
    def message_id(self) -> str:
        """The id of this error's message (engine.messages), "" for a text of no id."""
        found = identify(str(self))
        return found.id if found else ""

    @property
    def message_params(self) -> Mapping[str, str]:
        found = identify(str(self))
        return found.params if found else {}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition, located in its source file."""

    file: str
    line: int
    col: int
    key: str
    message: str
    hint: str = ""

    @property
    def message_id(self) -> str:
        """The stable id of the message (engine.messages): pages translate by it."""
        found = identify(self.message)
        return found.id if found else ""

    @property
    def params(self) -> Mapping[str, str]:
        """The message's parameters by name, as written in the English text."""
        found = identify(self.message)
        return found.params if found else {}

    @property
    def hint_id(self) -> str:
        found = identify(self.hint) if self.hint else None
        return found.id if found else ""

    def __str__(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        key = f"{self.key}: " if self.key else ""
        return f"{self.file}:{self.line}:{self.col}: {key}{self.message}{hint}"


class DefinitionError(FengqiaoError):
    """Raised when a workflow definition cannot be loaded; lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class UnknownWorkflowError(FengqiaoError):
    """Raised when a workflow name or version is not registered."""

    def __init__(self, name: str, version: int | None = None, hint: str = "") -> None:
        self.name = name
        self.version = version
        what = f"{name} v{version}" if version is not None else name
        super().__init__(f"unknown workflow {what}" + (f" ({hint})" if hint else ""))


class UnknownTimerError(FengqiaoError):
    """Raised when a workflow has no timer of that name in that state."""

    def __init__(self, state: str, timer: str) -> None:
        self.state = state
        self.timer = timer
        super().__init__(f"state {state!r} has no timer {timer!r}")


class CaseNotFoundError(FengqiaoError):
    """Raised when a case id does not exist."""

    def __init__(self, case_id: int) -> None:
        self.case_id = case_id
        super().__init__(f"case {case_id} not found")


class ActionError(FengqiaoError):
    """Base class of the reasons a firing is refused before anything is written."""


class UnknownActionError(ActionError):
    """Raised when an action does not exist in the case's current state."""

    def __init__(self, action: str, state: str, allowed: list[str], hint: str = "") -> None:
        self.action = action
        self.state = state
        self.allowed = allowed
        extra = f"; {hint}" if hint else ""
        super().__init__(
            f"action {action!r} is not possible in state {state!r}"
            f" (possible: {', '.join(allowed) or 'none'}){extra}"
        )


class RoleNotAllowedError(ActionError):
    """Raised when the actor's role may not take the action."""

    def __init__(self, action: str, role: str, roles: list[str]) -> None:
        self.action = action
        self.role = role
        self.roles = roles
        super().__init__(f"role {role!r} may not {action!r} (allowed: {', '.join(roles)})")


class MissingFieldsError(ActionError):
    """Raised when an action's required fields are absent."""

    def __init__(self, action: str, fields: list[str]) -> None:
        self.action = action
        self.fields = fields
        super().__init__(f"action {action!r} requires: {', '.join(fields)}")


class InvalidDataError(ActionError):
    """Raised when firing data does not match the workflow's field declarations."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class GuardFailedError(ActionError):
    """Raised when an action's guard expression is false for the case's data."""

    def __init__(self, action: str, guard: str, message: str = "") -> None:
        self.action = action
        self.guard = guard
        self.message = message
        text = f"guard of {action!r} failed: {guard}"
        super().__init__(text + (f" ({message})" if message else ""))


class DeadlineError(ActionError):
    """Raised when an action would bend a running deadline: asking to extend it after it
    passed, or extending it to a moment that is past or not beyond it (engine.keeping)."""

    def __init__(self, action: str, deadline: str, message: str) -> None:
        self.action = action
        self.deadline = deadline
        self.message = message
        super().__init__(f"action {action!r} refused: {message}")


class EffectError(ActionError):
    """Raised when a `set:` expression cannot be evaluated on the case's data."""

    def __init__(self, action: str, field: str, message: str) -> None:
        self.action = action
        self.field = field
        super().__init__(f"{action}: cannot set {field!r}: {message}")


class EffectOutOfRangeError(EffectError):
    """Raised when a `set:` effect computes a number the store cannot keep (a whole number
    beyond 64 bits, NaN or Infinity, e.g. ``1e308 * 10``) or one outside the field's
    `min`/`max`: the firing is refused and nothing is written."""

    def __init__(self, action: str, field: str, message: str) -> None:
        super().__init__(action, field, message)


class ConflictError(FengqiaoError):
    """Raised when a case changed since the version the caller saw (optimistic locking)."""

    def __init__(self, case_id: int, expected: int, actual: int) -> None:
        self.case_id = case_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"case {case_id} is at version {actual}, not {expected}: someone else moved it"
        )


class IdempotencyKeyReusedError(FengqiaoError):
    """Raised when an idempotency key is reused for a different case or action."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"idempotency key {key!r} was already used for another request")
