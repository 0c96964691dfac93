"""Fixtures for the checkout service's tests: one running system shared by the tests that need one."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest

from tests.extracted.checkout.system import CheckoutSystem, running_checkout


@pytest.fixture(scope="package")
def checkout(tmp_path_factory: pytest.TempPathFactory, redis_server: str) -> Iterator[CheckoutSystem]:
    """The checkout with one worker, the monolith and a fault-free card processor; tests keep to their
    own orders and measure stock as a difference, so they can share it."""
    with running_checkout(tmp_path_factory.mktemp("checkout")) as system:
        yield system


def order_body(product_id: str = "prosecco", **overrides: Any) -> dict[str, Any]:
    """A valid checkout request, as the original contract shapes it."""
    in_three_days = datetime.date.today() + datetime.timedelta(days=3)
    return {"productId": product_id, "deliveryAddress": "12 Rue de Rivoli, Paris",
            "deliveryDate": in_three_days.isoformat(), **overrides}
