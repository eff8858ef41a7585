"""The in-memory model of a loaded workflow definition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.durations import Duration
from engine.expressions import Expression
from engine.recurrence import Every

KNOWN_ROLES: tuple[str, ...] = (
    "grid_member",
    "mediator",
    "handler",
    "org_admin",
    "supervisor",
    "admin",
    "system",
)
SYSTEM_ROLE = "system"
FIELD_TYPES: tuple[str, ...] = (
    "string",
    "text",
    "int",
    "number",
    "bool",
    "enum",
    "date",
    "datetime",
    "list",
)
# What an `int` field may hold, with or without `min`/`max`: what the stores keep as a
# number (a 64-bit integer). A `number` must be finite (JSON has no NaN or Infinity).
INT_MIN = -(2**63)
INT_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Label:
    """A text in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True, slots=True)
class FieldDef:
    name: str
    type: str
    label: Label
    values: tuple[str, ...] = ()
    value_labels: Mapping[str, Label] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    default: object = None
    personal: bool = False
    help: Label | None = None


@dataclass(frozen=True, slots=True)
class TimerAfter:
    """When a timer falls due: a fixed duration, or one picked by an enum field's value."""

    duration: Duration | None = None
    by: str | None = None
    table: Mapping[str, Duration] = field(default_factory=dict)
    default: Duration | None = None

    def pick(self, data: Mapping[str, object]) -> Duration | None:
        if self.by is None:
            return self.duration
        value = data.get(self.by)
        if isinstance(value, str) and value in self.table:
            return self.table[value]
        return self.default


@dataclass(frozen=True, slots=True)
class TimerDef:
    name: str
    state: str
    after: TimerAfter
    action: str | None = None
    at_field: str | None = None
    remind_at: float | None = None
    notify: tuple[str, ...] = ()
    reason: Label | None = None
    working_days_only: bool = False
    # The period counts from the moment this date or datetime field names (from the case's
    # opening while it is empty), not from entering the state: engine.timers.period_start.
    from_field: str | None = None
    # States the case may wait in while this deadline keeps running (engine.keeping).
    keep_through: tuple[str, ...] = ()
    # A deadline someone must meet (missing it counts against the on-time rate), as opposed to
    # a planned automatic step (resuming a parked case, a window closing); docs/RATES.md.
    deadline: bool = False
    # The deadline a response must beat (响应率): the first action by a person in its state.
    response: bool = False
    # A recurring timer's period (`every:`, engine.recurrence) and its end: a date field
    # (`until:`), a number of occurrences (`count:`), or states that end it (`until_state:`).
    every: Every | None = None
    until_field: str | None = None
    count: int | None = None
    until_state: tuple[str, ...] = ()

    @property
    def case_level(self) -> bool:
        """A timer of the whole case (the workflow's `timers:`), not of one state."""
        return self.state == CASE_TIMERS


#: The `state` of a case-level timer (engine.case_timers).
CASE_TIMERS = ""


#: The prefix of a task's timers' names: ``task:<task id>`` (engine.tasks).
TASK_TIMER_PREFIX = "task:"


@dataclass(frozen=True, slots=True)
class TasksDef:
    """A state's tasks (任务, 协同处置): each unit doing its part of the case, each task with
    its own deadline, reminder, assignee and completion note (engine.tasks)."""

    state: str
    after: Duration
    # A list field: entering the state gives each unit it names a task titled `title`.
    units: str | None = None
    title: Label | None = None
    remind_at: float | None = None
    notify: tuple[str, ...] = ()
    reason: Label | None = None
    # The transition (from this state, internal, role system) a task's missed deadline fires.
    overdue: str | None = None
    # The transition (from this state, role system) fired once no task is left open.
    done: str | None = None
    # Who may add a task while the case is here; who may close an open one with a reason
    # (the lead); who may complete one (in the task's unit).
    add: tuple[str, ...] = ()
    close: tuple[str, ...] = ()
    complete: tuple[str, ...] = ()

    def timer(self, task_id: int) -> TimerDef:
        """The deadline of one task, as the sweep and the reminders read a timer."""
        return TimerDef(
            name=f"{TASK_TIMER_PREFIX}{task_id}",
            state=self.state,
            after=TimerAfter(duration=self.after),
            action=self.overdue,
            remind_at=self.remind_at,
            notify=self.notify,
            reason=self.reason,
            deadline=True,
        )


