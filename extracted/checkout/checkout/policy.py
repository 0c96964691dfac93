"""How long the saga waits before trying a step again, and when it stops trying.

Pure, like flow.py. A countdown is exponential in the attempt, capped, with jitter so orders that failed
together do not retry together. The cap must stay under the broker's visibility timeout: Redis hands a
message whose countdown outlives that timeout to a second worker, and the step would run twice at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """`max_attempts` tries per step (the first included), `base_seconds` doubling up to `max_seconds`."""

    max_attempts: int
    base_seconds: float
    max_seconds: float

    def countdown(self, attempt: int, *, draw: Callable[[], float] = random.random) -> float:
        """Seconds before the try after `attempt` (1 = the first failed): half fixed, half random."""
        ceiling = min(self.max_seconds, self.base_seconds * 2.0 ** (attempt - 1))
        return ceiling / 2 + draw() * ceiling / 2

    def exhausted(self, attempt: int) -> bool:
        """Whether `attempt` failed tries are all the budget allows."""
        return attempt >= self.max_attempts

    def longest_countdown(self) -> float:
        return self.max_seconds

    def problems(self, *, visibility_timeout: int, stuck_after: int) -> list[str]:
        """What is wrong with this policy next to the broker and the sweeper, each with its fix."""
        found = []
        if self.max_seconds >= visibility_timeout:
            found.append(f"SAGA_BACKOFF_MAX_SECONDS={self.max_seconds:g} must be below "
                         f"CELERY_VISIBILITY_TIMEOUT={visibility_timeout}, or Redis redelivers a waiting retry "
                         "to a second worker; lower the first or raise the second")
        if stuck_after <= self.max_seconds:
            found.append(f"SAGA_STUCK_AFTER_SECONDS={stuck_after} must be above SAGA_BACKOFF_MAX_SECONDS="
                         f"{self.max_seconds:g}, or the sweeper resumes orders that are only waiting to retry")
        if self.base_seconds > self.max_seconds:
            found.append(f"SAGA_BACKOFF_BASE_SECONDS={self.base_seconds:g} must not exceed "
                         f"SAGA_BACKOFF_MAX_SECONDS={self.max_seconds:g}")
        return found
