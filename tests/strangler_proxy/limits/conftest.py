"""The Redis state every test here starts from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis


@pytest.fixture(autouse=True)
def clean_edge_keys(redis_client: redis.Redis) -> Iterator[None]:
    """Each test starts with no buckets and no API keys."""
    for pattern in ("strangler:apikey:*", "strangler:bucket:*"):
        for key in redis_client.scan_iter(match=pattern, count=1000):
            redis_client.delete(key)
    yield
