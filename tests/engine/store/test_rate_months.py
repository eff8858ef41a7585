"""The months' sums (engine.store.rate_months) kept by every change of a case equal the sums
rebuilt from scratch, after any sequence of reports, firings, sweeps, urges, exclusions,
hand-overs and merges over several months; a month is one of China Standard Time. SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.casework.context import Casework
from engine.clock import ManualClock
from engine.store import rate_months
from engine.store.rate_facts import rebuild
from tests.engine.store.test_board_facts import OPS, BoardCases
from tests.engine.store.test_rate_facts import book


def rounded(sums: dict[Any, tuple[Any, ...]]) -> dict[Any, tuple[Any, ...]]:
    """Seconds to close to the millisecond: sums of floats added in another order differ in
    their last digits."""
    at = rate_months.SUMS.index("close_s")
    return {
        k: (*v[:at], round(v[at], 3), *v[at + 1 :])
        for k, v in sums.items()
        if any(round(x, 3) for x in v)
    }


def assert_months_rebuild_alike(cw: Casework) -> dict[Any, tuple[Any, ...]]:
    with cw.store.engine.connect() as conn:
        kept = rate_months.months(conn)
        rebuild(conn, book(cw), batch=7)
        rebuilt = rate_months.months(conn)
        conn.rollback()
    assert rounded(kept) == rounded(rebuilt)
    return kept


step = st.tuples(
    st.sampled_from((*OPS, "later")),
    st.integers(0, 50),
    st.sampled_from([1, 45, 60 * 25, 60 * 24 * 20, 60 * 24 * 31]),
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(step, min_size=1, max_size=25))
def test_kept_months_equal_months_rebuilt_from_scratch(
    cw: Casework,
    clock: ManualClock,
    ops: list[tuple[str, int, int]],
) -> None:
    cases = BoardCases(cw, clock)
    for op, pick, minutes in ops:
        cases.run(op, pick, minutes)
    assert_months_rebuild_alike(cw)


def test_a_month_is_one_of_china_standard_time() -> None:
    # 16:00 UTC on the last day of November is midnight of 1 December in Beijing.
    assert rate_months.month_of(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == 2026 * 12 + 10
    assert rate_months.month_of(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)) == 2026 * 12 + 11
    assert rate_months.month_start(2026 * 12 + 11) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def test_each_change_moves_its_case_between_months_rows(
    cw: Casework,
    clock: ManualClock,
) -> None:
    cases = BoardCases(cw, clock)
    plan = [("open", k, 0) for k in range(3)] + [
        ("step", 0, 0),
        ("later", 0, 60 * 24 * 31),  # into the next month
        ("open", 1, 0),
        ("urge", 1, 0),
        ("exclude", 2, 0),
        ("hand_over", 1, 0),
        ("step", 3, 0),
        ("merge", 0, 0),
        ("include", 2, 0),
    ]
    for op, pick, minutes in plan:
        cases.run(op, pick, minutes)
        kept = assert_months_rebuild_alike(cw)
    assert len({k[0] for k in kept}) == 2  # two months
    urged = rate_months.SUMS.index("urged")
    assert sum(v[urged] for v in kept.values()) == 1
