"""Published workflow versions: stored verbatim, loaded back into the registry at start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError

from engine.definition import Definition
from engine.errors import DefinitionError, Problem
from engine.loader import parse_definition
from engine.ports import DuplicateVersionError
from engine.store.errors import is_unique_violation
from engine.store.repository import SqlStore, SqlTransaction
from engine.store.tables import DefinitionRow

definitions = DefinitionRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StoredVersion:
    """A published version with who published it, when and why."""

    definition: Definition
    published_at: datetime
    published_by: str
    reason: str


def published(tx: SqlTransaction) -> list[Definition]:
    """Every stored version of every workflow, parsed again from its source."""
    rows = tx.conn.execute(select(definitions).order_by(definitions.c.name, definitions.c.version))
    return [parse_definition(r.source, file=f"{r.name}@v{r.version}") for r in rows]


def published_after(tx: SqlTransaction, name: str, version: int) -> list[Definition]:
    """The stored versions of workflow `name` newer than `version`, oldest first."""
    rows = tx.conn.execute(
        select(definitions)
        .where(definitions.c.name == name, definitions.c.version > version)
        .order_by(definitions.c.version)
    )
    return [parse_definition(r.source, file=f"{r.name}@v{r.version}") for r in rows]


def latest_version(tx: SqlTransaction, name: str) -> int:
    """The newest stored version of workflow `name`; 0 when there is none."""
    found = tx.conn.execute(
        select(func.max(definitions.c.version)).where(definitions.c.name == name)
    ).scalar()
    return int(found or 0)


def versions(tx: SqlTransaction, name: str) -> list[StoredVersion]:
    """Every stored version of workflow `name` with its publication, newest first."""
    rows = tx.conn.execute(
        select(definitions).where(definitions.c.name == name).order_by(definitions.c.version.desc())
    )
    return [
        StoredVersion(
            parse_definition(r.source, file=f"{r.name}@v{r.version}"),
            r.published_at,
            r.published_by,
            r.reason,
        )
        for r in rows
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


def sync_shipped(tx: SqlTransaction, shipped: list[Definition], at: datetime) -> None:
    """Record shipped definitions the database does not know yet. A shipped file whose
    content changed but kept its version is refused: running cases depend on that version."""
    known = _hashes(tx)
    problems = []
    for d in shipped:
        stored = known.get(d.key)
        if stored is None:
            try:
                save(tx, d, "shipped", at)
                continue
            except DuplicateVersionError:
                # Another process starting on the same database published it first.
                stored = _hashes(tx).get(d.key)
        if stored is not None and stored != d.content_hash:
            problems.append(
                Problem(
                    d.path,
                    1,
                    1,
                    "version",
                    f"{d.name} v{d.version} changed since it was published;"
                    " give the changed workflow a new version",
                )
            )
    if problems:
        raise DefinitionError(problems)


def _hashes(tx: SqlTransaction) -> dict[tuple[str, int], str]:
    return {
        (r.name, r.version): r.content_hash
        for r in tx.conn.execute(
            select(definitions.c.name, definitions.c.version, definitions.c.content_hash)
        )
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
