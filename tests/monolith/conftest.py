"""Fixtures for the monolith's tests."""

import uuid
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from devstack.catalog import KEYS
from monolith.accounts.services import user_create


@pytest.fixture
def demo_catalog(db) -> None:
    """The demo catalogue, as the release phase loads it."""
    call_command("load_demo_catalog", verbosity=0)


@pytest.fixture
def shopper(db) -> User:
    return user_create(username="ada", email="ada@example.com", password="correct-horse-battery",
                       phone="+15551234567")


@pytest.fixture
def shopper_client(client, shopper):
    client.force_login(shopper)
    return client


@pytest.fixture(params=["local", "service"])
def catalog_mode(request: pytest.FixtureRequest, demo_catalog: None, settings, redis_client) -> Iterator[str]:
    """The monolith with its catalogue in its own tables ("local"), or in the catalogue service ("service"):
    the switch is the environment's CATALOG_SERVICE_URL alone. The service is shared by the tests, so
    they measure stock as a difference and keep to reservation ids and search terms of their own; the
    local catalogue counts this test's searches under a Redis prefix of its own."""
    prefix = f"catalog-test-{uuid.uuid4().hex[:10]}"
    settings.CATALOG_REDIS_PREFIX = prefix
    if request.param == "service":
        service = request.getfixturevalue("catalog_service")
        settings.CATALOG_SERVICE_URL = service.url
        settings.IDENTITY_SIGNING_KEYS = KEYS
    yield request.param
    keys = list(redis_client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        redis_client.delete(*keys)