@dataclass(frozen=True, slots=True)
class StateDef:
    name: str
    label: Label
    roles: tuple[str, ...] = ()
    final: bool = False
    timers: tuple[TimerDef, ...] = ()
    tasks: TasksDef | None = None


@dataclass(frozen=True, slots=True)
class PointsEffect:
    """One `points:` entry of a transition: who, how many (a constant or an int field's
    value), added or taken away, under which category (a constant or an enum field's
    value), and why."""

    account_kind: str  # "person" or "unit"
    account_from: str  # "actor" / "case" (engine.points) or the name of the field holding it
    amount: int | None
    amount_field: str | None
    deduct: bool
    category: str | None
    category_field: str | None
    reason: Label

    def describe(self) -> str:
        """A short English text for diagrams and dry runs: ``+10 publicity → unit case``."""
        sign = "-" if self.deduct else "+"
        amount = str(self.amount) if self.amount is not None else str(self.amount_field)
        category = self.category or self.category_field
        return f"{sign}{amount} {category} → {self.account_kind} {self.account_from}"


@dataclass(frozen=True, slots=True)
class TransitionDef:
    action: str
    label: Label
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    requires: tuple[str, ...] = ()
    guard: Expression | None = None
    guard_message: Label | None = None
    sets: tuple[tuple[str, Expression], ...] = ()
    notify: tuple[str, ...] = ()
    internal: bool = False
    # The fields the action's input may carry: its `requires`, then its declared `accepts`.
    accepts: tuple[str, ...] = ()
    # Points awarded or deducted when the action is taken (engine.points).
    points: tuple[PointsEffect, ...] = ()


@dataclass(frozen=True, slots=True)
class TierDef:
    level: int
    name: str
    label: Label


@dataclass(frozen=True)
class Definition:
    """A validated workflow; identity is (name, version) plus the content hash."""

    name: str
    version: int
    title: Label
    initial: str
    states: Mapping[str, StateDef]
    transitions: tuple[TransitionDef, ...]
    fields: Mapping[str, FieldDef]
    tiers: tuple[TierDef, ...]
    owner_roles: tuple[str, ...]
    content_hash: str
    source: str
    path: str = ""
    description: Label | None = None
    # The fields a new case may be opened with (`opening: {accepts: [...]}`).
    opening_accepts: tuple[str, ...] = ()
    # The timers of the whole case (`timers:` at the top), whatever its state.
    timers: tuple[TimerDef, ...] = ()
    _index: dict[tuple[str, str], TransitionDef] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for t in self.transitions:
            for s in t.sources:
                self._index[(s, t.action)] = t

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)

    def transition(self, state: str, action: str) -> TransitionDef | None:
        return self._index.get((state, action))

    def actions_from(self, state: str) -> list[TransitionDef]:
        return [t for t in self.transitions if state in t.sources]

    def all_timers(self) -> list[TimerDef]:
        """Every timer: the states' own, then the case-level ones."""
        return [*(t for s in self.states.values() for t in s.timers), *self.timers]

    def deadline_timers(self) -> list[str]:
        """Names of the timers that are deadlines (missing one counts in the on-time rate)."""
        return [t.name for t in self.all_timers() if t.deadline]

    def response_timer(self) -> TimerDef | None:
        """The deadline a response must beat (响应率), if the workflow has one."""
        return next((t for t in self.all_timers() if t.response), None)
