"""The rate facts summed per month of opening, kept with the facts (`rate_months`).

A month is one of China Standard Time (UTC+8, the workrooms' time; no daylight saving): the
trend of a workroom on that time reads these sums (engine.store.rates), a few thousand rows
for a year instead of every case. Each row sums the facts of the cases sharing its month and
what the rates filter, group and apply visibility by (workflow, owner, grid, area, the
hand-off units, tier, shared). The transaction that rewrites cases' facts
(engine.store.rate_facts.refresh, add_urges) reads their rows before and after, and adds the
difference to their months, the months' rows in one order (two transactions never wait for
each other's rows crosswise). `rebuild` sums every case's facts from scratch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import Connection, case, select

from engine.store.tables import RateFactRow, RateMonthRow

rate_facts = RateFactRow.__table__  # type: ignore[attr-defined]
rate_months = RateMonthRow.__table__  # type: ignore[attr-defined]

CST = timezone(timedelta(hours=8))
UNIT_KEYS: tuple[str, ...] = (
    "workflow",
    "org_unit",
    "grid_unit",
    "area_unit",
    "organisation",
    "handling_unit",
    "lead_unit",
)
KEYS: tuple[str, ...] = ("month", *UNIT_KEYS, "tier", "shared")
SUMS: tuple[str, ...] = (
    "counted",
    "excluded",
    "awaiting",
    "in_time",
    "resolved",
    "rated",
    "satisfied",
    "closed",
    "on_time",
    "mediated",
    "agreement",
    "close_s",
    "urged",
)
_CHUNK = 500

Key = tuple[Any, ...]
Sums = dict[Key, list[float]]


class MonthsTransaction(Protocol):
    conn: Connection
    cursor: Any  # the driver's, in the same transaction
    sqlite: bool


@lru_cache(maxsize=4096)
def month_of(moment: datetime) -> int:
    """The month (year * 12 + month - 1) holding `moment` in China Standard Time (a pure
    function, asked of every case's opening twice per change: computed once per moment)."""
    local = moment.astimezone(CST)
    return local.year * 12 + local.month - 1


def month_start(month: int) -> datetime:
    """The moment a month begins (China Standard Time), in UTC."""
    return datetime(month // 12, month % 12 + 1, 1, tzinfo=CST).astimezone(UTC)


def _rows_query() -> Any:
    f = rate_facts.c
    urged = case((f.urges > 0, f.counted), else_=0)
    cols = [f[c] for c in SUMS if c != "urged"]
    return select(f.opened_at, *(f[c] for c in UNIT_KEYS), f.tier, f.shared, *cols, urged)


_TIER = 1 + len(UNIT_KEYS)  # where the tier, then `shared`, then the sums are in a row


def _add(sums: Sums, rows: Iterable[Any], sign: int) -> None:
    for r in rows:
        key = (month_of(r[0]), *[v or "" for v in r[1:_TIER]], r[_TIER], r[_TIER + 1])
        found = sums.get(key)
        if found is None:
            found = [0.0] * len(SUMS)
        sums[key] = [s + sign * v for s, v in zip(found, r[_TIER + 2 :], strict=True)]


_COLUMNS = ", ".join(("opened_at", *UNIT_KEYS, "tier", "shared", *SUMS[:-1]))
_URGED = "CASE WHEN urges > 0 THEN counted ELSE 0 END"  # the last of SUMS
_UPSERT = (
    f"INSERT INTO rate_months ({', '.join((*KEYS, *SUMS))}) VALUES ({{marks}})"
    f" ON CONFLICT ({', '.join(KEYS)}) DO UPDATE SET "
    + ", ".join(f"{c} = rate_months.{c} + excluded.{c}" for c in SUMS)
)


def _moment(value: Any) -> datetime:
    """A stored moment as the driver gives it (SQLite: naive UTC text) as an aware one."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _snapshot(tx: MonthsTransaction, case_ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """These cases' rows of facts as the months sum them (case id → row), read on the
    driver's cursor: this runs twice in every transaction that changes a case."""
    mark = "?" if tx.sqlite else "%s"
    rows: dict[int, tuple[Any, ...]] = {}
    for i in range(0, len(case_ids), _CHUNK):
        chunk = tuple(case_ids[i : i + _CHUNK])
        tx.cursor.execute(
            f"SELECT case_id, {_COLUMNS}, {_URGED} FROM rate_facts"
            f" WHERE case_id IN ({', '.join([mark] * len(chunk))})",
            chunk,
        )
        rows.update((r[0], tuple(r[1:])) for r in tx.cursor.fetchall())
    return rows


def _row(key: Key, values: list[float]) -> dict[str, Any]:
    row: dict[str, Any] = dict(zip(KEYS, key, strict=True))
    for name, v in zip(SUMS, values, strict=True):
        row[name] = v if name == "close_s" else round(v)
    return row


@contextmanager
def kept(tx: MonthsTransaction, case_ids: Sequence[int]) -> Iterator[None]:
    """Keep the months of these cases through a change of their facts made inside: the
    cases whose rows changed move their old row out of its month and the new one in; a case
    whose row is as it was (most firings: the board's columns moved, not what the months
    sum) costs nothing more, and no month is written when no case's row changed."""
    ids = sorted(set(case_ids))
    before = _snapshot(tx, ids)
    yield
    after = _snapshot(tx, ids)
    changed = [c for c in ids if before.get(c) != after.get(c)]
    if not changed:
        return
    delta: Sums = {}
    _add(delta, (_as_read(before[c]) for c in changed if c in before), -1)
    _add(delta, (_as_read(after[c]) for c in changed if c in after), 1)
    rows = [
        (*k, *(x if name == "close_s" else round(x) for name, x in zip(SUMS, v, strict=True)))
        for k, v in sorted(delta.items())
        if any(v)
    ]
    if rows:
        marks = ", ".join(["?" if tx.sqlite else "%s"] * (len(KEYS) + len(SUMS)))
        tx.cursor.executemany(_UPSERT.format(marks=marks), rows)


def _as_read(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (_moment(row[0]), *row[1:])


def rebuild(conn: Connection, batch: int = 50_000) -> None:
    """Sum every case's facts into its month from scratch (in the caller's transaction)."""
    conn.execute(rate_months.delete())
    sums: Sums = {}
    result = conn.execute(_rows_query().execution_options(yield_per=batch))
    for part in result.partitions():
        _add(sums, part, 1)
    rows = [_row(k, v) for k, v in sorted(sums.items())]
    for i in range(0, len(rows), batch):
        conn.execute(rate_months.insert(), rows[i : i + batch])


def months(conn: Connection) -> dict[Key, tuple[Any, ...]]:
    """Every month row (key → sums, 0 rows left out), for comparing."""
    rows = conn.execute(select(rate_months).order_by(*(rate_months.c[k] for k in KEYS)))
    out = {}
    for r in rows:
        values = tuple(r._mapping[c] for c in SUMS)
        if any(values):
            out[tuple(r._mapping[k] for k in KEYS)] = values
    return out
