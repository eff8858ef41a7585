"""Refusals of the use-case layer (the engine core's own are in engine.errors)."""

from __future__ import annotations

from collections.abc import Sequence

from engine.errors import FengqiaoError
from engine.migration_check import PlanProblem
from engine.sheets import SheetProblem


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
    problem found, each worded in English with its code and values for the pages to word
    (engine.migration_check.PlanProblem)."""

    def __init__(self, problems: list[PlanProblem]) -> None:
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


class UnknownUserError(FengqiaoError):
    """Raised when a user does not exist, or lies outside the organisation of the
    organisation admin asking (the same answer: whether they exist is not told)."""

    def __init__(self, user: int | str) -> None:
        self.user = user
        super().__init__(f"no such user {user}")


class InvalidUserError(FengqiaoError):
    """Raised when a value given for a user does not fit: `field` names it (username, role,
    unit, password, current_password)."""

    def __init__(self, field: str, detail: str) -> None:
        self.field = field
        self.detail = detail
        super().__init__(f"{field}: {detail}")


class DuplicateUserError(FengqiaoError):
    """Raised when a new user's name is taken already."""

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"the user name {username!r} is taken")


class LastAdminError(FengqiaoError):
    """Raised when a change would leave no active administrator."""

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(
            f"{username} is the last active administrator; make another user an administrator first"
        )


class RoleNotGrantableError(FengqiaoError):
    """Raised when an organisation admin gives, or touches a user holding, a role above
    their own (supervisor, admin)."""

    def __init__(self, role: str, roles: list[str]) -> None:
        self.role = role
        self.roles = roles
        super().__init__(f"only an administrator manages users with the role {role}")


class AdminExistsError(FengqiaoError):
    """Raised when the first administrator is asked for and one exists already."""

    def __init__(self, usernames: list[str]) -> None:
        self.usernames = usernames
        super().__init__(f"an administrator exists already ({', '.join(usernames)})")


class InvalidUnitError(FengqiaoError):
    """Raised when a unit's code, names or kind are not acceptable."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class UnitExistsError(FengqiaoError):
    """Raised when a unit is created with a code another unit has (retired ones included)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"a unit {code!r} exists already")


class UnitPlacementError(FengqiaoError):
    """Raised when a unit would sit where the tree does not allow: under itself or a unit
    below it, or under a parent of a kind engine.units.PARENT_KINDS does not allow."""

    def __init__(self, code: str, parent: str | None, message: str) -> None:
        self.code = code
        self.parent = parent
        super().__init__(message)


class UnitRetiredError(FengqiaoError):
    """Raised when a change names a retired unit."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"unit {code!r} is retired")


class UnitInUseError(FengqiaoError):
    """Raised when a unit is retired while it still holds open cases, has units in service
    below it, or has users: lists each, so they can be handed over first."""

    def __init__(self, code: str, cases: list[int], children: list[str], users: list[str]) -> None:
        self.code = code
        self.cases = cases
        self.children = children
        self.users = users
        parts = []
        if cases:
            parts.append("open cases " + ", ".join(f"#{c}" for c in cases))
        if children:
            parts.append("units below it " + ", ".join(children))
        if users:
            parts.append("users " + ", ".join(users))
        super().__init__(f"unit {code!r} still has " + "; ".join(parts))


class UnknownMemberError(FengqiaoError):
    """Raised when a request names a user who does not exist or is not active."""

    def __init__(self, username: str, field: str = "username") -> None:
        self.username = username
        self.field = field
        super().__init__(f"no active user {username!r}")


class WrongMemberError(FengqiaoError):
    """Raised when a user named for a task does not fit it: a grid given to someone who is
    not a grid member, a case assigned to someone who is not a mediator able to see it."""

    def __init__(self, username: str, field: str, message: str) -> None:
        self.username = username
        self.field = field
        super().__init__(message)


class AlreadyAssignedError(FengqiaoError):
    """Raised when a mediator claims a case someone else holds already (a claim that came
    second): a conflict, never an overwrite."""

    def __init__(self, case_id: int, assignee: str) -> None:
        self.case_id = case_id
        self.assignee = assignee
        super().__init__(f"case {case_id} is assigned to {assignee} already")


class CaseClosedError(FengqiaoError):
    """Raised when a closed case is claimed or assigned."""

    def __init__(self, case_id: int) -> None:
        self.case_id = case_id
        super().__init__(f"case {case_id} is closed")


class ImportRefusedError(FengqiaoError):
    """Raised when a unit-tree or user file is applied while it has problems; nothing was
    written. `problems`: each with its row and column (engine.sheets.SheetProblem)."""

    def __init__(self, what: str, problems: Sequence[SheetProblem]) -> None:
        self.what = what
        self.problems = tuple(problems)
        super().__init__(
            f"the {what} file has {len(self.problems)} problem(s); nothing was imported"
        )


class InvalidUrgeError(FengqiaoError):
    """Raised when an urge (催办) names no case or too many, or its note is too long."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class NotPrintableError(FengqiaoError):
    """Raised when a case cannot be printed as the document asked for (yet): no agreement
    was reached, or the follow-up has not begun (engine.printables)."""

    def __init__(self, case_id: int, document: str) -> None:
        self.case_id = case_id
        self.document = document
        super().__init__(f"case {case_id} has no {document} to print")


