"""The read API's cache: answers kept in Redis under the stack's prefix, never served after a write."""

from __future__ import annotations

import threading
import uuid

import redis
import requests


def product(catalog, product_id: str, **headers: str) -> requests.Response:
    return requests.get(f"{catalog.url}/v1/products/{product_id}", headers=headers, timeout=10)


def reserve(catalog, product_id: str, reservation_id: str) -> requests.Response:
    return requests.put(f"{catalog.url}/internal/catalog/reservations/{reservation_id}",
                        json={"productId": product_id, "quantity": 1}, headers=catalog.internal_headers(),
                        timeout=10)


def kept_answers(catalog) -> list[str]:
    client = redis.Redis.from_url(catalog.env["REDIS_URL"], decode_responses=True)
    try:
        return list(client.scan_iter(match=f"{catalog.env['CATALOG_REDIS_PREFIX']}:answers:*", count=1000))
    finally:
        client.close()


def test_answers_are_kept_in_redis_under_the_stacks_prefix(catalog):
    product(catalog, "praline-selection")
    requests.get(f"{catalog.url}/v1/products", params={"q": "praline"}, timeout=10)
    kept = kept_answers(catalog)
    assert any(key.split(":")[-2] == "product" for key in kept)
    assert any(key.split(":")[-2] == "search" for key in kept)


def test_a_reservation_is_seen_by_the_next_read_and_changes_the_etag(catalog):
    first = product(catalog, "candle-set")
    assert product(catalog, "candle-set").headers["ETag"] == first.headers["ETag"]  # the kept answer
    assert reserve(catalog, "candle-set", f"cache-{uuid.uuid4().hex}").status_code == 201
    after = product(catalog, "candle-set", **{"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert after.json()["stock"] == first.json()["stock"] - 1 and after.headers["ETag"] != first.headers["ETag"]


def test_a_search_is_never_answered_from_before_a_write(catalog):
    search = {"q": "lilies"}
    before = requests.get(f"{catalog.url}/v1/products", params=search, timeout=10).json()["products"][0]
    reserve(catalog, before["id"], f"cache-{uuid.uuid4().hex}")
    after = requests.get(f"{catalog.url}/v1/products", params=search, timeout=10).json()["products"][0]
    assert after["stock"] == before["stock"] - 1


def test_a_write_beside_the_service_that_says_so_is_seen_at_once(catalog):
    product(catalog, "white-lilies")
    catalog.set_stock("white-lilies", 7)
    assert product(catalog, "white-lilies").json()["stock"] == 7


def test_readers_racing_writers_never_see_a_stale_answer_once_a_write_returned(catalog):
    """Eight readers fill the cache as fast as they can while twenty reservations are made one by one."""
    start, done, stale = product(catalog, "sunflower-bunch").json()["stock"], threading.Event(), []

    def read() -> None:
        while not done.is_set():
            product(catalog, "sunflower-bunch")

    readers = [threading.Thread(target=read) for _ in range(8)]
    for reader in readers:
        reader.start()
    try:
        for made in range(1, 21):
            assert reserve(catalog, "sunflower-bunch", f"race-{uuid.uuid4().hex}").status_code == 201
            seen = product(catalog, "sunflower-bunch").json()["stock"]
            if seen != start - made:
                stale.append((made, seen))
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert stale == []
