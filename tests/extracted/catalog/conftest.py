"""Fixtures for the catalogue service's own tests: one running service shared by the tests that need one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.catalog import Deployable, running_catalog


@pytest.fixture(scope="package")
def catalog(tmp_path_factory: pytest.TempPathFactory, redis_server: str) -> Iterator[Deployable]:
    """The catalogue service; tests keep to their own reservation ids and measure stock as a difference."""
    with running_catalog(tmp_path_factory.mktemp("catalog")) as service:
        yield service
