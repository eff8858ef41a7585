"""Driver errors translated by their type and the constraint they name, never by their text.

Statements run either through SQLAlchemy Core (errors wrapped in ``sqlalchemy.exc.DBAPIError``
with the driver's exception as ``.orig``) or on the driver cursor itself (the driver's own
exception): both arrive here.
"""

from __future__ import annotations

import sqlite3

import psycopg.errors
from sqlalchemy.exc import DBAPIError

# sqlite3's extended result codes for a violated UNIQUE or PRIMARY KEY constraint.
_SQLITE_UNIQUE = {sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}


def driver_error(exc: BaseException) -> BaseException:
    """The driver's exception behind `exc` (itself if it is one)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return exc.orig
    return exc


def is_unique_violation(exc: BaseException) -> bool:
    """Whether `exc` says a row would have repeated a unique key."""
    err = driver_error(exc)
    if isinstance(err, psycopg.errors.UniqueViolation):
        return True
    return isinstance(err, sqlite3.IntegrityError) and err.sqlite_errorcode in _SQLITE_UNIQUE


def violated_constraint(exc: BaseException) -> str | None:
    """The name of the unique constraint `exc` violated, where the driver tells it
    (PostgreSQL does; SQLite does not: None)."""
    err = driver_error(exc)
    if isinstance(err, psycopg.errors.UniqueViolation):
        return err.diag.constraint_name
    return None
