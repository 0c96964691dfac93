"""A verdict on a route's candidate: pass, fail (roll back) or not enough data (hold), with its figures.

Canary: not enough data until each arm has served `min_requests`; fail when the mSPRT statistic on the
error counts reaches 1/alpha, or when the candidate's p99 exceeds the primary's by both `p99_ratio` and
`p99_slack`; pass otherwise. Shadow: not enough data until `min_requests` comparisons; fail when the share
of differing answers exceeds `max_diff_rate`; pass otherwise. Low traffic therefore never promotes and
never rolls back: it holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from strangler_proxy.judge.stats import msprt, p99
from strangler_proxy.table import Judgement

PASS, FAIL, HOLD = "pass", "fail", "not enough data"


@dataclass(frozen=True)
class ArmCounts:
    requests: int = 0
    errors: int = 0
    buckets: tuple[int, ...] = ()


@dataclass(frozen=True)
class Verdict:
    route: str
    outcome: str
    reason: str
    figures: dict[str, Any]
    at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return {"route": self.route, "outcome": self.outcome, "reason": self.reason, "figures": self.figures,
                "at": self.at}


def judge_canary(route_id: str, primary: ArmCounts, candidate: ArmCounts, settings: Judgement) -> Verdict:
    statistic = msprt(candidate.errors, candidate.requests, primary.errors, primary.requests)
    threshold = 1 / settings.alpha
    figures: dict[str, Any] = {
        "requests": {"primary": primary.requests, "candidate": candidate.requests},
        "error_rate": {"primary": _rate(primary), "candidate": _rate(candidate)},
        "statistic": statistic, "threshold": threshold,
        "p99_seconds": {"primary": p99(primary.buckets), "candidate": p99(candidate.buckets)},
        "p99_ratio_limit": settings.p99_ratio,
    }
    fewest = min(primary.requests, candidate.requests)
    if statistic >= threshold:  # valid at any look, so it may fail before min_requests
        return Verdict(route_id, FAIL, f"the candidate's error rate {_rate(candidate):.2%} is higher than the "
                       f"primary's {_rate(primary):.2%} (mSPRT {statistic:.1f} ≥ {threshold:.0f})", figures)
    if fewest < settings.min_requests:
        return Verdict(route_id, HOLD, f"{fewest} requests on the smaller arm; {settings.min_requests} needed", figures)
    slow = _slower_tail(figures["p99_seconds"]["primary"], figures["p99_seconds"]["candidate"], settings)
    if slow:
        return Verdict(route_id, FAIL, slow, figures)
    return Verdict(route_id, PASS, f"no worse than the primary (mSPRT {statistic:.1f} < {threshold:.0f}, p99 within "
                   f"{settings.p99_ratio:g}×)", figures)


def judge_shadow(route_id: str, compared: int, mismatched: int, settings: Judgement) -> Verdict:
    rate = mismatched / compared if compared else 0.0
    figures: dict[str, Any] = {"compared": compared, "mismatched": mismatched, "diff_rate": rate,
                               "max_diff_rate": settings.max_diff_rate}
    if compared < settings.min_requests:
        return Verdict(route_id, HOLD, f"{compared} answers compared; {settings.min_requests} needed", figures)
    if rate > settings.max_diff_rate:
        return Verdict(route_id, FAIL, f"{rate:.1%} of the candidate's answers differ (limit "
                       f"{settings.max_diff_rate:.1%})", figures)
    return Verdict(route_id, PASS, f"{rate:.1%} of answers differ (limit {settings.max_diff_rate:.1%})", figures)


def _rate(arm: ArmCounts) -> float:
    return arm.errors / arm.requests if arm.requests else 0.0


def _slower_tail(primary: float | None, candidate: float | None, settings: Judgement) -> str | None:
    if primary is None or candidate is None:
        return None
    if candidate > primary * settings.p99_ratio and candidate - primary > settings.p99_slack:
        return (f"the candidate's p99 {candidate * 1000:.0f} ms is over {settings.p99_ratio:g}× the primary's "
                f"{primary * 1000:.0f} ms")
    return None
