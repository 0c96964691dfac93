"""Fixtures for the catalogue service's own tests."""

from __future__ import annotations

import pytest

from devstack.catalog import Deployable


@pytest.fixture
def catalog(catalog_service: Deployable) -> Deployable:
    """The catalogue service (tests/conftest.py); tests keep to their own reservation ids and products and
    measure stock as a difference."""
    return catalog_service
