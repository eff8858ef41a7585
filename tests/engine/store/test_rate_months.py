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


class Facts:
    """A transaction whose `rate_facts` rows are `rows` (case id → the columns the months
    read), recording what is written to the months."""

    sqlite = True
    conn: Any = None

    def __init__(self, rows: dict[int, tuple[Any, ...]]) -> None:
        self.rows = rows
        self.cursor = self
        self.written: list[list[tuple[Any, ...]]] = []
        self._found: list[tuple[Any, ...]] = []

    def execute(self, sql: str, ids: tuple[int, ...]) -> None:
        self._found = [(c, *self.rows[c]) for c in ids if c in self.rows]

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._found

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self.written.append(rows)


def fact_row(close_s: float, on_time: int = 1) -> tuple[Any, ...]:
    units = ("mediation", "union", None, "union", None, None, None)
    sums = {"counted": 1, "closed": 1, "on_time": on_time, "close_s": close_s}
    return ("2026-11-23 01:00:00", *units, 0, 0, *(sums.get(s, 0) for s in rate_months.SUMS))


def test_months_are_not_written_when_no_case_s_summed_facts_changed() -> None:
    # Two cases of one month row, their seconds to close summed back and forth: -0.1 - 0.2
    # + 0.1 + 0.2 is not 0 in floating point, yet nothing changed.
    tx = Facts({1: fact_row(0.1), 2: fact_row(0.2)})
    with rate_months.kept(tx, [1, 2]):
        pass
    assert tx.written == []


def test_months_take_only_the_changed_cases_difference() -> None:
    tx = Facts({1: fact_row(0.1), 2: fact_row(0.2), 3: fact_row(0.3)})
    with rate_months.kept(tx, [1, 2, 3, 4]):
        tx.rows[2] = fact_row(0.2, on_time=0)  # missed a deadline
        tx.rows[4] = fact_row(4.0)  # a new case
    ((row,),) = tx.written
    sums = dict(zip(rate_months.SUMS, row[len(rate_months.KEYS) :], strict=True))
    assert row[0] == rate_months.month_of(datetime(2026, 11, 23, 1, tzinfo=UTC))
    assert sums == {
        **dict.fromkeys(rate_months.SUMS, 0),
        "counted": 1,
        "closed": 1,
        "on_time": 0,
        "close_s": 4.0,
    }
