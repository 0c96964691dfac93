"""Fixtures for the monolith's tests."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

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
