"""The login throttle's policy: waits that double after the free failures, capped per rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.login_throttle import (
    POLICY,
    Failures,
    Rule,
    address_key,
    retry_after_seconds,
    wait_after,
    wait_for,
)

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("failures", "delay"),
    [
        pytest.param(0, 0, id="none"),
        pytest.param(2, 0, id="free"),
        pytest.param(3, 1, id="first-wait"),
        pytest.param(4, 2, id="doubles"),
        pytest.param(8, 32, id="doubles-again"),
        pytest.param(12, 60, id="capped"),
        pytest.param(10**6, 60, id="huge-count"),
    ],
)
def test_delays_double_after_the_free_failures_up_to_the_cap(failures: int, delay: int) -> None:
    rule = Rule(free=3, cap=timedelta(seconds=60))
    assert rule.delay(failures) == delay * S


def test_the_wait_runs_from_the_latest_failure() -> None:
    rule = Rule(free=1, cap=timedelta(minutes=15))
    last = NOW - 3 * S
    assert wait_after(rule, Failures(4, last), NOW) == 5 * S  # 8 s after `last`
    assert wait_after(rule, Failures(4, last), NOW + 5 * S) == timedelta(0)
    assert wait_after(rule, Failures(0, None), NOW) == timedelta(0)


def test_the_longest_of_the_three_rules_applies() -> None:
    few = Failures(1, NOW)
    many = Failures(POLICY.address.free + 2, NOW)
    assert wait_for(POLICY, pair=few, address=many, account=few, now=NOW) == 4 * S
    account_only = Failures(10**4, NOW)
    assert wait_for(POLICY, pair=few, address=few, account=account_only, now=NOW) == (
        POLICY.account.cap
    )


def test_the_account_rule_delays_by_seconds_only() -> None:
    """The owner must not be locked out by other people's failures on their account."""
    assert POLICY.account.cap <= timedelta(seconds=30)
    assert POLICY.pair.cap >= timedelta(minutes=15)


def test_retry_after_rounds_up() -> None:
    assert retry_after_seconds(timedelta(milliseconds=1)) == 1
    assert retry_after_seconds(timedelta(seconds=1, milliseconds=1)) == 2
    assert retry_after_seconds(timedelta(seconds=4)) == 4


@pytest.mark.parametrize(
    ("host", "key"),
    [
        pytest.param("203.0.113.9", "203.0.113.9", id="ipv4"),
        pytest.param("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64", id="ipv6-by-64"),
        pytest.param("2001:db8:1:2:bbbb::2", "2001:db8:1:2::/64", id="same-64"),
        pytest.param("::ffff:203.0.113.9", "203.0.113.9", id="ipv4-mapped"),
        pytest.param("testclient", "testclient", id="a-name"),
        pytest.param("", "", id="none"),
    ],
)
def test_failures_are_counted_per_ipv4_address_and_per_ipv6_64(host: str, key: str) -> None:
    assert address_key(host) == key
