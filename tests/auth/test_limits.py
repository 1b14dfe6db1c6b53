"""The sign-in limit's sliding window, on a clock the test moves."""

from __future__ import annotations

from app.auth.limits import LoginLimits


def test_limits_count_failures_in_the_window_and_forget_them_after() -> None:
    now = [0.0]
    limits = LoginLimits(per_account=2, per_address=3, window=60, clock=lambda: now[0])
    limits.failed("10.0.0.1", "ana@example.com")
    assert not limits.blocked("10.0.0.1", "ana@example.com")
    limits.failed("10.0.0.2", "ana@example.com")
    assert limits.blocked("10.0.0.9", "ana@example.com")  # the account, from any address
    assert not limits.blocked("10.0.0.9", "bo@example.com")
    now[0] = 61.0
    assert not limits.blocked("10.0.0.9", "ana@example.com")  # the window slid past both


def test_limits_a_success_clears_the_account_not_the_address() -> None:
    limits = LoginLimits(per_account=2, per_address=2, window=60, clock=lambda: 0.0)
    limits.failed("10.0.0.1", "ana@example.com")
    limits.succeeded("ana@example.com")
    limits.failed("10.0.0.1", "ana@example.com")
    assert not limits.blocked("10.0.0.2", "ana@example.com")
    assert limits.blocked("10.0.0.1", "bo@example.com")  # two failures from this address
