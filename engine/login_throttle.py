"""How long a login attempt must wait after failed ones: growing delays, never a lockout.

A hard lockout after a few failures lets anyone lock out anyone (type five wrong passwords for
every mediator's name). Instead each failure makes the *next* attempt wait longer, and once the
wait is over the right password works again. Failures are counted three ways:

- per account and address: the tight rule, what someone guessing one password from one
  place meets (a person mistyping meets it too, mildly);
- per address, over every user name: one client trying many user names;
- per account, over every address: many clients guessing one password. Its wait is capped
  small, so an attacker's failures delay the real user, typing from elsewhere, by seconds only.

Pure functions over counts and moments; the store counts, the web layer answers 429.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class Rule:
    """After `free` failures, the next attempt waits `base`, then twice as long for each
    further failure, never more than `cap`."""

    free: int
    cap: timedelta
    base: timedelta = timedelta(seconds=1)

    def delay(self, failures: int) -> timedelta:
        if failures < self.free:
            return ZERO
        doublings = failures - self.free
        # 2**doublings grows past any cap quickly; stop before the number gets large.
        if doublings >= 64 or self.base * (1 << doublings) >= self.cap:
            return self.cap
        return self.base * (1 << doublings)


@dataclass(frozen=True, slots=True)
class Failures:
    """Failed attempts within the window under one key: how many, and the latest."""

    count: int = 0
    last: datetime | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    window: timedelta
    pair: Rule
    address: Rule
    account: Rule


# The limits documented in docs/SECURITY.md.
POLICY = Policy(
    window=timedelta(hours=1),
    pair=Rule(free=3, cap=timedelta(minutes=15)),
    address=Rule(free=20, cap=timedelta(minutes=15)),
    account=Rule(free=10, cap=timedelta(seconds=30)),
)


def wait_after(rule: Rule, failures: Failures, now: datetime) -> timedelta:
    """How much longer an attempt must wait under one rule (zero when it may go ahead)."""
    if failures.last is None:
        return ZERO
    remaining = failures.last + rule.delay(failures.count) - now
    return max(remaining, ZERO)


def wait_for(
    policy: Policy, *, pair: Failures, address: Failures, account: Failures, now: datetime
) -> timedelta:
    """The longest wait any of the three counts asks of the next attempt."""
    return max(
        wait_after(policy.pair, pair, now),
        wait_after(policy.address, address, now),
        wait_after(policy.account, account, now),
    )


def address_key(host: str) -> str:
    """The address failures are counted under: an IPv4 address as it is, an IPv6 address by
    its /64 (one subscriber holds a whole /64 and could otherwise take a new address for
    every guess); anything else (no address, a test client's name) as it is."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def retry_after_seconds(wait: timedelta) -> int:
    """Whole seconds for a Retry-After header: rounded up, at least one."""
    return max(1, math.ceil(wait.total_seconds()))
