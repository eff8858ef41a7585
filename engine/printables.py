"""Which printable documents a case has: the mediation agreement (调解协议书) once terms were
agreed, and the follow-up record (回访记录) once the case entered a follow-up, that is a state
whose timer is set by the planned visit date, or the visit was recorded. Read from the case's
data and history against its definition, never from state names."""

from __future__ import annotations

from collections.abc import Sequence

from engine.definition import Definition
from engine.model import Case, Event
from engine.reserved import AGREEMENT_TERMS, PERFORMANCE, VISIT_DATE

AGREEMENT = "agreement"
VISIT = "visit"
DOCUMENTS: tuple[str, ...] = (AGREEMENT, VISIT)


def has_agreement(case: Case) -> bool:
    terms = case.data.get(AGREEMENT_TERMS)
    return isinstance(terms, str) and bool(terms.strip())


def follow_up_states(definition: Definition) -> frozenset[str]:
    """The states that wait for a visit: a timer of theirs runs to the planned visit date."""
    return frozenset(
        name
        for name, state in definition.states.items()
        if any(t.at_field == VISIT_DATE for t in state.timers)
    )


def reached_follow_up(definition: Definition, case: Case, history: Sequence[Event]) -> bool:
    waiting = follow_up_states(definition)
    return case.data.get(PERFORMANCE) is not None or any(e.to_state in waiting for e in history)


def available(definition: Definition, case: Case, history: Sequence[Event]) -> tuple[str, ...]:
    """The documents the case can be printed as now, in DOCUMENTS order."""
    if not has_agreement(case):
        return ()
    if reached_follow_up(definition, case, history):
        return (AGREEMENT, VISIT)
    return (AGREEMENT,)


def step_values(event: Event) -> dict[str, object]:
    """What a step recorded: the values given and those its effects set."""
    return {**event.data, **event.changes}


def agreement_step(history: Sequence[Event]) -> Event | None:
    """The step that recorded the terms in force: the last one that gave terms."""
    return next((e for e in reversed(history) if AGREEMENT_TERMS in step_values(e)), None)


def visit_step(history: Sequence[Event]) -> Event | None:
    """The step that recorded the last visit: how the agreement was performed."""
    return next((e for e in reversed(history) if PERFORMANCE in step_values(e)), None)
