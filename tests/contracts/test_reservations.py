"""The internal reservations API (stock held under the caller's id), as both implementations must answer it."""

from __future__ import annotations

import datetime
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests


def reservation_url(catalog, reservation_id: str) -> str:
    return f"{catalog.url}/internal/catalog/reservations/{reservation_id}"


def reserve(catalog, reservation_id: str, product_id: str, quantity: int = 1, **kwargs) -> requests.Response:
    return requests.put(reservation_url(catalog, reservation_id), json={"productId": product_id, "quantity": quantity},
                        headers=catalog.internal_headers(), timeout=kwargs.get("timeout", 10))


def release(catalog, reservation_id: str) -> requests.Response:
    return requests.delete(reservation_url(catalog, reservation_id), headers=catalog.internal_headers(), timeout=10)


def stock(catalog, product_id: str) -> int:
    return requests.get(f"{catalog.url}/v1/products/{product_id}", timeout=10).json()["stock"]


def new_id() -> str:
    return f"r-{uuid.uuid4().hex}"


def test_reserving_holds_the_units_once_however_often_it_is_asked(catalog):
    before, reservation_id = stock(catalog, "teddy-bear"), new_id()
    first = reserve(catalog, reservation_id, "teddy-bear", 2)
    again = reserve(catalog, reservation_id, "teddy-bear", 2)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reservationId"] == reservation_id and first.json()["held"] is True
    assert again.json() == first.json()
    assert stock(catalog, "teddy-bear") == before - 2


def test_releasing_gives_the_units_back_once(catalog):
    before, reservation_id = stock(catalog, "teddy-bear"), new_id()
    reserve(catalog, reservation_id, "teddy-bear")
    assert [release(catalog, reservation_id).status_code for _ in range(2)] == [204, 204]
    assert stock(catalog, "teddy-bear") == before


def test_a_released_id_holds_nothing_ever_again(catalog):
    reservation_id = new_id()
    assert release(catalog, reservation_id).status_code == 204  # never made: a tombstone stays
    before = stock(catalog, "teddy-bear")
    late = reserve(catalog, reservation_id, "teddy-bear")
    assert late.status_code == 410 and late.json()["code"] == 410
    assert stock(catalog, "teddy-bear") == before


def test_an_id_asked_for_another_product_or_quantity_is_422(catalog):
    reservation_id = new_id()
    reserve(catalog, reservation_id, "teddy-bear")
    assert reserve(catalog, reservation_id, "teddy-bear", 3).status_code == 422
    assert reserve(catalog, reservation_id, "prosecco").status_code == 422
    release(catalog, reservation_id)


def test_an_unknown_product_is_404_and_bad_input_400(catalog):
    assert reserve(catalog, new_id(), "no-such-thing").status_code == 404
    for body in [{"productId": "teddy-bear", "quantity": 0}, {"productId": "teddy-bear"}, {"quantity": 1}]:
        response = requests.put(reservation_url(catalog, new_id()), json=body, headers=catalog.internal_headers(),
                                timeout=10)
        assert response.status_code == 400 and response.json()["code"] == 400


def test_without_the_internal_proof_nothing_is_reserved(catalog):
    before = stock(catalog, "teddy-bear")
    response = requests.put(reservation_url(catalog, new_id()), json={"productId": "teddy-bear", "quantity": 1},
                            headers={"X-Strangler-Internal": "forged"}, timeout=10)
    assert response.status_code == 403 and response.json()["code"] == 403
    assert stock(catalog, "teddy-bear") == before


def test_more_than_the_shelf_holds_is_409_and_takes_nothing(catalog):
    before = stock(catalog, "balloon-ride")
    response = reserve(catalog, new_id(), "balloon-ride", before + 1)
    assert response.status_code == 409 and response.json()["code"] == 409
    assert stock(catalog, "balloon-ride") == before


def test_held_reservations_are_listed_for_the_window_oldest_first(catalog):
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    held, released = new_id(), new_id()
    reserve(catalog, held, "teddy-bear")
    reserve(catalog, released, "teddy-bear")
    release(catalog, released)
    window = {"heldAfter": start.isoformat(), "heldBefore": (start + datetime.timedelta(minutes=5)).isoformat()}
    response = requests.get(f"{catalog.url}/internal/catalog/reservations", params=window,
                            headers=catalog.internal_headers(), timeout=10)
    listed = [item["reservationId"] for item in response.json()["reservations"]]
    assert held in listed and released not in listed
    release(catalog, held)


def test_many_parallel_reservations_for_the_last_units_sell_exactly_those_units(catalog):
    """Five units left, forty buyers at once, each with its own reservation id, across gunicorn workers."""
    catalog.set_stock("champagne-brut", 5)
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: reserve(catalog, new_id(), "champagne-brut").status_code, range(40)))
    assert answers.count(201) == 5 and answers.count(409) == 35
    assert stock(catalog, "champagne-brut") == 0
