"""百姓议事厅 end to end (definitions/deliberation.yaml): the five steps, the tasks, the
public notice and the rating; an objection, an overdue task, a task the lead closes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.casework.cases import fire, open_case
from engine.casework.context import Casework
from engine.casework.tasks import add_task, case_tasks, close_task, complete_task
from engine.clock import ManualClock
from engine.errors import GuardFailedError
from engine.model import Case
from tests.engine.casework.conftest import person

TOPIC = {"topic": "老旧小区加装电梯", "raised_by": "residents", "description": "老人上下楼难"}


def _step(cw: Casework, case: Case, action: str, data: dict[str, object]) -> Case:
    return fire(cw, person("handler"), case.id, action, data, expected_version=case.version).case


def _decided(cw: Casework) -> Case:
    case = open_case(cw, person("handler"), "deliberation", TOPIC).case
    assert case.state == "asking" and case.org_unit == "cm1"
    case = _step(cw, case, "hear", {})
    case = _step(cw, case, "deliberate", {"opinions": "多数同意", "participants": 20})
    with pytest.raises(GuardFailedError):  # 集中议事 needs residents taking part
        _step(cw, case, "decide", {"decision": "加装", "participants": 0})
    case = _step(cw, case, "decide", {"decision": "加装电梯", "participants": 20})
    assert case.state == "doing"
    return case


def test_the_five_steps_end_to_end(cw: Casework, clock: ManualClock) -> None:
    case = _decided(cw)
    handler = person("handler")
    own = add_task(cw, handler, case.id, unit="cm1", title="签订加装协议", due="5 working days")
    street = add_task(cw, handler, case.id, unit="s1", title="协调规划审批")
    complete_task(cw, handler, case.id, own.id, "已签 18 户")
    # The street's task: done by the street (its supervisor sees it), the last one done.
    complete_task(cw, person("supervisor"), case.id, street.id, "审批通过")
    case = cw.service.get_case(case.id)
    assert case.state == "publicity" and case.data["publicity_note"] == "加装电梯"
    # 公示 7 days, then the residents rate it.
    clock.advance(timedelta(days=7, minutes=1))
    cw.service.fire_due_timers()
    case = cw.service.get_case(case.id)
    assert case.state == "evaluation"
    case = _step(cw, case, "rate", {"rating": 5, "evaluation": "满意"})
    assert case.state == "closed" and case.closed_at is not None
    actions = [e.action for e in cw.service.history(case.id)]
    assert actions[:4] == ["open", "hear", "deliberate", "decide"]
    assert actions[-3:] == ["all_done", "publicity_ended", "rate"]


def test_an_objection_sends_it_back_and_an_overdue_task_is_pressed(
    cw: Casework, clock: ManualClock
) -> None:
    case = _decided(cw)
    handler = person("handler")
    first = add_task(cw, handler, case.id, unit="cm1", title="调整投放点", due="2 days")
    clock.advance(timedelta(days=3))
    cw.service.fire_due_timers()
    case = cw.service.get_case(case.id)
    assert case.state == "doing" and case.data["escalation_count"] == 1
    assert cw.service.history(case.id)[-1].action == "task_overdue"
    # The lead closes the overdue task with a reason: the case goes to its public notice.
    closed = close_task(cw, handler, case.id, first.id, "改由物业实施")
    assert closed.reason == "改由物业实施"
    case = cw.service.get_case(case.id)
    assert case.state == "publicity"
    case = _step(cw, case, "object", {"objection": "一楼住户反对"})
    assert case.state == "deliberating"
    case = _step(cw, case, "decide", {"decision": "加装并补偿一楼", "participants": 30})
    # A new stay in 及时办事: the tasks of the first one are history, none is open now.
    view = case_tasks(cw, handler, case.id)
    assert [t.current(view.case) for t in view.tasks] == [False]
    again = add_task(cw, handler, case.id, unit="cm1", title="补偿协商")
    complete_task(cw, handler, case.id, again.id, "已协商")
    assert cw.service.get_case(case.id).state == "publicity"


def test_a_decision_to_do_nothing_is_published_and_rated(cw: Casework, clock: ManualClock) -> None:
    case = open_case(cw, person("handler"), "deliberation", TOPIC).case
    case = _step(cw, case, "hear", {})
    case = _step(cw, case, "deliberate", {"opinions": "意见不一"})
    case = _step(cw, case, "reject", {"rejection_reason": "不具备条件", "participants": 9})
    assert case.state == "publicity" and case.data["publicity_note"] == "不具备条件"
    clock.advance(timedelta(days=8))
    cw.service.fire_due_timers()
    case = cw.service.get_case(case.id)
    assert case.state == "evaluation"
    # The rating is late: its deadline tells the community, the case waits for it.
    clock.advance(timedelta(days=10))
    cw.service.fire_due_timers()
    assert cw.service.get_case(case.id).state == "evaluation"
    assert _step(cw, case, "rate", {"rating": 3}).state == "closed"
