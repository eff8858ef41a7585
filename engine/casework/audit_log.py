"""Reading the audit log: a case's entries for those who oversee it, the whole log for
admins, filtered by who, what and when, a page at a time or all of it for an export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from engine.casework.access import visible_in
from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.store import audit
from engine.store.audit import AuditEntry

__all__ = [
    "AUDIT_HEADER",
    "KNOWN_ACTIONS",
    "AuditEntry",
    "AuditFilter",
    "AuditPage",
    "audit_entries",
    "audit_export",
    "audit_rows",
    "audit_search",
    "case_audit",
]

# The actions the use cases write, offered as suggestions by the audit page's filter (any
# action may be asked for).
KNOWN_ACTIONS: tuple[str, ...] = (
    "personal_data_read",
    "party_added",
    "hand_over",
    "safety_disclosure",
    "rate_excluded",
    "rate_included",
    "definition_published",
    "migration_planned",
    "migration_previewed",
    "migration_applied",
    "case_migrated",
    "login_failed",
    "units_imported",
    "users_imported",
    "client_webhook_set",
    "client_webhook_removed",
    "webhook_redelivered",
)
EXPORT_PAGE = 1000


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Who (exact username), what (exact action), when (local dates, both included)."""

    username: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    offset: int
    limit: int
    has_more: bool


def case_audit(cw: Casework, user: User, case_id: int, limit: int = 100) -> list[AuditEntry]:
    """Who read or changed this case's personal data, newest first."""
    with cw.store.transaction(write=False) as tx:
        visible_in(tx, user, case_id)
        require(user, Permission.READ_CASE_AUDIT)
        return audit.entries(tx, case_ids=[case_id], limit=limit)


def audit_entries(cw: Casework, user: User, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """The audit log about the cases the user may see, newest first."""
    return audit_search(cw, user, AuditFilter(), limit, offset).entries


def _bounds(cw: Casework, f: AuditFilter) -> tuple[datetime | None, datetime | None]:
    """The filter's local dates as moments: from the first day's midnight to the midnight
    after the last day, in the service's time zone."""
    zone = ZoneInfo(cw.timezone)

    def midnight(d: date) -> datetime:
        return datetime.combine(d, time(0), zone).astimezone(UTC)

    since = midnight(f.date_from) if f.date_from else None
    until = midnight(f.date_to + timedelta(days=1)) if f.date_to else None
    return since, until


def audit_search(
    cw: Casework, user: User, f: AuditFilter, limit: int = 50, offset: int = 0
) -> AuditPage:
    """A page of the audit log about what the user may see, newest first, filtered."""
    require(user, Permission.READ_AUDIT_LOG)
    since, until = _bounds(cw, f)
    with cw.store.transaction(write=False) as tx:
        found = audit.entries(
            tx,
            vis=user.scope,
            username=f.username or None,
            action=f.action or None,
            since=since,
            until=until,
            limit=limit + 1,
            offset=offset,
        )
    return AuditPage(found[:limit], offset, limit, len(found) > limit)


def audit_export(cw: Casework, user: User, f: AuditFilter) -> Iterator[AuditEntry]:
    """Every entry the filter selects, newest first, read a page per transaction (an export
    of a large log never holds it whole nor one transaction open long). Refused at once,
    before any entry is read, when the user may not read the log."""
    require(user, Permission.READ_AUDIT_LOG)
    return _export_pages(cw, user, f)


def _export_pages(cw: Casework, user: User, f: AuditFilter) -> Iterator[AuditEntry]:
    since, until = _bounds(cw, f)
    before: int | None = None
    while True:
        with cw.store.transaction(write=False) as tx:
            page = audit.entries(
                tx,
                vis=user.scope,
                username=f.username or None,
                action=f.action or None,
                since=since,
                until=until,
                before_id=before,
                limit=EXPORT_PAGE,
            )
        yield from page
        if len(page) < EXPORT_PAGE:
            return
        before = page[-1].id


AUDIT_HEADER: tuple[str, ...] = ("编号", "时间", "用户", "操作", "案件", "当事人", "说明")


def audit_rows(entries: Iterator[AuditEntry], timezone: str) -> Iterator[tuple[str, ...]]:
    """The entries as the cells of an export, the time local with its offset."""
    zone = ZoneInfo(timezone)
    for e in entries:
        yield (
            str(e.id),
            e.at.astimezone(zone).isoformat(timespec="seconds"),
            e.username,
            e.action,
            "" if e.case_id is None else str(e.case_id),
            "" if e.party_id is None else str(e.party_id),
            e.reason,
        )
