"""The points ledger as stored (engine.points): entries appended, never changed; balances and
quarterly totals summed from it. Redemptions and counter-entries lock their account first
(`lock_account`), so two of them on one account are checked one after the other. An entry a
use case writes may carry its request's idempotency key (unique): `by_key` finds it again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from engine.points import PointEntry
from engine.ports import DuplicateKeyError
from engine.store.errors import is_unique_violation, violated_constraint
from engine.store.repository import SqlTransaction, ledger_row, points_ledger

L = points_ledger
IDEM_KEY_CONSTRAINT = "uq_points_ledger_idem_key"


@dataclass(frozen=True, slots=True)
class Balance:
    account_kind: str
    account: str
    balance: int
    entries: int


def append(tx: SqlTransaction, entry: PointEntry, idem_key: str | None = None) -> int:
    """Write one entry; its id. With `idem_key`, a key another entry holds already (a
    concurrent retry committed first) raises DuplicateKeyError and writes nothing."""
    stmt = insert(L).values(**ledger_row(entry), idem_key=idem_key).returning(L.c.id)
    if idem_key is None:
        row = tx.conn.execute(stmt).first()
    else:
        try:
            with tx.savepoint():
                row = tx.conn.execute(stmt).first()
        except IntegrityError as exc:
            if is_unique_violation(exc) and _repeats_key(tx, exc, idem_key):
                raise DuplicateKeyError(idem_key) from exc
            raise
    assert row is not None
    return int(row[0])


def by_key(tx: SqlTransaction, idem_key: str) -> PointEntry | None:
    """The entry written under the idempotency key, if one was."""
    row = tx.conn.execute(select(L).where(L.c.idem_key == idem_key)).first()
    return _entry(row._mapping) if row is not None else None


def _repeats_key(tx: SqlTransaction, exc: BaseException, idem_key: str) -> bool:
    """Whether a unique violation was the key's: PostgreSQL names the constraint; SQLite
    does not, so the key is looked up (the winner has committed)."""
    constraint = violated_constraint(exc)
    if constraint is not None:
        return constraint == IDEM_KEY_CONSTRAINT
    return by_key(tx, idem_key) is not None


def lock_account(tx: SqlTransaction, account_kind: str, account: str) -> None:
    """Hold the account until the transaction ends: on PostgreSQL a transaction-scoped
    advisory lock on the account's name (a second redemption waits, then reads the first's
    entry); SQLite runs one writer at a time already."""
    if not tx.sqlite:
        tx.conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
            {"k": f"points:{account_kind}:{account}"},
        )


def balance(tx: SqlTransaction, account_kind: str, account: str, categories: Sequence[str]) -> int:
    """The sum of the account's entries in `categories`."""
    total = tx.conn.execute(
        select(func.coalesce(func.sum(L.c.amount), 0)).where(
            L.c.account_kind == account_kind,
            L.c.account == account,
            L.c.category.in_(list(categories)),
        )
    ).scalar_one()
    return int(total)


def entry(tx: SqlTransaction, entry_id: int) -> PointEntry | None:
    row = tx.conn.execute(select(L).where(L.c.id == entry_id)).first()
    return _entry(row._mapping) if row is not None else None


def correction_of(tx: SqlTransaction, entry_id: int) -> int | None:
    """The id of the counter-entry that corrects `entry_id`, if one does."""
    found = tx.conn.execute(select(L.c.id).where(L.c.corrects == entry_id)).first()
    return int(found[0]) if found is not None else None


def entries(
    tx: SqlTransaction,
    *,
    categories: Sequence[str],
    account_kind: str | None = None,
    account: str | None = None,
    case_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[PointEntry]:
    """Entries, newest first, a keyset page (`before_id`: the last id of the page before)."""
    q = select(L).where(L.c.category.in_(list(categories)))
    if account_kind is not None:
        q = q.where(L.c.account_kind == account_kind)
    if account is not None:
        q = q.where(L.c.account == account)
    if case_id is not None:
        q = q.where(L.c.case_id == case_id)
    if since is not None:
        q = q.where(L.c.at >= since)
    if until is not None:
        q = q.where(L.c.at < until)
    if before_id is not None:
        q = q.where(L.c.id < before_id)
    rows = tx.conn.execute(q.order_by(L.c.id.desc()).limit(limit))
    return [_entry(r._mapping) for r in rows]


def balances(
    tx: SqlTransaction, categories: Sequence[str], account_kind: str | None = None
) -> list[Balance]:
    """Every account's sum over `categories`, the highest first."""
    total = func.sum(L.c.amount)
    q = (
        select(L.c.account_kind, L.c.account, total.label("total"), func.count().label("n"))
        .where(L.c.category.in_(list(categories)))
        .group_by(L.c.account_kind, L.c.account)
        .order_by(total.desc(), L.c.account)
    )
    if account_kind is not None:
        q = q.where(L.c.account_kind == account_kind)
    return [Balance(r.account_kind, r.account, int(r.total), int(r.n)) for r in tx.conn.execute(q)]


def totals_by_category(
    tx: SqlTransaction,
    account_kind: str,
    categories: Sequence[str],
    since: datetime,
    until: datetime,
) -> dict[str, dict[str, int]]:
    """account → category → the sum of its entries made in [since, until)."""
    q = (
        select(L.c.account, L.c.category, func.sum(L.c.amount).label("total"))
        .where(
            L.c.account_kind == account_kind,
            L.c.category.in_(list(categories)),
            L.c.at >= since,
            L.c.at < until,
        )
        .group_by(L.c.account, L.c.category)
    )
    out: dict[str, dict[str, int]] = {}
    for r in tx.conn.execute(q):
        out.setdefault(r.account, {})[r.category] = int(r.total)
    return out


def _entry(m: Any) -> PointEntry:
    return PointEntry(
        id=int(m["id"]),
        account_kind=m["account_kind"],
        account=m["account"],
        amount=int(m["amount"]),
        category=m["category"],
        at=m["at"],
        actor=m["actor"],
        reason_zh=m["reason_zh"],
        reason_en=m["reason_en"],
        case_id=m["case_id"],
        seq=m["seq"],
        action=m["action"],
        corrects=m["corrects"],
        partner=m["partner"],
        note=m["note"],
    )
