"""A write refused by datasync's guard (the side does not own the rows now) is answered 503 with
Retry-After and the contract's Error, through the monolith's internal reservations API, and nothing moves."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client

from chassis.identity import sign_internal
from datasync.guard import RETRY_AFTER_SECONDS
from monolith.catalog.models import Product, Reservation

KEYS = ["not-owner-test-key"]


@pytest.fixture
def product(db, settings) -> Product:
    settings.IDENTITY_SIGNING_KEYS = KEYS
    return Product.objects.create(id="not-owner-gift", name="Gift", description="A gift", price_cents=1200,
                                  currency="usd", image="catalog/gift.svg", category="gifts", keywords="gift",
                                  stock=5)


def _state(owner: str | None, phase: str) -> None:
    """The products' state row as `strangler data` leaves it (the table made in the test's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS datasync_state (module text PRIMARY KEY, owner text, "
                       "phase text NOT NULL, reads text NOT NULL, detail text NOT NULL DEFAULT '{}', "
                       "updated_at text NOT NULL DEFAULT '')")
        cursor.execute("DELETE FROM datasync_state WHERE module = 'catalog'")
        cursor.execute("INSERT INTO datasync_state (module, owner, phase, reads) VALUES ('catalog', %s, %s, "
                       "'catalog')", [owner, phase])


def _reserve(client: Client, reservation_id: str) -> object:
    return client.put(f"/internal/catalog/reservations/{reservation_id}", {"productId": "not-owner-gift",
                      "quantity": 1}, content_type="application/json",
                      HTTP_X_STRANGLER_INTERNAL=sign_internal(keys=KEYS))


@pytest.mark.parametrize(("owner", "phase", "said"), [("catalog", "writes", "the catalog side owns them"),
                                                     (None, "reads", "its writes are switching sides")])
def test_a_write_the_monolith_does_not_own_is_a_503_to_retry(client: Client, product: Product, owner: str | None,
                                                             phase: str, said: str) -> None:
    _state(owner, phase)
    reservation_id = str(uuid.uuid4())
    answered = _reserve(client, reservation_id)
    assert answered.status_code == 503, answered.content
    assert answered["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = answered.json()
    assert body["code"] == 503 and said in body["message"] and "strangler data status catalog" in body["message"]
    assert Product.objects.get(pk="not-owner-gift").stock == 5
    assert not Reservation.objects.filter(pk=reservation_id).exists()


def test_the_same_write_goes_through_once_the_monolith_owns_the_rows_again(client: Client, product: Product) -> None:
    _state("monolith", "reads")
    answered = _reserve(client, str(uuid.uuid4()))
    assert answered.status_code == 201, answered.content
    assert Product.objects.get(pk="not-owner-gift").stock == 4
