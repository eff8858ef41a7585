"""Points (积分): the ledger and balances, redemptions with community partners, counter-entries
and the quarterly ranking of the mass organisations.

Points are awarded and deducted by workflows (a transition's `points:`, engine.points; the
shipped `public_points` and `quarterly_scoring`), in the firing's transaction. The use cases
here add the two entries no workflow makes: a redemption (兑换) with a community partner
(社区伙伴, seed 003), which never takes a balance below zero, and a counter-entry that undoes a
mistaken entry with its reason. Each locks the account, checks, appends and writes its audit
entry in one transaction; nothing here, nor anywhere, updates or deletes an entry. Who may read
the ledger sees all of it: the points are public in the community (公示).

Both take an Idempotency-Key (scoped to the user, as for firing): the key is kept, unique, on
the entry written. The same key again answers that entry and writes nothing, not even an audit
entry; with another request it is refused (IdempotencyKeyReusedError). Two first tries at once
both pass the lookup; the unique index refuses the loser's entry (DuplicateKeyError), its
transaction rolls back, and it answers the winner's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from engine.casework.access import scoped_key
from engine.casework.context import Casework
from engine.casework.errors import (
    AlreadyCorrectedError,
    InsufficientPointsError,
    InvalidPointsError,
    UnknownPointsEntryError,
)
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.errors import IdempotencyKeyReusedError
from engine.points import (
    ACCOUNT_KINDS,
    ASSESSMENT,
    ASSESSMENT_ITEMS,
    BENEFIT,
    CATEGORIES,
    MAX_AMOUNT,
    REDEMPTION,
    UNIT,
    PointEntry,
    Quarter,
)
from engine.ports import DuplicateKeyError
from engine.store import audit
from engine.store import points as ledger_store
from engine.store.points import Balance
from engine.store.repository import SqlTransaction
from engine.store.units import all_units

TEXT_MAX = 500
NAME_MAX = 128
PAGE_MAX = 500
BENEFIT_CATEGORIES = tuple(c for c, b in CATEGORIES.items() if b == BENEFIT)
ASSESSMENT_CATEGORIES = ASSESSMENT_ITEMS


@dataclass(frozen=True, slots=True)
class LedgerPage:
    entries: tuple[PointEntry, ...]
    balance: int | None  # the account's balance in the book, when one account was asked
    next_before: int | None  # the `before_id` of the next page, None on the last


@dataclass(frozen=True, slots=True)
class RankedUnit:
    code: str
    name_zh: str
    name_en: str
    items: dict[str, int]  # category → the quarter's sum (additions and deductions)
    total: int
    rank: int


@dataclass(frozen=True, slots=True)
class Ranking:
    quarter: Quarter
    items: tuple[str, ...]
    units: tuple[RankedUnit, ...]


def _categories(book: str) -> tuple[str, ...]:
    if book == BENEFIT:
        return BENEFIT_CATEGORIES
    if book == ASSESSMENT:
        return ASSESSMENT_CATEGORIES
    raise InvalidPointsError("book", f"one of {BENEFIT}, {ASSESSMENT}")


def _kind(kind: str) -> str:
    if kind not in ACCOUNT_KINDS:
        raise InvalidPointsError("account_kind", f"one of {', '.join(ACCOUNT_KINDS)}")
    return kind


def _text(field: str, value: str, limit: int, required: bool = True) -> str:
    v = value.strip()
    if required and not v:
        raise InvalidPointsError(field, "required")
    if len(v) > limit:
        raise InvalidPointsError(field, f"at most {limit} characters")
    return v


def ledger(
    cw: Casework,
    user: User,
    *,
    book: str = BENEFIT,
    account_kind: str | None = None,
    account: str | None = None,
    case_id: int | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> LedgerPage:
    """A page of the book's entries, newest first, for one account, one case or all; with
    the account's balance when one is named."""
    require(user, Permission.READ_POINTS)
    categories = _categories(book)
    if account_kind is not None:
        _kind(account_kind)
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidPointsError("limit", f"1 to {PAGE_MAX}")
    with cw.store.transaction(write=False) as tx:
        rows = ledger_store.entries(
            tx,
            categories=categories,
            account_kind=account_kind,
            account=account,
            case_id=case_id,
            before_id=before_id,
            limit=limit + 1,
        )
        total = None
        if account is not None and account_kind is not None:
            total = ledger_store.balance(tx, account_kind, account, categories)
    more = len(rows) > limit
    rows = rows[:limit]
    return LedgerPage(tuple(rows), total, rows[-1].id if more else None)


