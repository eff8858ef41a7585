"""Published workflow versions: stored verbatim, loaded back into the registry at start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, inspect, select
from sqlalchemy.exc import DBAPIError

from engine.definition import Definition
from engine.errors import Problem
from engine.loader import parse_definition
from engine.ports import DuplicateVersionError
from engine.shipped import SHIPPED_BY, PublishedVersion, clash, compare
from engine.store.errors import is_unique_violation
from engine.store.repository import SqlStore, SqlTransaction
from engine.store.tables import DefinitionRow

definitions = DefinitionRow.__table__  # type: ignore[attr-defined]


def _published(source: str, name: str, version: int) -> Definition:
    """A stored version, read as it was published (checks added since judge drafts only)."""
    return parse_definition(source, file=f"{name}@v{version}", check_types=False)


@dataclass(frozen=True)
class StoredVersion:
    """A published version's publication: who published it, when and why (its definition is
    the registry's, parsed once per version)."""

    name: str
    version: int
    published_at: datetime
    published_by: str
    reason: str


def published(tx: SqlTransaction) -> list[Definition]:
    """Every stored version of every workflow, parsed again from its source."""
    rows = tx.conn.execute(select(definitions).order_by(definitions.c.name, definitions.c.version))
    return [_published(r.source, r.name, r.version) for r in rows]


def published_after(tx: SqlTransaction, name: str, version: int) -> list[Definition]:
    """The stored versions of workflow `name` newer than `version`, oldest first."""
    rows = tx.conn.execute(
        select(definitions)
        .where(definitions.c.name == name, definitions.c.version > version)
        .order_by(definitions.c.version)
    )
    return [_published(r.source, r.name, r.version) for r in rows]


def latest_version(tx: SqlTransaction, name: str) -> int:
    """The newest stored version of workflow `name`; 0 when there is none."""
    found = tx.conn.execute(
        select(func.max(definitions.c.version)).where(definitions.c.name == name)
    ).scalar()
    return int(found or 0)


def versions(tx: SqlTransaction, name: str) -> list[StoredVersion]:
    """Every stored version of workflow `name` with its publication, newest first (its
    source is not read)."""
    c = definitions.c
    rows = tx.conn.execute(
        select(c.name, c.version, c.published_at, c.published_by, c.reason)
        .where(c.name == name)
        .order_by(c.version.desc())
    )
    return [
        StoredVersion(r.name, r.version, r.published_at, r.published_by, r.reason) for r in rows
    ]


def save(
    tx: SqlTransaction, definition: Definition, by: str, at: datetime, reason: str = ""
) -> None:
    """Store a published version with why it was published; DuplicateVersionError if that
    version exists already (the transaction stays usable)."""
    try:
        with tx.savepoint():
            tx.conn.execute(
                insert(definitions),
                {
                    "name": definition.name,
                    "version": definition.version,
                    "content_hash": definition.content_hash,
                    "source": definition.source,
                    "published_at": at,
                    "published_by": by,
                    "reason": reason,
                },
            )
    except DBAPIError as exc:
        if is_unique_violation(exc):
            raise DuplicateVersionError(definition.name, definition.version) from exc
        raise


def sync_shipped(tx: SqlTransaction, shipped: list[Definition], at: datetime) -> list[Problem]:
    """Record the shipped definitions the database does not know yet; answer the problems of
    those left out (engine.shipped.compare): a file changed under a published version, or
    colliding with a version published through the API. Running cases depend on the
    published version, so it is never replaced; every other file is recorded all the same."""
    found = compare(shipped, published_versions(tx))
    problems = list(found.problems)
    for d in found.to_publish:
        try:
            save(tx, d, SHIPPED_BY, at)
        except DuplicateVersionError:
            # Another process starting on the same database published it first: the same
            # file (nothing to do), or other content (a problem, as if it had been there).
            again = published_versions(tx)
            latest = max(v for n, v in again if n == d.name)
            problem = clash(d, again.get(d.key), latest)
            if problem is not None:
                problems.append(problem)
    return problems


def check_shipped(tx: SqlTransaction, shipped: list[Definition]) -> list[Problem]:
    """The problems `sync_shipped` would answer, writing nothing (`fengqiao validate`)."""
    return compare(shipped, published_versions(tx)).problems


def has_definitions(conn: Connection) -> bool:
    """Whether the database has the table of published versions (it was migrated once)."""
    return inspect(conn).has_table(definitions.name)


def published_versions(tx: SqlTransaction) -> dict[tuple[str, int], PublishedVersion]:
    """Every published version's content hash, publisher and date, without its source."""
    rows = tx.conn.execute(
        select(
            definitions.c.name,
            definitions.c.version,
            definitions.c.content_hash,
            definitions.c.published_by,
            definitions.c.published_at,
        )
    )
    return {
        (r.name, r.version): PublishedVersion(r.content_hash, r.published_by, r.published_at)
        for r in rows
    }


class StoredDefinitions:
    """The published versions in the database, as the registry's source
    (engine.registry.DefinitionSource): each question is one short read transaction."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def newer(self, name: str, version: int) -> list[Definition]:
        with self.store.transaction(write=False) as tx:
            return published_after(tx, name, version)

    def latest_version(self, name: str) -> int:
        with self.store.transaction(write=False) as tx:
            return latest_version(tx, name)

    def names(self) -> list[str]:
        with self.store.transaction(write=False) as tx:
            return sorted(tx.conn.execute(select(definitions.c.name).distinct()).scalars().all())
