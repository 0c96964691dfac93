"""Two databases with the catalogue's products (the monolith's and the service's), for every datasync test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.datasync import Pair, catalog_pair

# Enough rows for several batches and a few levels of bisection; FAULT_SCALE=full for a bigger table.
ROWS = 20_000 if os.environ.get("FAULT_SCALE") == "full" else 3_000


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with catalog_pair(tmp_path_factory.mktemp("datasync")) as made:
        yield made


@pytest.fixture
def fresh_pair(tmp_path: Path) -> Iterator[Pair]:
    with catalog_pair(tmp_path) as made:
        yield made
