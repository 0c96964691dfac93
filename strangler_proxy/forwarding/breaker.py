"""A circuit breaker per candidate upstream, per proxy process: stop sending a failing candidate traffic.

    closed     requests go to the candidate; FAILURES_TO_OPEN failures in a row open the breaker
    open       for OPEN_SECONDS every request that would go to the candidate goes to the primary
    half-open  after that, one request probes the candidate: success closes the breaker, failure opens
               it again for another OPEN_SECONDS

A failure is what the forwarder falls back from: the candidate could not be reached, did not answer in
time, answered garbage, or answered 5xx. Only candidates have breakers: a route's primary has nothing
behind it to fall back to.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass

FAILURES_TO_OPEN = 5
OPEN_SECONDS = 10.0


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


@dataclass
class _Breaker:
    failures: int = 0
    opened_at: float | None = None
    probing: bool = False


class Breakers:
    """`allows(upstream)` before sending to a candidate; then exactly one of `succeeded`, `failed` or
    `abandoned`, or a half-open breaker keeps waiting for its probe's outcome."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, failures_to_open: int = FAILURES_TO_OPEN,
                 open_seconds: float = OPEN_SECONDS) -> None:
        self.clock = clock
        self.failures_to_open = failures_to_open
        self.open_seconds = open_seconds
        self._breakers: dict[str, _Breaker] = {}

    def state(self, upstream: str) -> BreakerState:
        breaker = self._breakers.get(upstream)
        if breaker is None or breaker.opened_at is None:
            return BreakerState.CLOSED
        if self.clock() - breaker.opened_at < self.open_seconds:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def allows(self, upstream: str) -> bool:
        """Whether a request may go to `upstream` now (in half-open, only the one probe)."""
        state = self.state(upstream)
        if state is BreakerState.CLOSED:
            return True
        breaker = self._breakers[upstream]
        if state is BreakerState.HALF_OPEN and not breaker.probing:
            breaker.probing = True
            return True
        return False

    def succeeded(self, upstream: str) -> None:
        breaker = self._breakers.get(upstream)
        if breaker is not None:
            breaker.failures, breaker.opened_at, breaker.probing = 0, None, False

    def abandoned(self, upstream: str) -> None:
        """A request `allows` let through ended before the candidate's answer said anything (the client went
        away, its body failed): a half-open breaker lets the next request probe instead of waiting forever."""
        breaker = self._breakers.get(upstream)
        if breaker is not None:
            breaker.probing = False

    def failed(self, upstream: str) -> None:
        breaker = self._breakers.setdefault(upstream, _Breaker())
        breaker.failures += 1
        if breaker.probing or breaker.failures >= self.failures_to_open:
            breaker.opened_at, breaker.probing = self.clock(), False

    def states(self) -> dict[str, str]:
        """Every candidate's breaker state by upstream name (for /_strangler/ and the metrics)."""
        return {upstream: self.state(upstream).value for upstream in self._breakers}
