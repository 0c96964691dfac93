"""Fixtures every test may use: the Redis the tests talk to, and free ports."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import redis

from chassis import devredis
from devstack.catalog import Deployable, running_catalog
from tests.support.waiting import wait_until


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.conf import settings

    database = settings.DATABASES["default"]
    started = " (started by the tests)" if os.environ.get("TESTS_START_REDIS") == "true" else ""
    return [f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('HOST') or database['NAME']}",
            f"redis: {os.environ['REDIS_URL']}{started}"]


@pytest.fixture(scope="session", autouse=True)
def redis_server() -> Iterator[str]:
    """The Redis at REDIS_URL: CI's own, or a throwaway local one when none was given."""
    url = os.environ["REDIS_URL"]
    process: subprocess.Popen[str] | None = None
    if os.environ.get("TESTS_START_REDIS") == "true" and not devredis.answers(url):
        process = devredis.start(urlsplit(url).port or 6379)
        wait_until(lambda: devredis.answers(url), timeout=10, what=f"local redis at {url}")
    yield url
    if process is not None:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def redis_client(redis_server: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server, decode_responses=True)
    yield client
    client.close()


@pytest.fixture(scope="session")
def catalog_service(tmp_path_factory: pytest.TempPathFactory, redis_server: str) -> Iterator[Deployable]:
    """The catalogue service under gunicorn with its own database (the demo catalogue), shared by the
    contract suite, its own tests and the monolith's tests in remote mode: each keeps to its own
    reservation ids, products it sets stock on and search terms, and measures stock as a difference."""
    with running_catalog(tmp_path_factory.mktemp("catalog-service")) as service:
        yield service
