"""The catalogue's internal reservations API, as the checkout service calls it."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import include, path

from chassis.identity import sign_internal
from monolith.catalog.models import Product, Reservation
from monolith.concierge.urls import urlpatterns as monolith_urlpatterns

KEYS = ["internal-test-key"]

# The internal API under the monolith's own routes, whether or not monolith/concierge/urls.py has it yet.
urlpatterns = [path("internal/catalog/", include("monolith.catalog.internal_urls")), *monolith_urlpatterns]
pytestmark = pytest.mark.urls(__name__)
# SQLite's in-memory test database refuses a second writer outright (no busy wait); CI's PostgreSQL races.
needs_concurrent_writers = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="the in-memory SQLite test database cannot take concurrent write transactions")


@pytest.fixture(autouse=True)
def signing_keys(settings) -> None:
    settings.IDENTITY_SIGNING_KEYS = KEYS


def proof(**overrides: Any) -> dict[str, str]:
    return {"HTTP_X_STRANGLER_INTERNAL": sign_internal(keys=KEYS, **overrides)}


def reserve(client: Client, reservation_id: str, product_id: str = "prosecco", quantity: int = 1,
            **headers: str):
    return client.put(f"/internal/catalog/reservations/{reservation_id}",
                      {"productId": product_id, "quantity": quantity}, content_type="application/json",
                      **(headers or proof()))


def release(client: Client, reservation_id: str):
    return client.delete(f"/internal/catalog/reservations/{reservation_id}", **proof())


def stock(product_id: str = "prosecco") -> int:
    return Product.objects.get(pk=product_id).stock


def new_id() -> str:
    return str(uuid.uuid4())


def test_reserving_takes_stock_once_and_a_repeat_gets_the_same_answer(client, demo_catalog):
    before, reservation_id = stock(), new_id()
    first = reserve(client, reservation_id, quantity=2)
    again = reserve(client, reservation_id, quantity=2)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["reservationId"] == reservation_id and first.json()["held"] is True
    assert stock() == before - 2


def test_reserving_more_than_is_left_is_409_and_takes_nothing(client, demo_catalog):
    Product.objects.filter(pk="prosecco").update(stock=1)
    response = reserve(client, new_id(), quantity=2)
    assert response.status_code == 409
    assert set(response.json()) >= {"code", "message"} and response.json()["code"] == 409
    assert stock() == 1 and not Reservation.objects.exists()


def test_releasing_gives_the_stock_back_once(client, demo_catalog):
    before, reservation_id = stock(), new_id()
    reserve(client, reservation_id, quantity=3)
    assert [release(client, reservation_id).status_code for _ in range(2)] == [204, 204]
    assert stock() == before


def test_releasing_an_unknown_id_is_a_no_op_that_a_late_reservation_cannot_undo(client, demo_catalog):
    """The caller gave up on a slow reservation and released it before the reservation arrived."""
    before, reservation_id = stock(), new_id()
    assert release(client, reservation_id).status_code == 204
    late = reserve(client, reservation_id)
    assert late.status_code == 410 and late.json()["code"] == 410
    assert stock() == before


def test_a_released_reservation_cannot_be_made_again(client, demo_catalog):
    reservation_id = new_id()
    reserve(client, reservation_id)
    release(client, reservation_id)
    before = stock()
    assert reserve(client, reservation_id).status_code == 410
    assert stock() == before


def test_the_same_id_for_another_product_or_quantity_is_422_and_changes_nothing(client, demo_catalog):
    reservation_id = new_id()
    reserve(client, reservation_id, "prosecco", 1)
    before = stock("teddy-bear"), stock("prosecco")
    assert reserve(client, reservation_id, "teddy-bear", 1).status_code == 422
    assert reserve(client, reservation_id, "prosecco", 2).status_code == 422
    assert (stock("teddy-bear"), stock("prosecco")) == before


@pytest.mark.parametrize(("body", "status"), [
    ({"productId": "no-such-product", "quantity": 1}, 404),
    ({"productId": "prosecco"}, 400),
    ({"productId": "prosecco", "quantity": 0}, 400),
    ({"productId": "prosecco", "quantity": "many"}, 400),
    ({"productId": "../etc", "quantity": 1}, 400),
    (["prosecco", 1], 400),
])
def test_a_bad_reservation_is_refused_in_the_error_shape_and_takes_nothing(client, demo_catalog, body, status):
    before = stock()
    response = client.put(f"/internal/catalog/reservations/{new_id()}", body, content_type="application/json",
                          **proof())
    assert response.status_code == status
    assert response.json()["code"] == status and response.json()["message"]
    assert stock() == before and not Reservation.objects.exists()


def test_malformed_json_is_400(client, demo_catalog):
    response = client.put(f"/internal/catalog/reservations/{new_id()}", "{", content_type="application/json",
                          **proof())
    assert response.status_code == 400 and response.json()["code"] == 400


def test_a_reservation_id_that_is_not_a_plain_token_is_404(client, demo_catalog):
    response = client.put("/internal/catalog/reservations/a%2Fb", {"productId": "prosecco", "quantity": 1},
                          content_type="application/json", **proof())
    assert response.status_code == 404


@pytest.mark.parametrize("headers", [
    {},
    {"HTTP_X_STRANGLER_INTERNAL": "forged"},
    {"HTTP_X_STRANGLER_INTERNAL": sign_internal(keys=["another-key"])},
    {"HTTP_X_STRANGLER_INTERNAL": sign_internal(keys=KEYS, issued_at=time.time() - 3600)},
])
def test_without_a_fresh_proof_every_call_is_403_and_changes_nothing(client, demo_catalog, headers):
    before = stock()
    reservation_id = new_id()
    answers = [
        client.put(f"/internal/catalog/reservations/{reservation_id}", {"productId": "prosecco", "quantity": 1},
                   content_type="application/json", **headers),
        client.delete(f"/internal/catalog/reservations/{reservation_id}", **headers),
        client.get("/internal/catalog/reservations", {"heldAfter": "2000-01-01T00:00:00Z",
                                                      "heldBefore": "2100-01-01T00:00:00Z"}, **headers),
    ]
    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert all(answer.json()["code"] == 403 for answer in answers)
    assert stock() == before and not Reservation.objects.exists()


def test_a_logged_in_shopper_is_no_kit_service(shopper_client, demo_catalog):
    response = reserve(shopper_client, new_id(), HTTP_X_NOTHING="1")
    assert response.status_code == 403


def test_with_no_signing_keys_the_monolith_refuses_everyone(client, demo_catalog, settings):
    settings.IDENTITY_SIGNING_KEYS = []
    assert reserve(client, new_id()).status_code == 403


def test_held_reservations_are_listed_oldest_first_and_released_ones_are_not(client, demo_catalog):
    first, second, gone = new_id(), new_id(), new_id()
    for reservation_id in (first, gone, second):
        reserve(client, reservation_id)
    release(client, gone)
    response = client.get("/internal/catalog/reservations", {"heldAfter": "2000-01-01T00:00:00Z",
                                                             "heldBefore": "2100-01-01T00:00:00Z"}, **proof())
    assert response.status_code == 200
    assert [item["reservationId"] for item in response.json()["reservations"]] == [first, second]


def test_listing_needs_both_bounds(client, demo_catalog):
    response = client.get("/internal/catalog/reservations", {"heldAfter": "2000-01-01T00:00:00Z"}, **proof())
    assert response.status_code == 400


@needs_concurrent_writers
@pytest.mark.django_db(transaction=True)
def test_twin_reservations_at_the_same_moment_hold_stock_once(demo_catalog):
    """Six threads, each on its own database connection, send one reservation at the same moment."""
    reservation_id, before = new_id(), stock()
    codes = _race(6, lambda: reserve(Client(), reservation_id).status_code)
    assert sorted(codes) == [200] * 5 + [201]
    assert stock() == before - 1


@needs_concurrent_writers
@pytest.mark.django_db(transaction=True)
def test_twin_releases_at_the_same_moment_give_stock_back_once(demo_catalog):
    reservation_id, before = new_id(), stock()
    reserve(Client(), reservation_id)
    codes = _race(6, lambda: release(Client(), reservation_id).status_code)
    assert codes == [204] * 6
    assert stock() == before


def _race(threads: int, call: Callable[[], int]) -> list[int]:
    from django.db import connection

    start, codes = threading.Barrier(threads), []

    def run() -> None:
        start.wait()
        try:
            codes.append(call())
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return codes
