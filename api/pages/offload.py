"""Synchronous page work off the event loop.

A page handler that takes a form is ``async``: the form is read with ``await``. What it then
does is synchronous and can take long: it reads and writes the database (a write waits for
SQLite's lock as long as another connection holds it, up to the busy timeout), parses YAML,
plays a dry run. Run on the event loop, that stalls every other request of the process. Such a
handler reads its form and hands the rest to ``off_loop``, which runs it in the thread pool,
where FastAPI runs the plain ``def`` handlers too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

P = ParamSpec("P")
T = TypeVar("T")


async def off_loop(work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``work(*args, **kwargs)`` in the thread pool; its result, or its exception."""
    return await run_in_threadpool(work, *args, **kwargs)
