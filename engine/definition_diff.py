"""What changed between two versions of a workflow, worded in Chinese and English.

`diff(old, new)` compares states, transitions (one per action and source state), fields,
timers and the workflow's own settings; each change says its kind, what happened to it and
the names involved, so a page can list it and a diagram can mark it (`DefinitionDiff.marks`,
drawn by engine.diagram). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from engine.definition import Definition, FieldDef, Label, StateDef, TimerDef, TransitionDef
from engine.durations import Duration

__all__ = [
    "KINDS",
    "OPS",
    "Change",
    "DefinitionDiff",
    "Kind",
    "Marks",
    "Op",
    "RemovedTransition",
    "diff",
    "duration_text",
]

Kind = Literal["workflow", "state", "transition", "field", "timer"]
Op = Literal["added", "removed", "changed"]
KINDS: tuple[Kind, ...] = ("workflow", "state", "transition", "field", "timer")
OPS: tuple[Op, ...] = ("added", "removed", "changed")


@dataclass(frozen=True, slots=True)
class Change:
    """One change: `kind` of thing, `op` done to it, its `name` (for a transition its
    action, `state` its source state; for a timer `state` is the state it belongs to),
    and the change in words (`zh`, `en`)."""

    kind: Kind
    op: Op
    name: str
    zh: str
    en: str
    state: str = ""

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True, slots=True)
class RemovedTransition:
    """An arrow of the old version that the new one lacks."""

    action: str
    source: str
    dest: str
    label: Label


@dataclass(frozen=True)
class Marks:
    """What a diagram of the new version marks: states, arrows (action, source) and timers
    added or changed, and what was removed (drawn as ghosts, with the old labels)."""

    states: Mapping[str, Op] = field(default_factory=dict)
    transitions: Mapping[tuple[str, str], Op] = field(default_factory=dict)
    timers: Mapping[str, Op] = field(default_factory=dict)
    removed_states: Mapping[str, Label] = field(default_factory=dict)
    removed_transitions: tuple[RemovedTransition, ...] = ()


@dataclass(frozen=True)
class DefinitionDiff:
    """The changes from `old_version` (0: none, a new workflow) to `new_version`."""

    name: str
    old_version: int
    new_version: int
    changes: tuple[Change, ...]
    marks: Marks

    @property
    def empty(self) -> bool:
        return not self.changes

    def __bool__(self) -> bool:
        return bool(self.changes)

    def of_kind(self, kind: Kind) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]


# -- wording ------------------------------------------------------------------------------

_ZH_UNITS = {
    "minutes": "分钟",
    "hours": "小时",
    "days": "天",
    "weeks": "周",
    "months": "个月",
    "working_days": "个工作日",
    "working_hours": "个工作小时",
}


def duration_text(d: Duration | None, lang: str) -> str:
    """A duration in words: "15 个工作日" / "15 working days"."""
    if d is None:
        return "无" if lang == "zh" else "none"
    return f"{d.amount} {_ZH_UNITS[d.unit]}" if lang == "zh" else str(d)


def _names(items: Iterable[str], lang: str) -> str:
    items = list(items)
    if not items:
        return "无" if lang == "zh" else "none"
    return ("、" if lang == "zh" else ", ").join(items)


def _then(text: str) -> str:
    """A Chinese "from X" value followed by 改为: a space after Latin text, none after Chinese."""
    return f"{text} " if text[-1:].isascii() else text


def _share(value: float | None, lang: str) -> str:
    if value is None:
        return "不提醒" if lang == "zh" else "no reminder"
    return f"{round(value * 100, 2):g}%"


def _flag(value: bool, lang: str) -> str:
    if lang == "zh":
        return "是" if value else "否"
    return "yes" if value else "no"


def _plain(value: object, lang: str) -> str:
    if value is None:
        return "无" if lang == "zh" else "none"
    if isinstance(value, bool):
        return _flag(value, lang)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _label(value: Label | None, lang: str) -> str:
    if value is None:
        return "无" if lang == "zh" else "none"
    return f"“{value.zh}”" if lang == "zh" else f'"{value.en}"'


@dataclass(frozen=True)
class _Attr:
    """One compared attribute: its words in both languages and how a value is written."""

    zh: str
    en: str
    show: Callable[[object, str], str]


def _attr(zh: str, en: str, show: Callable[[object, str], str] = _plain) -> _Attr:
    return _Attr(zh, en, show)


def _as_names(value: object, lang: str) -> str:
    assert isinstance(value, tuple)
    return _names(value, lang)


def _as_label(value: object, lang: str) -> str:
    assert value is None or isinstance(value, Label)
    return _label(value, lang)


def _as_share(value: object, lang: str) -> str:
    assert value is None or isinstance(value, float | int)
    return _share(value, lang)


def _as_duration(value: object, lang: str) -> str:
    assert value is None or isinstance(value, Duration)
    return duration_text(value, lang)


def _as_value_labels(value: object, lang: str) -> str:
    assert isinstance(value, tuple)
    return _names((f"{k}={label.get(lang)}" for k, label in value), lang)


class _Builder:
    def __init__(self) -> None:
        self.changes: list[Change] = []

    def add(self, kind: Kind, op: Op, name: str, zh: str, en: str, state: str = "") -> None:
        self.changes.append(Change(kind, op, name, zh, en, state))

    def compare(
        self,
        kind: Kind,
        name: str,
        subject: Label,
        attrs: Mapping[str, _Attr],
        old: Mapping[str, object],
        new: Mapping[str, object],
        state: str = "",
    ) -> bool:
        """A `changed` entry per attribute whose value differs; True when any did."""
        changed = False
        for key, attr in attrs.items():
            before, after = old[key], new[key]
            if before == after:
                continue
            changed = True
            was_zh, now_zh = attr.show(before, "zh"), attr.show(after, "zh")
            was_en, now_en = attr.show(before, "en"), attr.show(after, "en")
            self.add(
                kind,
                "changed",
                name,
                f"{subject.zh}的{attr.zh}从 {_then(was_zh)}改为 {now_zh}",
                f"{subject.en}: {attr.en} {was_en} → {now_en}",
                state,
            )
        return changed


# -- the comparison --------------------------------------------------------------------------


def diff(old: Definition | None, new: Definition) -> DefinitionDiff:
    """The changes from `old` (None: a new workflow, everything is added) to `new`; no
    changes when both describe the same workflow."""
    b = _Builder()
    if old is None:
        b.add(
            "workflow",
            "added",
            new.name,
            f"新流程 {new.name}（{new.title.zh}）",
            f"new workflow {new.name} ({new.title.en})",
        )
    else:
        _workflow(b, old, new)
    state_ops = _states(b, old, new)
    transition_ops, removed_transitions = _transitions(b, old, new)
    _fields(b, old, new)
    timer_ops = _timers(b, old, new)
    # A state whose timers changed is drawn as changed too.
    timers = {**_timer_index(old), **_timer_index(new)}
    for timer_name in timer_ops:
        timer = timers.get(timer_name)
        if timer is not None and timer.state in new.states:
            state_ops.setdefault(timer.state, "changed")
    removed_states = {
        n: s.label for n, s in (old.states.items() if old else ()) if n not in new.states
    }
    marks = Marks(
        states={n: op for n, op in state_ops.items() if op != "removed"},
        transitions=transition_ops,
        timers={n: op for n, op in timer_ops.items() if op != "removed"},
        removed_states=removed_states,
        removed_transitions=tuple(removed_transitions),
    )
    return DefinitionDiff(new.name, old.version if old else 0, new.version, tuple(b.changes), marks)


_WORKFLOW_ATTRS = {
    "title": _attr("标题", "title", _as_label),
    "description": _attr("说明", "description", _as_label),
    "initial": _attr("初始状态", "initial state"),
    "owner_roles": _attr("可立案角色", "owner roles", _as_names),
    "opening_accepts": _attr("立案可填字段", "fields accepted at opening", _as_names),
    "tiers": _attr("层级", "tiers", _as_names),
}


def _workflow_values(d: Definition) -> dict[str, object]:
    return {
        "title": d.title,
        "description": d.description,
        "initial": d.initial,
        "owner_roles": d.owner_roles,
        "opening_accepts": d.opening_accepts,
        "tiers": tuple(f"{t.level}:{t.name}" for t in d.tiers),
    }


def _workflow(b: _Builder, old: Definition, new: Definition) -> None:
    b.compare(
        "workflow",
        new.name,
        Label(f"流程 {new.name} ", f"workflow {new.name}"),
        _WORKFLOW_ATTRS,
        _workflow_values(old),
        _workflow_values(new),
    )


_STATE_ATTRS = {
    "label": _attr("名称", "label", _as_label),
    "roles": _attr("办理角色", "roles", _as_names),
    "final": _attr("是否终态", "final"),
    # its tasks (engine.tasks): who gets one, their period, what fires
    "tasks_after": _attr("任务时限", "tasks' period", _as_duration),
    "tasks_units": _attr("任务单位字段", "tasks' units field"),
    "tasks_overdue": _attr("任务逾期动作", "overdue task action"),
    "tasks_done": _attr("任务完成动作", "tasks done action"),
    "tasks_add": _attr("分解任务角色", "roles giving tasks", _as_names),
    "tasks_close": _attr("关闭任务角色", "roles closing tasks", _as_names),
}


def _state_values(s: StateDef) -> dict[str, object]:
    t = s.tasks
    return {
        "label": s.label,
        "roles": s.roles,
        "final": s.final,
        "tasks_after": t.after if t else None,
        "tasks_units": t.units if t else None,
        "tasks_overdue": t.overdue if t else None,
        "tasks_done": t.done if t else None,
        "tasks_add": t.add if t else (),
        "tasks_close": t.close if t else (),
    }


def _states(b: _Builder, old: Definition | None, new: Definition) -> dict[str, Op]:
    ops: dict[str, Op] = {}
    before = dict(old.states) if old else {}
    for name, st in new.states.items():
        if name not in before:
            ops[name] = "added"
            b.add(
                "state",
                "added",
                name,
                f"新增状态 {name}（{st.label.zh}）",
                f"state {name} ({st.label.en}) added",
            )
            continue
        subject = Label(f"状态 {name} ", f"state {name}")
        if b.compare(
            "state", name, subject, _STATE_ATTRS, _state_values(before[name]), _state_values(st)
        ):
            ops[name] = "changed"
    for name, st in before.items():
        if name not in new.states:
            ops[name] = "removed"
            b.add(
                "state",
                "removed",
                name,
                f"删除状态 {name}（{st.label.zh}）",
                f"state {name} ({st.label.en}) removed",
            )
    return ops


_TRANSITION_ATTRS = {
    "dest": _attr("目标状态", "destination"),
    "label": _attr("名称", "label", _as_label),
    "roles": _attr("办理角色", "roles", _as_names),
    "requires": _attr("必填字段", "required fields", _as_names),
    "accepts": _attr("可填字段", "accepted fields", _as_names),
    "guard": _attr("条件", "condition"),
    "guard_message": _attr("条件说明", "condition message", _as_label),
    "sets": _attr("赋值", "sets", _as_names),
    "notify": _attr("通知角色", "notified roles", _as_names),
    "internal": _attr("是否内部动作", "internal"),
}


def _transition_values(t: TransitionDef) -> dict[str, object]:
    return {
        "dest": t.dest,
        "label": t.label,
        "roles": t.roles,
        "requires": t.requires,
        # Declared beyond `requires` (the action's input takes both).
        "accepts": tuple(a for a in t.accepts if a not in t.requires),
        "guard": t.guard.source if t.guard is not None else None,
        "guard_message": t.guard_message,
        "sets": tuple(f"{k} = {e.source}" for k, e in t.sets),
        "notify": t.notify,
        "internal": t.internal,
    }


def _edges(d: Definition | None) -> dict[tuple[str, str], TransitionDef]:
    if d is None:
        return {}
    return {(t.action, s): t for t in d.transitions for s in t.sources}


def _transitions(
    b: _Builder, old: Definition | None, new: Definition
) -> tuple[dict[tuple[str, str], Op], list[RemovedTransition]]:
    ops: dict[tuple[str, str], Op] = {}
    before, after = _edges(old), _edges(new)
    for (action, source), t in after.items():
        if (action, source) not in before:
            ops[(action, source)] = "added"
            b.add(
                "transition",
                "added",
                action,
                f"新增动作 {action}（{t.label.zh}）：{source} → {t.dest}",
                f"transition {action} ({t.label.en}) added: {source} → {t.dest}",
                source,
            )
            continue
        subject = Label(f"动作 {action}（从 {source}）", f"transition {action} from {source}")
        old_values = _transition_values(before[(action, source)])
        if b.compare(
            "transition",
            action,
            subject,
            _TRANSITION_ATTRS,
            old_values,
            _transition_values(t),
            source,
        ):
            ops[(action, source)] = "changed"
    removed: list[RemovedTransition] = []
    for (action, source), t in before.items():
        if (action, source) in after:
            continue
        removed.append(RemovedTransition(action, source, t.dest, t.label))
        b.add(
            "transition",
            "removed",
            action,
            f"删除动作 {action}（{t.label.zh}）：{source} → {t.dest}",
            f"transition {action} ({t.label.en}) removed: {source} → {t.dest}",
            source,
        )
    return ops, removed


_FIELD_ATTRS = {
    "type": _attr("类型", "type"),
    "label": _attr("名称", "label", _as_label),
    "min": _attr("下限", "minimum"),
    "max": _attr("上限", "maximum"),
    "default": _attr("默认值", "default"),
    "personal": _attr("是否个人信息", "personal data"),
    "help": _attr("填写说明", "help", _as_label),
    "value_labels": _attr("取值名称", "value labels", _as_value_labels),
}


def _field_values(f: FieldDef) -> dict[str, object]:
    return {
        "type": f.type,
        "label": f.label,
        "min": f.min,
        "max": f.max,
        "default": f.default,
        "personal": f.personal,
        "help": f.help,
        "value_labels": tuple(sorted(f.value_labels.items())),
    }


def _fields(b: _Builder, old: Definition | None, new: Definition) -> None:
    before = dict(old.fields) if old else {}
    for name, f in new.fields.items():
        if name not in before:
            b.add(
                "field",
                "added",
                name,
                f"新增字段 {name}（{f.label.zh}，{f.type}）",
                f"field {name} ({f.label.en}, {f.type}) added",
            )
            continue
        was = before[name]
        subject = Label(f"字段 {name} ", f"field {name}")
        b.compare("field", name, subject, _FIELD_ATTRS, _field_values(was), _field_values(f))
        if f.type == "enum" and was.type == "enum":
            gained = [v for v in f.values if v not in was.values]
            lost = [v for v in was.values if v not in f.values]
            if gained:
                b.add(
                    "field",
                    "changed",
                    name,
                    f"字段 {name} 新增取值 {_names(gained, 'zh')}",
                    f"field {name}: values added: {_names(gained, 'en')}",
                )
            if lost:
                b.add(
                    "field",
                    "changed",
                    name,
                    f"字段 {name} 删除取值 {_names(lost, 'zh')}",
                    f"field {name}: values removed: {_names(lost, 'en')}",
                )
    for name, f in before.items():
        if name not in new.fields:
            b.add(
                "field",
                "removed",
                name,
                f"删除字段 {name}（{f.label.zh}）",
                f"field {name} ({f.label.en}) removed",
            )


_TIMER_ATTRS = {
    "state": _attr("所属状态", "state"),
    "duration": _attr("期限", "duration", _as_duration),
    "by": _attr("期限依据字段", "duration picked by"),
    "default": _attr("默认期限", "default duration", _as_duration),
    "at_field": _attr("到期日期字段", "due date field"),
    "remind_at": _attr("提醒时点", "reminder at", _as_share),
    "notify": _attr("通知角色", "notified roles", _as_names),
    "action": _attr("到期动作", "action"),
    "working_days_only": _attr("是否仅工作日", "working days only"),
    "reason": _attr("说明", "reason", _as_label),
    "from_field": _attr("起算字段", "counted from"),
    "every": _attr("周期", "every"),
    "until": _attr("截止日期字段", "until"),
    "count": _attr("次数", "occurrences"),
    "until_state": _attr("截止状态", "until state", _as_names),
}


def _timer_values(t: TimerDef) -> dict[str, object]:
    return {
        "state": t.state,
        "duration": t.after.duration,
        "by": t.after.by,
        "default": t.after.default,
        "at_field": t.at_field,
        "remind_at": t.remind_at,
        "notify": t.notify,
        "action": t.action,
        "working_days_only": t.working_days_only,
        "reason": t.reason,
        "from_field": t.from_field,
        "every": str(t.every) if t.every is not None else None,
        "until": t.until_field,
        "count": t.count,
        "until_state": t.until_state,
    }


def _timer_index(d: Definition | None) -> dict[str, TimerDef]:
    return {t.name: t for t in d.all_timers()} if d is not None else {}


def _timers(b: _Builder, old: Definition | None, new: Definition) -> dict[str, Op]:
    ops: dict[str, Op] = {}
    before, after = _timer_index(old), _timer_index(new)
    for name, t in after.items():
        if name not in before:
            ops[name] = "added"
            b.add(
                "timer",
                "added",
                name,
                f"状态 {t.state} 新增定时器 {name}（{_when(t, 'zh')}）",
                f"timer {name} added to state {t.state} ({_when(t, 'en')})",
                t.state,
            )
            continue
        was = before[name]
        subject = Label(f"定时器 {name} ", f"timer {name}")
        changed = b.compare(
            "timer", name, subject, _TIMER_ATTRS, _timer_values(was), _timer_values(t), t.state
        )
        changed = _table(b, was, t) or changed
        if changed:
            ops[name] = "changed"
    for name, t in before.items():
        if name not in after:
            ops[name] = "removed"
            b.add(
                "timer",
                "removed",
                name,
                f"删除状态 {t.state} 的定时器 {name}",
                f"timer {name} removed from state {t.state}",
                t.state,
            )
    return ops


def _table(b: _Builder, was: TimerDef, now: TimerDef) -> bool:
    """A change per value of a duration table (`after: {by: …, values: …}`)."""
    changed = False
    keys = list(dict.fromkeys([*now.after.table, *was.after.table]))
    for key in keys:
        before, after = was.after.table.get(key), now.after.table.get(key)
        if before == after:
            continue
        changed = True
        by = now.after.by or was.after.by or ""
        b.add(
            "timer",
            "changed",
            now.name,
            f"定时器 {now.name} 在 {by} 为 {key} 时的期限从 {_then(duration_text(before, 'zh'))}"
            f"改为 {duration_text(after, 'zh')}",
            f"timer {now.name}: duration when {by} is {key}"
            f" {duration_text(before, 'en')} → {duration_text(after, 'en')}",
            now.state,
        )
    return changed


def _when(t: TimerDef, lang: str) -> str:
    a = t.after
    if t.every is not None:
        return f"每 {t.every}" if lang == "zh" else f"every {t.every}"
    if a.duration is not None:
        return duration_text(a.duration, lang)
    if a.by:
        return f"按 {a.by}" if lang == "zh" else f"by {a.by}"
    return f"于 {t.at_field}" if lang == "zh" else f"at {t.at_field}"
