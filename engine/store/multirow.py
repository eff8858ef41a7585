"""Many rows in one INSERT on the driver cursor: `INSERT INTO t (…) VALUES (…), (…), …`, up to
PER_STATEMENT rows a statement.

On PostgreSQL a statement is a round trip and a server-side execution; psycopg's
`executemany` pipelines its rows but the server still runs one execution a row, where one
statement holding them all runs once. On SQLite (in-process) `executemany` of its prepared
statement costs about what one statement of many rows does (1.6 against 1.4 ms for 500 rows
of 15 columns) without compiling a statement for each count of rows: rows go through it
there (docs/PERFORMANCE.md, "Hotline import").
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

PER_STATEMENT = 1000  # rows: 21 columns a row stay far under either driver's bound limit


def split(statement: str) -> tuple[str, str]:
    """An INSERT of one row as its head (`INSERT INTO t (…)`) and its row of placeholders."""
    head, sep, row = statement.partition(" VALUES ")
    if not sep or not row.startswith("(") or not row.endswith(")"):
        raise ValueError(f"not an INSERT of one row of values: {statement!r}")
    return head, row


@lru_cache(maxsize=64)
def statement(head: str, row: str, n: int) -> str:
    """The INSERT of `n` rows (the same texts for the same `n`: psycopg prepares them)."""
    return f"{head} VALUES {', '.join([row] * n)}"


def insert_rows(
    cursor: Any,
    sqlite: bool,
    single: str,
    rows: Sequence[Sequence[Any]],
    per: int = PER_STATEMENT,
) -> None:
    """Insert `rows`, each the parameters of the one-row INSERT `single`, in order: on
    PostgreSQL `per` rows a statement, on SQLite through `executemany`."""
    if not rows:
        return
    if sqlite:
        cursor.executemany(single, rows)
        return
    head, row = split(single)
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        cursor.execute(statement(head, row, len(chunk)), [v for r in chunk for v in r])


def reserve_ids(cursor: Any, sqlite: bool, table: str, n: int) -> list[int]:
    """`n` ids for rows of `table` (a serial `id`) the transaction then inserts with them, in
    one statement: the ids inserting the rows one at a time would have given. On PostgreSQL
    the id sequence's next values; on SQLite, which writes one transaction at a time, those
    after the highest id there is (as SQLite numbers a table without AUTOINCREMENT)."""
    if n <= 0:
        return []
    if sqlite:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        first = int(cursor.fetchone()[0]) + 1
        return list(range(first, first + n))
    cursor.execute(
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
        (n,),
    )
    return sorted(int(r[0]) for r in cursor.fetchall())