class UnknownTaskError(FengqiaoError):
    """Raised when a case has no task of that id the user may see (404, like a case)."""

    def __init__(self, case_id: int, task_id: int) -> None:
        self.case_id = case_id
        self.task_id = task_id
        super().__init__(f"case {case_id} has no task {task_id}")


class InvalidTaskError(FengqiaoError):
    """Raised when a task's unit, title, deadline, assignee, note or reason is refused, or the
    case's state takes no tasks (engine.casework.tasks)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"task {field}: {problem}")


class NoTasksHereError(InvalidTaskError):
    """Raised when a task is given in a state that takes none: the case, not the input, is
    in the way (409, like an action its state does not allow)."""

    def __init__(self, state: str) -> None:
        super().__init__("case", f"state {state!r} takes no tasks")
        self.state = state


class TaskFinishedError(FengqiaoError):
    """Raised when a task is no longer open (done, closed, or its case left the state)."""

    def __init__(self, task_id: int, status: str) -> None:
        self.task_id = task_id
        self.status = status
        super().__init__(f"task {task_id} is {status}: it can no longer change")


class InvalidPointsError(FengqiaoError):
    """Raised when a redemption or a counter-entry is asked with a value that does not fit
    (an amount out of range, no partner, no reason, a text too long, a quarter misspelt)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class InsufficientPointsError(FengqiaoError):
    """Raised when a redemption (or a counter-entry) would take an account's public-benefit
    points below zero: nothing is written."""

    def __init__(self, account: str, balance: int, asked: int) -> None:
        self.account = account
        self.balance = balance
        self.asked = asked
        super().__init__(f"{account!r} has {balance} points, {asked} asked: not enough")


class UnknownPointsEntryError(FengqiaoError):
    """Raised when a counter-entry names a ledger entry that does not exist."""

    def __init__(self, entry_id: int) -> None:
        self.entry_id = entry_id
        super().__init__(f"points entry #{entry_id} does not exist")


class AlreadyCorrectedError(FengqiaoError):
    """Raised when an entry is corrected a second time, or a counter-entry is itself to be
    corrected (a new entry is made instead)."""

    def __init__(self, entry_id: int, by: int | None) -> None:
        self.entry_id = entry_id
        self.by = by
        if by is None:
            super().__init__(f"points entry #{entry_id} is a counter-entry: make a new entry")
        else:
            super().__init__(f"points entry #{entry_id} is corrected already by #{by}")


class ExternalTicketTakenError(FengqiaoError):
    """Raised when a source's ticket number opened a case already that the one opening it
    again may not see: a conflict, never a second case."""

    def __init__(self, source: str, ticket: str) -> None:
        self.source = source
        self.ticket = ticket
        super().__init__(f"ticket {ticket} of {source} opened a case already")


class InvalidClientError(FengqiaoError):
    """Raised when a client system cannot be made as asked: `field` says what is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class InvalidProbeError(FengqiaoError):
    """Raised when a duplicate check or a location is malformed: a point off the globe or
    half given, a radius or window out of bounds, a text too long."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class MergeRefusedError(FengqiaoError):
    """Raised when a case cannot be merged into another (itself, a closed or merged case, a
    case of another workflow) or split back (a case that was not merged)."""

    def __init__(self, case_id: int, problem: str) -> None:
        self.case_id = case_id
        self.problem = problem
        super().__init__(f"case {case_id}: {problem}")


class IntakeThrottledError(FengqiaoError):
    """Raised when one address sent more public requests than the window allows."""

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"too many requests from this address; try again in {retry_after_s} s")


class ConsentRequiredError(FengqiaoError):
    """Raised when a public request comes without consent to the processing of the personal
    data it holds (PIPL art. 13-14); nothing is written."""

    def __init__(self) -> None:
        super().__init__("consent to the processing of personal data is required")


class UnknownReceiptError(FengqiaoError):
    """Raised when no case has the receipt number asked for."""

    def __init__(self) -> None:
        super().__init__("no request has this receipt number")


class UnknownDeliveryError(FengqiaoError):
    """Raised when a webhook delivery does not exist."""

    def __init__(self, delivery: int) -> None:
        self.delivery = delivery
        super().__init__(f"no such webhook delivery {delivery}")
