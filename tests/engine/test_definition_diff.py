"""The changes between two versions of a workflow, worded in Chinese and English."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definition import Definition
from engine.definition_diff import KINDS, Change, diff, duration_text
from engine.durations import parse_duration
from engine.loader import load_definition, parse_definition

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "definitions").glob("*.yaml"))

BASE = """\
name: pilot
version: 1
title: {zh: 试点, en: Pilot}
initial: open
owner_roles: [mediator]
fields:
  note:
    type: string
    label: {zh: 备注, en: Note}
  severity:
    type: enum
    values: [red, yellow, blue]
    label: {zh: 紧急程度, en: Severity}
  score:
    type: int
    min: 1
    max: 5
    label: {zh: 评分, en: Score}
states:
  open:
    label: {zh: 办理中, en: Open}
    roles: [mediator]
    timers:
      # the statutory period
      - name: follow_up
        after: 15 working days
        remind_at: 80%
        notify: [mediator]
        action: expire
      - name: triage
        after: {by: severity, values: {red: 2 hours, yellow: 24 hours}, default: 72 hours}
        notify: [org_admin]
  waiting:
    label: {zh: 等待, en: Waiting}
    roles: [mediator]
  closed:
    label: {zh: 已结案, en: Closed}
    final: true
transitions:
  - action: close
    label: {zh: 结案, en: Close}
    from: open
    to: closed
    requires: [note]
  - action: wait
    label: {zh: 等待, en: Wait}
    from: open
    to: waiting
  - action: resume
    label: {zh: 恢复, en: Resume}
    from: waiting
    to: open
  - action: expire
    label: {zh: 期限届满, en: Expire}
    from: open
    to: closed
    roles: [system]
