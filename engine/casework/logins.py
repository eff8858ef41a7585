"""Logging in under the throttle (engine.login_throttle): an attempt is recorded before its
password is checked, and refused while its account or address must wait.

Counts live in the database (engine.store.login_attempts), so every API process sees the
same; time comes from the Casework's clock. Each step is a short transaction of its own: the
attempt must be visible to parallel attempts before the (slow) password check.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from engine.casework.context import Casework
from engine.casework.errors import LoginThrottledError
from engine.login_throttle import POLICY, Policy, address_key, retry_after_seconds, wait_for
from engine.store import audit, login_attempts
from engine.store import users as user_store
from engine.store.users import UserRecord

LOGIN_FAILED = "login_failed"
EXPIRED_TOKENS_PER_LOGIN = 100


class Attempt:
    """What became of an attempt: a failure stays counted and is audited; anything else is
    removed again (a success forgets its account's failures from its address)."""

    def __init__(self, cw: Casework, attempt_id: int, username: str, address: str) -> None:
        self._cw = cw
        self._id = attempt_id
        self._username = username
        self._address = address
        self.outcome = ""

    def failed(self, client: str) -> None:
        self.outcome = "failed"
        with self._cw.store.transaction() as tx:
            audit.record(
                tx,
                at=self._cw.clock.now(),
                username=self._username,
                action=LOGIN_FAILED,
                reason=f"from {client}" if client else "",
            )

    def succeeded(self) -> None:
        self.outcome = "succeeded"
        with self._cw.store.transaction() as tx:
            login_attempts.forget(tx, username=self._username, address=self._address)

    def close(self) -> None:
        if not self.outcome:  # refused, busy, or broken before the password was judged
            with self._cw.store.transaction() as tx:
                login_attempts.drop(tx, self._id)


@contextmanager
def attempt(
    cw: Casework, username: str, address: str, policy: Policy = POLICY
) -> Iterator[Attempt]:
    """Record the attempt, then refuse it (LoginThrottledError) if an earlier failure asks it
    to wait."""
    address = address_key(address)
    now = cw.clock.now()
    since = now - policy.window
    with cw.store.transaction() as tx:
        attempt_id = login_attempts.begin(
            tx, username=username, address=address, at=now, before=since
        )
    current = Attempt(cw, attempt_id, username, address)
    try:
        with cw.store.transaction(write=False) as tx:
            pair, place, account = login_attempts.failures(
                tx, username=username, address=address, since=since, excluding=attempt_id
            )
        wait = wait_for(policy, pair=pair, address=place, account=account, now=now)
        if wait:
            raise LoginThrottledError(retry_after_seconds(wait))
        yield current
    finally:
        current.close()


def find_user(cw: Casework, username: str) -> UserRecord | None:
    with cw.store.transaction(write=False) as tx:
        return user_store.get_user(tx, username)


def add_token(
    cw: Casework, *, token_hash: str, user_id: int, kind: str, csrf: str, ttl_s: float
) -> None:
    """Store a new token's hash; expired tokens go at the same time (a bounded number)."""
    now = cw.clock.now()
    with cw.store.transaction() as tx:
        user_store.drop_expired_tokens(tx, now, limit=EXPIRED_TOKENS_PER_LOGIN)
        user_store.add_token(
            tx,
            token_hash=token_hash,
            user_id=user_id,
            kind=kind,
            csrf=csrf,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_s),
        )
