"""One login attempt under the throttle (engine.login_throttle): recorded before the password
is checked, refused with 429 and Retry-After while its account or address must wait.

Counts live in the database (engine.store.login_attempts), so every API process sees the same;
time comes from the context's clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from api.problems import ProblemError
from engine.login_throttle import POLICY, Policy, address_key, retry_after_seconds, wait_for
from engine.store import login_attempts
from fengqiao.context import Context


class Attempt:
    """What became of an attempt: a failure stays counted; anything else is removed again
    (a success forgets its account's failures from its address)."""

    def __init__(self, ctx: Context, attempt_id: int, username: str, address: str) -> None:
        self._ctx = ctx
        self._id = attempt_id
        self._username = username
        self._address = address
        self.outcome = ""

    def failed(self) -> None:
        self.outcome = "failed"

    def succeeded(self) -> None:
        self.outcome = "succeeded"
        login_attempts.forget(self._ctx.store, username=self._username, address=self._address)

    def close(self) -> None:
        if not self.outcome:  # refused, busy, or broken before the password was judged
            login_attempts.drop(self._ctx.store, self._id)


@contextmanager
def attempt(
    ctx: Context, username: str, address: str, policy: Policy = POLICY
) -> Iterator[Attempt]:
    """Record the attempt, then refuse it (429) if an earlier failure asks it to wait."""
    address = address_key(address)
    now = ctx.clock.now()
    since = now - policy.window
    attempt_id = login_attempts.begin(
        ctx.store, username=username, address=address, at=now, before=since
    )
    current = Attempt(ctx, attempt_id, username, address)
    try:
        pair, place, account = login_attempts.failures(
            ctx.store, username=username, address=address, since=since, excluding=attempt_id
        )
        wait = wait_for(policy, pair=pair, address=place, account=account, now=now)
        if wait:
            seconds = retry_after_seconds(wait)
            raise ProblemError(
                429,
                "too-many-logins",
                "Too many failed logins",
                f"try again in {seconds} seconds",
                headers={"Retry-After": str(seconds)},
                retry_after=seconds,
            )
        yield current
    finally:
        current.close()
