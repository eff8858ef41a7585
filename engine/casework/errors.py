"""Refusals of the use-case layer (the engine core's own are in engine.errors)."""

from __future__ import annotations

from engine.errors import FengqiaoError


class NotPermittedError(FengqiaoError):
    """Raised when the user's role may not do what they asked (the permission table,
    engine.casework.permissions)."""

    def __init__(self, permission: str, role: str, roles: list[str]) -> None:
        self.permission = permission
        self.role = role
        self.roles = roles
        super().__init__(f"this needs one of the roles: {', '.join(roles)}")


class OutOfScopeError(FengqiaoError):
    """Raised when a user names a unit outside their organisation and grid units."""

    def __init__(self, what: str, unit: str) -> None:
        self.what = what
        self.unit = unit
        super().__init__(f"{what} {unit!r} is outside your organisation and grid units")


class UnknownUnitError(FengqiaoError):
    """Raised when a request names a unit that does not exist."""

    def __init__(self, unit: str, field: str = "unit") -> None:
        self.unit = unit
        self.field = field
        super().__init__(f"unit {unit!r} does not exist")


class OwnerMissingError(FengqiaoError):
    """Raised when a case would be opened with neither an owning organisation nor a grid."""

    def __init__(self) -> None:
        super().__init__("a case needs an owning organisation or a grid unit")


class InvalidKeyError(FengqiaoError):
    """Raised when an Idempotency-Key is empty or too long."""

    def __init__(self, max_length: int) -> None:
        self.max_length = max_length
        super().__init__(f"Idempotency-Key must have 1 to {max_length} characters")


class PublishConflictError(FengqiaoError):
    """Raised when a workflow version is published by someone else at the same moment."""

    def __init__(self, name: str, version: int) -> None:
        self.name = name
        self.version = version
        super().__init__(f"{name} v{version} exists already; reload and publish again")


class LoginThrottledError(FengqiaoError):
    """Raised when a login attempt must wait: too many recent failures for its account or
    from its address (engine.login_throttle)."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(f"try again in {seconds} seconds")


class StaleDraftError(FengqiaoError):
    """Raised when a draft reviewed against one version is published after another version
    of the same workflow was published (someone published in between)."""

    def __init__(self, name: str, based_on: int, latest: int) -> None:
        self.name = name
        self.based_on = based_on
        self.latest = latest
        super().__init__(
            f"{name} is at v{latest} now, not v{based_on} as reviewed;"
            " review the draft against the latest version and publish again"
        )


class InvalidReasonError(FengqiaoError):
    """Raised when a reason is missing or longer than allowed."""

    def __init__(self, max_length: int) -> None:
        self.max_length = max_length
        super().__init__(f"give a reason of 1 to {max_length} characters")


class MigrationPlanError(FengqiaoError):
    """Raised when a migration cannot be planned, previewed or applied as asked; lists every
    problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class UnknownMigrationError(FengqiaoError):
    """Raised when a migration run does not exist."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        super().__init__(f"no migration run {run_id}")


class ConfirmationRequiredError(FengqiaoError):
    """Raised when an irreversible step is asked for without its confirmation."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"{what} needs an explicit confirmation")


class RateRangeError(FengqiaoError):
    """Raised when a range of dates holds more periods than the rates break down."""

    def __init__(self, max_buckets: int, period: str) -> None:
        self.max_buckets = max_buckets
        self.period = period
        super().__init__(f"the range holds more than {max_buckets} {period} periods; narrow it")


class NotPrintableError(FengqiaoError):
    """Raised when a case cannot be printed as the document asked for (yet): no agreement
    was reached, or the follow-up has not begun (engine.printables)."""

    def __init__(self, case_id: int, document: str) -> None:
        self.case_id = case_id
        self.document = document
        super().__init__(f"case {case_id} has no {document} to print")
