"""A key replays the result it first produced, and only for the same case and action."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.errors import IdempotencyKeyReusedError
from engine.idempotency import replay
from engine.model import Case, Event

AT = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
CASE = Case(5, "mediation", 1, "assessment", {}, 2, AT, AT, AT, 2, 2)
EVENT = Event(5, 2, AT, "li", "mediator", "register", "intake", "assessment", idem_key="k")


class Keys:
    def event_by_key(self, key: str) -> Event | None:
        return EVENT if key == "k" else None

    def get_case(self, case_id: int) -> Case | None:
        return CASE if case_id == 5 else None


def test_a_known_key_replays_its_event_with_the_case_as_it_is() -> None:
    result = replay(Keys(), "k", 5, "register")  # type: ignore[arg-type]
    assert result is not None and result.replayed
    assert (result.case, result.event) == (CASE, EVENT)
    assert replay(Keys(), "new", 5, "register") is None  # type: ignore[arg-type]


@pytest.mark.parametrize(("case_id", "action"), [(6, "register"), (5, "transfer")])
def test_a_key_reused_for_something_else_is_refused(case_id: int, action: str) -> None:
    with pytest.raises(IdempotencyKeyReusedError):
        replay(Keys(), "k", case_id, action)  # type: ignore[arg-type]
