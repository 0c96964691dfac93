"""Fixtures for the monolith's tests."""

import pytest
from django.core.management import call_command


@pytest.fixture
def demo_catalog(db) -> None:
    """The demo catalogue, as the release phase loads it."""
    call_command("load_demo_catalog", verbosity=0)
