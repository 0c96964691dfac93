"""Verdicts from counts: hold on little data, fail on a worse error rate or tail, pass otherwise."""

from __future__ import annotations

import random

from strangler_proxy.judge.stats import bucket_of, msprt, p99
from strangler_proxy.judge.verdict import FAIL, HOLD, PASS, ArmCounts, judge_canary, judge_shadow
from strangler_proxy.table import Judgement

SETTINGS = Judgement()
FAST = tuple(1 if index == bucket_of(0.004) else 0 for index in range(13))


def arm(requests: int, errors: int = 0, *, seconds: float = 0.004) -> ArmCounts:
    buckets = [0] * 13
    buckets[bucket_of(seconds)] = requests
    return ArmCounts(requests, errors, tuple(buckets))


def test_three_requests_a_minute_is_not_enough_data_to_pass_or_fail():
    verdict = judge_canary("orders", arm(3), arm(3), SETTINGS)
    assert verdict.outcome == HOLD and verdict.figures["requests"] == {"primary": 3, "candidate": 3}


def test_a_candidate_failing_every_request_fails_as_soon_as_the_test_is_sure():
    verdict = judge_canary("orders", arm(40), arm(40, errors=40), SETTINGS)
    assert verdict.outcome == FAIL and verdict.figures["statistic"] >= verdict.figures["threshold"] == 20
    assert "error rate 100.00%" in verdict.reason


def test_a_candidate_as_good_as_the_primary_passes_with_enough_requests():
    verdict = judge_canary("orders", arm(500, errors=5), arm(500, errors=4), SETTINGS)
    assert verdict.outcome == PASS and verdict.figures["statistic"] == 0.0


def test_a_slower_tail_fails_beyond_both_the_ratio_and_the_slack():
    assert judge_canary("orders", arm(200), arm(200, seconds=0.4), SETTINGS).outcome == FAIL
    assert judge_canary("orders", arm(200), arm(200, seconds=0.009), SETTINGS).outcome == PASS  # within 25 ms


def test_a_shadow_fails_beyond_its_diff_rate_and_holds_before_min_requests():
    assert judge_shadow("orders", 50, 50, SETTINGS).outcome == HOLD
    assert judge_shadow("orders", 200, 20, SETTINGS).outcome == FAIL
    assert judge_shadow("orders", 200, 2, SETTINGS).outcome == PASS


def test_looking_after_every_batch_keeps_false_failures_near_alpha():
    """300 canaries whose candidate is exactly as good (5 % errors on both arms), each looked at after every
    50 requests up to 2,000: an always-valid test fails at most about alpha (5 %) of them, however often it looks."""
    rng = random.Random(20261206)
    failed = 0
    for _ in range(300):
        errors = [0, 0]
        for n in range(1, 2001):
            errors[0] += rng.random() < 0.05
            errors[1] += rng.random() < 0.05
            if n % 50 == 0 and msprt(errors[1], n, errors[0], n) >= 1 / SETTINGS.alpha:
                failed += 1
                break
    assert failed / 300 <= 0.08
    assert msprt(1, 100, 2, 100) == 0.0  # better than the primary: no evidence of worse


def test_p99_is_read_from_the_buckets():
    assert p99(FAST) == 0.005 and p99((0,) * 13) is None