def balances(cw: Casework, user: User, *, account_kind: str | None = None) -> list[Balance]:
    """Every account's public-benefit balance (公益积分), the highest first."""
    require(user, Permission.READ_POINTS)
    if account_kind is not None:
        _kind(account_kind)
    with cw.store.transaction(write=False) as tx:
        return ledger_store.balances(tx, BENEFIT_CATEGORIES, account_kind)


def redeem(
    cw: Casework,
    user: User,
    *,
    account_kind: str,
    account: str,
    amount: int,
    partner: str,
    note: str = "",
    idempotency_key: str | None = None,
) -> PointEntry:
    """Redeem `amount` public-benefit points of a resident's or organisation's account with
    a community partner (社区伙伴) for what `note` names: checked against the balance inside
    the transaction, with the account locked (a concurrent redemption waits and is checked
    against what is left); InsufficientPointsError, and nothing written, if it would
    overdraw. Audit `points_redeemed`. A retry with the same `idempotency_key` answers the
    first redemption and redeems nothing again."""
    require(user, Permission.REDEEM_POINTS)
    kind = _kind(account_kind)
    name = _text("account", account, NAME_MAX)
    partner = _text("partner", partner, NAME_MAX)
    note = _text("note", note, TEXT_MAX, required=False)
    if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= MAX_AMOUNT:
        raise InvalidPointsError("amount", f"a whole number from 1 to {MAX_AMOUNT}")
    key = scoped_key(user, idempotency_key)

    def same(e: PointEntry) -> bool:
        return (e.category, e.account_kind, e.account, e.amount, e.partner, e.note) == (
            REDEMPTION,
            kind,
            name,
            -amount,
            partner,
            note,
        )

    return _once(
        cw, key, same, lambda: _redeem(cw, user, kind, name, amount, partner, note, key, same)
    )


def _once(
    cw: Casework,
    key: str | None,
    same: Callable[[PointEntry], bool],
    write: Callable[[], PointEntry],
) -> PointEntry:
    """`write` the entry; a retry that lost the race to its first try (the key's unique
    index) answers the entry that try wrote."""
    try:
        return write()
    except DuplicateKeyError:
        assert key is not None
        return _replay_after_race(cw, key, same)


def _redeem(
    cw: Casework,
    user: User,
    kind: str,
    name: str,
    amount: int,
    partner: str,
    note: str,
    key: str | None,
    same: Callable[[PointEntry], bool],
) -> PointEntry:
    now = cw.clock.now()
    with cw.store.transaction() as tx:
        if (first := _replay(tx, key, same)) is not None:
            return first
        ledger_store.lock_account(tx, kind, name)
        have = ledger_store.balance(tx, kind, name, BENEFIT_CATEGORIES)
        if have < amount:
            raise InsufficientPointsError(name, have, amount)
        entry = PointEntry(
            account_kind=kind,
            account=name,
            amount=-amount,
            category=REDEMPTION,
            at=now,
            actor=user.actor.name,
            reason_zh=f"在{partner}兑换",
            reason_en=f"Redeemed with {partner}",
            partner=partner,
            note=note,
        )
        entry_id = ledger_store.append(tx, entry, key)
        audit.record(
            tx,
            at=now,
            username=user.actor.name,
            action="points_redeemed",
            reason=f"entry #{entry_id}: {amount} points of {kind} {name!r} with {partner!r}",
        )
    return _with_id(entry, entry_id)


def correct(
    cw: Casework,
    user: User,
    entry_id: int,
    reason: str,
    idempotency_key: str | None = None,
) -> PointEntry:
    """Undo a ledger entry with a counter-entry of the opposite amount in the same account
    and category, naming it and giving the reason; the entry itself stays. An entry is
    corrected once, a counter-entry never (AlreadyCorrectedError); a counter-entry that would
    take a public-benefit balance below zero is refused (InsufficientPointsError). Audit
    `points_corrected`. A retry with the same `idempotency_key` answers the first
    counter-entry."""
    require(user, Permission.CORRECT_POINTS)
    why = _text("reason", reason, TEXT_MAX)
    key = scoped_key(user, idempotency_key)

    def same(e: PointEntry) -> bool:
        return (e.corrects, e.note) == (entry_id, why)

    return _once(cw, key, same, lambda: _correct(cw, user, entry_id, why, key, same))


