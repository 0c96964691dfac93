"""The statistics behind a verdict.

Errors: a mixture sequential probability ratio test (mSPRT) on the difference of the two arms' error
rates, as in Johari et al.'s always-valid p-values and Netflix's sequential canary testing. With the
observed difference d = p_candidate - p_primary, its variance V (normal approximation, pooled rate) and
a normal mixing distribution of variance TAU² over the true difference,

    Λ = sqrt(V / (V + TAU²)) · exp(TAU² d² / (2 V (V + TAU²)))

and the candidate is worse, at level alpha, once d > 0 and Λ ≥ 1 / alpha. The test stays valid however
often it is looked at, so the judge may run every few seconds from the first request on.

Latency: the p99 of each arm read from the histogram buckets both arms share (the upper bound of the
bucket where the 99th percentile falls).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# The mixing variance: the scale of a difference in error rates worth finding (a few percentage points).
TAU = 0.05
BUCKETS_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def msprt(errors_candidate: int, n_candidate: int, errors_primary: int, n_primary: int, *, tau: float = TAU) -> float:
    """Λ for "the candidate's error rate is higher"; 0 when it is not higher, or either arm is empty."""
    if n_candidate == 0 or n_primary == 0:
        return 0.0
    difference = errors_candidate / n_candidate - errors_primary / n_primary
    if difference <= 0:
        return 0.0
    pooled = (errors_candidate + errors_primary) / (n_candidate + n_primary)
    variance = max(pooled * (1 - pooled), 1e-9) * (1 / n_candidate + 1 / n_primary)
    spread = variance + tau * tau
    exponent = tau * tau * difference * difference / (2 * variance * spread)
    return math.sqrt(variance / spread) * math.exp(min(exponent, 700.0))


def p99(bucket_counts: Sequence[int]) -> float | None:
    """The 99th percentile's bucket bound in seconds (the last bucket: beyond the largest bound); None when empty."""
    total = sum(bucket_counts)
    if total == 0:
        return None
    wanted, running = math.ceil(0.99 * total), 0
    for bound, count in zip((*BUCKETS_SECONDS, math.inf), bucket_counts, strict=True):
        running += count
        if running >= wanted:
            return bound
    return math.inf


def bucket_of(seconds: float) -> int:
    for index, bound in enumerate(BUCKETS_SECONDS):
        if seconds <= bound:
            return index
    return len(BUCKETS_SECONDS)
