"""The overdue board ranked from the open cases' kept facts (engine.store.board) lists what
the live lookups of every case's timers and history list (the workroom queue by urgency,
engine.store.queries): the same cases, in the same order, with the same deadlines, after any
sequence of reports, firings, sweeps of due timers, urges, hand-overs and merges, and at
any moment after them, swept or not. The kept columns equal the columns rebuilt from
scratch. SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.casework.context import Casework
from engine.casework.urging import urge
from engine.clock import ManualClock
from engine.errors import FengqiaoError
from engine.reserved import ESCALATION_COUNT
from engine.store import board as board_store
from engine.store import queries
from engine.store.rate_facts import BOARD_COLUMNS, FACT_COLUMNS, facts
from engine.visibility import Visibility
from tests.engine.casework.conftest import person
from tests.engine.store.test_rate_facts import SUPERVISOR, Cases, assert_facts_rebuild_alike

WHO = ("supervisor", "org_admin", "grid_member")
OPS = ("open", "open", "step", "step", "later", "wait", "urge", "hand_over", "merge", "exclude")


class BoardCases(Cases):
    """`Cases`, with urges and time passing unswept."""

    def run(self, op: str, pick: int, minutes: int) -> None:
        if op == "wait":  # the moment moves on; nobody sweeps the due timers
            self.clock.advance(timedelta(minutes=minutes))
        elif op == "urge" and self.cases:
            case_id, _ = self.cases[pick % len(self.cases)]
            with contextlib.suppress(FengqiaoError):  # closed: nothing to urge
                urge(self.cw, SUPERVISOR, [case_id], "请尽快处理")
        else:
            super().run(op, pick, minutes)


def live_board(
    cw: Casework, vis: Visibility, now: datetime, workflow: str | None = None
) -> list[tuple[int, bool, datetime | None, datetime | None]]:
    """The board as the live lookups give it: the open cases most urgent first (the queue),
    those overdue or escalated, with the deadline each missed."""
    with cw.store.transaction(write=False) as tx:
        f = queries.CaseFilter(open_only=True, workflow=workflow)
        page = queries.list_cases(tx, vis, f, now, limit=100_000, sort="urgency")
        on = [i for i in page.items if i.overdue or int(i.case.data.get(ESCALATION_COUNT) or 0) > 0]
        missed = board_store.missed_deadlines(tx, [i.case.id for i in on], now)
    return [
        (
            i.case.id,
            i.overdue,
            missed[i.case.id].fire_at if i.overdue and i.case.id in missed else None,
            i.next_deadline,
        )
        for i in on
    ]


def kept_board(
    cw: Casework, vis: Visibility, now: datetime, workflow: str | None = None
) -> list[tuple[int, bool, datetime | None, datetime | None]]:
    with cw.store.transaction(write=False) as tx:
        ranked = board_store.ranked_all(tx, vis, now, workflow=workflow)
        page = board_store.board(tx, vis, now, workflow=workflow, limit=3)
    assert page.total == len(ranked)
    assert [r.case.id for r in page.rows] == [r.id for r in ranked[:3]]
    return [(r.id, r.overdue, r.missed_at if r.overdue else None, r.next_deadline) for r in ranked]


def assert_board_alike(cw: Casework, clock: ManualClock) -> None:
    for moment in (
        clock.now(),
        clock.now() + timedelta(minutes=30),
        clock.now() + timedelta(days=40),
    ):
        for who in WHO:
            vis = person(who).scope
            assert kept_board(cw, vis, moment) == live_board(cw, vis, moment), (who, moment)
        vis = SUPERVISOR.scope
        for workflow in ("grid_escalation", "mediation"):
            assert kept_board(cw, vis, moment, workflow) == live_board(cw, vis, moment, workflow)


step = st.tuples(
    st.sampled_from(OPS),
    st.integers(0, 50),
    st.sampled_from([1, 11, 20, 45, 60 * 25, 60 * 24 * 31]),
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(step, min_size=1, max_size=25))
def test_the_board_from_kept_facts_equals_the_board_from_the_histories(
    cw: Casework,
    clock: ManualClock,
    ops: list[tuple[str, int, int]],
) -> None:
    cases = BoardCases(cw, clock)  # each example adds to the cases of the ones before
    for op, pick, minutes in ops:
        cases.run(op, pick, minutes)
    assert_facts_rebuild_alike(cw)
    assert_board_alike(cw, clock)


def test_escalations_top_tier_misses_and_urges_keep_the_board_facts(
    cw: Casework,
    clock: ManualClock,
) -> None:
    """Grid cases left unsigned climb tier after tier until the top, where the deadline can
    only be missed (skipped); a labour case's deadline fires and keeps it in its state; each
    step checked against the live board and the rebuild."""
    cases = BoardCases(cw, clock)
    for _ in range(3):
        cases.open("grid")
    cases.open("mediation")
    cases.open("labor_dispute")
    plan = [("wait", 0, 11), ("later", 0, 1), ("urge", 0, 0)] + [("later", 0, 60 * 25)] * 5
    # The labour case's acceptance deadline fired and kept it waiting: overdue until accepted.
    plan += [("step", 1, 0), ("urge", 3, 0), ("later", 0, 60 * 24 * 2), ("step", 4, 0)]
    plan += [("wait", 0, 60 * 24 * 31)]
    for op, pick, minutes in plan:
        cases.run(op, pick, minutes)
        assert_facts_rebuild_alike(cw)
        assert_board_alike(cw, clock)
    with cw.store.engine.connect() as conn:
        kept = facts(conn)
    board = [FACT_COLUMNS.index(c) for c in BOARD_COLUMNS]
    grid = cases.cases[0][0]
    is_open, escalated, _, _, missed_due = (kept[grid][i] for i in board)
    assert (is_open, escalated) == (1, 1)  # climbed, still open
    assert missed_due is not None and missed_due <= clock.now()
    assert kept[grid][-1] == 1  # urged once
