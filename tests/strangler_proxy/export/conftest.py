"""Fixtures for the export's tests: nginx, and three echo upstreams told apart by which one logged a request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.strangler_proxy.export.nginx_process import nginx_program
from tests.strangler_proxy.upstreams.processes import Running, start_echo


@pytest.fixture(scope="session")
def nginx() -> str:
    return nginx_program()


@pytest.fixture(scope="session")
def upstreams() -> Iterator[dict[str, Running]]:
    """Echo upstreams named as the export tests' tables name them."""
    running = {name: start_echo() for name in ("monolith", "checkout", "beta")}
    yield running
    for upstream in running.values():
        upstream.stop()
