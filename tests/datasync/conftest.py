"""Two databases with the catalogue's products (the monolith's and the service's), for every datasync test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis

from datasync.published import key_of
from devstack.datasync import Pair, catalog_pair

# Enough rows for several batches and a few levels of bisection; FAULT_SCALE=full for a bigger table.
ROWS = 20_000 if os.environ.get("FAULT_SCALE") == "full" else 3_000


@pytest.fixture(scope="session")
def shared_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with catalog_pair(tmp_path_factory.mktemp("datasync")) as made:
        yield made
        # `strangler data` publishes each module's summary for the dashboard: none is left behind.
        client = redis.Redis.from_url(made.env["REDIS_URL"])
        client.delete(key_of("catalog"), key_of("orders"))
        client.close()


@pytest.fixture(scope="module")
def pair(shared_pair: Pair) -> Pair:
    """Both databases, emptied for this test module."""
    shared_pair.reset()
    return shared_pair


@pytest.fixture
def fresh_pair(shared_pair: Pair) -> Pair:
    """Both databases, emptied for this test."""
    shared_pair.reset()
    return shared_pair
