"""One writer at a time per process on SQLite.

SQLite lets one transaction write at a time; a second writer waits in SQLite's busy handler,
which sleeps in steps of up to 100 ms. Under concurrent requests that sleeping, not the
writing, sets the pace. Queueing writers on a lock in the process hands the database over
at once. PostgreSQL writers run concurrently.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from weakref import WeakKeyDictionary

from engine.store.repository import SqlStore

_locks: WeakKeyDictionary[SqlStore, threading.Lock] = WeakKeyDictionary()
_guard = threading.Lock()


def write_lock(store: SqlStore) -> AbstractContextManager[object]:
    if not store.sqlite:
        return nullcontext()
    with _guard:
        lock = _locks.get(store)
        if lock is None:
            lock = _locks[store] = threading.Lock()
    return lock
