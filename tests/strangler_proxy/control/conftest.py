"""Every test here starts and ends with no live route states in Redis (the session's shared proxy reads them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis


def clear_live_states(client: redis.Redis) -> None:
    """No live route states, verdicts, judge counts or shadow records."""
    for pattern in ("strangler:routes:*", "strangler:judge:*", "strangler:shadow:*"):
        for key in client.scan_iter(match=pattern, count=1000):
            client.delete(key)


@pytest.fixture(autouse=True)
def no_live_states(redis_client: redis.Redis) -> Iterator[None]:
    clear_live_states(redis_client)
    yield
    clear_live_states(redis_client)