def _correct(
    cw: Casework,
    user: User,
    entry_id: int,
    why: str,
    key: str | None,
    same: Callable[[PointEntry], bool],
) -> PointEntry:
    now = cw.clock.now()
    with cw.store.transaction() as tx:
        if (first := _replay(tx, key, same)) is not None:
            return first
        original = ledger_store.entry(tx, entry_id)
        if original is None:
            raise UnknownPointsEntryError(entry_id)
        if original.corrects is not None:
            raise AlreadyCorrectedError(entry_id, None)
        ledger_store.lock_account(tx, original.account_kind, original.account)
        if (by := ledger_store.correction_of(tx, entry_id)) is not None:
            raise AlreadyCorrectedError(entry_id, by)
        if original.book == BENEFIT and original.amount > 0:
            have = ledger_store.balance(
                tx, original.account_kind, original.account, BENEFIT_CATEGORIES
            )
            if have < original.amount:
                raise InsufficientPointsError(original.account, have, original.amount)
        entry = PointEntry(
            account_kind=original.account_kind,
            account=original.account,
            amount=-original.amount,
            category=original.category,
            at=now,
            actor=user.actor.name,
            reason_zh=f"冲正第{entry_id}号记录",
            reason_en=f"Counter-entry for #{entry_id}",
            case_id=original.case_id,
            corrects=entry_id,
            note=why,
        )
        new_id = ledger_store.append(tx, entry, key)
        audit.record(
            tx,
            at=now,
            username=user.actor.name,
            action="points_corrected",
            case_id=original.case_id,
            reason=f"entry #{new_id} corrects #{entry_id}: {why}",
        )
    return _with_id(entry, new_id)


def ranking(cw: Casework, user: User, quarter: str | Quarter | None = None) -> Ranking:
    """The mass organisations' quarterly assessment (积分评定, seed 002): every organisation
    unit in service, with the sums of the quarter's additions and deductions per item and in
    all, the highest total first (equal totals share a rank). The quarter defaults to the
    current one."""
    require(user, Permission.READ_POINTS)
    if quarter is None:
        q = Quarter.of(cw.clock.now(), cw.timezone)
    elif isinstance(quarter, Quarter):
        q = quarter
    else:
        try:
            q = Quarter.parse(quarter)
        except ValueError:
            raise InvalidPointsError("quarter", "a quarter like 2026Q4") from None
    since, until = q.bounds(cw.timezone)
    with cw.store.transaction(write=False) as tx:
        totals = ledger_store.totals_by_category(tx, UNIT, ASSESSMENT_CATEGORIES, since, until)
        units = [u for u in all_units(tx) if u.kind == "organisation" and not u.retired]
    rows = []
    named = {u.code for u in units}
    for u in units:
        items = {c: totals.get(u.code, {}).get(c, 0) for c in ASSESSMENT_ITEMS}
        rows.append((u.code, u.name_zh, u.name_en, items))
    for code in sorted(set(totals) - named):  # scored, then retired or renamed away
        items = {c: totals[code].get(c, 0) for c in ASSESSMENT_ITEMS}
        rows.append((code, code, code, items))
    rows.sort(key=lambda r: (-sum(r[3].values()), r[0]))
    ranked: list[RankedUnit] = []
    for i, (code, zh, en, items) in enumerate(rows):
        total = sum(items.values())
        rank = ranked[-1].rank if ranked and ranked[-1].total == total else i + 1
        ranked.append(RankedUnit(code, zh, en, items, total, rank))
    return Ranking(q, ASSESSMENT_ITEMS, tuple(ranked))


def _replay(
    tx: SqlTransaction, key: str | None, same: Callable[[PointEntry], bool]
) -> PointEntry | None:
    """The entry written before under `key`, or None if the key is new; a key written with
    another request is refused."""
    if key is None:
        return None
    first = ledger_store.by_key(tx, key)
    if first is not None and not same(first):
        raise IdempotencyKeyReusedError(key)
    return first


def _replay_after_race(cw: Casework, key: str, same: Callable[[PointEntry], bool]) -> PointEntry:
    """After losing a race on `key` (the transaction rolled back): the winner's entry."""
    with cw.store.transaction(write=False) as tx:
        first = _replay(tx, key, same)
    if first is None:
        raise IdempotencyKeyReusedError(key)
    return first


def _with_id(entry: PointEntry, entry_id: int) -> PointEntry:
    return replace(entry, id=entry_id)
