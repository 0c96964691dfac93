"""Committing a reservation: what only the service does (the monolith never commits, its checkout sells
at once); making, releasing and the race for the last units are in tests/contracts."""

from __future__ import annotations

import datetime
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests


def call(catalog, method: str, reservation_id: str, suffix: str = "", **kwargs) -> requests.Response:
    return requests.request(method, f"{catalog.url}/internal/catalog/reservations/{reservation_id}{suffix}",
                            headers=catalog.internal_headers(), timeout=10, **kwargs)


def reserve(catalog, reservation_id: str, product_id: str = "gourmet-basket") -> requests.Response:
    return call(catalog, "PUT", reservation_id, json={"productId": product_id, "quantity": 1})


def stock(catalog, product_id: str = "gourmet-basket") -> int:
    return requests.get(f"{catalog.url}/v1/products/{product_id}", timeout=10).json()["stock"]


def new_id() -> str:
    return f"c-{uuid.uuid4().hex}"


def test_a_committed_reservation_stays_sold_and_cannot_be_released(catalog):
    reservation_id, before = new_id(), stock(catalog)
    assert reserve(catalog, reservation_id).status_code == 201
    first, again = call(catalog, "POST", reservation_id, "/commit"), call(catalog, "POST", reservation_id, "/commit")
    assert (first.status_code, again.status_code) == (200, 200) and again.json() == first.json()
    refused = call(catalog, "DELETE", reservation_id)
    assert refused.status_code == 409 and refused.json()["code"] == 409
    assert stock(catalog) == before - 1


def test_a_released_or_unknown_reservation_cannot_be_committed(catalog):
    released = new_id()
    reserve(catalog, released)
    call(catalog, "DELETE", released)
    assert call(catalog, "POST", released, "/commit").status_code == 410
    assert call(catalog, "POST", new_id(), "/commit").status_code == 404


def test_a_release_and_a_commit_at_once_end_one_way_only(catalog):
    """Ten reservations, each released and committed at the same moment: each ends sold or given back."""
    catalog.set_stock("gourmet-basket", 10)
    ids = [new_id() for _ in range(10)]
    assert [reserve(catalog, reservation_id).status_code for reservation_id in ids] == [201] * 10
    with ThreadPoolExecutor(max_workers=20) as pool:
        commits = pool.map(lambda rid: call(catalog, "POST", rid, "/commit").status_code, ids)
        releases = pool.map(lambda rid: call(catalog, "DELETE", rid).status_code, ids)
        outcomes = list(zip(commits, releases, strict=True))
    assert set(outcomes) <= {(200, 409), (410, 204)}
    sold = sum(1 for commit, _ in outcomes if commit == 200)
    assert stock(catalog) == 10 - sold


def test_committed_reservations_are_no_longer_listed_as_held(catalog):
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    committed = new_id()
    reserve(catalog, committed)
    call(catalog, "POST", committed, "/commit")
    window = {"heldAfter": start.isoformat(), "heldBefore": (start + datetime.timedelta(minutes=5)).isoformat()}
    listed = requests.get(f"{catalog.url}/internal/catalog/reservations", params=window,
                          headers=catalog.internal_headers(), timeout=10).json()["reservations"]
    assert committed not in [item["reservationId"] for item in listed]
