"""Published workflow versions: stored verbatim, loaded back into the registry at start."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from engine.definition import Definition
from engine.errors import DefinitionError, Problem
from engine.loader import parse_definition
from engine.store.repository import SqlStore
from engine.store.tables import DefinitionRow

definitions = DefinitionRow.__table__  # type: ignore[attr-defined]


def published(store: SqlStore) -> list[Definition]:
    """Every stored version of every workflow, parsed again from its source."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(definitions).order_by(definitions.c.name, definitions.c.version))
        return [parse_definition(r.source, file=f"{r.name}@v{r.version}") for r in rows]


def save(store: SqlStore, definition: Definition, by: str, at: datetime) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            insert(definitions),
            {
                "name": definition.name,
                "version": definition.version,
                "content_hash": definition.content_hash,
                "source": definition.source,
                "published_at": at,
                "published_by": by,
            },
        )


def sync_shipped(store: SqlStore, shipped: list[Definition], at: datetime) -> None:
    """Record shipped definitions the database does not know yet. A shipped file whose
    content changed but kept its version is refused: running cases depend on that version."""
    known = _hashes(store)
    problems = []
    for d in shipped:
        stored = known.get(d.key)
        if stored is None:
            try:
                save(store, d, "shipped", at)
                continue
            except IntegrityError:
                # Another process starting on the same database published it first.
                stored = _hashes(store).get(d.key)
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


def _hashes(store: SqlStore) -> dict[tuple[str, int], str]:
    with store.engine.connect() as conn:
        return {
            (r.name, r.version): r.content_hash
            for r in conn.execute(
                select(definitions.c.name, definitions.c.version, definitions.c.content_hash)
            )
        }
