"""Which database errors mean "the database cannot serve us right now" (answered 503 with
`Retry-After`) rather than a fault in the request or the code.

A full disk, a read-only file or server, a lock held too long and a cut connection all clear
by themselves or by an operator's hand; the client should retry later, and the service
recovers without a restart because every request opens its connection from the pool again.
The decision is made from the driver's exception type and its error code (SQLite's primary
result code, PostgreSQL's SQLSTATE), never from the message text, which varies by version
and locale.
"""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy import exc as sa_exc

RETRY_AFTER_S = 5

# SQLite primary result codes that describe the database's condition, not the statement:
# busy or locked by another writer, out of memory, read-only file, I/O failure, full disk,
# a file that cannot be opened, a locking protocol failure.
SQLITE_OUTAGE_CODES: frozenset[int] = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
    }
)
# PostgreSQL SQLSTATE classes and codes of the same kind: connection exceptions (08),
# transaction rollbacks such as serialization failures and deadlocks (40), insufficient
# resources such as a full disk (53), operator intervention such as a shutdown or a
# cancelled statement (57), system errors such as I/O (58); a read-only transaction (25006,
# a standby or `default_transaction_read_only`) and a lock not available (55P03).
PG_OUTAGE_CLASSES: frozenset[str] = frozenset({"08", "40", "53", "57", "58"})
PG_OUTAGE_CODES: frozenset[str] = frozenset({"25006", "55P03"})


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` (a SQLAlchemy error or a raw driver error) is the database being
    unavailable for a while."""
    if isinstance(exc, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True  # no pooled connection came free in time; the server went away
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        return driver_outage(exc.orig)
    return driver_outage(exc)


def is_unstorable(exc: BaseException) -> bool:
    """Whether the database refused a value itself (a DataError: NUL in PostgreSQL text, a
    number out of range): the request's data, not the service, is at fault. Values are
    checked when a request is parsed; this is the answer for any that slip through."""
    err = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    return isinstance(exc, sa_exc.DataError) or isinstance(
        err, sqlite3.DataError | psycopg.DataError
    )


def driver_outage(err: BaseException | None) -> bool:
    if isinstance(err, sqlite3.Error):
        code = getattr(err, "sqlite_errorcode", None)
        return isinstance(code, int) and (code & 0xFF) in SQLITE_OUTAGE_CODES
    if isinstance(err, psycopg.Error):
        state = err.sqlstate
        if state is None:
            # Raised by the client library itself: the connection failed or was cut.
            return isinstance(err, psycopg.OperationalError | psycopg.InterfaceError)
        return state in PG_OUTAGE_CODES or state[:2] in PG_OUTAGE_CLASSES
    return False
