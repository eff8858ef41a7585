"""Whether a running case can move from one version of its workflow to another, and what its
deadlines become: the verdict of a migration's preview, case by case (no storage here).

A case can move when it is open, on the version the migration starts from, its state has a
counterpart in the target version (the same name, or the one the migration's state map
names), its data fits the target's fields, and it holds every field the target requires to
be in that state. A field is *required to be in a state* when the transition of the target
version by which the case entered the state requires it (the action of the case's entry
event, looked up in the target and leading into the target state); when the target has no
such transition (the case was opened in that state, or the action was renamed), the fields
that every transition of the target leading into the state from another state requires;
less what the source's transition required already (checked when the case entered, and
cleared since only by the workflow's own effects) and what the transition sets itself.

Its deadlines before are its pending deadlines; after, the target state's timers recomputed
by the target version on the working-day calendar from when the case entered its state
(engine.timers.due_at, the arming code's own), each marked overdue when already past due.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.definition import Definition
from engine.errors import InvalidDataError
from engine.model import DEADLINE, Case, Timer
from engine.plans import plan_for
from engine.timers import due_at
from engine.validation import missing
from engine.workcalendar import WorkCalendar

MIGRATE_ACTION = "migrate"
OPEN_ACTION = "open"
_MEMO = 4096  # entries a memo of a MigrationCheck holds before it starts again


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a case cannot move: a code the pages filter on, and the reason in zh and en."""

    code: str  # no_state | bad_data | missing_field | closed | not_on_version | changed | failed
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Deadline:
    timer: str
    due_at: datetime
    overdue: bool  # already past due at the moment of the check


@dataclass(frozen=True, slots=True)
class Verdict:
    """The preview of one case."""

    case_id: int
    state: str
    to_state: str | None
    movable: bool
    refusals: tuple[Refusal, ...]
    before: tuple[Deadline, ...]
    after: tuple[Deadline, ...]


@dataclass(frozen=True)
class CasePreview:
    """A case of a migration run: its preview, then (status) what applying it did."""

    case_id: int
    state: str
    to_state: str | None
    movable: bool
    refusals: tuple[Refusal, ...]
    before: tuple[Deadline, ...]  # pending deadlines at the preview
    after: tuple[Deadline, ...]  # recomputed by the target version from the state's entry
    status: str  # previewed | moved | refused | failed


@dataclass(frozen=True)
class MigrationRun:
    """A planned move of running cases from one version of a workflow to another."""

    id: int
    workflow: str
    from_version: int
    to_version: int
    reason: str
    state_map: Mapping[str, str]
    states: tuple[str, ...]
    case_ids: tuple[int, ...]
    created_by: str
    created_at: datetime
    status: str  # planned | previewed | applying | applied
    total: int
    movable: int
    refused: int
    moved: int
    failed: int
    previewed_at: datetime | None
    applied_at: datetime | None


def closed(_: Case) -> Refusal:
    return Refusal("closed", "案件已结案", "the case is closed")


def not_on_version(case: Case, workflow: str, version: int) -> Refusal:
    return Refusal(
        "not_on_version",
        f"案件已不在 {workflow} 第 {version} 版"
        f"（现为 {case.workflow} 第 {case.workflow_version} 版）",
        f"the case is no longer on {workflow} v{version}"
        f" (it is on {case.workflow} v{case.workflow_version})",
    )


def no_state(state: str, workflow: str, version: int) -> Refusal:
    return Refusal(
        "no_state",
        f"第 {version} 版没有状态 {state}，迁移也未指定对应状态",
        f"{workflow} v{version} has no state {state!r} and the migration maps it to none",
    )


def bad_data(errors: Mapping[str, str]) -> Refusal:
    text = "; ".join(f"{k}: {v}" for k, v in errors.items())
    return Refusal("bad_data", f"案件数据不符合新版本的字段：{text}", f"data does not fit: {text}")


def missing_field(fields: Sequence[str], state: str) -> Refusal:
    names = ", ".join(fields)
    return Refusal(
        "missing_field",
        f"新版本要求处于 {state} 的案件具有字段：{names}",
        f"the new version requires in state {state!r}: {names}",
    )


def changed(expected: int, actual: int) -> Refusal:
    return Refusal(
        "changed",
        f"案件在预览后有变动（版本 {expected} → {actual}），请重新预览",
        f"the case changed since the preview (version {expected} -> {actual}); preview again",
    )


def failed(message: str) -> Refusal:
    return Refusal("failed", f"迁移失败：{message}", f"the move failed: {message}")


