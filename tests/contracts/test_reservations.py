"""The internal reservations API (stock held under the caller's id, then given back or sold for good), as
both implementations must answer it."""

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


def commit(catalog, reservation_id: str) -> requests.Response:
    return requests.post(f"{reservation_url(catalog, reservation_id)}/commit", headers=catalog.internal_headers(),
                         timeout=10)


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


def test_a_committed_reservation_stays_sold_and_cannot_be_released(catalog):
    reservation_id, before = new_id(), stock(catalog, "museum-pass")
    assert reserve(catalog, reservation_id, "museum-pass").status_code == 201
    first, again = commit(catalog, reservation_id), commit(catalog, reservation_id)
    assert (first.status_code, again.status_code) == (200, 200) and again.json() == first.json()
    assert (first.json()["reservationId"], first.json()["productId"]) == (reservation_id, "museum-pass")
    refused = release(catalog, reservation_id)
    assert refused.status_code == 409 and refused.json()["code"] == 409
    assert stock(catalog, "museum-pass") == before - 1


def test_a_released_or_unknown_reservation_cannot_be_committed(catalog):
    released, never_made = new_id(), new_id()
    assert reserve(catalog, released, "museum-pass").status_code == 201
    assert release(catalog, released).status_code == 204
    assert release(catalog, never_made).status_code == 204  # its tombstone holds nothing to sell
    for gone in (released, never_made):
        refused = commit(catalog, gone)
        assert refused.status_code == 410 and refused.json()["code"] == 410
    unknown = commit(catalog, new_id())
    assert unknown.status_code == 404 and unknown.json()["code"] == 404


def test_without_the_internal_proof_nothing_is_committed(catalog):
    reservation_id, before = new_id(), stock(catalog, "museum-pass")
    assert reserve(catalog, reservation_id, "museum-pass").status_code == 201
    forged = requests.post(f"{reservation_url(catalog, reservation_id)}/commit",
                           headers={"X-Strangler-Internal": "forged"}, timeout=10)
    assert forged.status_code == 403 and forged.json()["code"] == 403
    assert release(catalog, reservation_id).status_code == 204  # still held, so it can still be given back
    assert stock(catalog, "museum-pass") == before


def test_committed_reservations_are_no_longer_listed_as_held(catalog):
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    committed = new_id()
    assert reserve(catalog, committed, "museum-pass").status_code == 201
    assert commit(catalog, committed).status_code == 200
    window = {"heldAfter": start.isoformat(), "heldBefore": (start + datetime.timedelta(minutes=5)).isoformat()}
    listed = requests.get(f"{catalog.url}/internal/catalog/reservations", params=window,
                          headers=catalog.internal_headers(), timeout=10).json()["reservations"]
    assert committed not in [item["reservationId"] for item in listed]


def test_a_release_and_a_commit_at_once_end_one_way_only(catalog):
    """Ten reservations, each released and committed at the same moment: each ends sold or given back."""
    catalog.set_stock("gourmet-basket", 10)
    ids = [new_id() for _ in range(10)]
    assert [reserve(catalog, reservation_id, "gourmet-basket").status_code for reservation_id in ids] == [201] * 10
    with ThreadPoolExecutor(max_workers=20) as pool:
        commits = pool.map(lambda reservation_id: commit(catalog, reservation_id).status_code, ids)
        releases = pool.map(lambda reservation_id: release(catalog, reservation_id).status_code, ids)
        outcomes = list(zip(commits, releases, strict=True))
    assert set(outcomes) <= {(200, 409), (410, 204)}
    sold = sum(1 for committed, _ in outcomes if committed == 200)
    assert stock(catalog, "gourmet-basket") == 10 - sold
