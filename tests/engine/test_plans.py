"""Plans precomputed per (state, action) agree with the definition and its Machine."""

from __future__ import annotations

from engine.definition import Definition
from engine.machine import machine_for
from engine.plans import plan_for


def test_every_plan_moves_where_the_machine_moves(shipped: list[Definition]) -> None:
    for d in shipped:
        plans = plan_for(d)
        machine = machine_for(d)
        for t in d.transitions:
            for source in t.sources:
                plan = plans.plan(source, t.action)
                # The plan may come from an equal definition loaded earlier (same hash).
                assert plan is not None
                assert (plan.transition.action, plan.transition.sources, plan.transition.dest) == (
                    t.action,
                    t.sources,
                    t.dest,
                )
                assert (
                    plan.dest
                    == machine.fire(source, t.action)
                    == machine.next_state(source, t.action)
                )
                assert plan.final == d.states[plan.dest].final
                assert plan.reenter == (not t.internal)
                assert plan.leaves_timers == (plan.reenter and bool(d.states[source].timers))
                assert plan.arms == (d.states[plan.dest].timers if plan.reenter else ())
                assert [name for name, _, _ in plan.effects] == [name for name, _ in t.sets]
        for state in d.states:
            for t in d.transitions:
                # An action may leave several states by transitions of its own (one per state).
                if not any(state in u.sources for u in d.transitions if u.action == t.action):
                    assert plans.plan(state, t.action) is None


def test_a_definition_is_planned_once(shipped: list[Definition]) -> None:
    d = shipped[0]
    assert plan_for(d) is plan_for(d)


def test_defaults_are_fresh_for_each_case(shipped: list[Definition]) -> None:
    d = next(d for d in shipped if d.name == "mediation")
    first, second = plan_for(d).defaults(), plan_for(d).defaults()
    assert first == {n: f.default for n, f in d.fields.items() if f.default is not None}
    assert first is not second
    for name, value in first.items():
        if isinstance(value, list | dict):
            assert value is not second[name]