class MigrationCheck:
    """The checks of one migration (workflow, from version, to version, state map), worked
    out once and applied to each case."""

    def __init__(
        self,
        source: Definition,
        target: Definition,
        state_map: Mapping[str, str],
        calendar: WorkCalendar,
    ) -> None:
        self.source = source
        self.target = target
        self.state_map = dict(state_map)
        self.calendar = calendar
        check = plan_for(target).check_fields
        self._check_fields = check
        # A case's data fit the source's fields when it was written: only the fields the
        # target declares differently, and those it no longer declares, are checked again.
        self._declared = frozenset(target.fields)
        self._changed = tuple(
            (name, check.checks[name])
            for name, f in target.fields.items()
            if source.fields.get(name) != f
        )
        self._into = _requirements(target)
        self._before = _requirements(source)
        # Memos, each bounded (the checks are pure): the fields required by (state, entry
        # action, source state), and the deadlines by (state, entry moment, now, the values of
        # the fields the state's timers read): a preview of many cases computes the working
        # calendar's arithmetic once per distinct entry moment.
        self._required: dict[tuple[str, str | None, str], tuple[str, ...]] = {}
        self._reads = {
            name: tuple(
                dict.fromkeys(
                    f for t in st.timers for f in (t.at_field, t.after.by) if f is not None
                )
            )
            for name, st in target.states.items()
        }
        self._deadlines: dict[tuple[Any, ...], tuple[Deadline, ...]] = {}

    def target_state(self, state: str) -> str | None:
        """The state of the target version a case in `state` moves to, if any."""
        mapped = self.state_map.get(state)
        if mapped is not None:
            return mapped
        return state if state in self.target.states else None

    def required_in(self, state: str, entered_by: str | None, from_state: str) -> tuple[str, ...]:
        """The fields a case must hold to be in `state` of the target, having entered
        `from_state` of the source by the action `entered_by`: what the target's transition
        of that action into `state` requires (or, without one, what every transition into
        it requires), less what the source's transition required already (checked when the
        case entered, and cleared since only by the workflow's own effects)."""
        key = (state, entered_by, from_state)
        found = self._required.get(key)
        if found is None:
            found = self._required_in(state, entered_by, from_state)
            if len(self._required) >= _MEMO:
                self._required.clear()
            self._required[key] = found
        return found

    def _required_in(self, state: str, entered_by: str | None, from_state: str) -> tuple[str, ...]:
        into = self._into.get(state)
        if into is None:
            return ()
        if entered_by is not None and entered_by in into.by_action:
            needed = into.by_action[entered_by]
        elif entered_by == OPEN_ACTION and state == self.target.initial:
            return ()
        else:
            needed = into.common
        before = self._before.get(from_state)
        had = before.by_action.get(entered_by, ()) if before and entered_by else ()
        return tuple(f for f in needed if f not in had)

    def verdict(
        self,
        case: Case,
        entered_by: str | None,
        pending: Iterable[Timer],
        now: datetime,
    ) -> Verdict:
        """The preview of `case` at `now`: `entered_by`, the action of its entry event (for a
        case migrated before, the action that entered the state before the move);
        `pending`, its pending timers."""
        before = tuple(
            Deadline(t.name, t.fire_at, t.fire_at <= now) for t in pending if t.kind == DEADLINE
        )
        return self.judge(case, entered_by, before, now)

    def judge(
        self,
        case: Case,
        entered_by: str | None,
        before: tuple[Deadline, ...],
        now: datetime,
    ) -> Verdict:
        """The preview of `case` at `now` given its pending deadlines as `before` (see
        `verdict`)."""
        refusals: list[Refusal] = []
        to_state: str | None = None
        if case.workflow != self.source.name or case.workflow_version != self.source.version:
            refusals.append(not_on_version(case, self.source.name, self.source.version))
        if case.closed_at is not None or self._final(case):
            refusals.append(closed(case))
        if refusals:
            return Verdict(case.id, case.state, None, False, tuple(refusals), before, ())
        to_state = self.target_state(case.state)
        if to_state is None:
            refusals.append(no_state(case.state, self.target.name, self.target.version))
        if not self._fits(case.data):
            try:
                self._check_fields(case.data)
            except InvalidDataError as exc:
                refusals.append(bad_data(exc.errors))
        if to_state is None:
            return Verdict(case.id, case.state, None, False, tuple(refusals), before, ())
        lacking = missing(self.required_in(to_state, entered_by, case.state), case.data)
        if lacking:
            refusals.append(missing_field(lacking, to_state))
        after = self.deadlines_after(case, to_state, now) if not refusals else ()
        return Verdict(case.id, case.state, to_state, not refusals, tuple(refusals), before, after)

    def _fits(self, data: Mapping[str, Any]) -> bool:
        """Whether data that fit the source's fields fits the target's (fast: only what
        changed is looked at; a False is worded by the full check)."""
        if not self._declared.issuperset(data):
            return False
        for name, check in self._changed:
            value = data.get(name)
            if value is not None and check.error(value):
                return False
        return True

    def deadlines_after(self, case: Case, to_state: str, now: datetime) -> tuple[Deadline, ...]:
        """The target state's deadlines, counted from when the case entered its state."""
        data = case.data
        key = (to_state, case.state_entered_at, now, *(data.get(f) for f in self._reads[to_state]))
        try:
            found = self._deadlines.get(key)
        except TypeError:  # a list or a mapping where a timer reads its field: not memoised
            return self._deadlines_after(case, to_state, now)
        if found is None:
            found = self._deadlines_after(case, to_state, now)
            if len(self._deadlines) >= _MEMO:
                self._deadlines.clear()
            self._deadlines[key] = found
        return found

    def _deadlines_after(self, case: Case, to_state: str, now: datetime) -> tuple[Deadline, ...]:
        out = []
        for tdef in self.target.states[to_state].timers:
            due = due_at(tdef, case.data, case.state_entered_at, self.calendar)
            if due is not None:
                out.append(Deadline(tdef.name, due, due <= now))
        return tuple(out)

    def _final(self, case: Case) -> bool:
        st = self.source.states.get(case.state)
        return st is not None and st.final


