"""The database tables, one SQLModel class each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from engine.store.types import JSONType, UTCDateTime


def _dt(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class CaseRow(SQLModel, table=True):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_workflow_state", "workflow", "state"),
        Index("ix_cases_org_unit", "org_unit"),
        Index("ix_cases_grid_unit", "grid_unit"),
        Index("ix_cases_opened_at", "opened_at"),  # the rates: cases opened in a range
        # The open cases, without reading the closed ones: the overdue board and the queues.
        Index(
            "ix_cases_open",
            "id",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        # A source system's ticket opens one case (engine.store.external_ids); NULLs repeat.
        Index("ux_cases_external", "external_source", "external_id", unique=True),
        # Duplicate suggestions (engine.store.duplicates): the open cases of a map cell, by
        # workflow and time of opening.
        Index(
            "ix_cases_open_place",
            "cell",
            "workflow",
            "opened_at",
            sqlite_where=text("closed_at IS NULL AND cell IS NOT NULL"),
            postgresql_where=text("closed_at IS NULL AND cell IS NOT NULL"),
        ),
        Index("uq_cases_receipt", "receipt", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    workflow: str = Field(max_length=64)
    workflow_version: int
    state: str = Field(max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    version: int
    opened_at: datetime = _dt()
    updated_at: datetime = _dt()
    state_entered_at: datetime = _dt()
    last_seq: int
    entered_seq: int
    org_unit: str | None = Field(default=None, max_length=64)
    grid_unit: str | None = Field(default=None, max_length=64)
    assignee: str | None = Field(default=None, max_length=64)
    opened_by: str = Field(default="", max_length=64)
    closed_at: datetime | None = _dt(nullable=True)
    # 催办: how many times a supervisor urged the case, and the last time
    # (engine.casework.urging; each urge is also an `urge_case` event in the history).
    urges: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    last_urged_at: datetime | None = _dt(nullable=True)
    # Where the case came from: the source system (a client system's name, `12345`) and its
    # own ticket number (engine.external).
    external_source: str | None = Field(default=None, max_length=32)
    external_id: str | None = Field(default=None, max_length=64)
    # Where the case is (WGS-84 degrees, from the report or intake form) and its map cell
    # (engine.duplicates.cell_of): the duplicate suggestions look up the neighbouring cells.
    lat: float | None = None
    lng: float | None = None
    cell: int | None = Field(default=None, sa_type=BigInteger)
    # The public intake form's receipt number (engine.receipts): the resident follows the
    # case's status with it, without an account.
    receipt: str | None = Field(default=None, max_length=16)


class EventRow(SQLModel, table=True):
    """Append-only case history."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_events_case_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    seq: int
    at: datetime = _dt()
    actor: str = Field(max_length=64)
    role: str = Field(max_length=32)
    action: str = Field(max_length=64)
    from_state: str | None = Field(default=None, max_length=64)
    to_state: str = Field(max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    changes: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    case_version: int
    idem_key: str | None = Field(default=None, max_length=128, unique=True)
    lateness_s: float | None = None
    note: str | None = None


class TimerRow(SQLModel, table=True):
    __tablename__ = "timers"
    __table_args__ = (
        Index(
            "ix_timers_due",
            "fire_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_timers_case", "case_id", "status"),
        # The few timers whose firing failed (retrying or given up): what the health check
        # counts, without reading the rest.
        Index(
            "ix_timers_failing",
            "status",
            "case_id",
            sqlite_where=text("attempts > 0"),
            postgresql_where=text("attempts > 0"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    name: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    action: str | None = Field(default=None, max_length=64)
    fire_at: datetime = _dt()
    armed_seq: int
    # Which occurrence of a recurring timer (engine.recurrence); NULL for a single one.
    occurrence: int | None = None
    status: str = Field(default="pending", max_length=16)
    fired_at: datetime | None = _dt(nullable=True)
    lateness_s: float | None = None
    note: str | None = None
    # Failed firings: how many, the last error, when the next attempt is due (engine.sweep).
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    last_error: str | None = None
    next_attempt_at: datetime | None = _dt(nullable=True)


class NotificationRow(SQLModel, table=True):
    """Outbox: delivered by the worker; carries a link to the case, never its details."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    role: str = Field(max_length=32)
    unit: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=16)
    subject: str = Field(default="", max_length=128)
    created_at: datetime = _dt()
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    sent_at: datetime | None = _dt(nullable=True)
    last_error: str | None = None


class DefinitionRow(SQLModel, table=True):
    """A published workflow version; its YAML source is kept verbatim."""

    __tablename__ = "definitions"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_definitions_name_version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    version: int
    content_hash: str = Field(max_length=64)
    source: str
    published_at: datetime = _dt()
    published_by: str = Field(default="", max_length=64)
    reason: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})


class UnitRow(SQLModel, table=True):
    """An organisation or an area: 工会, a street, a community, a grid unit, a department."""

    __tablename__ = "units"

    code: str = Field(primary_key=True, max_length=64)
    name_zh: str = Field(max_length=128)
    name_en: str = Field(max_length=128)
    # organisation | workroom | city | district | street | community | grid (engine.units)
    kind: str = Field(max_length=32)
    parent: str | None = Field(default=None, max_length=64, index=True)
    retired_at: datetime | None = _dt(nullable=True)  # merged into another unit, or closed


class UserRow(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=256)
    display_name: str = Field(default="", max_length=128)
    role: str = Field(max_length=32)
    unit: str | None = Field(default=None, max_length=64)
    grid_units: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    lang: str = Field(default="zh", max_length=8)
    active: bool = True
    created_at: datetime = _dt()
    deactivated_at: datetime | None = _dt(nullable=True)
    password_changed_at: datetime | None = _dt(nullable=True)


class TokenRow(SQLModel, table=True):
    """A bearer token or a page session, stored as a hash."""

    __tablename__ = "tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: str = Field(max_length=16)  # bearer | session
    csrf: str = Field(default="", max_length=64)
    created_at: datetime = _dt()
    expires_at: datetime = _dt()


class LoginAttemptRow(SQLModel, table=True):
    """A login attempt under way or failed, kept for the login throttle's window
    (engine.login_throttle); a successful login removes its account's and address's rows."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _dt(index=True)
    username: str = Field(max_length=64)
    address: str = Field(max_length=64)


class PartyRow(SQLModel, table=True):
    """Personal data of a party, kept apart from workflow data; every unmasked read is audited."""

    __tablename__ = "parties"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    party_role: str = Field(max_length=32)  # applicant | respondent | reporter | other
    # Sealed (engine.store.sealing): ciphertext, longer than the value it holds.
    name: str = Field(sa_type=Text)
    phone: str | None = Field(default=None, sa_type=Text)
    id_number: str | None = Field(default=None, sa_type=Text)
    address: str | None = Field(default=None, sa_type=Text)
    # A keyed hash of the phone number (Sealer.blind_index): finds the same caller's other
    # cases without storing or comparing the number itself.
    phone_index: str | None = Field(default=None, max_length=64, index=True)
    sensitive: bool = False
    anonymous: bool = False
    created_at: datetime = _dt()


class CaseSketchRow(SQLModel, table=True):
    """The text sketch of a case's description (engine.duplicates.sketch): one row per band
    of its MinHash signature, so cases with similar text meet on a band key."""

    __tablename__ = "case_sketches"
    __table_args__ = (Index("ix_case_sketches_case", "case_id"),)

    band: int = Field(sa_type=BigInteger, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", primary_key=True)


class AuditRow(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _dt(index=True)
    username: str = Field(max_length=64)
    case_id: int | None = Field(default=None, index=True)
    party_id: int | None = None
    action: str = Field(max_length=64)
    reason: str = Field(default="")


class CaseAccessRow(SQLModel, table=True):
    """A case handed to a unit besides its owner (referral, joint handling, escalation)."""

    __tablename__ = "case_access"

    case_id: int = Field(foreign_key="cases.id", primary_key=True)
    unit: str = Field(primary_key=True, max_length=64, index=True)
    granted_at: datetime = _dt()
    reason: str = Field(default="")


class RateExclusionRow(SQLModel, table=True):
    """A case a reviewer excluded from the rates as unreasonable or out of scope."""

    __tablename__ = "rate_exclusions"

    case_id: int = Field(foreign_key="cases.id", primary_key=True)
    reason: str
    reviewer: str = Field(max_length=64)
    at: datetime = _dt()


BOARD_INDEX_COLUMNS: tuple[str, ...] = (
    "tier",
    "missed_due",
    "next_due",
    "missed_here",
    "escalated",
    "workflow",
    "org_unit",
    "grid_unit",
    "organisation",
    "handling_unit",
    "lead_unit",
    "shared",
    "case_id",  # PostgreSQL: read from the index alone
)


class RateFactRow(SQLModel, table=True):
    """What the rates count of one case, kept up to date in the transaction that changes the
    case (engine.store.rate_facts): the flags are 0 or 1 and already leave an excluded case
    out, so a rate's counts are plain sums."""

    __tablename__ = "rate_facts"
    __table_args__ = (
        Index("ix_rate_facts_opened_at", "opened_at"),
        # The overdue board: its open cases, with what it ranks and filters them by
        # (engine.store.board), read without the table.
        Index(
            "ix_rate_facts_board",
            *BOARD_INDEX_COLUMNS,
            sqlite_where=text("is_open = 1"),
            postgresql_where=text("is_open = 1"),
        ),
        # The shared cases (co-handlers, handed over), few: asked case by case of visibility.
        Index(
            "ix_rate_facts_shared",
            "opened_at",
            "case_id",
            sqlite_where=text("shared = 1"),
            postgresql_where=text("shared = 1"),
        ),
    )

    case_id: int = Field(primary_key=True)
    workflow: str = Field(max_length=64)
    opened_at: datetime = _dt()
    org_unit: str | None = Field(default=None, max_length=64)
    grid_unit: str | None = Field(default=None, max_length=64)
    area_unit: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=64)
    # What the visibility filter reads besides the owner and the grid (engine.visibility).
    organisation: str | None = Field(default=None, max_length=64)
    handling_unit: str | None = Field(default=None, max_length=64)
    lead_unit: str | None = Field(default=None, max_length=64)
    tier: int = 0
    shared: int = 0  # co-handlers or units it was handed to: the full filter is asked
    excluded: int = 0
    counted: int = 0
    awaiting: int = 0
    in_time: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    closed: int = 0
    on_time: int = 0
    mediated: int = 0
    agreement: int = 0
    close_s: float = 0.0
    # The overdue board's facts of an open case (0 and NULL once closed): whether it climbed
    # a tier, whether a deadline fired while it stayed in its state, the earliest deadline
    # that still counts, and the earliest one it misses or missed in its current stay
    # (engine.store.deadlines: overdue at `now` when `missed_here` or `next_due <= now`).
    is_open: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    escalated: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    missed_here: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    next_due: datetime | None = _dt(nullable=True)
    missed_due: datetime | None = _dt(nullable=True)
    urges: int = 0  # how many times the case was urged (催办)


class MigrationRunRow(SQLModel, table=True):
    """A plan to move running cases from one version of a workflow to another, with its
    preview's and its application's counts (engine.casework.migration)."""

    __tablename__ = "migration_runs"
    __table_args__ = (Index("ix_migration_runs_workflow", "workflow", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    workflow: str = Field(max_length=64)
    from_version: int
    to_version: int
    reason: str = Field(max_length=500)
    # old state -> new state, for the states the target version renamed or removed
    state_map: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    states: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    case_ids: list[int] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    created_by: str = Field(max_length=64)
    created_at: datetime = _dt()
    status: str = Field(default="planned", max_length=16)  # planned|previewed|applying|applied
    total: int = 0
    movable: int = 0
    refused: int = 0
    moved: int = 0
    failed: int = 0
    previewed_at: datetime | None = _dt(nullable=True)
    applied_at: datetime | None = _dt(nullable=True)


class MigrationCaseRow(SQLModel, table=True):
    """The preview of one case of a migration run, then what applying it did. Refusals and
    deadlines are JSON text (written and read in bulk on the driver cursor)."""

    __tablename__ = "migration_cases"
    __table_args__ = (
        Index("ix_migration_cases_state", "run_id", "state", "case_id"),
        Index("ix_migration_cases_status", "run_id", "status", "case_id"),
    )

    run_id: int = Field(foreign_key="migration_runs.id", primary_key=True)
    case_id: int = Field(foreign_key="cases.id", primary_key=True)
    state: str = Field(max_length=64)
    to_state: str | None = Field(default=None, max_length=64)
    movable: bool
    status: str = Field(max_length=16)  # previewed | moved | refused | failed
    case_version: int  # the case's version the preview saw: a case changed since is refused
    entered_by: str | None = Field(default=None, max_length=64)
    refusals: str = Field(default="[]", sa_type=Text)
    before: str = Field(default="[]", sa_type=Text)
    after: str = Field(default="[]", sa_type=Text)
    moved_at: datetime | None = _dt(nullable=True)


class TaskRow(SQLModel, table=True):
    """A unit's part of a case (任务, engine.tasks): its deadline is a timer ``task:<id>``;
    the completion note and the lead's reason for closing it are kept here, not in the
    history, so a co-handling unit reads only its own (engine.tasks.tasks_seen)."""

    __tablename__ = "case_tasks"
    __table_args__ = (
        Index("ix_case_tasks_case", "case_id", "id"),
        Index("ix_case_tasks_unit_open", "unit", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    state: str = Field(max_length=64)
    armed_seq: int
    unit: str = Field(max_length=64)
    title: str = Field(default="", max_length=500)
    assignee: str | None = Field(default=None, max_length=64)
    due_at: datetime = _dt()
    status: str = Field(default="open", max_length=16)  # open | done | closed
    note: str | None = None
    reason: str | None = None
    created_at: datetime = _dt()
    created_by: str = Field(max_length=64)
    finished_at: datetime | None = _dt(nullable=True)
    finished_by: str | None = Field(default=None, max_length=64)


class RateMonthRow(SQLModel, table=True):
    """The rate facts summed per month of opening (China Standard Time, UTC+8) and per what
    the rates filter, group and apply visibility by: kept with the facts, in the same
    transaction (engine.store.rate_months); the trend reads a few thousand of these instead
    of a million cases. A unit column without a unit holds ''."""

    __tablename__ = "rate_months"

    month: int = Field(primary_key=True)  # year * 12 + month - 1
    workflow: str = Field(primary_key=True, max_length=64)
    org_unit: str = Field(primary_key=True, max_length=64)
    grid_unit: str = Field(primary_key=True, max_length=64)
    area_unit: str = Field(primary_key=True, max_length=64)
    organisation: str = Field(primary_key=True, max_length=64)
    handling_unit: str = Field(primary_key=True, max_length=64)
    lead_unit: str = Field(primary_key=True, max_length=64)
    tier: int = Field(primary_key=True)
    shared: int = Field(primary_key=True)
    counted: int = 0
    excluded: int = 0
    awaiting: int = 0
    in_time: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    closed: int = 0
    on_time: int = 0
    mediated: int = 0
    agreement: int = 0
    close_s: float = 0.0
    urged: int = 0  # cases counted and urged at least once


class PointRow(SQLModel, table=True):
    """The points ledger (engine.points): append-only. Nothing updates or deletes a row (the
    database refuses it, see migration 0015); a mistake is undone by a counter-entry whose
    `corrects` names the entry, at most one per entry."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        Index("ix_points_ledger_account", "account_kind", "account"),
        Index("ix_points_ledger_category_at", "category", "at"),
        Index("ix_points_ledger_case", "case_id"),
        UniqueConstraint("corrects", name="uq_points_ledger_corrects"),
        UniqueConstraint("idem_key", name="uq_points_ledger_idem_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _dt()
    account_kind: str = Field(max_length=16)
    account: str = Field(max_length=128)
    amount: int
    category: str = Field(max_length=32)
    actor: str = Field(max_length=64)
    reason_zh: str = Field(default="")
    reason_en: str = Field(default="")
    # The firing that made it (a workflow's `points:`), else an audit entry of the use case.
    case_id: int | None = Field(default=None, foreign_key="cases.id")
    seq: int | None = None
    action: str | None = Field(default=None, max_length=64)
    corrects: int | None = Field(default=None, foreign_key="points_ledger.id")
    partner: str | None = Field(default=None, max_length=128)  # 社区伙伴 of a redemption
    note: str = Field(default="")
    # A redemption's or counter-entry's Idempotency-Key (scoped to the user): a retry finds it.
    idem_key: str | None = Field(default=None, max_length=128)


class ClientSystemRow(SQLModel, table=True):
    """An outside system that opens cases (Open311, a hotline): its name is the cases'
    `external_source`; only its API key's SHA-256 is kept (engine.casework.client_systems)."""

    __tablename__ = "client_systems"

    name: str = Field(primary_key=True, max_length=32)
    key_hash: str = Field(max_length=64, unique=True)
    rate_per_minute: int
    webhook_url: str | None = Field(default=None, max_length=500)
    webhook_secret: str | None = Field(default=None, max_length=128)
    created_at: datetime = _dt()
    created_by: str = Field(max_length=64)
    active: bool = True


class CaseOriginRow(SQLModel, table=True):
    """Where an outside request placed a case: the point, the address and the media URL it
    gave (Open311, a hotline's row)."""

    __tablename__ = "case_origins"

    case_id: int = Field(foreign_key="cases.id", primary_key=True)
    lat: float | None = None
    long: float | None = None
    address: str | None = Field(default=None, max_length=500)
    media_url: str | None = Field(default=None, max_length=2000)
    reported_at: datetime | None = _dt(nullable=True)  # when the source says it was made


class GridAreaRow(SQLModel, table=True):
    """Where a grid lies, for routing a request by its location (engine.routing): a bounding
    box in WGS-84 degrees and the address words (road, estate, building names) it covers."""

    __tablename__ = "grid_areas"

    grid_unit: str = Field(primary_key=True, max_length=64)
    south: float
    west: float
    north: float
    east: float
    words: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))


class ServiceRouteRow(SQLModel, table=True):
    """Which organisation takes a service's requests from an area (engine.routing): the
    route of the nearest area up from the request's grid wins."""

    __tablename__ = "service_routes"

    service_code: str = Field(primary_key=True, max_length=130)
    area_unit: str = Field(primary_key=True, max_length=64)
    org_unit: str = Field(max_length=64)


class WebhookDeliveryRow(SQLModel, table=True):
    """A webhook to a client system about one of its cases (engine.webhooks): written in the
    transaction that changed the case, sent by the worker, tried again until it is delivered
    or failed for good. `body` is kept as sent; `delivery_id` stays the same on every attempt."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_client", "client", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: str = Field(max_length=36, unique=True)
    client: str = Field(max_length=32)
    case_id: int = Field(foreign_key="cases.id")
    sequence: int
    event: str = Field(max_length=32)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16)  # pending | sending | delivered | failed
    attempts: int = 0  # failed attempts since it was written or last redelivered
    next_attempt_at: datetime = _dt()
    claimed_at: datetime | None = _dt(nullable=True)
    created_at: datetime = _dt()
    delivered_at: datetime | None = _dt(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)


class WebhookAttemptRow(SQLModel, table=True):
    """One attempt to send a webhook: the answer's status code or the error, and how long it
    took (the delivery history)."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery: int = Field(foreign_key="webhook_deliveries.id")
    at: datetime = _dt()
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    duration_ms: int
    ok: bool