"""


def base() -> Definition:
    return parse_definition(BASE)


def changed(*pairs: tuple[str, str], version: int = 2) -> Definition:
    text = BASE.replace("version: 1", f"version: {version}", 1)
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return parse_definition(text)


def only(changes: tuple[Change, ...]) -> Change:
    assert len(changes) == 1, changes
    return changes[0]


def test_the_same_workflow_has_no_changes() -> None:
    d = diff(base(), changed())  # only the version differs
    assert d.empty and not d and d.changes == ()
    assert (d.old_version, d.new_version) == (1, 2)
    assert not d.marks.states and not d.marks.transitions and not d.marks.removed_states


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in SHIPPED])
def test_a_new_workflow_adds_everything(path: Path) -> None:
    new = load_definition(path)
    d = diff(None, new)
    assert d.old_version == 0
    assert d.of_kind("workflow")[0].op == "added"
    assert {c.name for c in d.of_kind("state")} == set(new.states)
    assert {c.name for c in d.of_kind("field")} == set(new.fields)
    assert {c.name for c in d.of_kind("timer")} == {t.name for t in new.all_timers()}
    assert len(d.of_kind("transition")) == sum(len(t.sources) for t in new.transitions)
    assert {c.op for c in d.changes} == {"added"}
    assert set(d.marks.states.values()) == {"added"}
    assert diff(new, new).empty


def test_a_timer_period_is_worded_in_both_languages() -> None:
    d = diff(base(), changed(("after: 15 working days", "after: 10 working days")))
    c = only(d.changes)
    assert (c.kind, c.op, c.name, c.state) == ("timer", "changed", "follow_up", "open")
    assert c.zh == "定时器 follow_up 的期限从 15 个工作日改为 10 个工作日"
    assert c.en == "timer follow_up: duration 15 working days → 10 working days"
    assert c.text("en") == c.en and c.text("zh") == c.zh
    assert d.marks.timers == {"follow_up": "changed"}
    assert d.marks.states == {"open": "changed"}  # the state holding the timer


def test_a_duration_table_is_compared_value_by_value() -> None:
    d = diff(base(), changed(("red: 2 hours, yellow: 24 hours", "red: 1 hours, blue: 48 hours")))
    zh = [c.zh for c in d.changes]
    en = [c.en for c in d.changes]
    assert zh == [
        "定时器 triage 在 severity 为 red 时的期限从 2 小时改为 1 小时",
        "定时器 triage 在 severity 为 blue 时的期限从 无改为 48 小时",
        "定时器 triage 在 severity 为 yellow 时的期限从 24 小时改为 无",
    ]
    assert en == [
        "timer triage: duration when severity is red 2 hours → 1 hour",
        "timer triage: duration when severity is blue none → 48 hours",
        "timer triage: duration when severity is yellow 24 hours → none",
    ]


@pytest.mark.parametrize(
    ("old", "new", "zh", "en"),
    [
        (
            "remind_at: 80%",
            "remind_at: 50%",
            "定时器 follow_up 的提醒时点从 80% 改为 50%",
            "timer follow_up: reminder at 80% → 50%",
        ),
        (
            "notify: [mediator]\n        action",
            "notify: [mediator, org_admin]\n        action",
            "定时器 follow_up 的通知角色从 mediator 改为 mediator、org_admin",
            "timer follow_up: notified roles mediator → mediator, org_admin",
        ),
        (
            "action: expire\n      - name",
            "action: close\n      - name",
            "定时器 follow_up 的到期动作从 expire 改为 close",
            "timer follow_up: action expire → close",
        ),
        (
            "action: expire\n      - name",
            "action: expire\n        working_days_only: true\n      - name",
            "定时器 follow_up 的是否仅工作日从 否改为 是",
            "timer follow_up: working days only no → yes",
        ),
    ],
    ids=["remind_at", "notify", "action", "working_days_only"],
)
def test_each_timer_setting(old: str, new: str, zh: str, en: str) -> None:
    extra = [("requires: [note]", "requires: [note]\n    roles: [mediator, system]")]
    extra = extra if "close" in new else []
    c = only(
        tuple(x for x in diff(base(), changed((old, new), *extra)).changes if x.kind == "timer")
    )
    assert (c.zh, c.en, c.op) == (zh, en, "changed")


def test_timers_added_and_removed() -> None:
    d = diff(
        base(),
        changed(
            ("      - name: triage\n", "      - name: screening\n"),
        ),
    )
    assert [(c.kind, c.op, c.name) for c in d.changes] == [
        ("timer", "added", "screening"),
        ("timer", "removed", "triage"),
    ]
    assert d.changes[0].zh == "状态 open 新增定时器 screening（按 severity）"
    assert d.changes[0].en == "timer screening added to state open (by severity)"
    assert d.changes[1].zh == "删除状态 open 的定时器 triage"
    assert d.changes[1].en == "timer triage removed from state open"
    assert d.marks.timers == {"screening": "added"}


def test_states_added_removed_and_changed() -> None:
    d = diff(
        base(),
        changed(
            (
                "  waiting:\n    label: {zh: 等待, en: Waiting}",
                "  paused:\n    label: {zh: 暂停, en: Paused}",
            ),
            ("to: waiting", "to: paused"),
            ("from: waiting", "from: paused"),
            ("label: {zh: 已结案, en: Closed}", "label: {zh: 已办结, en: Done}"),
        ),
    )
    states = d.of_kind("state")
    assert [(c.op, c.name) for c in states] == [
        ("added", "paused"),
        ("changed", "closed"),
        ("removed", "waiting"),
    ]
    assert states[0].zh == "新增状态 paused（暂停）"
    assert states[0].en == "state paused (Paused) added"
    assert states[1].zh == "状态 closed 的名称从 “已结案”改为 “已办结”"
    assert states[1].en == 'state closed: label "Closed" → "Done"'
    assert states[2].zh == "删除状态 waiting（等待）"
    assert states[2].en == "state waiting (Waiting) removed"
    assert d.marks.states == {"paused": "added", "closed": "changed"}
    assert set(d.marks.removed_states) == {"waiting"}
    assert d.marks.removed_states["waiting"].zh == "等待"


def test_transitions_per_action_and_source() -> None:
    d = diff(
        base(),
        changed(
            ("    from: waiting\n", "    from: [waiting, closed]\n"),
            ("requires: [note]", "requires: [note, score]"),
            (
                "  - action: wait\n    label: {zh: 等待, en: Wait}",
                "  - action: hold\n    label: {zh: 挂起, en: Hold}",
            ),
        ),
    )
    found = [(c.op, c.name, c.state) for c in d.of_kind("transition")]
    assert found == [
        ("changed", "close", "open"),
        ("added", "hold", "open"),
        ("added", "resume", "closed"),
        ("removed", "wait", "open"),
    ]
    by = {(c.op, c.name): c for c in d.of_kind("transition")}
    assert by["changed", "close"].zh == "动作 close（从 open）的必填字段从 note 改为 note、score"
    assert (
        by["changed", "close"].en
        == "transition close from open: required fields note → note, score"
    )
    assert by["added", "hold"].zh == "新增动作 hold（挂起）：open → waiting"
    assert by["added", "hold"].en == "transition hold (Hold) added: open → waiting"
    assert by["removed", "wait"].zh == "删除动作 wait（等待）：open → waiting"
    assert by["removed", "wait"].en == "transition wait (Wait) removed: open → waiting"
    assert d.marks.transitions == {
        ("close", "open"): "changed",
        ("hold", "open"): "added",
        ("resume", "closed"): "added",
    }
    [removed] = d.marks.removed_transitions
    assert (removed.action, removed.source, removed.dest) == ("wait", "open", "waiting")


def test_a_changed_destination() -> None:
    c = only(
        diff(
            base(), changed(("    to: closed\n    requires", "    to: waiting\n    requires"))
        ).changes
    )
    assert c.zh == "动作 close（从 open）的目标状态从 closed 改为 waiting"
    assert c.en == "transition close from open: destination closed → waiting"


def test_fields_type_values_bounds_and_personal() -> None:
    d = diff(
        base(),
        changed(
            ("values: [red, yellow, blue]", "values: [red, yellow, green]"),
            ("    min: 1\n    max: 5\n", "    min: 0\n    max: 10\n"),
            ("  note:\n    type: string\n", "  note:\n    type: text\n    personal: true\n"),
            (
                "  score:\n",
                "  contact:\n    type: string\n    label: {zh: 联系方式, en: Contact}\n  score:\n",
            ),
        ),
    )
    texts = [(c.op, c.name, c.zh, c.en) for c in d.of_kind("field")]
    assert texts == [
        (
            "changed",
            "note",
            "字段 note 的类型从 string 改为 text",
            "field note: type string → text",
        ),
        (
            "changed",
            "note",
            "字段 note 的是否个人信息从 否改为 是",
            "field note: personal data no → yes",
        ),
        (
            "changed",
            "severity",
            "字段 severity 新增取值 green",
            "field severity: values added: green",
        ),
        (
            "changed",
            "severity",
            "字段 severity 删除取值 blue",
            "field severity: values removed: blue",
        ),
        (
            "added",
            "contact",
            "新增字段 contact（联系方式，string）",
            "field contact (Contact, string) added",
        ),
        ("changed", "score", "字段 score 的下限从 1 改为 0", "field score: minimum 1 → 0"),
        ("changed", "score", "字段 score 的上限从 5 改为 10", "field score: maximum 5 → 10"),
    ]


def test_a_removed_field() -> None:
    d = diff(base(), changed(("    min: 1\n    max: 5\n", "")))  # bounds gone
    assert {c.en for c in d.changes} == {
        "field score: minimum 1 → none",
        "field score: maximum 5 → none",
    }
    gone = BASE.replace(
        "  score:\n    type: int\n    min: 1\n    max: 5\n    label: {zh: 评分, en: Score}\n", ""
    )
    c = only(diff(base(), parse_definition(gone)).changes)
    assert (c.kind, c.op, c.name) == ("field", "removed", "score")
    assert (c.zh, c.en) == ("删除字段 score（评分）", "field score (Score) removed")


def test_the_workflow_settings() -> None:
    d = diff(
        base(),
        changed(
            ("title: {zh: 试点, en: Pilot}", "title: {zh: 试行, en: Trial}"),
            ("owner_roles: [mediator]", "owner_roles: [mediator, org_admin]"),
        ),
    )
    assert [(c.kind, c.op, c.zh, c.en) for c in d.changes] == [
        (
            "workflow",
            "changed",
            "流程 pilot 的标题从 “试点”改为 “试行”",
            'workflow pilot: title "Pilot" → "Trial"',
        ),
        (
            "workflow",
            "changed",
            "流程 pilot 的可立案角色从 mediator 改为 mediator、org_admin",
            "workflow pilot: owner roles mediator → mediator, org_admin",
        ),
    ]


def test_every_kind_has_words_in_both_languages() -> None:
    new = load_definition(SHIPPED[0])
    for c in diff(None, new).changes:
        assert c.kind in KINDS and c.zh and c.en and c.zh != c.en


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        ("15 working days", "15 个工作日", "15 working days"),
        ("1 month", "1 个月", "1 month"),
        ("2 weeks", "2 周", "2 weeks"),
        ("4 working hours", "4 个工作小时", "4 working hours"),
        ("30 minutes", "30 分钟", "30 minutes"),
    ],
)
def test_durations_in_words(text: str, zh: str, en: str) -> None:
    d = parse_duration(text)
    assert duration_text(d, "zh") == zh
    assert duration_text(d, "en") == en


def test_a_fields_help_and_value_labels() -> None:
    d = diff(
        base(),
        changed(
            (
                "label: {zh: 紧急程度, en: Severity}",
                "label: {zh: 紧急程度, en: Severity}\n"
                "    value_labels:\n      red: {zh: 红色, en: Red}\n"
                "    help: {zh: 按现场, en: On site}",
            ),
        ),
    )
    assert [c.en for c in d.changes] == [
        'field severity: help none → "On site"',
        "field severity: value labels none → red=Red",
    ]
    assert d.changes[1].zh == "字段 severity 的取值名称从 无改为 red=红色"


def test_a_recurring_timers_period_and_end_are_compared() -> None:
    path = Path(__file__).resolve().parents[2] / "definitions" / "project_supervision.yaml"
    old = load_definition(path)
    text = old.source.replace("    every: half month\n", "    every: month\n", 1)
    text = text.replace("    until_state: [final_review]\n", "    count: 12\n", 1)
    text = text.replace("    until: end_date\n", "", 1)
    changes = [c for c in diff(old, parse_definition(text)).changes if c.kind == "timer"]
    assert {c.name for c in changes} == {"progress_report"}
    words = " | ".join(c.en for c in changes)
    assert "half month" in words and "1 month" in words and "12" in words


def test_a_change_of_a_states_tasks_is_listed() -> None:
    path = Path(__file__).resolve().parents[2] / "definitions" / "joint_meeting.yaml"
    text = path.read_text(encoding="utf-8")
    old = parse_definition(text, "joint_meeting.yaml")
    new = parse_definition(
        text.replace("version: 1", "version: 2").replace(
            "      after: 10 working days\n", "      after: 5 working days\n"
        ),
        "joint_meeting.yaml",
    )
    c = only(diff(old, new).changes)
    assert (c.kind, c.op, c.name) == ("state", "changed", "follow_up")
    assert "10 working days → 5 working days" in c.en and "5 个工作日" in c.zh