@dataclass(frozen=True, slots=True)
class _Into:
    """What the transitions leading into a state require (less what they set themselves):
    by action, and what every one of them from another state requires."""

    by_action: Mapping[str, tuple[str, ...]]
    common: tuple[str, ...]


def _requirements(definition: Definition) -> dict[str, _Into]:
    out = {}
    for name in definition.states:
        by_action: dict[str, tuple[str, ...]] = {}
        common: set[str] | None = None
        order: list[str] = []
        for t in definition.transitions:
            if t.dest != name or t.internal:
                continue
            sets = {field for field, _ in t.sets}
            needed = tuple(f for f in t.requires if f not in sets)
            by_action[t.action] = needed
            if any(s != name for s in t.sources):
                common = set(needed) if common is None else common & set(needed)
                order += [f for f in needed if f not in order]
        out[name] = _Into(by_action, tuple(f for f in order if common and f in common))
    return out


def entered_by(action: str | None, changes: Mapping[str, Any] | None) -> str | None:
    """The action that entered a case's state, from its entry event: a migration's event
    carries the action that entered the state before the move."""
    if action == MIGRATE_ACTION and changes:
        before = changes.get("entered_by")
        return before if isinstance(before, str) else None
    return action


class PlanProblem(str):
    """What is wrong with a migration as asked: its English wording (the text itself), a
    code and the values the wording names, for the pages to word it in their language.

    Codes: reason, unpublished, workflows, same_version, map_old, map_new, map_final, state,
    too_many, no_case, run_status, no_preview."""

    code: str
    values: Mapping[str, str | int]

    def __new__(
        cls, code: str, en: str, values: Mapping[str, str | int] | None = None
    ) -> PlanProblem:
        problem = super().__new__(cls, en)
        problem.code = code
        problem.values = dict(values or {})
        return problem


def plan_problems(
    source: Definition,
    target: Definition,
    state_map: Mapping[str, str],
    states: Iterable[str],
) -> list[PlanProblem]:
    """What is wrong with a migration's state map and its choice of states (empty: nothing):
    a mapped state must be a state of the source version, mapped to a state of the target
    that is not final; a chosen state must be a state of the source version."""
    problems = []
    if source.name != target.name:
        problems.append(
            PlanProblem(
                "workflows",
                f"{source.name} and {target.name} are different workflows",
                {"source": source.name, "target": target.name},
            )
        )
    if source.version == target.version:
        problems.append(
            PlanProblem(
                "same_version",
                f"the cases are on v{source.version} already: choose another version",
                {"version": source.version},
            )
        )
    for old, new in state_map.items():
        mapped = {"old": old, "new": new}
        if old not in source.states:
            problems.append(
                PlanProblem(
                    "map_old",
                    f"state map {old} -> {new}: v{source.version} has no state {old!r}",
                    {**mapped, "version": source.version},
                )
            )
        if new not in target.states:
            problems.append(
                PlanProblem(
                    "map_new",
                    f"state map {old} -> {new}: v{target.version} has no state {new!r}",
                    {**mapped, "version": target.version},
                )
            )
        elif target.states[new].final:
            problems.append(
                PlanProblem(
                    "map_final",
                    f"state map {old} -> {new}: {new!r} is a final state of v{target.version}",
                    {**mapped, "version": target.version},
                )
            )
    for state in states:
        if state not in source.states:
            problems.append(
                PlanProblem(
                    "state",
                    f"state {state}: v{source.version} has no state {state!r}",
                    {"state": state, "version": source.version},
                )
            )
    return problems
