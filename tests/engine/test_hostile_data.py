"""Case data a hostile user can send: numbers the stores cannot keep, fields a step does not
take. Each is refused before anything is written, the same way for every caller (the API,
the pages, the CLI and the sweeper all fire through the service)."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from engine.clock import ManualClock
from engine.definition import INT_MAX, INT_MIN, Definition, FieldDef, Label
from engine.definition_reader import NOT_FINITE, OUT_OF_RANGE, check_value
from engine.errors import DefinitionError, EffectError, EffectOutOfRangeError, InvalidDataError
from engine.loader import parse_definition
from engine.model import Actor
from engine.plans import plan_for
from engine.registry import Registry
from engine.reserved import ENGINE_OWNED, LISTING_FIELDS
from engine.service import WorkflowService
from engine.store.repository import SqlStore
from engine.validation import MAX_PROBLEMS, DataCheck, FieldCheck
from engine.workcalendar import WorkCalendar

L = Label("字段", "field")
GRID = Actor("g", "grid_member")
HANDLER = Actor("h", "handler")
MEDIATOR = Actor("li", "mediator")
HUGE = 10**4299  # 4,300 digits: what Python's JSON parser still reads

COUNTER = """\
name: counter
version: 1
title: {zh: 计数, en: Counter}
initial: open
opening:
  accepts: [n, x]
fields:
  n: {type: int, default: 0, label: {zh: 次数, en: Count}}
  x: {type: number, label: {zh: 数值, en: Value}}
states:
  open:
    label: {zh: 办理中, en: Open}
    roles: [mediator]
    timers:
      - {name: tick, after: 1 hour, action: bump}
  closed: {label: {zh: 已结案, en: Closed}, final: true}
transitions:
  - action: bump
    label: {zh: 加一, en: Bump}
    from: open
    to: open
    roles: [mediator, system]
    set: {n: "n + 1"}
  - action: scale
    label: {zh: 放大, en: Scale}
    from: open
    to: open
    set: {x: "x * 10"}
  - action: close
    label: {zh: 结案, en: Close}
    from: open
    to: closed
