"""Backoff, budget and the policy's limits, on their own (no Django, no processes)."""

from __future__ import annotations

import pytest

from extracted.checkout.checkout.policy import RetryPolicy

POLICY = RetryPolicy(max_attempts=8, base_seconds=2, max_seconds=300)


def test_countdowns_double_from_the_base_with_half_of_each_left_to_chance():
    lows = [POLICY.countdown(attempt, draw=lambda: 0.0) for attempt in (1, 2, 3, 4)]
    highs = [POLICY.countdown(attempt, draw=lambda: 1.0) for attempt in (1, 2, 3, 4)]
    assert lows == [1, 2, 4, 8] and highs == [2, 4, 8, 16]


def test_no_countdown_ever_exceeds_the_cap():
    assert max(POLICY.countdown(attempt, draw=lambda: 1.0) for attempt in range(1, 200)) == 300


def test_jitter_spreads_orders_that_failed_together():
    assert len({round(POLICY.countdown(5), 6) for _ in range(20)}) > 1


def test_the_budget_counts_the_first_try():
    policy = RetryPolicy(max_attempts=3, base_seconds=1, max_seconds=10)
    assert [policy.exhausted(attempt) for attempt in (1, 2, 3)] == [False, False, True]


def test_a_sound_policy_has_no_problems():
    assert POLICY.problems(visibility_timeout=3600, stuck_after=900) == []


@pytest.mark.parametrize(("visibility_timeout", "stuck_after", "names"), [
    (300, 900, ["SAGA_BACKOFF_MAX_SECONDS", "CELERY_VISIBILITY_TIMEOUT"]),
    (3600, 300, ["SAGA_STUCK_AFTER_SECONDS", "SAGA_BACKOFF_MAX_SECONDS"]),
])
def test_a_cap_the_broker_or_the_sweeper_would_trip_over_is_named(visibility_timeout, stuck_after, names):
    [problem] = POLICY.problems(visibility_timeout=visibility_timeout, stuck_after=stuck_after)
    assert all(name in problem for name in names)


def test_a_base_above_the_cap_is_a_problem():
    policy = RetryPolicy(max_attempts=3, base_seconds=20, max_seconds=10)
    assert any("SAGA_BACKOFF_BASE_SECONDS" in problem for problem in
               policy.problems(visibility_timeout=3600, stuck_after=900))