"""


@pytest.fixture
def counters(store: SqlStore, clock: ManualClock) -> WorkflowService:
    return WorkflowService(store, Registry([parse_definition(COUNTER)]), clock, WorkCalendar())


# -- 1. every int fits 64 bits, every number is finite ------------------------------------------


@pytest.mark.parametrize(
    ("ftype", "value", "error"),
    [
        pytest.param("int", INT_MAX, "", id="int-max"),
        pytest.param("int", INT_MIN, "", id="int-min"),
        pytest.param("int", INT_MAX + 1, OUT_OF_RANGE, id="int-over"),
        pytest.param("int", INT_MIN - 1, OUT_OF_RANGE, id="int-under"),
        pytest.param("int", HUGE, OUT_OF_RANGE, id="int-4300-digits"),
        pytest.param("number", 1e308, "", id="number-large"),
        pytest.param("number", math.inf, NOT_FINITE, id="number-inf"),
        pytest.param("number", -math.inf, NOT_FINITE, id="number-minus-inf"),
        pytest.param("number", math.nan, NOT_FINITE, id="number-nan"),
        pytest.param("number", 10**300, "", id="number-large-int"),
        pytest.param("number", HUGE, NOT_FINITE, id="number-huge-int"),
        pytest.param("list", ["a", [1, {"k": math.nan}]], NOT_FINITE, id="list-nested-nan"),
        pytest.param("list", [HUGE], NOT_FINITE, id="list-huge-int"),
    ],
)
def test_numbers_fit_the_store_without_min_or_max(ftype: str, value: object, error: str) -> None:
    check = FieldCheck(FieldDef("f", ftype, L))
    assert check.error(value) == error
    assert check_value(ftype, (), value) == error


def test_a_huge_number_is_worded_without_converting_it_to_text() -> None:
    for ftype in ("string", "enum", "bool"):
        message = check_value(ftype, ("a",), HUGE * 10)  # 4,301 digits: str() would refuse
        assert "whole number of about 4301 digits" in message


def test_a_counter_beyond_64_bits_is_refused_on_opening(service: WorkflowService) -> None:
    with pytest.raises(InvalidDataError) as err:
        service.open_case("labor_dispute", MEDIATOR, {"workers_count": HUGE})
    assert err.value.errors == {"workers_count": OUT_OF_RANGE}


def test_an_effect_beyond_64_bits_refuses_the_firing_and_writes_nothing(
    counters: WorkflowService,
) -> None:
    case = counters.open_case("counter", MEDIATOR, {"n": INT_MAX}).case
    with pytest.raises(EffectOutOfRangeError, match="cannot set 'n'"):
        counters.fire(case.id, "bump", MEDIATOR)
    assert counters.get_case(case.id).version == 1
    assert len(counters.history(case.id)) == 1


def test_an_effect_that_is_not_finite_refuses_the_firing(counters: WorkflowService) -> None:
    case = counters.open_case("counter", MEDIATOR, {"x": 1e308}).case
    with pytest.raises(EffectOutOfRangeError) as err:
        counters.fire(case.id, "scale", MEDIATOR)
    assert isinstance(err.value, EffectError)  # answered 422 like any failed effect
    assert NOT_FINITE in str(err.value)
    assert float(counters.get_case(case.id).data["x"]) == 1e308  # PostgreSQL: an int


def test_a_timer_whose_effect_overflows_is_skipped_and_the_others_fire(
    counters: WorkflowService, clock: ManualClock
) -> None:
    stuck = counters.open_case("counter", MEDIATOR, {"n": INT_MAX}).case
    fine = [counters.open_case("counter", MEDIATOR, {"n": i}).case for i in range(3)]
    clock.advance(timedelta(hours=2))
    report = counters.fire_due_timers()
    assert (report.fired, report.skipped) == (3, 1)
    assert counters.get_case(stuck.id).data["n"] == INT_MAX
    assert [counters.get_case(c.id).data["n"] for c in fine] == [1, 2, 3]


# -- 3. each step takes only the fields it declares ----------------------------------------------


def test_opening_refuses_fields_it_does_not_accept(service: WorkflowService) -> None:
    with pytest.raises(InvalidDataError) as err:
        service.open_case(
            "grid_escalation",
            GRID,
            {"category": "sanitation", "co_handlers": ["women", "youth"], "tier": 3},
        )
    assert set(err.value.errors) == {"co_handlers", "tier"}
    assert err.value.errors["tier"].startswith("not accepted by opening a case (it takes: ")


def test_an_action_refuses_fields_it_does_not_accept(service: WorkflowService) -> None:
    report = {
        "grid_unit": "g-1",
        "location": "3号楼",
        "category": "sanitation",
        "severity": "yellow",
        "description": "垃圾满溢",
    }
    case = service.open_case("grid_escalation", GRID, report).case
    case = service.fire(case.id, "report", GRID).case
    with pytest.raises(InvalidDataError) as err:
        service.fire(case.id, "sign_for", HANDLER, {"handling_unit": "cm-1", "tier": 0})
    assert list(err.value.errors) == ["tier"]
    assert "not accepted by action 'sign_for'" in err.value.errors["tier"]
    assert service.get_case(case.id).data["tier"] == 1
    # What it requires it accepts; an undeclared name is still "unknown", with a hint.
    with pytest.raises(InvalidDataError) as err:
        service.fire(case.id, "sign_for", HANDLER, {"handling_unit": "cm-1", "handling_unti": 1})
    assert err.value.errors == {"handling_unti": "unknown field (did you mean 'handling_unit'?)"}
    assert service.fire(case.id, "sign_for", HANDLER, {"handling_unit": "cm-1"}).case.state == (
        "handling"
    )


def test_outcomes_and_counters_are_not_written_from_input(service: WorkflowService) -> None:
    intake = {
        "category": "family",
        "source": "walk_in",
        "description": "婆媳纠纷",
        "notice_given": True,
    }
    case = service.open_case("mediation", MEDIATOR, intake).case
    with pytest.raises(InvalidDataError) as err:
        service.fire(case.id, "register", MEDIATOR, {"outcome": "agreement", "satisfaction": 5})
    assert set(err.value.errors) == {"outcome", "satisfaction"}


@pytest.mark.parametrize("name", ["tier", "escalation_count", "co_handlers", "organisation"])
def test_the_shipped_workflows_take_no_engine_owned_field_but_by_requires(
    shipped: list[Definition], name: str
) -> None:
    for d in shipped:
        assert name not in d.opening_accepts
        for t in d.transitions:
            assert name not in t.accepts or name in t.requires, (d.name, t.action)


def test_fields_set_by_effects_are_taken_only_where_declared(shipped: list[Definition]) -> None:
    for d in shipped:
        written = {name for t in d.transitions for name, _ in t.sets}
        for t in d.transitions:
            for name in set(t.accepts) & written:
                assert name in t.requires or name in {"refused"}, (d.name, t.action, name)


def test_a_transition_accepts_its_requires_then_its_accepts() -> None:
    d = parse_definition(COUNTER.replace('    set: {x: "x * 10"}', "    accepts: [x]"))
    t = d.transition("open", "scale")
    assert t is not None and t.accepts == ("x",)
    assert d.opening_accepts == ("n", "x")


@pytest.mark.parametrize("owned", ENGINE_OWNED)
def test_the_loader_refuses_accepting_an_engine_owned_field(owned: str) -> None:
    text = COUNTER.replace("  x: {type: number", f"  {owned}: {{type: list}}\n  x: {{type: number")
    text = text.replace("{type: list}", "{type: list, label: {zh: 单位, en: Units}}")
    text = text.replace("accepts: [n, x]", f"accepts: [n, {owned}]")
    if owned == "tier" or owned == "escalation_count":
        text = text.replace("type: list,", "type: int,")
    elif owned in LISTING_FIELDS:
        text = text.replace("type: list,", "type: bool,")
    elif owned != "co_handlers":
        text = text.replace("type: list,", "type: string,")
    with pytest.raises(DefinitionError) as err:
        parse_definition(text)
    assert [p.message for p in err.value.problems] == [
        f"{owned!r} is written by the engine, never taken from input"
    ]


def test_a_payload_of_many_unknown_keys_is_refused_at_once() -> None:
    check = DataCheck({"a": FieldDef("a", "int", L)})
    payload = {f"k{i}": i for i in range(50_000)}
    with pytest.raises(InvalidDataError) as err:
        check(payload)
    assert len(err.value.errors) == MAX_PROBLEMS


def test_plans_check_what_each_step_takes(shipped: list[Definition]) -> None:
    for d in shipped:
        plans = plan_for(d)
        assert set(plans.check_opening.checks) == set(d.opening_accepts)
        for t in d.transitions:
            for source in t.sources:
                plan = plans.plan(source, t.action)
                assert plan is not None and set(plan.check.checks) == set(t.accepts)
